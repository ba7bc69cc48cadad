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
from typing import Any, cast

from emulator.alb import AlbError
from emulator.arns import Account
from emulator.codec import CodecError, decode, encode
from emulator.model.layout import Layout, LoadBalancer, TargetGroup

ALB_KEY = "alb"
"""Store key of the recorded ALB part of the layout (see ``record``)."""


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
    except (KeyError, TypeError, ValueError, CodecError) as e:
        raise AlbError(
            f"the recorded load balancer settings are unreadable ({e})",
            "Run `ecsdev up` again to record them.",
        ) from e


def stable_id(stack: str, kind: str, name: str, digits: int = 16) -> str:
    """Hex digits that name the same object the same way every time (AWS IDs are random;
    stable ones keep ARNs valid across ``ecsdev up`` and controller restarts)."""
    return hashlib.sha256(f"{stack}/{kind}/{name}".encode()).hexdigest()[:digits]


def target_group_arn(account: Account, stack: str, group: str | TargetGroup) -> str:
    """The ARN of a target group (by name, or the group itself: one the API made keeps
    the ARN it was given)."""
    if isinstance(group, TargetGroup):
        if group.arn:
            return group.arn
        group = group.name
    return account.target_group_arn(group, stable_id(stack, "targetgroup", group))


def load_balancer_arn(account: Account, stack: str, lb: str | LoadBalancer) -> str:
    """The ARN of a load balancer (by name, or the load balancer itself; see above)."""
    if isinstance(lb, LoadBalancer):
        if lb.arn:
            return lb.arn
        lb = lb.name
    return account.load_balancer_arn(lb, stable_id(stack, "loadbalancer", lb))


def instance_id(stack: str) -> str:
    """The one "container instance" of a stack: bridge-mode targets are ``instance:port``."""
    return "i-" + stable_id(stack, "instance", "docker", 17)


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
