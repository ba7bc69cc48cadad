"""A tiny fake ECS runtime for the scheduler tests: tasks go PENDING -> RUNNING -> (healthy,
unhealthy, crash) -> STOPPING -> STOPPED by script, one tick at a time, on a fake clock.

Each ``step`` observes the tasks, calls ``plan``, checks the rolling-update invariants against
the runtime's own idea of health (not the planner's), carries out the actions the way the
controller will (reporting IDs with ``record_started`` / ``record_stopped``), round-trips the
record through JSON as the store does, then advances time and the tasks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.model.layout import CircuitBreaker, DeploymentConfiguration
from emulator.scheduler import (
    Plan,
    SchedulerSettings,
    ServiceRecord,
    StartTasks,
    StopServiceTask,
    TargetObservation,
    TaskObservation,
    bounds,
    create_service,
    plan,
    record_started,
    record_stopped,
)

T0 = 1_700_000_000.0
TD1 = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1"
TD2 = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2"
TD3 = "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3"
TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef"


@dataclass
class Behavior:
    """How tasks of one task definition behave, in ticks."""

    pending_ticks: int = 1
    fail_to_start: bool = False
    check: str = "container"
    """container (health check on an essential container) | elb (target only) | none"""
    healthy_after: int | None = 1
    """Ticks in RUNNING until healthy; None = never."""
    unhealthy_after: int | None = None
    """Ticks in RUNNING until unhealthy (wins over healthy_after once reached)."""
    crash_after: int | None = None
    """Ticks in RUNNING until the essential container exits."""
    stop_ticks: int = 1
    elb_reason: str = "Health checks failed with these codes: [404]"


@dataclass
class SimTask:
    task_id: str
    deployment_id: str
    task_definition: str
    created_at: float
    behavior: Behavior
    status: str = "PENDING"
    desired: str = "RUNNING"
    ticks: int = 0
    started_at: float | None = None
    stopped_at: float | None = None
    stop_code: str | None = None
    reason: str | None = None
    running_ticks: int = 0
    protected_until: float | None = None

    def health(self) -> str:
        b = self.behavior
        if self.status != "RUNNING":
            return "UNKNOWN"
        if b.unhealthy_after is not None and self.running_ticks >= b.unhealthy_after:
            return "UNHEALTHY"
        if b.healthy_after is not None and self.running_ticks >= b.healthy_after:
            return "HEALTHY"
        return "UNKNOWN"

    def observe(self) -> TaskObservation:
        h = self.health()
        targets: tuple[TargetObservation, ...] = ()
        if self.behavior.check == "elb" and self.status == "RUNNING":
            state = {"HEALTHY": "healthy", "UNHEALTHY": "unhealthy"}.get(h, "initial")
            reason = self.behavior.elb_reason if state == "unhealthy" else ""
            targets = (TargetObservation(TG, 8080, state, reason),)
        return TaskObservation(
            task_id=self.task_id,
            deployment_id=self.deployment_id,
            last_status=self.status,
            desired_status=self.desired,
            created_at=self.created_at,
            started_at=self.started_at,
            stopped_at=self.stopped_at,
            stop_code=self.stop_code,
            stopped_reason=self.reason,
            reached_running=self.started_at is not None,
            health_status=h if self.behavior.check == "container" else "UNKNOWN",
            has_health_check=self.behavior.check == "container",
            targets=targets,
            protected_until=self.protected_until,
        )


@dataclass
class Sim:
    record: ServiceRecord
    behaviors: dict[str, Behavior] = field(default_factory=dict)
    tick: float = 10.0
    now: float = T0
    settings: SchedulerSettings = field(
        default_factory=lambda: SchedulerSettings(no_health_check_healthy_after=20.0)
    )
    allow_floor_dip: bool = False
    """Accept the liveness stop that dips below the floor (stuck min/max settings)."""
    tasks: dict[str, SimTask] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)
    history: list[dict[str, int]] = field(default_factory=list)
    """Per tick, after the actions: live, healthy, desired, floor, ceiling."""
    _ids: int = 0
    _deployments: int = 0

    @classmethod
    def create(
        cls,
        desired: int = 2,
        *,
        minimum: int = 100,
        maximum: int = 200,
        breaker: bool = False,
        rollback: bool = False,
        grace: int = 0,
        task_definition: str = TD1,
        behaviors: dict[str, Behavior] | None = None,
        **kw: object,
    ) -> Sim:
        """A service with ``desired`` tasks of ``task_definition``, not yet started."""
        config = DeploymentConfiguration(minimum, maximum, CircuitBreaker(breaker, rollback))
        sim = cls(record=None, behaviors=behaviors or {}, **kw)  # type: ignore[arg-type]
        sim.record = create_service(
            "web",
            task_definition,
            desired_count=desired,
            now=sim.now,
            deployment_configuration=config,
            health_check_grace_period_seconds=grace,
            has_load_balancer=True,
            new_id=sim.new_deployment_id,
        )
        return sim

    # --- identifiers --------------------------------------------------------------------------

    def new_deployment_id(self) -> str:
        self._deployments += 1
        return f"ecs-svc/{7_000_000_000_000_000_000 + self._deployments}"

    def _task_id(self) -> str:
        self._ids += 1
        return f"{self._ids:032x}"

    # --- runtime health, independent of the planner ---------------------------------------------

    def serving(self, t: SimTask) -> bool:
        """Healthy and not asked to stop, by the runtime's own definition."""
        if t.status != "RUNNING" or t.desired != "RUNNING":
            return False
        if t.behavior.check == "none":
            assert t.started_at is not None
            return self.now - t.started_at >= self.settings.no_health_check_healthy_after
        return t.health() == "HEALTHY"

    def live(self) -> list[SimTask]:
        return [t for t in self.tasks.values() if t.status != "STOPPED"]

    def observations(self) -> list[TaskObservation]:
        """Every task, STOPPED history included (the planner must ignore what it already saw)."""
        return [t.observe() for t in self.tasks.values()]

    # --- one tick -----------------------------------------------------------------------------

    def step(self) -> Plan:
        p = plan(
            self.record,
            self.observations(),
            self.now,
            settings=self.settings,
            new_id=self.new_deployment_id,
        )
        self._check(p)
        self.plans.append(p)
        self.record = p.record
        self._apply(p)
        self.record = ServiceRecord.from_dict(json.loads(json.dumps(self.record.to_dict())))
        self.now += self.tick
        self._advance()
        return p

    def run(self, ticks: int) -> None:
        for _ in range(ticks):
            self.step()

    def run_until(self, done: Callable[[Sim], bool], max_ticks: int = 200) -> int:
        for n in range(max_ticks):
            if done(self):
                return n
            self.step()
        raise AssertionError(f"not done after {max_ticks} ticks: {self.summary()}")

    def _check(self, p: Plan) -> None:
        b = bounds(self.record.desired_count, self.record.deployment_configuration)
        stops = [a for a in p.actions if isinstance(a, StopServiceTask)]
        starts = [a for a in p.actions if isinstance(a, StartTasks)]
        ids = [a.task_id for a in stops]
        assert len(ids) == len(set(ids)), "a task stopped twice in one plan"
        assert len(starts) <= 1
        live = self.live()
        started = sum(a.count for a in starts)
        if started:
            assert len(live) + started <= b.ceiling, (
                f"ceiling {b.ceiling} exceeded: {len(live)} live + {started} started"
            )
            primary = p.record.primary
            assert primary.rollout_state != "FAILED"
            assert starts[0].deployment_id == primary.id
            assert starts[0].task_definition == primary.task_definition
        serving = {t.task_id for t in live if self.serving(t)}
        scaling_healthy = [
            a for a in stops if a.task_id in serving and a.reason.startswith("Scaling activity")
        ]
        after = len(serving - set(ids))
        if scaling_healthy and not self.allow_floor_dip:
            assert after >= b.floor, f"floor {b.floor} violated: {after} healthy left"
        for a in stops:
            assert self.tasks[a.task_id].status != "STOPPED"
        self.history.append(
            {
                "live": len(live) + started,
                "healthy": after,
                "desired": self.record.desired_count,
                "floor": b.floor,
                "ceiling": b.ceiling,
            }
        )

    def _apply(self, p: Plan) -> None:
        for a in p.actions:
            if isinstance(a, StopServiceTask):
                t = self.tasks[a.task_id]
                t.desired, t.status, t.ticks = "STOPPED", "DEACTIVATING", 0
                t.stop_code, t.reason = a.stop_code, a.reason
        stopped = [a.task_id for a in p.actions if isinstance(a, StopServiceTask)]
        self.record = record_stopped(self.record, stopped, self.now, self.settings)
        for a in p.actions:
            if isinstance(a, StartTasks):
                ids = []
                for _ in range(a.count):
                    tid = self._task_id()
                    behavior = self.behaviors.get(a.task_definition, Behavior())
                    self.tasks[tid] = SimTask(
                        tid, a.deployment_id, a.task_definition, self.now, behavior
                    )
                    ids.append(tid)
                self.record = record_started(
                    self.record, a.deployment_id, ids, self.now, self.settings
                )

    def _advance(self) -> None:
        for t in list(self.tasks.values()):
            t.ticks += 1
            b = t.behavior
            if t.status == "DEACTIVATING" and t.ticks >= b.stop_ticks:
                t.status, t.stopped_at = "STOPPED", self.now
            elif t.status == "PENDING" and t.ticks >= b.pending_ticks:
                if b.fail_to_start:
                    t.status, t.stopped_at, t.desired = "STOPPED", self.now, "STOPPED"
                    t.stop_code, t.reason = (
                        "TaskFailedToStart",
                        "Essential container in task exited",
                    )
                else:
                    t.status, t.started_at, t.ticks = "RUNNING", self.now, 0
            elif t.status == "RUNNING" and t.desired == "RUNNING":
                t.running_ticks += 1
                if b.crash_after is not None and t.running_ticks >= b.crash_after:
                    t.status, t.stopped_at, t.desired = "STOPPED", self.now, "STOPPED"
                    t.stop_code, t.reason = (
                        "EssentialContainerExited",
                        "Essential container in task exited",
                    )

    # --- reading the outcome ------------------------------------------------------------------

    def serving_by_definition(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.live():
            if self.serving(t):
                out[t.task_definition] = out.get(t.task_definition, 0) + 1
        return out

    def messages(self) -> list[str]:
        """Events oldest first."""
        return [e.message for e in reversed(self.record.events)]

    def summary(self) -> str:
        return (
            f"deployments={[(d.id, d.status, d.rollout_state, d.failed_tasks) for d in self.record.deployments]} "
            f"live={[(t.task_id[-3:], t.task_definition, t.status) for t in self.live()]}"
        )


def steady(sim: Sim) -> bool:
    r = sim.record
    return len(r.deployments) == 1 and r.primary.rollout_state == "COMPLETED" and r.steady
