"""What every ELBv2 handler module shares: the context (resource tables, the container
runtime, the projection onto the running stand-in), new ARNs, AWS's not-found errors for one
resource, and Marker/PageSize pagination.

Why this exists: ``elbv2`` (load balancers, target groups, tags), ``elbv2_listeners``
(listeners and rules) and ``elbv2_targets`` (registrations, health) look resources up and
page through them the same way, with the same error texts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_records import Listener, LoadBalancer, Readable, Rule, TargetGroup
from emulator.endpoint.resources import Resources
from emulator.errors import DockerUnavailable, EcsdevError
from emulator.events import Event, EventSink, discard
from emulator.runtime.base import ContainerRuntime

if TYPE_CHECKING:
    from emulator.endpoint.elbv2_world import WorldView

T = TypeVar("T")
DEFAULT_PAGE = 400

Projector = Callable[[Resources, "ContainerRuntime | None", str, str, EventSink], object]
"""``project(resources, runtime, region, account_id)``: brings the stand-in in step."""


@dataclass
class Elbv2Context:
    """What the ELBv2 handlers work with. ``runtime`` connects to Docker on first use; None
    (or no Docker answering) means records only, nothing runs."""

    resources: Resources
    runtime: Callable[[], ContainerRuntime] | None = None
    projector: Projector | None = None
    sink: EventSink = discard

    def changed(self, req: Request) -> None:
        """After a write: project the region's load balancers onto the stacks. The write
        stands whatever happens here; a failure is reported on the sink (the serve log)."""
        if self.projector is None:
            return
        runtime: ContainerRuntime | None = None
        try:
            runtime = self.runtime() if self.runtime is not None else None
        except DockerUnavailable:
            runtime = None
        try:
            self.projector(self.resources, runtime, req.region, req.account_id, self.sink)
        except EcsdevError as e:
            self.sink(
                Event(f"load balancers of {req.region}: {e.message}", "error", "elbv2", "alb")
            )


def view(ctx: Elbv2Context, req: Request) -> WorldView:
    """What describe calls read: the endpoint's records and the ``ecsdev up`` stacks'."""
    from emulator.endpoint.elbv2_world import WorldView

    return WorldView(ctx.resources, req.region)


def new_id() -> str:
    return secrets.token_hex(8)


def now() -> float:
    return time.time()


def arn_base(req: Request) -> str:
    return f"arn:aws:elasticloadbalancing:{req.region}:{req.account_id}"


def lb_path(lb: LoadBalancer) -> str:
    """``app/<name>/<id>`` of a load balancer ARN."""
    return lb.arn.split(":loadbalancer/", 1)[1]


# -- one resource, or AWS's error ---------------------------------------------------------------


def _layout_owned(region: str, arn: str) -> None:
    """A write on a load balancer of an ``ecsdev up`` stack: its layout is where it changes."""
    from emulator.endpoint.elbv2_world import layout_stack_of

    stack = layout_stack_of(region, arn)
    if stack is not None:
        raise ApiError(
            "OperationNotPermitted",
            f"'{arn}' belongs to the stack '{stack}' brought up by `ecsdev up`; change its "
            "layout file instead",
        )


def load_balancer(tx: Readable, region: str, arn: str) -> LoadBalancer:
    lb = tx.get(LoadBalancer, region, arn)
    if lb is None:
        _layout_owned(region, arn)
        raise ApiError("LoadBalancerNotFound", f"Load balancer '{arn}' not found")
    return lb


def target_group(tx: Readable, region: str, arn: str) -> TargetGroup:
    tg = tx.get(TargetGroup, region, arn)
    if tg is None:
        _layout_owned(region, arn)
        raise ApiError("TargetGroupNotFound", f"Target groups '{arn}' not found")
    return tg


def listener(tx: Readable, region: str, arn: str) -> Listener:
    lis = tx.get(Listener, region, arn)
    if lis is None:
        _layout_owned(region, arn)
        raise ApiError("ListenerNotFound", f"Listener '{arn}' not found")
    return lis


def rule(tx: Readable, region: str, arn: str) -> Rule:
    r = tx.get(Rule, region, arn)
    if r is None:
        _layout_owned(region, arn)
        raise ApiError("RuleNotFound", f"Rule '{arn}' not found")
    return r


def default_rule_of(tx: Readable, region: str, arn: str) -> Listener | None:
    """The listener whose default rule ``arn`` is."""
    return next((x for x in tx.list(Listener, region) if x.default_rule_arn == arn), None)


def kind_of(arn: str) -> type[Any] | None:
    """The record class an ELBv2 ARN names."""
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    for prefix, cls in (
        ("loadbalancer/", LoadBalancer),
        ("targetgroup/", TargetGroup),
        ("listener/", Listener),
        ("listener-rule/", Rule),
    ):
        if resource.startswith(prefix):
            return cls
    return None


def require(tx: Readable, region: str, arn: str) -> object:
    """Any ELBv2 resource by ARN (for tags), or the error for its kind."""
    cls = kind_of(arn)
    if cls is LoadBalancer:
        return load_balancer(tx, region, arn)
    if cls is TargetGroup:
        return target_group(tx, region, arn)
    if cls is Listener:
        return listener(tx, region, arn)
    if cls is Rule:
        if default_rule_of(tx, region, arn) is not None:
            return arn
        return rule(tx, region, arn)
    raise validation_error(f"'{arn}' is not a valid load balancer resource ARN")


# -- pagination ---------------------------------------------------------------------------------


def page(items: Sequence[T], params: dict[str, Any] | Any) -> tuple[list[T], str | None]:
    """The page ``Marker`` points at (``PageSize`` long, 400 by default) and the next marker."""
    marker = params.get("Marker")
    size = int(params.get("PageSize") or DEFAULT_PAGE)
    start = 0
    if marker:
        if not str(marker).isdigit() or int(marker) > len(items):
            raise validation_error(f"The marker '{marker}' is not valid")
        start = int(marker)
    end = start + size
    return list(items[start:end]), (str(end) if end < len(items) else None)


def paged(key: str, items: Sequence[dict[str, Any]], params: Any) -> dict[str, Any]:
    chunk, nxt = page(items, params)
    out: dict[str, Any] = {key: chunk}
    if nxt is not None:
        out["NextMarker"] = nxt
    return out


__all__ = [
    "Elbv2Context",
    "arn_base",
    "default_rule_of",
    "kind_of",
    "lb_path",
    "listener",
    "load_balancer",
    "new_id",
    "now",
    "page",
    "paged",
    "require",
    "rule",
    "target_group",
    "view",
]
