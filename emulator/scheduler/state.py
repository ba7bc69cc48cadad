"""The scheduler's data: what the controller observes, and what the store keeps per service.

``TaskObservation`` is the controller's report of one task (from Docker labels and the ALB
health layer); the planner never looks anywhere else. ``ServiceRecord`` is everything ECS
remembers about a service between ticks (deployments, events, throttle, rollback target). All
records are frozen, so ``plan`` cannot mutate its input, and convert to and from JSON-ready
dicts so the SQLite store can persist them and a restarted controller carries on where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, cast

from emulator.codec import decode, encode
from emulator.model.layout import DeploymentConfiguration
from emulator.scheduler.backoff import BackoffPolicy, BackoffState

PENDING_STATUSES = frozenset({"PROVISIONING", "PENDING", "ACTIVATING"})
STOPPING_STATUSES = frozenset({"DEACTIVATING", "STOPPING", "DEPROVISIONING"})
RUNNING = "RUNNING"
STOPPED = "STOPPED"

DeploymentStatus = Literal["PRIMARY", "ACTIVE", "INACTIVE"]
RolloutState = Literal["IN_PROGRESS", "COMPLETED", "FAILED"]
BreakerStatus = Literal["MONITORING", "TRIGGERED", "MONITORING_COMPLETE", "DISABLED"]
StopKind = Literal["scaling", "health"]


@dataclass(frozen=True, slots=True)
class TargetObservation:
    """The task's target in one target group, as the ALB health layer sees it."""

    target_group_arn: str
    port: int
    state: str = "initial"
    """ELB TargetHealth state: initial | healthy | unhealthy | draining | unused | unavailable."""
    reason: str = ""
    """ELB's description, e.g. ``Health checks failed with these codes: [404]``."""
    instance_id: str | None = None
    """bridge/host targets are ``instance:port``; awsvpc targets name no instance."""


@dataclass(frozen=True, slots=True)
class TaskObservation:
    """One task of the service as the controller sees it now."""

    task_id: str
    deployment_id: str
    last_status: str
    """PROVISIONING | PENDING | ACTIVATING | RUNNING | DEACTIVATING | STOPPING |
    DEPROVISIONING | STOPPED"""
    desired_status: str = RUNNING
    created_at: float = 0.0
    started_at: float | None = None
    """When it reached RUNNING (ECS ``startedAt``)."""
    stopped_at: float | None = None
    stop_code: str | None = None
    stopped_reason: str | None = None
    reached_running: bool = False
    health_status: str = "UNKNOWN"
    """Task healthStatus from its essential containers: HEALTHY | UNHEALTHY | UNKNOWN."""
    has_health_check: bool = False
    """Some essential container defines a health check (else health is time-based)."""
    targets: tuple[TargetObservation, ...] = ()
    protected_until: float | None = None
    """Scale-in protection (UpdateTaskProtection): not stopped for scaling or a rollout
    before this time."""

    @property
    def live(self) -> bool:
        return self.last_status != STOPPED

    @property
    def ran(self) -> bool:
        return self.reached_running or self.last_status == RUNNING or self.started_at is not None


@dataclass(frozen=True, slots=True)
class TrackedTask:
    """What the scheduler remembers about a task it launched, until it stops."""

    task_id: str
    reached_running: bool = False
    ever_healthy: bool = False
    stop_kind: StopKind | None = None
    """Set when the scheduler asked for the stop, so its STOPPED is not counted as a failure
    (scaling) or is counted as a health-check failure (health)."""


@dataclass(frozen=True, slots=True)
class Deployment:
    """One ECS deployment (a taskSet of the rolling-update controller)."""

    id: str
    task_definition: str
    status: DeploymentStatus
    rollout_state: RolloutState
    rollout_state_reason: str
    desired_count: int
    created_at: float
    updated_at: float
    running_count: int = 0
    pending_count: int = 0
    failed_tasks: int = 0
    """Circuit-breaker failure count (consecutive: a healthy task resets it)."""
    breaker: BreakerStatus = "DISABLED"
    stage: int = 1
    """Circuit-breaker stage: 1 until one of its tasks reaches RUNNING, then 2."""
    tracked: tuple[TrackedTask, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceEvent:
    """One entry of describe-services ``events``."""

    id: str
    created_at: float
    message: str


@dataclass(frozen=True, slots=True)
class RollbackTarget:
    """The most recent COMPLETED deployment: where the circuit breaker rolls back to."""

    deployment_id: str
    task_definition: str


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """Knobs the controller chooses; ECS's values are the defaults. Not persisted."""

    no_health_check_healthy_after: float = 40.0
    """A RUNNING task whose essential containers have no health check counts as healthy
    after this many seconds (ECS: 40). Tests and impatient developers lower it."""
    steady_state_interval: float = 6 * 3600.0
    """How often the steady-state event repeats while the service stays steady."""
    max_events: int = 100
    """describe-services keeps the newest 100 events."""
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """Everything the scheduler keeps about one REPLICA service between ticks."""

    name: str
    task_definition: str
    """The service's current task definition ARN (the PRIMARY deployment's)."""
    desired_count: int
    deployment_configuration: DeploymentConfiguration
    created_at: float
    health_check_grace_period_seconds: int = 0
    has_load_balancer: bool = False
    service_arn: str = ""
    cluster_arn: str = ""
    deployments: tuple[Deployment, ...] = ()
    """PRIMARY first, then ACTIVE ones newest first; INACTIVE ones are dropped."""
    events: tuple[ServiceEvent, ...] = ()
    """Newest first, capped at ``SchedulerSettings.max_events``."""
    event_seq: int = 0
    """Counter behind the deterministic event IDs."""
    backoff: BackoffState = BackoffState()
    steady: bool = False
    last_steady_event_at: float | None = None
    rollback_target: RollbackTarget | None = None

    @property
    def primary(self) -> Deployment:
        for d in self.deployments:
            if d.status == "PRIMARY":
                return d
        raise LookupError(f"service {self.name} has no PRIMARY deployment")

    def deployment(self, deployment_id: str) -> Deployment | None:
        return next((d for d in self.deployments if d.id == deployment_id), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, through the one codec (the store keeps it)."""
        return cast(dict[str, Any], encode(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ServiceRecord:
        return decode(cls, d)
