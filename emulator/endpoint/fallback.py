"""Every service ecsdev does not implement, answered by moto, embedded in the endpoint.

Why this exists: infrastructure code touches services around ECS (IAM roles and policies, SSM
parameters, Secrets Manager, S3, Cloud Map, KMS ...) before and after it creates a service. The
endpoint hands each such request, unchanged, to moto's WSGI dispatcher (the same application
``moto_server`` serves, ``DomainDispatcherApplication``), used in-process as a library, and
returns its answer. Requests for ecsdev's own services (ECS, ELBv2, Logs, the EC2 networking
calls, STS ``GetCallerIdentity``) never reach it, except operations ecsdev does not implement.

moto acts in the endpoint's account (``000000000000`` unless configured), passed on each
request as moto's ``x-moto-account-id`` header so the process environment stays untouched.

State: moto keeps everything in memory. SSM parameters and Secrets Manager secrets survive a
restart (and a kill -9): their write calls are journaled and replayed (``motojournal``). What
else moto holds (roles, buckets ...) is lost when the endpoint stops; ecsdev's own resources
(clusters, services, load balancers ...) are persisted and survive.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape

from emulator.endpoint.motojournal import Journal, journaled, region_of
from emulator.endpoint.wire import Reply

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class MotoFallback:
    """A WSGI application that answers with moto's in-memory backends."""

    def __init__(self, account_id: str, journal: Journal | None = None) -> None:
        self.account_id = account_id
        self.journal = journal
        self._app: WsgiApp | None = None
        self._lock = threading.Lock()
        self._writes = threading.Lock()  # journal order is the order moto applied them

    def app(self) -> WsgiApp:
        """moto's dispatcher, created on first use (importing moto takes about a second)."""
        with self._lock:
            if self._app is None:
                from moto.moto_server.werkzeug_app import (
                    DomainDispatcherApplication,
                    create_backend_app,
                )

                app = DomainDispatcherApplication(create_backend_app)
                if self.journal is not None:
                    self.journal.replay(app)
                self._app = app
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
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if self.journal is None or not journaled(target):
            return self.app()(environ, start_response)
        status = [500]

        def seen(code: str, headers: Any, *rest: Any) -> Any:
            status[0] = int(code.split(" ", 1)[0])
            return start_response(code, headers, *rest)

        app = self.app()
        with self._writes:
            answer = b"".join(app(environ, seen))
            if 200 <= status[0] < 300:
                region = region_of(str(environ.get("HTTP_AUTHORIZATION", "")))
                self.journal.record(target, region, self.account_id, body, answer)
        return [answer]


WARM_UP = (
    # (signing name, X-Amz-Target or "", form body): read-only calls that make moto build the
    # backends infrastructure code touches first (SSM's takes over a second: it loads AWS's
    # public parameters)
    ("iam", "", "Action=ListRoles&Version=2010-05-08"),
    ("ssm", "AmazonSSM.DescribeParameters", "{}"),
    ("secretsmanager", "secretsmanager.ListSecrets", "{}"),
    ("kms", "TrentService.ListKeys", "{}"),
    ("servicediscovery", "Route53AutoNaming_v20170314.ListNamespaces", "{}"),
    ("s3", "", ""),
)


def warm_up(fallback: MotoFallback, region: str = "us-east-1") -> None:
    """Answers one read-only request per common service, so that a client's first call is
    not the one that waits for moto to import and build its backend. Meant for a thread."""
    from werkzeug.test import EnvironBuilder

    for service, target, body in WARM_UP:
        headers = {
            "Authorization": f"AWS4-HMAC-SHA256 Credential=WARMUP/20260101/{region}/{service}"
            "/aws4_request, SignedHeaders=host, Signature=0"
        }
        if target:
            headers["X-Amz-Target"] = target
            ctype = "application/x-amz-json-1.1"
        else:
            ctype = "application/x-www-form-urlencoded"
        builder = EnvironBuilder(
            path="/",
            method="POST" if body else "GET",
            headers=list(headers.items()),
            content_type=ctype,
            data=body.encode(),
        )
        environ = builder.get_environ()
        try:
            for _ in fallback(environ, lambda *a, **k: None, body.encode()):
                pass
        except Exception:  # a warm-up that fails only means a slower first call
            continue


def unsupported_reply(
    scope: str, target: str, form: Mapping[str, str], label: str, error: Exception
) -> Reply:
    """HTTP 501 for what neither ecsdev nor moto answers (no such backend, or moto raised),
    in the envelope the client parses: JSON when the request named an ``X-Amz-Target`` or
    used a REST protocol, query XML (EC2's for EC2) when it posted an ``Action``."""
    code = "NotImplemented"
    message = f"ecsdev does not emulate {label} (the embedded moto backend: {type(error).__name__})"
    request_id = str(uuid.uuid4())
    if "Action" in form and not target:
        text = escape(message)
        if scope == "ec2":
            body = (
                f"<Response><Errors><Error><Code>{code}</Code><Message>{text}</Message></Error>"
                f"</Errors><RequestID>{request_id}</RequestID></Response>"
            )
        else:
            body = (
                f"<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code>"
                f"<Message>{text}</Message></Error><RequestId>{request_id}</RequestId>"
                "</ErrorResponse>"
            )
        return Reply(501, body.encode(), [("Content-Type", "text/xml")])
    return Reply(
        501,
        json.dumps({"__type": code, "message": message}).encode(),
        [
            ("Content-Type", "application/x-amz-json-1.1" if target else "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ],
    )


def request_handler_class() -> type[Any]:
    """moto's request handler for werkzeug's server: it keeps header names with underscores
    (S3 metadata), which werkzeug would drop. Falls back to werkzeug's own."""
    try:
        from moto.moto_server.werkzeug_app import MotoRequestHandler

        return MotoRequestHandler  # type: ignore[no-any-return]
    except ImportError:
        from werkzeug.serving import WSGIRequestHandler

        return WSGIRequestHandler
