"""What the ALB stand-in needs from a layout, kept in the stack's store.

Why this exists: the controller is a background process that never reads the layout file
(the file may have changed, or be gone, since ``ecsdev up``). ``stack.apply`` therefore
records the ALB part of the layout (VPC, target groups, load balancers, CDN stand-ins,
header setting) as JSON under ``ALB_KEY``; the controller's ALB extension and
``ecsdev targets`` rebuild the very same ``Layout`` objects from it, so ``AlbParts.of``
and ``listener_urls`` work on them unchanged. It also names target groups and load
balancers the way AWS does, with IDs that stay the same for a stack and a name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from typing import Any, TypeVar, cast

from emulator.alb import AlbError
from emulator.arns import Account
from emulator.model.layout import Layout

ALB_KEY = "alb"
"""Store key of the recorded ALB part of the layout (see ``record``)."""

T = TypeVar("T")


def record(layout: Layout) -> dict[str, Any] | None:
    """The JSON-safe ALB part of ``layout``; None when it has no load balancer."""
    if not layout.load_balancers:
        return None
    slim = dataclasses.replace(layout, task_definitions=(), images=(), services=())
    return cast(dict[str, Any], encode(slim))


def layout_of(data: dict[str, Any]) -> Layout:
    """The ``Layout`` (without task definitions, images and services) that ``record`` kept."""
    try:
        return decode(Layout, data)
    except (KeyError, TypeError, ValueError) as e:
        raise AlbError(
            f"the recorded load balancer settings are unreadable ({e})",
            "Run `ecsdev up` again to record them.",
        ) from e


def stable_id(stack: str, kind: str, name: str, digits: int = 16) -> str:
    """Hex digits that name the same object the same way every time (AWS IDs are random;
    stable ones keep ARNs valid across ``ecsdev up`` and controller restarts)."""
    return hashlib.sha256(f"{stack}/{kind}/{name}".encode()).hexdigest()[:digits]


def target_group_arn(account: Account, stack: str, name: str) -> str:
    return account.target_group_arn(name, stable_id(stack, "targetgroup", name))


def load_balancer_arn(account: Account, stack: str, name: str) -> str:
    return account.load_balancer_arn(name, stable_id(stack, "loadbalancer", name))


def instance_id(stack: str) -> str:
    """The one "container instance" of a stack: bridge-mode targets are ``instance:port``."""
    return "i-" + stable_id(stack, "instance", "docker", 17)


# ---------------------------------------------------------------------------- the codec


def encode(value: object) -> object:
    """Frozen model objects (dataclasses, tuples, dicts, scalars) as JSON-safe values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: encode(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare  # ``raw`` copies of the input are not part of the model
        }
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise AlbError(f"cannot record a {type(value).__name__} value")


def decode(cls: type[T], data: Any) -> T:
    """The inverse of ``encode`` for dataclass ``cls``, guided by its type hints."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cast(Any, cls)):
        if f.name in data:
            kwargs[f.name] = _value(hints[f.name], data[f.name])
    return cls(**kwargs)


def _value(tp: Any, v: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return _frozen(v)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return decode(tp, v)
    if origin in (typing.Union, types.UnionType):
        if v is None:
            return None
        inner = [a for a in args if a is not type(None)]
        return _value(inner[0], v) if len(inner) == 1 else v
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_value(args[0], x) for x in v)
        return tuple(_value(a, x) for a, x in zip(args, v, strict=True))
    if origin is dict:
        return {k: _value(args[1], x) for k, x in v.items()}
    return v


def _frozen(v: Any) -> Any:
    """Lists (JSON's only sequence) back to the tuples the model uses."""
    if isinstance(v, list):
        return tuple(_frozen(x) for x in v)
    return v


__all__ = [
    "ALB_KEY",
    "decode",
    "encode",
    "instance_id",
    "layout_of",
    "load_balancer_arn",
    "record",
    "stable_id",
    "target_group_arn",
]
