"""The pause container of an awsvpc task, and the task's metadata endpoint.

It owns the task's network namespace (every container of the task joins it), so serving on
127.0.0.1 here is serving to the whole task, like the ECS agent's 169.254.170.2. ecsdev
writes the task's metadata (ECS's v4 JSON) to /ecsdev/metadata.json and rewrites it when the
task's status changes; this only reads it. Routes (ECS task metadata endpoint v4):
  /v4/<container>          this container's JSON
  /v4/<container>/task     the task's JSON
Standard library only; it never reaches Docker.
"""

import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/ecsdev/metadata.json"
PORT = 51679


def load():
    try:
        with open(PATH) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        task = load()
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        body, status = {"error": "not found"}, 404
        if task is not None and len(parts) >= 2 and parts[0] == "v4":
            containers = {c["Name"]: c for c in task.get("Containers", [])}
            mine = containers.get(parts[1])
            if len(parts) == 2 and mine is not None:
                body, status = mine, 200
            elif len(parts) == 3 and parts[2] == "task":
                body, status = task, 200
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
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
