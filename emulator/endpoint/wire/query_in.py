"""Reading the query protocols' form bodies (awsQuery: ELBv2, STS, IAM; ec2: EC2).

Why this exists: query requests arrive flat (``Tags.member.1.Key=k``, ``Filter.1.Value.1=v``,
``Attributes.entry.1.key=k``); handlers want the input shape's nested members. This module
reads the flat names back the way botocore's ``QuerySerializer`` and ``EC2Serializer`` write
them, driven by the shape: ``locationName``/``queryName``, ``member``/custom list member
names, flattened lists and maps, 1-based indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from emulator.endpoint.wire.values import scalar_from_text

Node = dict[str, Any]
"""A trie of the flat names: each part of a dotted name is a level; a value sits under ``""``."""


def trie(pairs: Iterable[tuple[str, str]]) -> Node:
    root: Node = {}
    for name, value in pairs:
        node = root
        for part in name.split("."):
            node = node.setdefault(part, {})
        node[""] = value
    return root


def parse_form(
    pairs: Iterable[tuple[str, str]], shape: StructureShape | None, ec2: bool
) -> dict[str, Any]:
    """The input members of a query/ec2 request (``Action`` and ``Version`` excluded)."""
    if shape is None:
        return {}
    out = _structure(trie(pairs), shape, ec2)
    return out


def _member_name(member: Shape, default: str, ec2: bool) -> str:
    ser = member.serialization
    if ec2:
        if "queryName" in ser:
            return str(ser["queryName"])
        if "name" in ser:
            name = str(ser["name"])
            return name[0].upper() + name[1:]
        return default
    return str(ser.get("name", default))


def _structure(node: Node, shape: StructureShape, ec2: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        key = _member_name(member, name, ec2)
        if (
            not ec2
            and isinstance(member, ListShape)
            and member.serialization.get("flattened")
            and member.member.serialization.get("name")
        ):
            key = str(member.member.serialization["name"])
        child = node.get(key)
        if child is None:
            continue
        value = _value(child, member, ec2)
        if value is not None:
            out[name] = value
    return out


def _indexed(node: Node) -> list[Node]:
    """Children named 1, 2, 3 ... in numeric order (gaps tolerated)."""
    items = sorted((int(k), v) for k, v in node.items() if k.isdigit())
    return [v for _, v in items]


def _value(node: Node, shape: Shape, ec2: bool) -> Any:
    if isinstance(shape, StructureShape):
        return _structure(node, shape, ec2)
    if isinstance(shape, ListShape):
        if ec2 or shape.serialization.get("flattened"):
            elements = node
        else:
            elements = node.get(str(shape.member.serialization.get("name", "member")), {})
        return [_value(n, shape.member, ec2) for n in _indexed(elements)]
    if isinstance(shape, MapShape):
        entries = node if shape.serialization.get("flattened") else node.get("entry", {})
        key_name = str(shape.key.serialization.get("name", "key"))
        value_name = str(shape.value.serialization.get("name", "value"))
        out: dict[str, Any] = {}
        for entry in _indexed(entries):
            if key_name in entry and "" in entry[key_name]:
                v = entry.get(value_name)
                out[entry[key_name][""]] = None if v is None else _value(v, shape.value, ec2)
        return out
    if "" not in node:
        return None
    return scalar_from_text(str(node[""]), shape)
