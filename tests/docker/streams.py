"""Clients for the long-lived exchanges an ALB passes on: a WebSocket (RFC 6455, written
here on a plain socket so that every byte of the handshake is the test's own) and a stream
of server-sent events read chunk by chunk, with the time each part arrived."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
import time
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class WebSocket:
    """A client WebSocket to 127.0.0.1:``port``: the handshake in the constructor, then
    masked frames out and whole frames in."""

    def __init__(
        self,
        port: int,
        path: str = "/ws",
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> None:
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n").decode("latin-1")
        status_line, *rest = head.split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {
            k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in rest if ":" in x)
        }

    def accepted(self) -> bool:
        """The server's answer proves it read our key (RFC 6455, section 4.1)."""
        want = base64.b64encode(hashlib.sha1((self.key + GUID).encode()).digest()).decode()
        return self.status == 101 and self.headers.get("sec-websocket-accept") == want

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            got = self.sock.recv(65536)
            if not got:
                raise EOFError("the connection was closed")
            self.buf += got
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _until(self, end: bytes) -> bytes:
        while end not in self.buf:
            got = self.sock.recv(65536)
            if not got:
                raise EOFError(f"closed before {end!r}: {self.buf[:200]!r}")
            self.buf += got
        out, self.buf = self.buf.split(end, 1)
        return out

    def send(self, payload: bytes, opcode: int = 0x1) -> None:
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def recv(self) -> tuple[int, bytes]:
        head = self._read(2)
        size = head[1] & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._read(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._read(8))[0]
        return head[0] & 0x0F, self._read(size)

    def recv_json(self) -> Any:
        opcode, payload = self.recv()
        assert opcode == 0x1, opcode
        return json.loads(payload)

    def closed_after(self, limit: float) -> float | None:
        """Seconds until the far side closes the connection, waiting at most ``limit``;
        None if it stays open."""
        start = time.monotonic()
        self.sock.settimeout(limit)
        try:
            while True:
                if not self.sock.recv(65536):
                    return time.monotonic() - start
        except TimeoutError:
            return None
        except ConnectionResetError:
            return time.monotonic() - start

    def close(self) -> None:
        self.sock.close()


def event_times(port: int, path: str, timeout: float = 20) -> list[tuple[float, bytes]]:
    """GET ``path`` and read the chunked body as it comes: (seconds since the request was
    sent, the chunk) for each chunk."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        start = time.monotonic()
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        reader = sock.makefile("rb")
        status = reader.readline()
        assert b" 200 " in status, status
        headers = {}
        while (line := reader.readline().strip()) != b"":
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        assert headers.get("transfer-encoding") == "chunked", headers
        out = []
        while True:
            size = int(reader.readline().strip(), 16)
            if size == 0:
                return out
            chunk = reader.read(size)
            reader.readline()
            out.append((time.monotonic() - start, chunk))
    finally:
        sock.close()
