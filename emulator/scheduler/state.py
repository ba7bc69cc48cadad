"""The scheduler's data: what the controller observes, and what the store keeps per service.

``TaskObservation`` is the controller's report of one task (from Docker labels and the ALB
health layer); the planner never looks anywhere else. ``ServiceRecord`` is everything ECS
remembers about a service between ticks (deployments, events, throttle, rollback target). All
records are frozen, so ``plan`` cannot mutate its input, and convert to and from JSON-ready
dicts so the SQLite store can persist them and a restarted controller carries on where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.model.layout import CircuitBreaker, DeploymentConfiguration
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "taskId": self.task_id,
            "reachedRunning": self.reached_running,
            "everHealthy": self.ever_healthy,
            "stopKind": self.stop_kind,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrackedTask:
        return cls(
            d["taskId"], bool(d["reachedRunning"]), bool(d["everHealthy"]), d.get("stopKind")
        )


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "taskDefinition": self.task_definition,
            "status": self.status,
            "rolloutState": self.rollout_state,
            "rolloutStateReason": self.rollout_state_reason,
            "desiredCount": self.desired_count,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "runningCount": self.running_count,
            "pendingCount": self.pending_count,
            "failedTasks": self.failed_tasks,
            "breaker": self.breaker,
            "stage": self.stage,
            "tracked": [t.to_dict() for t in self.tracked],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Deployment:
        return cls(
            id=d["id"],
            task_definition=d["taskDefinition"],
            status=d["status"],
            rollout_state=d["rolloutState"],
            rollout_state_reason=d["rolloutStateReason"],
            desired_count=int(d["desiredCount"]),
            created_at=float(d["createdAt"]),
            updated_at=float(d["updatedAt"]),
            running_count=int(d["runningCount"]),
            pending_count=int(d["pendingCount"]),
            failed_tasks=int(d["failedTasks"]),
            breaker=d["breaker"],
            stage=int(d["stage"]),
            tracked=tuple(TrackedTask.from_dict(t) for t in d["tracked"]),
        )


@dataclass(frozen=True, slots=True)
class ServiceEvent:
    """One entry of describe-services ``events``."""

    id: str
    created_at: float
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "createdAt": self.created_at, "message": self.message}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ServiceEvent:
        return cls(d["id"], float(d["createdAt"]), d["message"])


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


def deployment_configuration_to_dict(c: DeploymentConfiguration) -> dict[str, Any]:
    """ECS's own shape (as in describe-services)."""
    return {
        "deploymentCircuitBreaker": {
            "enable": c.circuit_breaker.enable,
            "rollback": c.circuit_breaker.rollback,
        },
        "maximumPercent": c.maximum_percent,
        "minimumHealthyPercent": c.minimum_healthy_percent,
    }


def deployment_configuration_from_dict(d: dict[str, Any]) -> DeploymentConfiguration:
    cb = d.get("deploymentCircuitBreaker") or {}
    return DeploymentConfiguration(
        minimum_healthy_percent=int(d.get("minimumHealthyPercent", 100)),
        maximum_percent=int(d.get("maximumPercent", 200)),
        circuit_breaker=CircuitBreaker(
            bool(cb.get("enable", False)), bool(cb.get("rollback", False))
        ),
    )


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
        rt = self.rollback_target
        return {
            "name": self.name,
            "taskDefinition": self.task_definition,
            "desiredCount": self.desired_count,
            "deploymentConfiguration": deployment_configuration_to_dict(
                self.deployment_configuration
            ),
            "createdAt": self.created_at,
            "healthCheckGracePeriodSeconds": self.health_check_grace_period_seconds,
            "hasLoadBalancer": self.has_load_balancer,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "deployments": [d.to_dict() for d in self.deployments],
            "events": [e.to_dict() for e in self.events],
            "eventSeq": self.event_seq,
            "backoff": self.backoff.to_dict(),
            "steady": self.steady,
            "lastSteadyEventAt": self.last_steady_event_at,
            "rollbackTarget": None
            if rt is None
            else {"deploymentId": rt.deployment_id, "taskDefinition": rt.task_definition},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ServiceRecord:
        rt = d.get("rollbackTarget")
        last = d.get("lastSteadyEventAt")
        return cls(
            name=d["name"],
            task_definition=d["taskDefinition"],
            desired_count=int(d["desiredCount"]),
            deployment_configuration=deployment_configuration_from_dict(
                d["deploymentConfiguration"]
            ),
            created_at=float(d["createdAt"]),
            health_check_grace_period_seconds=int(d.get("healthCheckGracePeriodSeconds", 0)),
            has_load_balancer=bool(d.get("hasLoadBalancer", False)),
            service_arn=d.get("serviceArn", ""),
            cluster_arn=d.get("clusterArn", ""),
            deployments=tuple(Deployment.from_dict(x) for x in d.get("deployments", [])),
            events=tuple(ServiceEvent.from_dict(x) for x in d.get("events", [])),
            event_seq=int(d.get("eventSeq", 0)),
            backoff=BackoffState.from_dict(d.get("backoff") or {}),
            steady=bool(d.get("steady", False)),
            last_steady_event_at=None if last is None else float(last),
            rollback_target=None
            if rt is None
            else RollbackTarget(rt["deploymentId"], rt["taskDefinition"]),
        )
