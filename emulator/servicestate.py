"""A service as describe-services shows it: the typed ``ServiceState`` that DescribeServices,
``ecsdev ps`` and the dashboard are made from (at the edge, ``emulator.endpoint.ecs_json``).

Why this exists: reading a service must plan nothing and write nothing; it combines the spec,
the scheduler's record (or, for a write the controller has not seen yet, the record it will
make), the tasks observed now and the service's events.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from emulator import labels as L
from emulator.arns import Account, task_id_of
from emulator.lifecycle import ObservedTask, group_by_task, parse_time, task_status
from emulator.scheduler import (
    ServiceCounts,
    ServiceEvent,
    ServiceRecord,
    TargetObservation,
    TaskObservation,
    create_service,
    describe_service,
    update_service,
)
from emulator.servicespec import DEPLOYMENT, ServiceSpec, load_spec, service_names
from emulator.store import Store
from emulator.taskprotection import protections
from emulator.taskview import TaskDescription


class TargetHealthView(Protocol):
    """What the ALB layer tells the scheduler about a task's targets."""

    def targets_of(self, task_arn: str) -> tuple[TargetObservation, ...]: ...

    def begin_draining(self, task_arn: str, now: float) -> float | None:
        """Deregister the task's targets; when the task may stop (None: at once)."""
        ...


def observe(
    task: ObservedTask,
    row: dict[str, Any] | None,
    targets: tuple[TargetObservation, ...],
    protected_until: float | None = None,
) -> TaskObservation:
    desired = (row or {}).get("desiredStatus") or "RUNNING"
    st = task_status(task, desired)
    starts = [parse_time(c.state.started_at) for c in task.containers if c.started]
    started = (
        max((t for t in starts if t is not None), default=None)
        if st.last_status == "RUNNING"
        else None
    )
    return TaskObservation(
        task_id=task_id_of(task.task_arn),
        deployment_id=task.labels.get(DEPLOYMENT, ""),
        last_status=st.last_status,
        desired_status=desired,
        created_at=float(task.labels.get(L.CREATED_AT) or 0),
        started_at=started,
        reached_running=st.last_status == "RUNNING",
        health_status=st.health_status,
        has_health_check=any(c.has_health_check and c.essential for c in task.containers),
        targets=targets,
        stop_code=(row or {}).get("stopCode"),
        stopped_reason=(row or {}).get("stoppedReason"),
        protected_until=protected_until,
    )


def stopped_observation(task_id: str, deployment_id: str, row: dict[str, Any]) -> TaskObservation:
    snap: TaskDescription = row["snapshot"]
    return TaskObservation(
        task_id=task_id,
        deployment_id=deployment_id,
        last_status="STOPPED",
        desired_status="STOPPED",
        created_at=float(row.get("createdAt") or 0),
        started_at=snap.started_at,
        stopped_at=float(row.get("stoppedAt") or time.time()),
        stop_code=row.get("stopCode"),
        stopped_reason=row.get("stoppedReason"),
        reached_running=snap.started_at is not None,
        health_status=snap.health_status,
    )


def observations(
    store: Store,
    account: Account,
    cluster: str,
    record: ServiceRecord,
    tasks: list[ObservedTask],
    targets: TargetHealthView | None = None,
) -> list[TaskObservation]:
    """What the planner sees: the service's live tasks, plus the tracked tasks that have
    stopped since (from their recorded snapshots)."""
    out = []
    live_ids = set()
    protected = protections(store, time.time()) if tasks else {}
    for t in tasks:
        found = targets.targets_of(t.task_arn) if targets else ()
        until = protected.get(task_id_of(t.task_arn))
        o = observe(t, store.task_row(t.task_arn), found, until)
        live_ids.add(o.task_id)
        out.append(o)
    for d in record.deployments:
        for tr in d.tracked:
            if tr.task_id in live_ids:
                continue
            row = store.task_row(account.task_arn(cluster, tr.task_id))
            if row and row.get("snapshot"):
                out.append(stopped_observation(tr.task_id, d.id, row))
    return out


def stack_identity(store: Store) -> tuple[Account, str]:
    """The account and cluster a stack was applied with (defaults for bare task stacks)."""
    meta = store.get("stack") or {}
    account = Account(meta.get("region", "us-east-1"), meta.get("accountId", "000000000000"))
    return account, str(meta.get("cluster", "default"))


@dataclass(frozen=True, slots=True)
class ServiceState:
    """One service as describe-services shows it: what was asked (``spec``), what the
    scheduler keeps (``counts.record``) and the task counts observed now."""

    counts: ServiceCounts
    spec: ServiceSpec | None
    status: str = "ACTIVE"
    """ACTIVE, DRAINING (deleted, tasks still stopping) or INACTIVE."""
    events: tuple[ServiceEvent, ...] = ()
    """Newest first: the scheduler's events and the load balancer's (registered and
    deregistered targets, draining), as describe-services lists them."""

    @property
    def record(self) -> ServiceRecord:
        return self.counts.record


def _ids(spec: ServiceSpec) -> dict[str, Any]:
    """The deployment ID the writer chose for this generation: the API's answer, a describe
    before the controller's next tick and the controller all name the same deployment."""
    return {"new_id": (lambda: spec.deployment_id)} if spec.deployment_id else {}


def initial_record(spec: ServiceSpec, account: Account, cluster: str, now: float) -> ServiceRecord:
    """The record ECS has for a service the moment CreateService returns."""
    return create_service(
        spec.name,
        spec.task_definition,
        desired_count=spec.desired_count if spec.active else 0,
        now=spec.changed_at or now,
        **_ids(spec),
        deployment_configuration=spec.deployment_configuration,
        health_check_grace_period_seconds=spec.health_check_grace_period_seconds,
        has_load_balancer=bool(spec.load_balancers),
        service_arn=account.service_arn(cluster, spec.name),
        cluster_arn=account.cluster_arn(cluster),
    )


def updated_record(
    record: ServiceRecord, spec: ServiceSpec, force_seen: int, now: float
) -> ServiceRecord:
    """The record after UpdateService (or ``ecsdev up``/``scale``/``redeploy``) wrote
    ``spec``: pure, so describe shows it before the controller's next tick."""
    return update_service(
        record,
        now=spec.changed_at or now,
        task_definition=spec.task_definition,
        desired_count=spec.desired_count if spec.active else 0,
        force_new_deployment=spec.force_token != force_seen,
        deployment_configuration=spec.deployment_configuration,
        health_check_grace_period_seconds=spec.health_check_grace_period_seconds,
        **_ids(spec),
    )


def service_events(
    store: Store, record: ServiceRecord, limit: int = 100
) -> tuple[ServiceEvent, ...]:
    """The service's events as ECS lists them, newest first: every one the stack recorded for
    it (the scheduler's keep their IDs; the load balancer's get stable ones)."""
    ids = {(e.message, round(e.created_at, 3)): e.id for e in record.events}
    out = []
    for eid, ev in reversed(store.events(subject=record.name, limit=limit)):
        if ev.kind != "service":
            continue
        key = (ev.message, round(ev.at, 3))
        stable = ids.get(key) or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{store.stack}/event/{eid}"))
        out.append(ServiceEvent(stable, ev.at, ev.message))
    return tuple(out) or record.events


def describe_services(
    runtime: Any,
    store: Store,
    observed: dict[str, ObservedTask] | None = None,
    names: Collection[str] | None = None,
) -> list[ServiceState]:
    """Every service of the stack (or those ``names``) as DescribeServices shows it
    (read-only: plans nothing)."""
    account, cluster = stack_identity(store)
    tasks_now = (
        observed
        if observed is not None
        else group_by_task(runtime.list_containers({L.STACK: store.stack}))
    )
    bodies = store.services(names)
    out = []
    for name in sorted(names) if names is not None else service_names(store):
        spec = load_spec(store, name)
        body = bodies.get(name)
        if body is not None:
            record = ServiceRecord.from_dict(body["record"])
            if spec is not None and spec.generation != int(body.get("applied", 0)):
                record = updated_record(record, spec, int(body.get("forceToken", 0)), time.time())
        elif spec is not None and spec.active:  # created, not yet seen by the controller
            record = initial_record(spec, account, cluster, spec.created_at or time.time())
        else:
            continue
        mine = [t for t in tasks_now.values() if t.labels.get(L.SERVICE) == name]
        counts = describe_service(record, observations(store, account, cluster, record, mine))
        status = "ACTIVE"
        if spec is not None and not spec.active:
            status = "INACTIVE" if not mine else "DRAINING"
        out.append(ServiceState(counts, spec, status, service_events(store, record)))
    return out
