"""XML responses of the query protocols (awsQuery: ELBv2, STS, IAM; ec2: EC2).

Why this exists: ELBv2 and EC2 answer in XML whose element names, list wrappers (``member``,
``item``), flattened lists and maps come from the output shape's ``locationName`` and
``flattened`` traits. This module writes a handler's dict that way, inside each protocol's
envelope (``<OpResponse><OpResult>…</OpResult><ResponseMetadata>`` for awsQuery,
``<OpResponse><requestId>`` for ec2), checking it against the shape in strict mode.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from emulator.endpoint.wire.values import (
    BadInput,
    ShapeMismatch,
    blob_out,
    check_members,
    check_scalar,
    timestamp_out,
)


def query_response(
    op: OperationModel, result: dict[str, Any] | None, request_id: str, namespace: str
) -> bytes:
    """``<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>…`` (awsQuery)."""
    name = op.name
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}Response xmlns="{namespace}">']
    shape = op.output_shape
    if shape is not None:
        wrapper = str(shape.serialization.get("resultWrapper", f"{name}Result"))
        parts.append(f"<{wrapper}>")
        _members(parts, result or {}, shape, name)
        parts.append(f"</{wrapper}>")
    elif result:
        check_members(result, _NoMembers, name)
    parts.append(
        f"<ResponseMetadata><RequestId>{escape(request_id)}</RequestId></ResponseMetadata>"
        f"</{name}Response>"
    )
    return "".join(parts).encode()


def ec2_response(
    op: OperationModel, result: dict[str, Any] | None, request_id: str, namespace: str
) -> bytes:
    """``<OpResponse xmlns=…><requestId>…</requestId>…`` (ec2)."""
    name = op.name
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{name}Response xmlns="{namespace}">',
        f"<requestId>{escape(request_id)}</requestId>",
    ]
    shape = op.output_shape
    if shape is not None:
        _members(parts, result or {}, shape, name)
    elif result:
        check_members(result, _NoMembers, name)
    parts.append(f"</{name}Response>")
    return "".join(parts).encode()


class _NoMembers:
    name = "(no output)"
    members: dict[str, Shape] = {}
    required_members: list[str] = []


def _members(parts: list[str], value: Any, shape: StructureShape, path: str) -> None:
    if not isinstance(value, dict):
        raise ShapeMismatch(f"{path}: expected a structure, got {type(value).__name__}")
    check_members(value, shape, path)
    for name, member in shape.members.items():
        v = value.get(name)
        if v is None:
            continue
        where = f"{path}.{name}"
        if isinstance(member, ListShape) and member.serialization.get("flattened"):
            tag = str(
                member.member.serialization.get("name") or member.serialization.get("name", name)
            )
            for i, item in enumerate(_as_list(v, where)):
                _element(parts, tag, item, member.member, f"{where}[{i}]")
        elif isinstance(member, MapShape) and member.serialization.get("flattened"):
            tag = str(member.serialization.get("name", name))
            for k, item in _as_map(v, where).items():
                parts.append(f"<{tag}>")
                _entry(parts, k, item, member, where)
                parts.append(f"</{tag}>")
        else:
            _element(parts, str(member.serialization.get("name", name)), v, member, where)


def _element(parts: list[str], tag: str, value: Any, shape: Shape, path: str) -> None:
    parts.append(f"<{tag}>")
    if isinstance(shape, StructureShape):
        _members(parts, value, shape, path)
    elif isinstance(shape, ListShape):
        item_tag = str(shape.member.serialization.get("name", "member"))
        for i, item in enumerate(_as_list(value, path)):
            _element(parts, item_tag, item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape):
        for k, item in _as_map(value, path).items():
            parts.append("<entry>")
            _entry(parts, k, item, shape, path)
            parts.append("</entry>")
    else:
        parts.append(escape(_scalar(value, shape, path)))
    parts.append(f"</{tag}>")


def _entry(parts: list[str], key: Any, value: Any, shape: MapShape, path: str) -> None:
    key_tag = str(shape.key.serialization.get("name", "key"))
    value_tag = str(shape.value.serialization.get("name", "value"))
    parts.append(f"<{key_tag}>{escape(str(key))}</{key_tag}>")
    if value is not None:
        _element(parts, value_tag, value, shape.value, f"{path}.{key}")


def _as_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise ShapeMismatch(f"{path}: expected a list, got {type(value).__name__}")
    return list(value)


def _as_map(value: Any, path: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise ShapeMismatch(f"{path}: expected a map, got {type(value).__name__}")
    return value


def _scalar(value: Any, shape: Shape, path: str) -> str:
    kind = shape.type_name
    if kind == "timestamp":
        try:
            return str(timestamp_out(value, shape, "iso8601"))
        except BadInput as e:
            raise ShapeMismatch(f"{path}: {e}") from None
    if kind == "blob":
        return blob_out(value)
    check_scalar(value, shape, path)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
