"""The ELBv2 resources of a region, run by the ALB stand-in of the stacks.

Why this exists: the stand-in runs inside a stack's controller (``emulator.albtargets``),
reading the ``Layout`` slim recorded under the stack's ``ALB_KEY``. Load balancers made
through the API are projected there: a load balancer belongs to exactly one stack, the
cluster stack of the first service (oldest) that uses one of its target groups, so that
stack's controller registers the service's tasks and the scheduler sees their health; a
load balancer no service uses yet is run by the region's pseudo-stack
(``ecsdev-elb-<region>``), so listeners with fixed responses or redirects answer at once.

``project`` is called after every write (ELBv2 handlers, ECS CreateService/UpdateService/
DeleteService): it rewrites ``ALB_KEY`` of every stack concerned, makes the load balancers'
Docker network, and has a controller run each stack that now serves a load balancer. Stacks
made by ``ecsdev up`` keep their own recorded load balancers (an API load balancer whose
first user is such a stack is run by the pseudo-stack instead).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from emulator import labels as L
from emulator.alb import spec as alb_spec
from emulator.alb.proxy import LOAD_BALANCER as PROXY_LB_LABEL
from emulator.alb.proxy import ROLE as PROXY_ROLE
from emulator.albstate import APPLIED_KEY, spec_digest
from emulator.endpoint import elbv2_layout as EL
from emulator.endpoint.api import DEFAULT_ACCOUNT
from emulator.endpoint.elbv2_records import (
    LoadBalancer,
    Readable,
    TargetGroup,
    listeners_of,
    rules_of,
    target_groups_of_listener,
)
from emulator.endpoint.elbv2_world import WorldView
from emulator.endpoint.resources import Resources
from emulator.errors import EcsdevError
from emulator.events import Event, EventSink, discard
from emulator.networks import ensure_networks
from emulator.runtime.base import ContainerRuntime
from emulator.services import load_spec, service_names
from emulator.store import Store, known_stacks, stack_dir, state_home

PSEUDO_PREFIX = "ecsdev-elb-"

_lock = threading.RLock()
_stores: dict[str, Store] = {}


@dataclass(frozen=True, slots=True)
class ElbProjection:
    """Which load balancers (ARNs) of a region a stack runs (kept in ``Resources``)."""

    stack: str
    load_balancers: tuple[str, ...] = ()


def _store(stack: str) -> Store:
    with _lock:
        if stack not in _stores:
            _stores[stack] = Store(stack)
        return _stores[stack]


def pseudo_stack(region: str) -> str:
    """The stack that runs a region's load balancers no service uses yet:
    ``ecsdev-elb-<region>-<6 hex>``, the digits naming the state directory (Docker's names
    are global: two state directories, e.g. two test endpoints, must not share one)."""
    digest = hashlib.sha256(str(state_home().resolve()).encode()).hexdigest()
    name = f"{PSEUDO_PREFIX}{region}-{digest[:6]}"
    if (stack_dir(name) / "state.db").exists() and (_store(name).get("stack") or {}).get(
        "cluster"
    ):  # a cluster took the name first
        name = f"{PSEUDO_PREFIX}{region}-{digest[6:12]}"
    return name


# -- the projection ------------------------------------------------------------------------------


def service_users(region: str) -> dict[str, list[tuple[float, str, str]]]:
    """Target-group ARN -> (service created_at, stack, service) of the active services that
    use it, in the region's API-made cluster stacks, oldest first."""
    out: dict[str, list[tuple[float, str, str]]] = {}
    for stack in known_stacks():
        store = _store(stack)
        meta = store.get("stack") or {}
        if meta.get("region", "us-east-1") != region or not meta.get("cluster"):
            continue
        if meta.get("layout"):  # ``ecsdev up`` records its own load balancers
            continue
        for name in service_names(store):
            sp = load_spec(store, name)
            if sp is None or not sp.active:
                continue
            for lb in sp.load_balancers:
                if lb.target_group_arn:
                    out.setdefault(lb.target_group_arn, []).append((sp.created_at, stack, sp.name))
    return {k: sorted(v) for k, v in out.items()}


def project(
    resources: Resources,
    runtime: ContainerRuntime | None,
    region: str,
    account_id: str = DEFAULT_ACCOUNT,
    sink: EventSink = discard,
) -> dict[str, str]:
    """Bring the stand-in in step with the region's ELBv2 records. Returns load-balancer
    ARN -> the stack that runs it. The records are projected whatever Docker does; what
    fails there (a network, a controller) is reported on ``sink`` and retried on the next
    change, so the API call that caused it still stands."""
    with _lock:
        return _project(resources, runtime, region, account_id, sink)


def _project(
    resources: Resources,
    runtime: ContainerRuntime | None,
    region: str,
    account_id: str,
    sink: EventSink,
) -> dict[str, str]:
    users = service_users(region)
    tgs = {t.arn: t for t in resources.list(TargetGroup, region)}
    pseudo = pseudo_stack(region)
    owners: dict[str, str] = {}
    parts: dict[str, list[Any]] = {}  # stack -> model load balancers
    groups: dict[str, dict[str, TargetGroup]] = {}  # stack -> its target groups by ARN
    for lb in resources.list(LoadBalancer, region):
        listeners = listeners_of(resources, region, lb.arn)
        if lb.type != "application" or not listeners:
            continue
        arns: list[str] = []
        for lis in listeners:
            arns += [a for a in target_groups_of_listener(resources, region, lis) if a not in arns]
        found = sorted(u for a in arns for u in users.get(a, ()))
        stack = found[0][1] if found else pseudo
        owners[lb.arn] = stack
        names = {a: tgs[a].name for a in arns if a in tgs}
        with_rules = [(x, rules_of(resources, region, x.arn)) for x in listeners]
        parts.setdefault(stack, []).append(EL.load_balancer(lb, with_rules, names))
        groups.setdefault(stack, {}).update({a: tgs[a] for a in arns if a in tgs})
    before = {p.stack: p for p in resources.list(ElbProjection, region)}
    for stack in set(parts) | set(before):
        _record(stack, region, account_id, parts.get(stack, []), groups.get(stack, {}), pseudo)
    with resources.transaction() as tx:
        for stack in set(before) - set(parts):
            tx.delete(ElbProjection, region, stack)
        for stack in parts:
            arns_of = tuple(sorted(a for a, s in owners.items() if s == stack))
            tx.put(ElbProjection(stack, arns_of), region, stack)
    if runtime is None:
        return owners
    for stack in sorted(set(parts) | set(before)):
        try:
            _retire(runtime, stack, {lb.name for lb in parts.get(stack, [])})
            if stack in parts:
                _run(stack, region, account_id, runtime)
            elif stack == pseudo:  # nothing left to run there: its network goes too
                for n in runtime.list_networks({L.STACK: stack}):
                    runtime.remove_network(n.id)
        except EcsdevError as e:
            sink(Event(f"load balancers of stack {stack}: {e.message}", "error", stack, "alb"))
    return owners


def _retire(runtime: ContainerRuntime, stack: str, kept: set[str]) -> None:
    """Remove the nginx of load balancers the stack no longer runs (its controller does so
    too while it runs; one that starts with nothing recorded never looks)."""
    for c in runtime.list_containers({L.STACK: stack, L.ROLE: PROXY_ROLE}):
        if c.labels.get(PROXY_LB_LABEL) not in kept:
            runtime.remove(c.id)


def _record(
    stack: str,
    region: str,
    account_id: str,
    lbs: list[Any],
    groups: dict[str, TargetGroup],
    pseudo: str,
) -> None:
    store = _store(stack)
    meta = store.get("stack") or {}
    if stack == pseudo and not meta:
        store.put(
            "stack",
            {"name": stack, "region": region, "accountId": account_id, "origin": "elbv2"},
        )
    layout = EL.layout(
        stack,
        region,
        str(meta.get("accountId") or account_id),
        str(meta.get("cluster") or ""),
        lbs,
        groups.values(),
    )
    data = alb_spec.record(layout)
    if store.get(alb_spec.ALB_KEY) != data:
        store.put(alb_spec.ALB_KEY, data)


def _run(stack: str, region: str, account_id: str, runtime: ContainerRuntime) -> None:
    """The load balancers' network, and a controller for the stack (it builds the nginx,
    then exits once idle like any controller; the next change starts one again)."""
    from emulator.endpoint.clusters import Cluster, Clusters

    ensure_networks(runtime, stack, EL.layout(stack, region, account_id, "", (), ()).vpc)
    meta = _store(stack).get("stack") or {}
    cluster = Cluster(
        name=str(meta.get("cluster") or ""),
        region=region,
        account_id=str(meta.get("accountId") or account_id),
        stack=stack,
    )
    Clusters(cluster.account_id).ensure_controller(cluster)


# -- what the API reads back ---------------------------------------------------------------------


def owner_of(resources: Readable, region: str, lb_arn: str) -> str | None:
    """The stack that runs a load balancer (None: not projected, e.g. no listener)."""
    for p in resources.list(ElbProjection, region):
        if lb_arn in p.load_balancers:
            return p.stack
    return None


def refresh_state(
    resources: Resources, region: str, lb: LoadBalancer, view: Readable | None = None
) -> LoadBalancer:
    """``provisioning`` until its nginx runs what is recorded (or at once when it has no
    listener, or is not an ALB: there is nothing to run), then ``active`` for good.
    ``view``: where to read listeners and projections (a request's ``WorldView``)."""
    if lb.state != "provisioning":
        return lb
    read = view or resources
    if lb.type == "application" and listeners_of(read, region, lb.arn):
        stack = owner_of(read, region, lb.arn)
        if stack is None:
            return lb
        store = _store(stack)
        data = store.get(alb_spec.ALB_KEY)
        applied = store.get(APPLIED_KEY) or {}
        if not data or applied.get("spec") != spec_digest(json.dumps(data, sort_keys=True)):
            return lb
    with resources.transaction() as tx:
        now = tx.get(LoadBalancer, region, lb.arn)
        if now is None:
            return lb
        lb = dataclasses.replace(now, state="active")
        tx.put(lb, region, lb.arn)
    return lb


def stack_targets(resources: Readable, region: str, tg_arn: str) -> list[dict[str, Any]]:
    """The TargetHealthDescriptions the stand-in recorded for a target group (service
    tasks), without the ``Ecsdev`` local facts. On an ALB a healthy target gets traffic, so
    ``wait target-in-service`` must not return before nginx routes to it: while a stack's
    nginx lags its snapshot, a target that may have turned healthy after nginx was given
    its targets reads ``initial`` (a check sent up to a timeout before could have answered
    after; ``Since`` is when the check was sent)."""
    from emulator.albstate import SNAPSHOT_KEY, snapshot
    from emulator.endpoint.elbv2_records import load_balancers_of_target_group

    tg = resources.get(TargetGroup, region, tg_arn)
    timeout = float(tg.health_check.timeout_seconds) if tg else 5.0
    out: list[dict[str, Any]] = []
    layout_stacks = resources.world.stack_of if isinstance(resources, WorldView) else {}
    for lb in load_balancers_of_target_group(resources, region, tg_arn):
        stack = owner_of(resources, region, lb.arn) or layout_stacks.get(lb.arn)
        if stack is None:
            continue
        store = _store(stack)
        applied = store.get(APPLIED_KEY) or {}
        data = store.get(alb_spec.ALB_KEY)
        snap_at = float((store.get(SNAPSHOT_KEY) or {}).get("at") or 0.0)
        routed_at = float(applied.get("at") or 0.0)
        if not data or applied.get("spec") != spec_digest(json.dumps(data, sort_keys=True)):
            routed_at = 0.0  # its nginx does not run these load balancers yet
        for d in snapshot(store).get(tg_arn, []):
            since = float((d.get("Ecsdev") or {}).get("Since") or 0.0)
            desc = {k: v for k, v in d.items() if k != "Ecsdev"}
            healthy = (desc.get("TargetHealth") or {}).get("State") == "healthy"
            if healthy and routed_at < snap_at and since >= routed_at - timeout:
                desc["TargetHealth"] = {
                    "State": "initial",
                    "Reason": "Elb.InitialHealthChecking",
                    "Description": "Initial health checks in progress",
                }
            out.append(desc)
    return out


def target_health(
    resources: Resources | WorldView,
    region: str,
    tg_arn: str,
    targets: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """DescribeTargetHealth's TargetHealthDescriptions (see ``elbv2_targets``)."""
    from emulator.endpoint.elbv2_targets import target_health as describe

    return describe(resources, region, tg_arn, targets)


__all__ = [
    "ElbProjection",
    "owner_of",
    "project",
    "pseudo_stack",
    "refresh_state",
    "service_users",
    "stack_targets",
    "target_health",
]
