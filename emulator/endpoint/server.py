"""The endpoint's HTTP server: one WSGI application in front of the handlers and moto.

Why this exists: clients post every AWS service to one address. For each request the server
reads the body once, finds the service (``routing``), parses the call (``wire``), runs the
handler in a request thread and writes the protocol's answer; operations and services ecsdev
does not handle go to the embedded moto backend (``fallback``). It logs one line per request
(method, ``service.Operation``, status, milliseconds) to an event sink: never a body, a header
or a credential. ``GET /_ecsdev/health`` answers ``{"status": "running", ...}``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wsgi import get_input_stream

from emulator.endpoint import wire
from emulator.endpoint.api import (
    DEFAULT_ACCOUNT,
    ApiError,
    Request,
    ServiceHandlers,
    UnknownOperation,
)
from emulator.endpoint.fallback import MotoFallback, request_handler_class, unsupported_reply
from emulator.endpoint.routing import Route, Router
from emulator.errors import EcsdevError
from emulator.events import Event, EventSink, discard

HEALTH_PATH = "/_ecsdev/health"
StartResponse = Callable[..., Any]


class Endpoint:
    """The WSGI application. ``table`` maps botocore service names to their handlers."""

    def __init__(
        self,
        table: Mapping[str, ServiceHandlers],
        *,
        account_id: str = DEFAULT_ACCOUNT,
        sink: EventSink = discard,
        fallback: MotoFallback | None = None,
    ) -> None:
        self.table = dict(table)
        self.account_id = account_id
        self.sink = sink
        self.fallback = fallback if fallback is not None else MotoFallback(account_id)
        self.router = Router(self.table)
        self.started = time.time()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        t0 = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "/"))
        if path == HEALTH_PATH:
            return self._health(start_response)
        body = get_input_stream(environ).read()
        query = str(environ.get("QUERY_STRING", ""))
        ctype = str(environ.get("CONTENT_TYPE", ""))
        is_form = ctype.startswith("application/x-www-form-urlencoded") or (
            not body and bool(query)
        )
        pairs = wire.form_pairs(body if is_form else b"", query)
        form = dict(pairs)
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        route = self.router.route(target, str(environ.get("HTTP_AUTHORIZATION", "")), form)
        label = _label(route, target, form, method, path)
        status = [500]
        try:
            if route.service is not None:
                answered = self._own(route, target, body, pairs)
                if answered is not None:
                    label = f"{route.service}.{answered[0]}"
                    status[0] = answered[1].status
                    return _send(start_response, answered[1])

            def recording(code: str, headers: Any, *rest: Any) -> Any:
                status[0] = int(code.split(" ", 1)[0])
                return start_response(code, headers, *rest)

            return self.fallback(environ, recording, body)
        except Exception as e:
            if not isinstance(e, NotImplementedError):  # moto says so itself: no trace needed
                self.sink(Event(traceback.format_exc(), "error", kind="endpoint"))
            reply = unsupported_reply(route.scope_service, target, form, label, e)
            status[0] = reply.status
            return _send(start_response, reply)
        finally:
            self._log(method, label, status[0], (time.perf_counter() - t0) * 1000)

    def _own(
        self, route: Route, target: str, body: bytes, pairs: list[tuple[str, str]]
    ) -> tuple[str, wire.Reply] | None:
        """(operation, reply), or None when the fallback should answer."""
        service = route.service
        assert service is not None
        request_id = str(uuid.uuid4())
        try:
            call = wire.parse(service, target or None, body, pairs)
        except UnknownOperation:
            return None
        except ApiError as e:
            name = wire.protocols.operation_name(service, target or None, dict(pairs)) or "?"
            return name, wire.error_reply(service, e, request_id)
        req = Request(
            service=service,
            operation=call.operation,
            params=call.params,
            region=route.region,
            account_id=self.account_id,
            access_key=route.access_key,
            request_id=request_id,
        )
        try:
            result = self.table[service](req)
            return call.operation, wire.reply(service, call.operation, result, request_id)
        except UnknownOperation:
            return None
        except ApiError as e:
            return call.operation, wire.error_reply(service, e, request_id)
        except wire.ShapeMismatch as e:
            self.sink(Event(f"response does not fit the model: {e}", "error", kind="endpoint"))
            err = ApiError("InternalFailure", f"ecsdev strict mode: {e}", 500, sender=False)
            return call.operation, wire.error_reply(service, err, request_id)
        except EcsdevError as e:  # the engine's own trouble (Docker down ...): said, not traced
            self.sink(Event(f"{service}.{call.operation}: {e}", "error", kind="endpoint"))
            err = ApiError("InternalFailure", str(e), 500, sender=False)
            return call.operation, wire.error_reply(service, err, request_id)
        except Exception as e:  # a handler bug: the client gets AWS's 500, the log the trace
            self.sink(Event(traceback.format_exc(), "error", kind="endpoint"))
            err = ApiError("InternalFailure", f"{type(e).__name__}: {e}", 500, sender=False)
            return call.operation, wire.error_reply(service, err, request_id)

    def _log(self, method: str, label: str, status: int, ms: float) -> None:
        self.sink(
            Event(
                f"{method} {label} {status} {ms:.1f}ms",
                "error" if status >= 500 and status != 501 else "info",
                kind="request",
            )
        )

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        body = json.dumps(
            {
                "status": "running",
                "pid": os.getpid(),
                "account": self.account_id,
                "services": sorted(self.table),
                "uptime": round(time.time() - self.started, 3),
            }
        ).encode()
        return _send(start_response, wire.Reply(200, body, [("Content-Type", "application/json")]))


def _label(route: Route, target: str, form: Mapping[str, str], method: str, path: str) -> str:
    """``service.Operation`` for the log line, as well as a request for moto allows."""
    service = route.service or route.scope_service or "?"
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    if "Action" in form:
        return f"{service}.{form['Action']}"
    return f"{service} {path if len(path) <= 60 else path[:57] + '...'}"


def _send(start_response: StartResponse, reply: wire.Reply) -> list[bytes]:
    headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
    start_response(f"{reply.status} {_REASONS.get(reply.status, 'Status')}", headers)
    return [reply.body]


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


class _Quiet(request_handler_class()):  # type: ignore[misc]
    """werkzeug's request handler without its own access log (the endpoint logs instead)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002
        pass


def make(app: Endpoint, host: str = "127.0.0.1", port: int = 4566) -> BaseWSGIServer:
    """A threaded server bound to ``host:port`` (port 0: a free one; see ``bound_port``).
    Raises ``OSError`` when the address cannot be bound (werkzeug would exit instead)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        return make_server(host, port, app, threaded=True, request_handler=_Quiet, fd=sock.fileno())


def bound_port(server: BaseWSGIServer) -> int:
    """The port ``server`` listens on (the free one it got for port 0)."""
    return int(server.socket.getsockname()[1])


class Background:
    """The server in a thread of this process (tests, and ``serve`` in the foreground)."""

    def __init__(self, app: Endpoint, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make(app, host, port)
        self.port = bound_port(self.server)
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> Background:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)
