"""A whole stack: apply a layout (networks, images, task-definition revisions, service specs)
and take it down again, in ECS order, leaving nothing behind in Docker.

``apply`` only records what the user wants; the controller carries it out, so running
``ecsdev up`` again after an edit changes only what changed: a new task-definition revision
starts a rolling deployment, a new desiredCount scales, untouched services are left alone.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from emulator import labels as L
from emulator.agent.config import CREDENTIALS_KEY
from emulator.agent.config import record as credentials_record
from emulator.alb import spec as alb_spec
from emulator.discovery.config import discovery
from emulator.errors import EcsdevError, NotFound
from emulator.events import Event, EventSink, discard
from emulator.images import ensure_images
from emulator.model.layout import Layout
from emulator.networks import ensure_networks, remove_networks
from emulator.runtime.base import ContainerRuntime
from emulator.secrets.config import SECRETS_KEY
from emulator.secrets.config import record as secrets_record
from emulator.services import (
    ServiceSpec,
    SpecLoadBalancer,
    SubnetPlacement,
    load_spec,
    save_spec,
    service_names,
    update_spec,
)
from emulator.store import Store
from emulator.tasks import TaskRunner


@dataclass
class ApplyResult:
    registered: list[str] = field(default_factory=list)  # new task-definition ARNs
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)


def apply(
    runtime: ContainerRuntime,
    store: Store,
    layout: Layout,
    *,
    rebuild: bool = False,
    sink: EventSink = discard,
) -> ApplyResult:
    with store.exclusive():
        return _apply(runtime, store, layout, rebuild=rebuild, sink=sink)


def _apply(
    runtime: ContainerRuntime, store: Store, layout: Layout, *, rebuild: bool, sink: EventSink
) -> ApplyResult:
    res = ApplyResult()
    networks = ensure_networks(runtime, layout.name, layout.vpc)
    res.built = ensure_images(runtime, layout, rebuild=rebuild, sink=sink)
    store.put(
        "stack",
        {
            "name": layout.name,
            "cluster": layout.cluster,
            "region": layout.region,
            "accountId": layout.account_id,
            "layout": layout.source,
        },
    )
    store.put(alb_spec.ALB_KEY, alb_spec.record(layout))  # the controller never reads the file
    store.put(SECRETS_KEY, secrets_record(layout.secret_sources))
    store.put(CREDENTIALS_KEY, credentials_record(layout.credentials))
    arns: dict[str, list[str]] = {}
    for td in layout.task_definitions:
        before = store.task_definition(td.family)
        arn, revision = store.register_task_definition(td, layout.account)
        arns.setdefault(td.family, []).append(arn)
        if before is None or before[1] != revision:
            res.registered.append(arn)
            sink(
                Event(
                    f"registered task definition {td.family}:{revision}", kind="stack", subject=arn
                )
            )
    base_dir = str(Path(layout.source).parent)
    groups = {  # each service's target groups by the ARN the stand-in gives them
        tg.name: alb_spec.target_group_arn(layout.account, layout.name, tg)
        for tg in layout.target_groups
    }
    wanted = set()
    for svc in layout.services:
        wanted.add(svc.name)
        family, _, rev = svc.task_definition.partition(":")
        arn = arns[family][int(rev) - 1] if rev else arns[family][-1]
        td = layout.task_definition(family)
        subnets = list(svc.subnets) or [layout.vpc.subnets[0].name]
        placements = (
            tuple(SubnetPlacement(networks[s], s) for s in subnets)
            if td.network_mode == "awsvpc"
            else ()
        )
        spec = ServiceSpec(
            name=svc.name,
            task_definition=arn,
            desired_count=svc.desired_count,
            deployment_configuration=svc.deployment_configuration,
            health_check_grace_period_seconds=svc.health_check_grace_period_seconds,
            placements=placements,
            base_dir=base_dir,
            load_balancers=tuple(
                SpecLoadBalancer(
                    lb.target_group,
                    lb.container_name,
                    lb.container_port,
                    groups.get(lb.target_group, ""),
                )
                for lb in svc.load_balancers
            ),
            launch_type="FARGATE" if td.network_mode == "awsvpc" else "EC2",
            discovery=discovery(svc.raw, layout.cloud_map),
        )
        old = load_spec(store, svc.name)
        if old is not None:
            spec = replace(spec, force_token=old.force_token, created_at=old.created_at)
            if _same(old, spec):
                res.unchanged.append(svc.name)
                continue
            res.updated.append(svc.name)
        else:
            spec = replace(spec, created_at=time.time())
            res.created.append(svc.name)
        save_spec(store, spec, expected=old.generation if old else 0)
    for name in service_names(store):
        if name in wanted:
            continue
        old = load_spec(store, name)
        if old is not None and old.active:
            update_spec(store, name, lambda sp: replace(sp, active=False))
            res.removed.append(name)
    return res


def _same(old: ServiceSpec, new: ServiceSpec) -> bool:
    """Whether ``new`` asks for nothing ``old`` did not (what each write stamps is left out)."""
    stamps = {"generation": 0, "deployment_id": "", "changed_at": 0.0}
    return replace(old, **stamps) == replace(new, **stamps)  # type: ignore[arg-type]


def set_desired(
    store: Store, service: str, count: int | None = None, force: bool = False
) -> ServiceSpec:
    """UpdateService's desiredCount and forceNewDeployment: one atomic change of the spec,
    so a ``scale`` and a ``redeploy`` at the same moment both take effect."""

    def change(spec: ServiceSpec) -> ServiceSpec:
        if not spec.active:
            raise NotFound(f"no service {service!r} in stack {store.stack}")
        if count is not None:
            spec = replace(spec, desired_count=count)
        if force:
            spec = replace(spec, force_token=spec.force_token + 1)
        return spec

    try:
        return update_spec(store, service, change)
    except NotFound as e:
        raise NotFound(e.message, "List services with `ecsdev ps`.") from e


def down(runtime: ContainerRuntime, store: Store, sink: EventSink = discard) -> list[str]:
    """Stop every task of the stack (dependents first inside each task, SIGTERM then SIGKILL
    after stopTimeout), then remove every container, network and volume labelled with it.
    Service specs are marked inactive; history stays unless purged."""
    with store.exclusive():
        return _down(runtime, store, sink)


def _down(runtime: ContainerRuntime, store: Store, sink: EventSink) -> list[str]:
    stack = store.stack
    for name in service_names(store):
        spec = load_spec(store, name)
        if spec is not None and spec.active:
            update_spec(store, name, lambda sp: replace(sp, active=False))
    runner = TaskRunner(runtime, store, stack, sink=sink)
    try:
        tasks = list(runner.observe())
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(
                pool.map(
                    lambda arn: runner.stop(arn, "UserInitiated", "Stack taken down (ecsdev down)"),
                    tasks,
                )
            )
    finally:
        runner.close()
    removed = [f"task {t.rsplit('/', 1)[-1]}" for t in tasks]
    for c in runtime.list_containers({L.STACK: stack}):
        runtime.remove(c.id)
        if c.labels.get(L.ROLE) != L.SPARE:  # spares are no one's: not worth a line
            removed.append(c.name)
    for n in remove_networks(runtime, stack):
        removed.append(n)
    for v in runtime.list_volumes({L.STACK: stack}):
        with contextlib.suppress(EcsdevError):
            runtime.remove_volume(v)
    sink(Event(f"stack {stack} is down", kind="stack", subject=stack))
    return removed
