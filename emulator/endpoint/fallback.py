"""Every service ecsdev does not implement, answered by moto, embedded in the endpoint.

Why this exists: infrastructure code touches services around ECS (IAM roles and policies, SSM
parameters, Secrets Manager, S3, Cloud Map, KMS ...) before and after it creates a service. The
endpoint hands each such request, unchanged, to moto's WSGI dispatcher (the same application
``moto_server`` serves, ``DomainDispatcherApplication``), used in-process as a library, and
returns its answer. Requests for ecsdev's own services (ECS, ELBv2, Logs, the EC2 networking
calls, STS ``GetCallerIdentity``) never reach it, except operations ecsdev does not implement.

moto acts in the endpoint's account (``000000000000`` unless configured), passed on each
request as moto's ``x-moto-account-id`` header so the process environment stays untouched.

State: moto keeps everything in memory. What it holds (roles, parameters, secrets, buckets
...) is lost when the endpoint stops or is killed, and is not shared with another process;
ecsdev's own resources (clusters, services, load balancers ...) are persisted and survive.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class MotoFallback:
    """A WSGI application that answers with moto's in-memory backends."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id
        self._app: WsgiApp | None = None
        self._lock = threading.Lock()

    def app(self) -> WsgiApp:
        """moto's dispatcher, created on first use (importing moto takes about a second)."""
        with self._lock:
            if self._app is None:
                from moto.moto_server.werkzeug_app import (
                    DomainDispatcherApplication,
                    create_backend_app,
                )

                self._app = DomainDispatcherApplication(create_backend_app)
            return self._app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any], body: bytes
    ) -> Iterable[bytes]:
        """Answers one request whose body the endpoint has already read."""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input_terminated"] = False
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["HTTP_X_MOTO_ACCOUNT_ID"] = self.account_id
        return self.app()(environ, start_response)


def request_handler_class() -> type[Any]:
    """moto's request handler for werkzeug's server: it keeps header names with underscores
    (S3 metadata), which werkzeug would drop. Falls back to werkzeug's own."""
    try:
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        return MotoRequestHandler  # type: ignore[no-any-return]
    except ImportError:
        from werkzeug.serving import WSGIRequestHandler

        return WSGIRequestHandler
