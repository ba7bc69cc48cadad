"""The agent's HTTP server at 169.254.170.2:80: credentials and metadata v4 for every task.

Why it exists: this is the one process that answers the address ECS tasks expect their agent
at (see the package's docstring). Routes, the token being the task's (``registry``):

    GET /v2/credentials/<token>              the task's role credentials (ECS's JSON)
    GET /v4/<token>-<container>              that container's metadata
    GET /v4/<token>-<container>/task         the task's metadata
    GET /v4/<token>-<container>/stats        Docker's stats JSON of the container
    GET /v4/<token>-<container>/task/stats   Docker ID -> stats JSON of every container
    GET /ecsdev/ping                         which agent this is (for the launcher)

One log line per failed or slow request (status, milliseconds, the path with the token cut
to 4 characters); never a body. Credential sources of the layer above (``session``,
``assume-role``) come from the providers module the launching process named.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from emulator import labels as L
from emulator.agent import code_version, protection
from emulator.agent.creds import (
    CredentialCache,
    CredentialRequest,
    CredentialSource,
    LocalSource,
    ecs_json,
)
from emulator.agent.meta import TaskDocs
from emulator.agent.registry import Registration, lookup, registered, release
from emulator.errors import EcsdevError, NotFound
from emulator.providers import installed
from emulator.runtime.base import ContainerRuntime

VERSION = code_version()  # of the code this process runs
IDLE_EXIT = 600.0  # seconds with no task registered before the agent exits
PRUNE_AFTER = 120.0  # a registration whose task has no container for this long is dropped


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Agent:
    """What the server answers, apart from HTTP (tests call it directly)."""

    def __init__(self, agent_dir: Path, runtime: ContainerRuntime, docs: TaskDocs) -> None:
        self.dir = agent_dir
        self.runtime = runtime
        self.docs = docs
        self.cache = CredentialCache()
        self._sources: dict[tuple[Any, ...], CredentialSource] = {}
        self._loaded: set[str] = set()
        self._lock = threading.Lock()

    def registration(self, token: str) -> Registration:
        reg = lookup(self.dir, token)
        if reg is None:
            raise HttpError(400, "InvalidIdInRequest", "no task is registered with this ID")
        return reg

    def source(self, reg: Registration) -> CredentialSource:
        key = (reg.source, tuple(sorted(reg.options.items())), reg.providers)
        with self._lock:
            if key in self._sources:
                return self._sources[key]
            if reg.source == "local":
                src: CredentialSource = LocalSource()
            else:
                if reg.providers and reg.providers not in self._loaded:
                    importlib.import_module(reg.providers)  # installs its sources
                    self._loaded.add(reg.providers)
                factory = installed().credential_sources.get(reg.source)
                if factory is None:
                    raise HttpError(
                        500,
                        "InternalServerException",
                        f"no credential source {reg.source!r} in the agent (start tasks "
                        "through the ecsdev command, which installs it)",
                    )
                src = factory(reg.options)
            self._sources[key] = src
            return src

    def credentials(self, token: str) -> dict[str, Any]:
        reg = self.registration(token)
        if not reg.credentials:
            raise HttpError(400, "InvalidIdInRequest", "the task has no role credentials")
        src = self.source(reg)
        req = CredentialRequest(reg.role_arn, reg.task_id, reg.region, reg.account_id)
        try:
            creds = self.cache.get(token, lambda: src.fetch(req))
        except EcsdevError as e:
            raise HttpError(500, "InternalServerException", e.message) from e
        return ecs_json(creds, reg.role_arn)

    def metadata(self, ident: str, rest: str) -> Any:
        token, _, name = ident.partition("-")
        reg = self.registration(token)
        try:
            match rest:
                case "":
                    return self.docs.container(reg, name)
                case "task":
                    return self.docs.task(reg)
                case "stats":
                    return self.docs.container_stats(reg, name)
                case "task/stats":
                    return self.docs.task_stats(reg)
        except NotFound as e:
            raise HttpError(404, "NotFound", e.message) from e
        raise HttpError(404, "NotFound", "no such path of the metadata endpoint v4")

    def api(self, rest: str, method: str, body: bytes) -> Any:
        """``$ECS_AGENT_URI`` (``/api/<token>``): the task-protection endpoint."""
        token, _, tail = rest.partition("/")
        reg = self.registration(token)
        if tail != protection.PATH:
            raise HttpError(404, "NotFound", "not a path of the agent API")
        try:
            return protection.state(self.docs, reg, method, body)
        except NotFound as e:
            raise HttpError(404, "NotFound", e.message) from e

    def route(self, path: str, method: str = "GET", body: bytes = b"") -> Any:
        path = path.split("?", 1)[0].rstrip("/")
        if path.startswith("/api/"):
            return self.api(path.removeprefix("/api/"), method, body)
        if method != "GET":
            raise HttpError(405, "MethodNotAllowed", "only GET is answered here")
        if path.startswith("/v2/credentials/"):
            return self.credentials(path.removeprefix("/v2/credentials/"))
        if path.startswith("/v4/"):
            ident, _, rest = path.removeprefix("/v4/").partition("/")
            return self.metadata(ident, rest)
        if path == "/ecsdev/ping":
            return {"agent": "ecsdev", "dir": str(self.dir), "pid": os.getpid(), "version": VERSION}
        raise HttpError(404, "NotFound", "not a path of the agent")

    def prune(self, now: float) -> int:
        """Drop registrations whose task is gone (its launcher died before releasing it);
        returns how many tasks are still registered."""
        left = 0
        for reg in registered(self.dir):
            path = self.dir / "tasks" / f"{reg.token}.json"
            try:
                age = now - path.stat().st_mtime
            except OSError:
                continue
            if age > PRUNE_AFTER and not self.runtime.list_containers({L.TASK_ARN: reg.task_arn}):
                release(self.dir, reg.token)
                self.cache.forget(reg.token)
            else:
                left += 1
        return left


def redact(path: str) -> str:
    """The path as logged: a task's token cut to its first 4 characters."""
    for prefix in ("/v2/credentials/", "/v4/", "/api/"):
        if path.startswith(prefix):
            tail = path[len(prefix) :]
            return f"{prefix}{tail[:4]}…{tail[32:]}"
    return path


def handler(agent: Agent, log: Callable[[str], None]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "ecsdev-agent"

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.answer("GET")

        def do_PUT(self) -> None:  # noqa: N802 - http.server's name
            self.answer("PUT")

        def answer(self, method: str) -> None:
            start = time.monotonic()
            size = int(self.headers.get("Content-Length") or 0)
            sent = self.rfile.read(min(size, 65536)) if size else b""
            try:
                status, body = 200, agent.route(self.path, method, sent)
            except protection.ProtectionRequestError as e:
                status, body = e.status, e.body
            except HttpError as e:
                status, body = e.status, {"code": e.code, "message": e.message}
            except EcsdevError as e:
                status, body = 500, {"code": "InternalServerException", "message": e.message}
            except Exception as e:  # noqa: BLE001 - answer, and name only the error's type
                status, body = 500, {"code": "InternalServerException", "message": type(e).__name__}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            ms = (time.monotonic() - start) * 1000
            if status != 200 or ms > 1000:  # the echo app alone reads /task at every request
                log(f"{method} {redact(self.path)} {status} {ms:.0f}ms")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # written above, without the token

    return Handler


def serve(agent: Agent, address: str, port: int, idle_exit: float = IDLE_EXIT) -> None:
    """Answer until no task has been registered for ``idle_exit`` seconds."""

    def log(line: str) -> None:
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}", file=sys.stderr, flush=True)

    server = ThreadingHTTPServer((address, port), handler(agent, log))
    server.daemon_threads = True
    stop = threading.Event()

    def housekeeping() -> None:
        idle_since: float | None = None
        while not stop.wait(30):
            now = time.time()
            try:
                busy = agent.prune(now) > 0
            except EcsdevError as e:
                log(f"prune: {e.message}")
                busy = True
            idle_since = None if busy else (idle_since or now)
            if idle_since is not None and now - idle_since >= idle_exit:
                log("no task registered; exiting")
                server.shutdown()
                return

    threading.Thread(target=housekeeping, daemon=True, name="agent-housekeeping").start()
    log(f"answering on {address}:{port} for tasks registered in {agent.dir}")
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        stop.set()
        server.server_close()
