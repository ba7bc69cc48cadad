"""ECS services on the task runtime: the controller's service layer.

The CLI (``ecsdev up``, ``scale``, ``redeploy``) writes what the user wants as a *spec* in the
store; only the controller writes the scheduler's ``ServiceRecord``, so the two never race.
Each tick this layer turns the stack's tasks into ``TaskObservation``s, asks the pure planner
(``emulator.scheduler``) what to do, launches and stops tasks through ``TaskRunner``, reports
what it did back to the record, and stores it.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from emulator import labels as L
from emulator.arns import Account, new_deployment_id, task_id_of
from emulator.codec import decode, encode
from emulator.errors import EcsdevError, NotFound, TaskFailedToStart
from emulator.events import Event, EventSink, discard
from emulator.lifecycle import ObservedTask, group_by_task, parse_time, task_status
from emulator.model.layout import DeploymentConfiguration
from emulator.model.taskdef import parse_task_definition
from emulator.scheduler import (
    SchedulerSettings,
    ServiceCounts,
    ServiceRecord,
    StartTasks,
    StopTask,
    TargetObservation,
    TaskObservation,
    create_service,
    describe_service,
    plan,
    record_started,
    record_stopped,
    update_service,
)
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner
from emulator.taskview import TaskDescription

DEPLOYMENT = "ecsdev.deployment"
SECURITY_GROUPS = "ecsdev.security-groups"
"""An awsvpc task's security groups (its ENI's, for DescribeNetworkInterfaces)."""
SPEC_PREFIX = "service-spec/"


class TargetHealthView(Protocol):
    """What the ALB layer tells the scheduler about a task's targets."""

    def targets_of(self, task_arn: str) -> tuple[TargetObservation, ...]: ...

    def begin_draining(self, task_arn: str, now: float) -> float | None:
        """Deregister the task's targets; when the task may stop (None: at once)."""
        ...


@dataclass(frozen=True, slots=True)
class SubnetPlacement:
    """Where an awsvpc task of the service may go: a subnet and its Docker network."""

    network: str
    subnet: str


@dataclass(frozen=True, slots=True)
class SpecLoadBalancer:
    """A service's target group: its name in the stack's load balancer settings (and its
    ARN when the API made it), and the container and port that receive the traffic."""

    target_group: str
    container_name: str
    container_port: int
    target_group_arn: str = ""


@dataclass(frozen=True, slots=True)
class AwsvpcSettings:
    """The service's ``awsvpcConfiguration`` as the API gave it (echoed back as given)."""

    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str = "DISABLED"


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Service settings the API takes and reads back that change nothing locally."""

    availability_zone_rebalancing: str = "DISABLED"
    propagate_tags: str = "NONE"
    enable_ecs_managed_tags: bool = False
    enable_execute_command: bool = False
    platform_version: str = ""


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What the user asked for (written by the CLI and the API, read by the controller)."""

    name: str
    task_definition: str  # ARN
    desired_count: int
    deployment_configuration: DeploymentConfiguration = DeploymentConfiguration()
    health_check_grace_period_seconds: int = 0
    placements: tuple[SubnetPlacement, ...] = ()
    base_dir: str = "."
    load_balancers: tuple[SpecLoadBalancer, ...] = ()
    generation: int = 0
    force_token: int = 0
    active: bool = True
    launch_type: str = ""
    awsvpc: AwsvpcSettings | None = None
    tags: tuple[tuple[str, str], ...] = ()
    created_at: float = 0.0
    created_by: str = ""
    options: ServiceOptions = field(default_factory=lambda: ServiceOptions())
    deployment_id: str = ""
    """The ID of the deployment this generation starts, if it starts one (chosen on write)."""
    changed_at: float = 0.0
    """When this generation was written."""


class SpecConflict(EcsdevError):
    """A spec changed between the read and the write the caller based it on."""


def save_spec(store: Store, spec: ServiceSpec, expected: int | None = None) -> ServiceSpec:
    """Write ``spec`` as the next generation, in one transaction. With ``expected``, only if
    the stored generation is still that one (compare-and-swap; else ``SpecConflict``)."""

    def change(old: Any) -> Any:
        before = decode(ServiceSpec, old) if old else None
        current = before.generation if before else 0
        if expected is not None and current != expected:
            raise SpecConflict(
                f"service {spec.name} changed meanwhile (generation {current}, not {expected})",
                "Read it again and retry.",
            )
        return encode(_next(spec, current))

    return decode(ServiceSpec, store.update(SPEC_PREFIX + spec.name, change))


def _next(spec: ServiceSpec, generation: int) -> ServiceSpec:
    return replace(
        spec,
        generation=generation + 1,
        deployment_id=new_deployment_id(),
        changed_at=time.time(),
    )


def update_spec(
    store: Store, name: str, change: Callable[[ServiceSpec], ServiceSpec]
) -> ServiceSpec:
    """Read-modify-write of one service's spec in one transaction (``scale`` and
    ``redeploy`` at the same moment both take effect). ``change`` may raise to write nothing;
    a missing spec is ``NotFound``."""

    def apply(old: Any) -> Any:
        if not old:
            raise NotFound(f"no service {name!r} in stack {store.stack}")
        before = decode(ServiceSpec, old)
        return encode(_next(change(before), before.generation))

    return decode(ServiceSpec, store.update(SPEC_PREFIX + name, apply))


def load_spec(store: Store, name: str) -> ServiceSpec | None:
    d = store.get(SPEC_PREFIX + name)
    return decode(ServiceSpec, d) if d else None


def service_names(store: Store) -> list[str]:
    names = set(store.service_record_names())
    names |= {k[len(SPEC_PREFIX) :] for k in store.keys(SPEC_PREFIX)}
    return sorted(names)


def observe(
    task: ObservedTask, row: dict[str, Any] | None, targets: tuple[TargetObservation, ...]
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
    for t in tasks:
        found = targets.targets_of(t.task_arn) if targets else ()
        o = observe(t, store.task_row(t.task_arn), found)
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


class ServiceManager:
    """The controller extension that runs every service of the stack."""

    def __init__(
        self,
        runner: TaskRunner,
        store: Store,
        account: Account,
        cluster: str,
        sink: EventSink = discard,
        settings: SchedulerSettings | None = None,
        targets: TargetHealthView | None = None,
    ) -> None:
        self.runner = runner
        self.store = store
        self.account = account
        self.cluster = cluster
        self.sink = sink
        self.settings = settings or SchedulerSettings()
        self.targets = targets
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="svc-launch")
        self._services_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="svc")
        self._rr = itertools.count()
        self.busy = False

    def tick(self, now: float, observed: dict[str, ObservedTask]) -> None:
        by_service: dict[str, list[ObservedTask]] = {}
        for t in observed.values():
            if t.labels.get(L.SERVICE):
                by_service.setdefault(t.labels[L.SERVICE], []).append(t)
        records = self.store.services()
        specs = {name: load_spec(self.store, name) for name in service_names(self.store)}
        self.busy = any(sp is not None and sp.active for sp in specs.values())

        def one(name: str) -> None:
            try:
                self._tick_service(
                    name, specs[name], records.get(name), by_service.get(name, []), now
                )
            except EcsdevError as e:
                self._event(
                    Event(
                        f"(service {name}) controller error: {e.message}", "error", name, "service"
                    )
                )

        # services are independent: plan and carry them out side by side
        list(self._services_pool.map(one, sorted(specs)))

    def _tick_service(
        self,
        name: str,
        spec: ServiceSpec | None,
        body: dict[str, Any] | None,
        tasks: list[ObservedTask],
        now: float,
    ) -> None:
        record = ServiceRecord.from_dict(body["record"]) if body else None
        applied = int(body.get("applied", 0)) if body else 0
        force_seen = int(body.get("forceToken", 0)) if body else 0
        if spec is None:
            return
        if record is None:
            if not spec.active:
                return
            record = initial_record(spec, self.account, self.cluster, now)
        elif spec.generation != applied:
            record = updated_record(record, spec, force_seen, now)
        obs = self._observations(record, tasks)
        result = plan(record, obs, now, settings=self.settings)
        record = result.record
        for ev in result.engine_events():
            self._event(ev)
        stopped: list[str] = []
        for action in result.actions:
            if isinstance(action, StopTask):
                arn = self.account.task_arn(self.cluster, action.task_id)
                # ECS deregisters first and stops the task after the deregistration delay
                until = self.targets.begin_draining(arn, now) if self.targets else None
                try:
                    self.runner.stop(
                        arn, action.stop_code, action.reason, wait=False, not_before=until
                    )
                    stopped.append(action.task_id)
                except EcsdevError:
                    pass
        emitted = {e.id for e in result.record.events}

        def emit_new(rec: ServiceRecord) -> None:  # stored in the order they happened
            for e in sorted(
                (e for e in rec.events if e.id not in emitted), key=lambda e: e.created_at
            ):
                emitted.add(e.id)
                self._event(Event(e.message, "info", name, "service", e.created_at))

        if stopped:
            record = record_stopped(record, stopped, now, self.settings)
            emit_new(record)  # before the launches below record their own events
        for action in result.actions:
            if isinstance(action, StartTasks):
                ids = self._launch(spec, action)
                # stamped once launched (as ECS reports it), after the tasks' own events
                started = time.time()
                record = record_started(record, action.deployment_id, ids, started, self.settings)
        emit_new(record)
        self.store.save_service(
            name,
            {
                "record": record.to_dict(),
                "applied": spec.generation,
                "forceToken": spec.force_token,
            },
        )

    def _observations(
        self, record: ServiceRecord, tasks: list[ObservedTask]
    ) -> list[TaskObservation]:
        return observations(self.store, self.account, self.cluster, record, tasks, self.targets)

    def _launch(self, spec: ServiceSpec, action: StartTasks) -> list[str]:
        found = self.store.task_definition_by_arn(action.task_definition)
        if found is None:
            self._event(
                Event(
                    f"(service {spec.name}) task definition {action.task_definition} is not registered",
                    "error",
                    spec.name,
                    "service",
                )
            )
            return []
        raw, revision = found
        td = parse_task_definition(raw)

        def one(_: int) -> str:
            placement = Placement()
            if spec.placements:
                p = spec.placements[next(self._rr) % len(spec.placements)]
                placement = Placement(p.network, p.subnet)
            try:
                arn = self.runner.launch(
                    td,
                    action.task_definition,
                    revision,
                    base_dir=spec.base_dir,
                    placement=placement,
                    group=f"service:{spec.name}",
                    started_by=action.deployment_id,
                    service=spec.name,
                    extra_labels={DEPLOYMENT: action.deployment_id}
                    | (
                        {SECURITY_GROUPS: ",".join(spec.awsvpc.security_groups)}
                        if spec.awsvpc and spec.awsvpc.security_groups
                        else {}
                    ),
                )
            except TaskFailedToStart as e:
                arn = e.task_arn
            return task_id_of(arn)

        return list(self._pool.map(one, range(action.count)))

    def _event(self, ev: Event) -> None:
        self.store.add_event(ev)
        self.sink(ev)

    def close(self) -> None:
        self._services_pool.shutdown(wait=True)
        self._pool.shutdown(wait=True)


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
        out.append(ServiceState(counts, spec, status))
    return out
