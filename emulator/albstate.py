"""What the ALB stand-in tells the rest of the engine, read from the stack's store: the
target-health snapshot (DescribeTargetHealth-shaped), whether every load balancer routes to
the services' healthy targets, and how long a service task drains before it stops.

Why this exists: ``ecsdev up -d``, ``ecsdev targets``, StopTask and the dashboard read these
without running the stand-in; the controller extension that writes them is ``albtargets``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from emulator.alb import AlbError, spec
from emulator.servicespec import load_spec
from emulator.servicestate import stack_identity
from emulator.store import Store

SNAPSHOT_KEY = "alb/targets"
APPLIED_KEY = "alb/applied"


def spec_digest(text: str) -> str:
    """A short digest of the recorded load balancers (their JSON, keys sorted)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def unreachable(store: Store, desired: dict[str, int]) -> list[str]:
    """Why requests do not reach the services yet, one line each; empty once each service
    behind a load balancer has ``desired[service]`` healthy targets in each of its target
    groups and every nginx of the stack runs the recorded load balancers with the targets
    of that snapshot (always empty for a stack without load balancers). ECS's own "stable"
    ignores target health; a local ``up`` that prints a URL should not."""
    data = store.get(spec.ALB_KEY)
    if not data:
        return []
    snap = store.get(SNAPSHOT_KEY) or {}
    seen: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for arn, descs in (snap.get("targetGroups") or {}).items():
        for d in descs:
            key = (str((d.get("Ecsdev") or {}).get("ServiceName")), str(arn))
            seen.setdefault(key, []).append(d)
    account, _ = stack_identity(store)
    try:  # target groups the API made carry their own ARN
        groups = {tg.name: tg for tg in spec.layout_of(data).target_groups}
    except AlbError:
        groups = {}
    out = []
    for name, count in sorted(desired.items()):
        sp = load_spec(store, name)
        if sp is None or not sp.active or not count:
            continue
        for lb in sp.load_balancers:
            group = lb.target_group
            arn = spec.target_group_arn(account, store.stack, groups.get(group) or group)
            targets = seen.get((name, arn), [])
            states = [(d.get("TargetHealth") or {}) for d in targets]
            healthy = sum(1 for h in states if h.get("State") == "healthy")
            if healthy < count:
                others = sorted(
                    {
                        f"{h.get('State')}" + (f" ({h['Reason']})" if h.get("Reason") else "")
                        for h in states
                        if h.get("State") != "healthy"
                    }
                )
                out.append(
                    f"(service {name}) {healthy} of {count} targets healthy in (target-group "
                    f"{group})" + (f": {', '.join(others)}" if others else "")
                )
    done = store.get(APPLIED_KEY) or {}
    in_step = done.get("spec") == spec_digest(json.dumps(data, sort_keys=True)) and float(
        done.get("at") or 0.0
    ) >= float(snap.get("at") or 0.0)
    if not in_step:
        out.append("the load balancers' nginx does not run the current targets yet")
    return out


def snapshot(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Target group ARN -> TargetHealthDescriptions, as the controller last wrote them."""
    data = store.get(SNAPSHOT_KEY) or {}
    groups = data.get("targetGroups") or {}
    return {str(k): list(v) for k, v in groups.items()}


def drain_seconds(store: Store, service: str) -> int:
    """How long a task of ``service`` drains from its target groups before it stops (the
    longest deregistrationDelay among them); 0 when it is behind no load balancer."""
    sp = load_spec(store, service) if service else None
    data = store.get(spec.ALB_KEY)
    if sp is None or not sp.load_balancers or not data:
        return 0
    try:  # target groups the API made carry their own ARN
        groups = {tg.name: tg for tg in spec.layout_of(data).target_groups}
    except AlbError:
        groups = {}
    delays = [
        groups[lb.target_group].deregistration_delay
        for lb in sp.load_balancers
        if lb.target_group in groups
    ]
    return max(delays, default=0)
