"""echo: the demo app and test subject of ecsdev.

Answers every request with JSON describing what it received and the URL a client would use
to reach this path again, computed ONLY from standard proxy headers (Forwarded first, then
X-Forwarded-Proto/Host/Port/Prefix, then Host). Standard library only.

Environment: PORT (default 8080), PATH_PREFIX (default ""), ECS_CONTAINER_METADATA_URI_V4.
Paths (below PATH_PREFIX): /health, /health/fail, /health/ok, /exit/N, /sleep/N; /stream/N
(N server-sent events, one every STREAM_EVERY seconds, default 1, each written as it comes);
/ws (a WebSocket, RFC 6455: first a text message with what the handshake carried, then
every message echoed); anything else echoes. Sending SIGUSR1 flips health too.
"""

import base64
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8080"))
PREFIX = os.environ.get("PATH_PREFIX", "").rstrip("/")
STATE = {"healthy": True}
STREAM_EVERY = float(os.environ.get("STREAM_EVERY", "1"))
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


def task_arn():
    uri = os.environ.get("ECS_CONTAINER_METADATA_URI_V4")
    if uri:
        try:
            with urllib.request.urlopen(uri + "/task", timeout=1) as r:
                return json.load(r).get("TaskARN")
        except Exception:
            pass
    return os.environ.get("ECS_TASK_ARN")


def parse_forwarded(value):
    """First element of an RFC 7239 Forwarded header as a dict (the viewer's hop)."""
    first = value.split(",")[0]
    out = {}
    for pair in first.split(";"):
        if "=" in pair:
            k, v = pair.split("=", 1)
            out[k.strip().lower()] = v.strip().strip('"')
    return out


def return_path(headers, path):
    h = {k.lower(): v for k, v in headers.items()}
    proto = host = port = None
    prefix = h.get("x-forwarded-prefix", "").split(",")[0].strip().rstrip("/")
    if "forwarded" in h:
        fwd = parse_forwarded(h["forwarded"])
        proto, host = fwd.get("proto"), fwd.get("host")
    if not proto and "x-forwarded-proto" in h:
        proto = h["x-forwarded-proto"].split(",")[0].strip()
    if not host and "x-forwarded-host" in h:
        host = h["x-forwarded-host"].split(",")[0].strip()
    if "x-forwarded-port" in h and host and ":" not in host.rsplit("]", 1)[-1]:
        port = h["x-forwarded-port"].split(",")[0].strip()
    host = host or h.get("host", "localhost")
    proto = proto or "http"
    if port and not ((proto == "http" and port == "80") or (proto == "https" and port == "443")):
        host = f"{host}:{port}"
    return f"{proto}://{host}{prefix}{path}"


def ws_send(out, opcode, payload):
    """One unmasked, final WebSocket frame (a server's)."""
    size = len(payload)
    if size < 126:
        head = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    out.write(head + payload)
    out.flush()


def ws_read(rfile):
    """(opcode, payload) of the next frame, unmasked; (None, b"") at the end of the stream."""
    head = rfile.read(2)
    if len(head) < 2:
        return None, b""
    opcode, size = head[0] & 0x0F, head[1] & 0x7F
    if size == 126:
        size = struct.unpack("!H", rfile.read(2))[0]
    elif size == 127:
        size = struct.unpack("!Q", rfile.read(8))[0]
    mask = rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
    data = rfile.read(size)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "echo/1"
    # headers and body go out in two writes: with Nagle on, the body waits for the ACK of
    # the headers, which a proxy that keeps the connection alive (nginx, the ALB stand-in)
    # delays by ~40 ms, on every request after the first few
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))
        sys.stdout.flush()

    def reply(self, status, body):
        data = json.dumps(body, indent=2, sort_keys=True).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def describe(self, status):
        return {
            "served-by": socket.gethostname(),
            "task": task_arn(),
            "status-code": status,
            "healthy": STATE["healthy"],
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "method": self.command,
            "path": self.path,
            "incoming-headers": {k.lower(): v for k, v in self.headers.items()},
            "calculated-return-path": return_path(self.headers, self.path),
        }

    def stream(self, count):
        """Server-sent events, each sent as its own chunk when it is due."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(count):
            if i:
                time.sleep(STREAM_EVERY)
            event = f"id: {i}\ndata: {time.time():.3f}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def websocket(self):
        key = self.headers.get("Sec-WebSocket-Key")
        if (self.headers.get("Upgrade") or "").lower() != "websocket" or not key:
            self.reply(426, {"error": "a WebSocket handshake is expected here"})
            return
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        ws_send(self.wfile, 0x1, json.dumps(self.describe(101), sort_keys=True).encode())
        while True:
            opcode, payload = ws_read(self.rfile)
            if opcode is None or opcode == 0x8:  # gone, or a close: answer it
                if opcode == 0x8:
                    ws_send(self.wfile, 0x8, payload[:2])
                return
            ws_send(self.wfile, 0xA if opcode == 0x9 else opcode, payload)

    def handle_any(self):
        path = self.path.split("?", 1)[0]
        local = path[len(PREFIX):] if PREFIX and path.startswith(PREFIX) else path
        status = 200
        if local == "/ws":
            return self.websocket()
        if local.startswith("/stream/"):
            return self.stream(int(local.split("/")[2] or 0))
        if local == "/health":
            status = 200 if STATE["healthy"] else 503
        elif local in ("/health/fail", "/health/ok"):
            STATE["healthy"] = local == "/health/ok"
        elif local.startswith("/exit/"):
            code = int(local.split("/")[2] or 0)
            threading.Timer(0.1, lambda: os._exit(code)).start()
        elif local.startswith("/sleep/"):
            time.sleep(float(local.split("/")[2] or 0))
        self.reply(status, self.describe(status))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = handle_any


def flip(*_):
    STATE["healthy"] = not STATE["healthy"]


def main():
    signal.signal(signal.SIGUSR1, flip)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = ThreadingHTTPServer(("", PORT), Handler)
    server.daemon_threads = True
    print(f"echo listening on :{PORT} prefix={PREFIX or '/'}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
