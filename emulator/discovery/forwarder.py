"""The program of a discovery forwarder container (standard library only; run with the
container's python3, not imported by the engine).

Why this exists: a service name must reach only the service's healthy tasks, on the port
the client alias names, which may differ from the container's. Docker's DNS gives the name
to this container; this program listens on each client port and forwards every connection
(plain TCP, both directions, half-closes kept) to one of the tasks, round-robin, trying the
next task when one does not accept. Its configuration file (``plan.config``) is polled
every 0.2 s; a port with no task behind it is closed, so a client is refused at once
rather than left waiting. Connections already made outlive a change, as they drain in ECS.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import signal
import sys

CONF = "/etc/ecsdev-names.json"
POLL_SECONDS = 0.2
CONNECT_SECONDS = 3.0

Address = tuple[str, int]


class Forwarder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.text = b""
        self.backends: dict[int, list[Address]] = {}
        self.servers: dict[int, asyncio.Server] = {}
        self.turn = itertools.count()

    async def reload(self) -> None:
        try:
            with open(self.path, "rb") as f:
                data = f.read()
        except OSError:
            return
        if data == self.text:
            return
        try:
            listen = json.loads(data)["listen"]
            wanted = {int(p): [(str(h), int(q)) for h, q in b] for p, b in listen.items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            return  # caught in the middle of a write: the next poll reads it whole
        self.text, self.backends = data, wanted
        for port in [p for p in self.servers if not wanted.get(p)]:
            self.servers.pop(port).close()
        for port, backends in wanted.items():
            if backends and port not in self.servers:
                try:
                    self.servers[port] = await asyncio.start_server(
                        self._handler(port), host="0.0.0.0", port=port, reuse_address=True
                    )
                except OSError as e:
                    print(f"cannot listen on port {port}: {e}", file=sys.stderr, flush=True)

    def _handler(self, port: int):  # type: ignore[no-untyped-def]
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self.forward(port, reader, writer)

        return handle

    async def forward(
        self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        backends = list(self.backends.get(port, ()))
        start = next(self.turn)
        upstream = None
        for i in range(len(backends)):
            host, to = backends[(start + i) % len(backends)]
            try:
                upstream = await asyncio.wait_for(
                    asyncio.open_connection(host, to), CONNECT_SECONDS
                )
                break
            except (TimeoutError, OSError):
                continue
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        for w in (writer, up_writer):
            with contextlib.suppress(OSError):
                w.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


async def main(path: str) -> None:
    forwarder = Forwarder(path)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # PID 1 has no default handlers
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        await forwarder.reload()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_SECONDS)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else CONF))
