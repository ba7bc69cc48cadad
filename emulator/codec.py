"""The one codec between the engine's typed records and what is persisted.

Why this exists: the engine keeps typed, frozen records inside (layout parts, service specs,
scheduler records, stopped tasks, endpoint resources) and the SQLite store keeps JSON. Every
record goes to and from JSON through ``encode``/``decode`` here, guided by the dataclass's
type hints, so nothing is turned into AWS-shaped dicts and parsed back inside the engine (AWS
JSON is made only at the edge, by the endpoint's serializers).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Hashable
from typing import Any, TypeVar, cast

from emulator.errors import EcsdevError

T = TypeVar("T")


class CodecError(EcsdevError):
    """A value that cannot be recorded, or a recorded value that no longer reads."""


def encode(value: object) -> object:
    """Frozen records (dataclasses, tuples, dicts, enums, scalars) as JSON-safe values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare  # ``raw`` copies of the input are not part of the record
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [encode(v) for v in items]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise CodecError(f"cannot record a {type(value).__name__} value")


def decode(cls: type[T], data: Any) -> T:
    """The inverse of ``encode`` for dataclass ``cls``; members it does not know are ignored
    (an older record lacking a newer member takes the member's default)."""
    if not isinstance(data, dict):
        raise CodecError(f"a recorded {cls.__name__} is not an object")
    kwargs = {}
    for name, hint in _fields(cast(Hashable, cls)):
        if name in data:
            kwargs[name] = _value(hint, data[name])
    try:
        return cls(**kwargs)
    except TypeError as e:
        raise CodecError(f"a recorded {cls.__name__} is incomplete ({e})") from e


@functools.cache
def _fields(cls: Any) -> tuple[tuple[str, Any], ...]:
    """A dataclass's fields with their resolved type hints (resolving is slow: once each)."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


def _value(tp: Any, v: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return _frozen(v)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return decode(tp, v)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(v)
    if origin is typing.Literal:
        return v
    if origin in (typing.Union, types.UnionType):
        if v is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _value(inner[0], v) if len(inner) == 1 else v
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], x) for x in v)
        return tuple(_value(a, x) for a, x in zip(args, v, strict=True))
    if origin in (frozenset, set):
        return origin(_value(args[0], x) for x in v)
    if origin is list:
        return [_value(args[0], x) for x in v]
    if origin is dict:
        return {k: _value(args[1], x) for k, x in v.items()}
    if tp is float and isinstance(v, int):
        return float(v)
    return v


def _frozen(v: Any) -> Any:
    """Lists (JSON's only sequence) back to the tuples the records use."""
    if isinstance(v, list):
        return tuple(_frozen(x) for x in v)
    return v


__all__ = ["CodecError", "decode", "encode"]
