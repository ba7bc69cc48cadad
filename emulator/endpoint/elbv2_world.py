"""The load balancers of ``ecsdev up`` stacks, as ELBv2 sees them: one world.

Why this exists: a stack brought up from a layout runs its load balancers, listeners, rules
and target groups in the ALB stand-in; an AWS client pointed at the endpoint (the AWS CLI, the
dashboard's AwsSource) must see them like any other. This module turns a layout stack's
recorded ALB part (``alb.spec.ALB_KEY``) into the records of ``elbv2_records``, with the ARNs
the stand-in already uses (``alb.spec``: stable per stack and name) and stable IDs for
listeners and rules, and offers a read view (``WorldView``) that answers like the resource
tables with both. They are read-only through the API: the layout file is where they change.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from emulator.alb import AlbError
from emulator.alb import spec as alb_spec
from emulator.alb.nginx import alb_dns_name
from emulator.arns import Account
from emulator.endpoint.elbv2_records import (
    LOAD_BALANCER_ATTRIBUTE_DEFAULTS,
    TARGET_GROUP_ATTRIBUTE_DEFAULTS,
    Action,
    Condition,
    FixedResponseConfig,
    ForwardConfig,
    HealthCheck,
    Listener,
    LoadBalancer,
    Matcher,
    QueryValue,
    RedirectConfig,
    Rewrite,
    Rule,
    TargetGroup,
    Transform,
    WeightedTargetGroup,
    ZoneMapping,
)
from emulator.endpoint.resources import Resources
from emulator.errors import EcsdevError
from emulator.model import layout as m
from emulator.store import Store, known_stacks

T = TypeVar("T")
_lock = threading.Lock()
_cache: dict[str, tuple[str, World]] = {}  # stack -> (recorded text, its records)
_stores: dict[str, Store] = {}


@dataclass
class World:
    """The ELBv2 records of layout stacks, by class, and which stack has each ARN."""

    records: dict[type[Any], list[Any]] = field(default_factory=dict)
    stack_of: dict[str, str] = field(default_factory=dict)

    def add(self, stack: str, record: Any) -> None:
        self.records.setdefault(type(record), []).append(record)
        self.stack_of[record.arn] = stack

    def merge(self, other: World) -> None:
        for cls, items in other.records.items():
            self.records.setdefault(cls, []).extend(items)
        self.stack_of.update(other.stack_of)


def world(region: str) -> World:
    """Every layout stack's load balancers in ``region`` (read now, cached per recording)."""
    out = World()
    for stack in known_stacks():
        with _lock:
            store = _stores.setdefault(stack, Store(stack))
        meta = store.get("stack") or {}
        if not meta.get("layout") or meta.get("region", "us-east-1") != region:
            continue
        data = store.get(alb_spec.ALB_KEY)
        if not data:
            continue
        text = json.dumps(data, sort_keys=True)
        with _lock:
            hit = _cache.get(stack)
        if hit is None or hit[0] != text:
            try:
                layout = alb_spec.layout_of(data)
            except AlbError:
                continue
            hit = (text, of_layout(stack, layout))
            with _lock:
                _cache[stack] = hit
        out.merge(hit[1])
    return out


def of_layout(stack: str, layout: m.Layout) -> World:
    acct = Account(layout.region, layout.account_id)
    w = World()
    tg_arns = {g.name: alb_spec.target_group_arn(acct, stack, g) for g in layout.target_groups}
    for g in layout.target_groups:
        w.add(stack, _target_group(g, tg_arns[g.name]))
    for lb in layout.load_balancers:
        arn = alb_spec.load_balancer_arn(acct, stack, lb)
        try:
            dns = alb_dns_name(lb, layout.region)
        except EcsdevError:
            dns = f"{lb.name.lower()}.{layout.region}.elb.localhost"
        w.add(
            stack,
            LoadBalancer(
                arn=arn,
                name=lb.name,
                dns_name=dns,
                scheme=lb.scheme,
                zones=tuple(
                    ZoneMapping(s, f"{layout.region}{'abcdef'[i % 6]}")
                    for i, s in enumerate(lb.subnets)
                ),
                state="active",
                attributes=_attrs(LOAD_BALANCER_ATTRIBUTE_DEFAULTS, lb.attributes),
            ),
        )
        path = arn.split(":loadbalancer/", 1)[1]
        base = arn.split(":loadbalancer/", 1)[0]
        for lis in lb.listeners:
            lid = alb_spec.stable_id(stack, "listener", f"{lb.name}:{lis.port}")
            larn = f"{base}:listener/{path}/{lid}"
            rbase = f"{base}:listener-rule/{path}/{lid}"
            default = alb_spec.stable_id(stack, "default-rule", f"{lb.name}:{lis.port}")
            w.add(
                stack,
                Listener(
                    arn=larn,
                    load_balancer_arn=arn,
                    port=lis.port,
                    protocol=lis.protocol,
                    default_actions=_actions(lis.default_actions, tg_arns),
                    default_rule_arn=f"{rbase}/{default}",
                    publish=lis.publish or f"127.0.0.1:{lis.port}",
                ),
            )
            for r in lis.rules:
                rid = alb_spec.stable_id(stack, "rule", f"{lb.name}:{lis.port}:{r.priority}")
                w.add(
                    stack,
                    Rule(
                        arn=f"{rbase}/{rid}",
                        listener_arn=larn,
                        priority=r.priority,
                        conditions=tuple(_condition(c) for c in r.conditions),
                        actions=_actions(r.actions, tg_arns),
                        transforms=tuple(
                            Transform(t.type, (Rewrite(t.regex, t.replace),)) for t in r.transforms
                        ),
                    ),
                )
    return w


def _attrs(defaults: Iterable[tuple[str, str]], given: Iterable[tuple[str, str]]) -> Any:
    out = dict(defaults)
    out.update(given)
    return tuple(out.items())


def _target_group(g: m.TargetGroup, arn: str) -> TargetGroup:
    attrs = dict(TARGET_GROUP_ATTRIBUTE_DEFAULTS)
    attrs.update(g.attributes)
    attrs["deregistration_delay.timeout_seconds"] = str(g.deregistration_delay)
    sticky = g.stickiness or {}
    if sticky:
        kind = str(sticky.get("type") or "lb_cookie")
        attrs["stickiness.enabled"] = "true" if sticky.get("enabled") else "false"
        attrs["stickiness.type"] = kind
        attrs[f"stickiness.{kind}.duration_seconds"] = str(sticky.get("durationSeconds") or 86400)
    return TargetGroup(
        arn=arn,
        name=g.name,
        target_type=g.target_type,
        protocol=g.protocol,
        port=g.port,
        health_check=HealthCheck(
            enabled=g.health_check_enabled,
            protocol=g.health_check_protocol,
            port=g.health_check_port,
            path=g.health_check_path,
            interval_seconds=g.health_check_interval_seconds,
            timeout_seconds=g.health_check_timeout_seconds,
            healthy_threshold=g.healthy_threshold_count,
            unhealthy_threshold=g.unhealthy_threshold_count,
            matcher=Matcher(http_code=g.matcher),
        ),
        attributes=tuple(attrs.items()),
    )


def _actions(actions: Iterable[m.Action], tg_arns: dict[str, str]) -> tuple[Action, ...]:
    out = []
    for i, a in enumerate(actions, 1):
        if a.type == "forward":
            groups = tuple(
                WeightedTargetGroup(tg_arns.get(g.target_group, g.target_group), g.weight)
                for g in a.target_groups
            )
            fc = ForwardConfig(groups, a.stickiness_seconds is not None, a.stickiness_seconds)
            single = groups[0].target_group_arn if len(groups) == 1 else None
            out.append(Action("forward", i, single, fc))
        elif a.type == "redirect":
            r = a.redirect or {}
            d = RedirectConfig(str(r.get("statusCode") or "HTTP_301"))
            out.append(
                Action(
                    "redirect",
                    i,
                    redirect=RedirectConfig(
                        d.status_code,
                        str(r.get("protocol") or d.protocol),
                        str(r.get("port") or d.port),
                        str(r.get("host") or d.host),
                        str(r.get("path") or d.path),
                        str(r.get("query") if r.get("query") is not None else d.query),
                    ),
                )
            )
        else:
            fr = FixedResponseConfig(str(a.status_code or ""), a.content_type, a.message_body)
            out.append(Action("fixed-response", i, fixed_response=fr))
    return tuple(out)


def _condition(c: m.Condition) -> Condition:
    if c.field == "query-string":
        return Condition(c.field, query=tuple(QueryValue(str(v), k) for k, v in c.values))
    if c.regex:
        return Condition(c.field, (), c.http_header_name, (), tuple(str(v) for v in c.values))
    return Condition(c.field, tuple(str(v) for v in c.values), c.http_header_name)


class WorldView:
    """Reads like the resource tables (``get``/``list``), with the layout stacks' records
    after the endpoint's own. Made for one request: each table is read (decoded) once."""

    def __init__(self, resources: Resources, region: str) -> None:
        self.resources = resources
        self.region = region
        self.world = world(region)
        self._lists: dict[tuple[type[Any], str | None], list[Any]] = {}

    def get(self, cls: type[T], region: str, rid: str) -> T | None:
        found = self.resources.get(cls, region, rid)
        if found is not None or region != self.region:
            return found  # type: ignore[no-any-return]
        return next((r for r in self.world.records.get(cls, []) if r.arn == rid), None)

    def list(self, cls: type[T], region: str | None = None) -> list[T]:
        key = (cls, region)
        if key not in self._lists:
            own: list[T] = self.resources.list(cls, region)
            if region is None or region == self.region:
                own = own + list(self.world.records.get(cls, []))
            self._lists[key] = own
        return list(self._lists[key])


def layout_stack_of(region: str, arn: str) -> str | None:
    """The ``ecsdev up`` stack an ELBv2 ARN belongs to, if any."""
    return world(region).stack_of.get(arn)


__all__ = ["World", "WorldView", "layout_stack_of", "of_layout", "world"]
