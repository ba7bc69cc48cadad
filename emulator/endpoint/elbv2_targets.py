"""Targets through the API: RegisterTargets, DeregisterTargets and DescribeTargetHealth.

Why this exists: DescribeTargetHealth is what ``aws elbv2 wait target-in-service`` and
``target-deregistered`` poll, and what a person reads when a service does not answer. It
reports two kinds of targets: the service tasks the stand-in registered itself (their real
probes' states and reason codes, from the stacks' target snapshots), and targets registered
explicitly with RegisterTargets, whose health this module checks with the same probe as the
stand-in (``emulator.alb.health``): ``initial`` until the first check, then ``healthy`` or
``unhealthy`` with AWS's reason; ``unused`` (``Target.NotInUse``) while no load balancer
forwards to the group; ``draining`` for the deregistration delay after DeregisterTargets.
Explicit targets are reported, not routed: nginx sends traffic to service tasks only.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import threading
import time
from typing import Any

from emulator.alb import health
from emulator.endpoint import elbv2_common as C
from emulator.endpoint.albprojection import stack_targets
from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_layout import target_group as model_group
from emulator.endpoint.elbv2_records import (
    TargetGroup,
    TargetRegistration,
    load_balancers_of_target_group,
    registration_key,
)
from emulator.endpoint.elbv2_world import WorldView
from emulator.endpoint.resources import Resources

PROBE_CAP = 2.0  # seconds a DescribeTargetHealth waits at most for one explicit probe
NOT_IN_USE = "Target group is not configured to receive traffic from the load balancer"

_lock = threading.Lock()
_health: dict[tuple[str, str], health.TargetHealth] = {}  # (region, registration key)


def _targets(tg: TargetGroup, raw: Any) -> list[tuple[str, int | None, str | None]]:
    out = []
    for t in raw or ():
        tid = str(t.get("Id", ""))
        port = t.get("Port")
        if tg.target_type == "ip":
            try:
                ipaddress.ip_address(tid)
            except ValueError:
                raise validation_error(
                    f"The IP address '{tid}' is not a valid IPv4 address"
                ) from None
        elif tg.target_type == "instance" and not tid.startswith("i-"):
            raise ApiError(
                "InvalidTarget",
                f"The following targets are not valid instances: '{tid}'",
            )
        if tg.target_type in ("ip", "instance") and port is None and tg.port is None:
            raise validation_error("A port must be specified for each target")
        if tg.target_type in ("ip", "instance"):
            port = int(port if port is not None else tg.port or 0)
        out.append((tid, port, t.get("AvailabilityZone")))
    if not out:
        raise validation_error("At least one target must be specified")
    return out


def register_targets(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    with ctx.resources.transaction() as tx:
        tg = C.target_group(tx, req.region, str(p.get("TargetGroupArn", "")))
        for tid, port, zone in _targets(tg, p.get("Targets")):
            key = registration_key(tg.arn, tid, port)
            have = tx.get(TargetRegistration, req.region, key)
            if have is not None and have.deregistered_at is None:
                continue  # registering a registered target changes nothing
            tx.put(TargetRegistration(tg.arn, tid, port, zone, C.now()), req.region, key)
            with _lock:
                _health.pop((req.region, key), None)
    return {}


def deregister_targets(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    with ctx.resources.transaction() as tx:
        tg = C.target_group(tx, req.region, str(p.get("TargetGroupArn", "")))
        for tid, port, _ in _targets(tg, p.get("Targets")):
            key = registration_key(tg.arn, tid, port)
            have = tx.get(TargetRegistration, req.region, key)
            if have is None:
                raise ApiError(
                    "InvalidTarget",
                    f"The following targets are not registered in target group '{tg.arn}': '{tid}'",
                )
            if have.deregistered_at is None:
                tx.put(dataclasses.replace(have, deregistered_at=C.now()), req.region, key)
    return {}


def describe_target_health(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    arn = str(p.get("TargetGroupArn", ""))
    view = C.view(ctx, req)
    C.target_group(view, req.region, arn)
    wanted = list(p.get("Targets") or ()) or None
    return {"TargetHealthDescriptions": target_health(view, req.region, arn, wanted)}


def target_health(
    resources: Resources | WorldView,
    region: str,
    tg_arn: str,
    targets: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """TargetHealthDescriptions of a target group: service tasks from the stacks'
    snapshots, then explicit registrations; with ``targets``, exactly those (a target
    registered nowhere is ``unused``/``Target.NotRegistered``). ``resources`` may be a
    ``WorldView`` (the target groups of ``ecsdev up`` stacks too)."""
    view = resources if isinstance(resources, WorldView) else WorldView(resources, region)
    tg = view.get(TargetGroup, region, tg_arn)
    if tg is None:
        return []
    found = stack_targets(view, region, tg_arn)
    found += _explicit(view, region, tg)
    if targets is None:
        return found
    out = []
    for t in targets:
        tid = str(t.get("Id", ""))
        port = t.get("Port", tg.port)
        hit = next(
            (
                d
                for d in found
                if d["Target"]["Id"] == tid and (port is None or d["Target"].get("Port") == port)
            ),
            None,
        )
        out.append(hit or _unregistered(tg, tid, port))
    return out


def _unregistered(tg: TargetGroup, tid: str, port: int | None) -> dict[str, Any]:
    target: dict[str, Any] = {"Id": tid}
    if port is not None:
        target["Port"] = int(port)
    return {
        "Target": target,
        "HealthCheckPort": _check_port(tg, port),
        "TargetHealth": {
            "State": "unused",
            "Reason": health.NOT_REGISTERED,
            "Description": health.DESCRIPTIONS[health.NOT_REGISTERED],
        },
    }


def _check_port(tg: TargetGroup, port: int | None) -> str:
    hc = tg.health_check.port or "traffic-port"
    return str(port or "") if hc == "traffic-port" else hc


def _explicit(view: WorldView, region: str, tg: TargetGroup) -> list[dict[str, Any]]:
    resources = view.resources
    regs = [r for r in resources.list(TargetRegistration, region) if r.target_group_arn == tg.arn]
    if not regs:
        return []
    in_use = bool(load_balancers_of_target_group(view, region, tg.arn))
    delay = int(tg.attribute("deregistration_delay.timeout_seconds", "300"))
    now = time.time()
    out = []
    for r in regs:
        target: dict[str, Any] = {"Id": r.id}
        if r.port is not None:
            target["Port"] = r.port
        if r.availability_zone:
            target["AvailabilityZone"] = r.availability_zone
        desc: dict[str, Any] = {"Target": target, "HealthCheckPort": _check_port(tg, r.port)}
        if r.deregistered_at is not None:
            if now >= r.deregistered_at + delay or not in_use:
                with resources.transaction() as tx:  # drained: forgotten, as the ALB does
                    tx.delete(TargetRegistration, region, r.key)
                continue
            state = {
                "State": "draining",
                "Reason": health.DEREGISTRATION_IN_PROGRESS,
                "Description": health.DESCRIPTIONS[health.DEREGISTRATION_IN_PROGRESS],
            }
        elif not in_use:
            state = {"State": "unused", "Reason": "Target.NotInUse", "Description": NOT_IN_USE}
        else:
            state = _probed(region, tg, r, now)
        desc["TargetHealth"] = state
        out.append(desc)
    return out


def _probed(region: str, tg: TargetGroup, r: TargetRegistration, now: float) -> dict[str, Any]:
    group = model_group(tg)
    with _lock:
        th = _health.get((region, r.key))
        if th is None or th.group != group:
            th = health.TargetHealth(_address(r.id), int(r.port or 0), group, registered_at=now)
            _health[(region, r.key)] = th
    if th.due(now):
        timeout = min(float(group.health_check_timeout_seconds), PROBE_CAP)
        result = health.probe(th.ip, th.port, group, timeout)
        with _lock:
            th.record(result, now)
    out: dict[str, Any] = {"State": str(th.state)}
    if th.reason:
        out["Reason"] = th.reason
    if th.description:
        out["Description"] = th.description
    return out


def _address(target_id: str) -> str:
    """Where a target is probed: an IP as it is; an instance is this machine."""
    return "127.0.0.1" if target_id.startswith("i-") else target_id


OPERATIONS = {
    "RegisterTargets": register_targets,
    "DeregisterTargets": deregister_targets,
    "DescribeTargetHealth": describe_target_health,
}

__all__ = ["OPERATIONS", "target_health"]
