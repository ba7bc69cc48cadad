"""Input checks against the model, answered as the service answers them.

Why this exists: a client that skips botocore's own checks (another SDK, ``curl``, a newer or
older model) can send input that breaks the operation's input shape. AWS answers that with
one error per protocol: ``ValidationError`` (ELBv2, STS, IAM) and ``InvalidParameterException``
(ECS, Logs), both with the Coral wording ``1 validation error detected: Value null at 'family'
failed to satisfy constraint: Member must not be null``; EC2 answers ``MissingParameter`` or
``InvalidParameterValue``. The checks are botocore's ``ParamValidator`` (required members,
types, minimum lengths and values), the same as ecsdev's layouts use.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.model import StructureShape
from botocore.validate import ParamValidator

from emulator.endpoint.api import ApiError
from emulator.endpoint.wire.models import protocol, protocol_validation_code


def _path(name: str, lower: bool) -> str:
    """botocore's ``containerDefinitions[0].name`` as Coral writes it,
    ``containerDefinitions.1.member.name``; query services write members in camelCase
    (``Name`` -> ``name``)."""
    name = re.sub(r"\[(\d+)\]", lambda m: f".{int(m.group(1)) + 1}.member", name.lstrip("."))
    if not lower:
        return name
    return ".".join(p[:1].lower() + p[1:] for p in name.split(".") if p)


_TYPE_NAMES = {
    "<class 'str'>": "string",
    "<class 'int'>": "integer",
    "<class 'float'>": "number",
    "<class 'decimal.Decimal'>": "number",
    "<class 'bool'>": "boolean",
    "<class 'list'>": "list",
    "<class 'tuple'>": "list",
    "<class 'dict'>": "structure",
    "<class 'collections.OrderedDict'>": "structure",
    "<class 'datetime.datetime'>": "timestamp",
    "<class 'bytes'>": "blob",
    "<class 'bytearray'>": "blob",
}


def _constraint(reason: str, name: str, extra: dict[str, Any], lower: bool) -> tuple[str, str]:
    """(where, text) of one violation, in Coral's words."""
    if reason == "missing required field":
        where = _path(".".join(p for p in (name, str(extra["required_name"])) if p), lower)
        return (
            where,
            f"Value null at '{where}' failed to satisfy constraint: Member must not be null",
        )
    where = _path(name, lower) or "input"
    value = extra.get("param")
    shown = f"'{value}'" if not isinstance(value, dict | list) else "'…'"
    if reason == "invalid length":
        return where, (
            f"Value {shown} at '{where}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {extra['min_allowed']}"
        )
    if reason == "invalid range":
        return where, (
            f"Value {shown} at '{where}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {extra['min_allowed']}"
        )
    if reason == "invalid type":
        kinds = " or ".join(
            sorted({_TYPE_NAMES.get(t, str(t)) for t in extra.get("valid_types", [])})
        )
        return where, (
            f"Value {shown} at '{where}' failed to satisfy constraint: "
            f"Member must be of type {kinds}"
        )
    if reason == "unknown field":
        unknown = extra.get("unknown_param")
        return where, f"Unknown parameter '{unknown}' in '{where}'"
    return where, f"Value {shown} at '{where}' is not valid"


def check(service: str, params: dict[str, Any], shape: StructureShape | None) -> None:
    """Raises the service's validation error when ``params`` break ``shape``."""
    if shape is None:
        return
    report = ParamValidator().validate(params, shape)
    if not report.has_errors():
        return
    lower = protocol(service) == "query"
    errors = [_constraint(r, n, dict(x), lower) for r, n, x in report._errors]
    if protocol(service) == "ec2":
        reason, name, extra = report._errors[0]
        if reason == "missing required field":
            raise ApiError(
                "MissingParameter",
                f"The request must contain the parameter {extra['required_name']}",
            )
        raise ApiError("InvalidParameterValue", errors[0][1])
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    text = "; ".join(t for _, t in errors)
    raise ApiError(protocol_validation_code(service), f"{count} validation {noun} detected: {text}")


def bad_input(service: str, message: str) -> ApiError:
    """A value that cannot be read as its type (``count=abc``), or a body that is not JSON."""
    if protocol(service) == "json":
        return ApiError("SerializationException", message)
    return ApiError(protocol_validation_code(service), message)
