"""One request in, one response out, for whichever protocol the service's model names.

Why this exists: the server should not know JSON from XML. ``parse`` turns a request's
target/form/body into the operation and its input members (validated against the model);
``reply`` and ``error_reply`` turn a handler's dict or an ``ApiError`` into status, headers and
body in the protocol's exact envelope.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from emulator.endpoint.api import ApiError, UnknownOperation
from emulator.endpoint.wire import json_proto, query_in, xml_out
from emulator.endpoint.wire.models import (
    error_codes,
    operation_model,
    protocol,
    service_model,
    xml_namespace,
)
from emulator.endpoint.wire.validation import bad_input, check
from emulator.endpoint.wire.values import BadInput

PROTOCOLS = ("json", "query", "ec2")
"""The protocols ecsdev's own handlers can be reached by (rest-json/rest-xml go to moto)."""


@dataclass(frozen=True, slots=True)
class Call:
    operation: str
    params: dict[str, Any]


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)


def operation_name(service: str, target: str | None, form: dict[str, str]) -> str | None:
    """The operation a request names: ``X-Amz-Target``'s suffix (json), ``Action`` (query)."""
    if protocol(service) == "json":
        return target.rsplit(".", 1)[-1] if target and "." in target else None
    return form.get("Action")


def form_pairs(body: bytes, query: str) -> list[tuple[str, str]]:
    """A query request's parameters: the form body plus the URL's query string."""
    pairs = parse_qsl(query, keep_blank_values=True) if query else []
    if body:
        pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return pairs


def parse(
    service: str, target: str | None, body: bytes, pairs: Iterable[tuple[str, str]] = ()
) -> Call:
    """The call a request makes. Raises ``UnknownOperation`` when the model has no such
    operation, ``ApiError`` (the service's validation error) for input that breaks it."""
    proto = protocol(service)
    pairs = list(pairs)
    form = dict(pairs)
    name = operation_name(service, target, form)
    op = operation_model(service, name) if name else None
    if op is None:
        raise UnknownOperation(f"{service} has no operation {name!r} in its model")
    try:
        if proto == "json":
            params = json_proto.parse_body(body, op.input_shape)
        else:
            rest = [(k, v) for k, v in pairs if k not in ("Action", "Version")]
            params = query_in.parse_form(rest, op.input_shape, ec2=proto == "ec2")
    except BadInput as e:
        raise bad_input(service, e.message) from None
    check(service, params, op.input_shape)
    return Call(op.name, params)


def _content_type(service: str) -> str:
    if protocol(service) == "json":
        version = service_model(service).metadata.get("jsonVersion", "1.0")
        return f"application/x-amz-json-{version}"
    return "text/xml"


def reply(service: str, operation: str, result: dict[str, Any] | None, request_id: str) -> Reply:
    """200 and the operation's output; raises ``ShapeMismatch`` in strict mode."""
    op = operation_model(service, operation)
    if op is None:
        raise UnknownOperation(f"{service} has no operation {operation!r}")
    proto = protocol(service)
    where = f"{service}.{operation}"
    if proto == "json":
        body = json_proto.dump(result, op.output_shape, where)
    elif proto == "ec2":
        body = xml_out.ec2_response(op, result, request_id, xml_namespace(service))
    else:
        body = xml_out.query_response(op, result, request_id, xml_namespace(service))
    return Reply(200, body, _headers(service, request_id))


def _headers(service: str, request_id: str) -> list[tuple[str, str]]:
    return [("Content-Type", _content_type(service)), ("x-amzn-RequestId", request_id)]


def wire_error(service: str, err: ApiError) -> tuple[str, int]:
    """The code and status AWS sends for ``err``; a handler may name the error shape
    (``TargetGroupNotFoundException``) and the query protocols send its code
    (``TargetGroupNotFound``) and the model's HTTP status."""
    code, status = err.code, err.status
    known = error_codes(service).get(code)
    if known is not None and protocol(service) != "json":
        code = known[0]
        if status == 400:
            status = known[1]
    return code, status


def error_reply(service: str, err: ApiError, request_id: str) -> Reply:
    code, status = wire_error(service, err)
    proto = protocol(service)
    headers = _headers(service, request_id)
    if proto == "json":
        headers.append(("x-amzn-ErrorType", code))
        body = json.dumps({"__type": code, "message": err.message}).encode()
    elif proto == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>'
            f"<Code>{escape(code)}</Code><Message>{escape(err.message)}</Message>"
            f"</Error></Errors><RequestID>{escape(request_id)}</RequestID></Response>"
        ).encode()
    else:
        kind = "Sender" if err.sender else "Receiver"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<ErrorResponse xmlns="{xml_namespace(service)}"><Error><Type>{kind}</Type>'
            f"<Code>{escape(code)}</Code><Message>{escape(err.message)}</Message></Error>"
            f"<RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
        ).encode()
    return Reply(status, body, headers)
