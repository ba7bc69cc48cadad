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
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from emulator import labels as L
from emulator.arns import Account, task_id_of
from emulator.errors import EcsdevError, TaskFailedToStart
from emulator.events import Event, EventSink, discard
from emulator.lifecycle import ObservedTask
from emulator.model.taskdef import parse_task_definition
from emulator.scheduler import (
    SchedulerSettings,
    ServiceRecord,
    StartTasks,
    StopServiceTask,
    TaskObservation,
    plan,
    record_started,
    record_stopped,
)
from emulator.servicespec import (
    DEPLOYMENT,
    SECURITY_GROUPS,
    SPEC_PREFIX,
    AwsvpcSettings,
    ServiceOptions,
    ServiceSpec,
    SpecConflict,
    SpecLoadBalancer,
    SubnetPlacement,
    load_spec,
    save_spec,
    service_names,
    update_spec,
)
from emulator.servicestate import (
    ServiceState,
    TargetHealthView,
    describe_services,
    initial_record,
    observations,
    service_events,
    stack_identity,
    updated_record,
)
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner

__all__ = [
    "DEPLOYMENT",
    "SECURITY_GROUPS",
    "SPEC_PREFIX",
    "AwsvpcSettings",
    "ServiceManager",
    "ServiceOptions",
    "ServiceSpec",
    "ServiceState",
    "SpecConflict",
    "SpecLoadBalancer",
    "SubnetPlacement",
    "TargetHealthView",
    "describe_services",
    "initial_record",
    "load_spec",
    "save_spec",
    "service_events",
    "service_names",
    "stack_identity",
    "update_spec",
    "updated_record",
]


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
            if isinstance(action, StopServiceTask):
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
