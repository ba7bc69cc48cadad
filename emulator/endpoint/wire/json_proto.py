"""The awsJson1_0/1_1 protocol (ECS, CloudWatch Logs): JSON in, JSON out.

Why this exists: ECS and Logs speak JSON with ``X-Amz-Target: Prefix.Operation``; this module
turns a body into the input shape's members (timestamps as datetime, blobs as bytes, members
the model does not know dropped, as AWS's JSON services ignore them) and a handler's dict into
the body the SDKs parse (timestamps as epoch seconds, blobs base64), checking it against the
output shape in strict mode.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from emulator.endpoint.wire.values import (
    BadInput,
    ShapeMismatch,
    blob_in,
    blob_out,
    check_members,
    check_scalar,
    strict,
    timestamp_out,
    to_datetime,
)


def _json_name(shape: Shape, member: str) -> str:
    return str(shape.serialization.get("name", member))


def parse_body(body: bytes, shape: StructureShape | None) -> dict[str, Any]:
    """The request's members; raises ``BadInput`` for a body that is not a JSON object."""
    if not body.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(body)
        except ValueError:
            raise BadInput("The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadInput("The request body must be a JSON object")
    if shape is None:
        return {}
    out = _in(data, shape)
    return out if isinstance(out, dict) else {}


def _in(value: Any, shape: Shape) -> Any:
    if value is None:
        return None
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return value  # the validator reports the wrong type
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            key = _json_name(member, name)
            if key in value and value[key] is not None:
                out[name] = _in(value[key], member)
        return out
    if isinstance(shape, ListShape):
        return [_in(v, shape.member) for v in value] if isinstance(value, list) else value
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return value
        return {k: _in(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return to_datetime(value)
    if shape.type_name == "blob" and isinstance(value, str):
        return blob_in(value)
    return value


def dump(result: dict[str, Any] | None, shape: StructureShape | None, where: str) -> bytes:
    """The response body for a handler's result (``{}`` for operations without output)."""
    if shape is None:
        if result and strict():
            raise ShapeMismatch(f"{where}: the operation has no output, got {sorted(result)}")
        return b"{}"
    return json.dumps(_out(result or {}, shape, where), separators=(",", ":")).encode()


def _out(value: Any, shape: Shape, path: str) -> Any:
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise ShapeMismatch(f"{path}: expected a structure, got {type(value).__name__}")
        check_members(value, shape, path)
        out: dict[str, Any] = {}
        for name, v in value.items():
            member = shape.members.get(name)
            if member is None or v is None:
                continue
            out[_json_name(member, name)] = _out(v, member, f"{path}.{name}")
        return out
    if isinstance(shape, ListShape):
        if not isinstance(value, list | tuple):
            raise ShapeMismatch(f"{path}: expected a list, got {type(value).__name__}")
        return [_out(v, shape.member, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise ShapeMismatch(f"{path}: expected a map, got {type(value).__name__}")
        return {str(k): _out(v, shape.value, f"{path}.{k}") for k, v in value.items()}
    return _scalar(value, shape, path)


def _scalar(value: Any, shape: Shape, path: str) -> Any:
    kind = shape.type_name
    try:
        if kind == "timestamp":
            return timestamp_out(value, shape, "unixTimestamp")
    except BadInput as e:
        raise ShapeMismatch(f"{path}: {e}") from None
    if kind == "blob":
        return blob_out(value)
    check_scalar(value, shape, path)
    return value
