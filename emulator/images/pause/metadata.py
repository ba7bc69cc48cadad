"""The pause container of an awsvpc task when no C compiler can build pause.c: the same
metadata endpoint v4, in Python, on the ecsdev/base image (bigger and slower to start).

It owns the task's network namespace (every container of the task joins it), so serving on
127.0.0.1 here is serving to the whole task. ecsdev writes /ecsdev/metadata.json (see
emulator/metadata.py ``encode``): line 1 the task's JSON, then each container's name and
JSON on two lines. Routes:
  /v4/<container>             this container's JSON
  /v4/<container>/task        the task's JSON
  /v4/<container>/stats       307 to the agent's, whose URL for this task ecsdev writes to
  /v4/<container>/task/stats  /ecsdev/agent (http://169.254.170.2/v4/<token>; none: 404)
Standard library only; it never reaches Docker.
"""

from __future__ import annotations

import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/ecsdev/metadata.json"
AGENT = "/ecsdev/agent"
PORT = 51679


def load() -> tuple[str, dict[str, str]] | None:
    for _ in range(150):  # the task's first step writes it: wait up to 3 s
        try:
            with open(PATH, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            text = ""
        if text.endswith("\n"):
            lines = text.split("\n")
            return lines[0], dict(zip(lines[1:-1:2], lines[2::2], strict=False))
        time.sleep(0.02)
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        body, status = '{"error": "not found"}', 404
        if (
            len(parts) in (3, 4)
            and parts[0] == "v4"
            and parts[2:] in (["stats"], ["task", "stats"])
        ):
            try:
                with open(AGENT, encoding="utf-8") as f:
                    base = f.read().strip()
            except OSError:
                base = ""
            if base:
                self.send_response(307)
                self.send_header("Location", f"{base}-{parts[1]}/{'/'.join(parts[2:])}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if len(parts) in (2, 3) and parts[0] == "v4" and parts[2:] in ([], ["task"]):
            doc = load()
            if doc is not None and parts[1] in doc[1]:
                body, status = (doc[0] if len(parts) == 3 else doc[1][parts[1]]), 200
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    except OSError:  # the port is taken by the app: stay a plain pause container
        signal.pause()
        return
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
