"""Rolling-update math: which tasks may stop and how many may start, this tick.

ECS's rolling update is a pair of bounds over the service's desired count: at least
``ceil(desired * minimumHealthyPercent / 100)`` tasks stay RUNNING and healthy, and at most
``floor(desired * maximumPercent / 100)`` tasks are RUNNING, PENDING or STOPPING at once.
Within them the scheduler stops failing tasks, drains older deployments, trims the PRIMARY
when the desired count went down and launches the PRIMARY's missing tasks. This module is that
arithmetic plus the health and circuit-breaker rules it depends on; it knows nothing of events,
IDs or persistence, so every rule can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from emulator.model.layout import DeploymentConfiguration
from emulator.scheduler import messages
from emulator.scheduler.state import (
    PENDING_STATUSES,
    RUNNING,
    STOPPING_STATUSES,
    TaskObservation,
    TrackedTask,
)

Health = Literal["HEALTHY", "UNHEALTHY", "UNKNOWN"]
StopOutcome = Literal["start_failure", "failure", "neutral"]


@dataclass(frozen=True, slots=True)
class Bounds:
    floor: int
    """Healthy RUNNING tasks the scheduler keeps when it stops tasks on purpose."""
    ceiling: int
    """RUNNING + PENDING + STOPPING tasks the scheduler never exceeds by launching."""


def bounds(desired: int, config: DeploymentConfiguration) -> Bounds:
    """ECS rounds the minimum up and the maximum down. The floor never exceeds the desired count
    and the ceiling never drops below it (maximumPercent under 100 would leave a service short
    forever; ECS refuses such settings for REPLICA services)."""
    floor = -(-desired * config.minimum_healthy_percent // 100)
    ceiling = desired * config.maximum_percent // 100
    return Bounds(floor=min(floor, desired), ceiling=max(ceiling, desired))


def circuit_breaker_threshold(desired: int) -> int:
    """``0.5 x desiredCount`` rounded up, clamped to [3, 200] (BOUNDED_PERCENT 50)."""
    return max(3, min(200, (desired + 1) // 2))


def task_health(task: TaskObservation, now: float, no_check_healthy_after: float) -> Health:
    """ECS's view of a task's health for the scheduler.

    UNHEALTHY if an essential container's check or any target group says so. HEALTHY when the
    essential containers are healthy (or, with no health check, after ``no_check_healthy_after``
    seconds in RUNNING) and every target is healthy. Anything else is UNKNOWN."""
    if task.last_status != RUNNING:
        return "UNKNOWN"
    if task.has_health_check and task.health_status == "UNHEALTHY":
        return "UNHEALTHY"
    if any(t.state == "unhealthy" for t in task.targets):
        return "UNHEALTHY"
    if task.has_health_check:
        containers_ok = task.health_status == "HEALTHY"
    else:
        containers_ok = (
            task.started_at is not None and now - task.started_at >= no_check_healthy_after
        )
    targets_ok = all(t.state == "healthy" for t in task.targets)
    return "HEALTHY" if containers_ok and targets_ok else "UNKNOWN"


def in_grace_period(task: TaskObservation, now: float, grace_seconds: int) -> bool:
    """healthCheckGracePeriodSeconds: unhealthy signals are ignored this long after RUNNING."""
    started = task.started_at if task.started_at is not None else now
    return now - started < grace_seconds


def health_stop_reason(task: TaskObservation) -> str:
    """The stoppedReason for a task stopped because it failed its checks; ELB wins when a
    target group reported it (that is what ECS acted on)."""
    for target in task.targets:
        if target.state == "unhealthy":
            return messages.stopped_elb_health(target.target_group_arn)
    return messages.CONTAINER_HEALTH_FAILED


def classify_stop(tracked: TrackedTask, task: TaskObservation | None) -> StopOutcome:
    """What a stopped task means for the circuit breaker and the throttle.

    - stopped by the scheduler for scaling, by a user, or vanished without a trace: neutral;
    - stopped by the scheduler for failing health checks: a failure (stage 2);
    - stopped before reaching RUNNING: a start failure (stage 1, and the throttle counts it);
    - stopped after RUNNING but before it was ever healthy (crashed while starting up): a
      failure; after having been healthy: neutral (ECS does not count those)."""
    if tracked.stop_kind == "scaling" or task is None:
        return "neutral"
    if task.stop_code == messages.USER_INITIATED:
        return "neutral"
    if (task.stopped_reason or "").startswith("Scaling activity initiated by"):
        return "neutral"  # our own scale-in, asked for before a restart lost the tracking
    if tracked.stop_kind == "health":
        return "failure"
    if not (tracked.reached_running or task.ran):
        return "start_failure"
    return "neutral" if tracked.ever_healthy else "failure"


@dataclass(frozen=True, slots=True)
class RolloutTask:
    """One live task as the rollout math sees it."""

    task: TaskObservation
    primary: bool
    """Belongs to the PRIMARY deployment."""
    stopping: bool
    """Already on its way out (desired STOPPED, a stop requested earlier, or STOPPING)."""
    healthy: bool
    failing: bool
    """UNHEALTHY and past the grace period: to be stopped and replaced."""
    age_rank: int = 0
    """Among old tasks, lower ranks are drained first (oldest deployment first)."""
    protected: bool = False
    """Scale-in protection: never stopped for scaling or a rollout (a failing one still is)."""

    @property
    def pending(self) -> bool:
        return self.task.last_status in PENDING_STATUSES


def is_stopping(task: TaskObservation, tracked: TrackedTask | None) -> bool:
    return (
        task.desired_status != RUNNING
        or task.last_status in STOPPING_STATUSES
        or (tracked is not None and tracked.stop_kind is not None)
    )


def stop_order(view: RolloutTask) -> tuple[int, int, float, str]:
    """Scale-in and drain order: tasks that are not serving first (PENDING, then RUNNING but
    not yet healthy), then healthy ones; older deployments before newer; newest task first;
    task ID to break ties. ECS balances across Availability Zones first; locally there are
    none, so this is the documented deterministic choice."""
    rank = 0 if view.pending else (1 if not view.healthy else 2)
    return (rank, view.age_rank, -view.task.created_at, view.task.task_id)


@dataclass(frozen=True, slots=True)
class RolloutDecision:
    stops: tuple[tuple[RolloutTask, str], ...]
    """(task, kind) with kind ``health`` or ``scaling``, in the order chosen."""
    start: int
    """Tasks to launch for the PRIMARY deployment."""
    floor_overridden: bool = False
    """True when a healthy task was stopped below the floor to get a stuck rollout moving."""


def decide(
    views: Sequence[RolloutTask],
    desired: int,
    config: DeploymentConfiguration,
    *,
    can_launch: bool,
    drain_old: bool,
) -> RolloutDecision:
    """One tick of the rolling update.

    ``views`` are every live (not STOPPED) task of the service. ``can_launch`` is False while the
    PRIMARY is FAILED or the throttle holds launches; ``drain_old`` is False when a FAILED
    deployment stalls the rollout (old tasks keep serving)."""
    b = bounds(desired, config)
    stops: list[tuple[RolloutTask, str]] = []
    chosen: set[str] = set()

    def stop(v: RolloutTask, kind: str) -> None:
        stops.append((v, kind))
        chosen.add(v.task.task_id)

    for v in views:
        if not v.stopping and v.failing:
            stop(v, "health")
    active = [v for v in views if not v.stopping and v.task.task_id not in chosen]
    healthy_left = sum(1 for v in active if v.healthy)

    def may_stop(v: RolloutTask) -> bool:
        return not v.protected and (not v.healthy or healthy_left - 1 >= b.floor)

    old = sorted((v for v in active if not v.primary), key=stop_order)
    if drain_old:
        for v in old:
            if may_stop(v):
                healthy_left -= 1 if v.healthy else 0
                stop(v, "scaling")
    primary = [v for v in active if v.primary]
    excess = len(primary) - desired
    for v in sorted(primary, key=stop_order):
        if excess <= 0:
            break
        if may_stop(v):
            healthy_left -= 1 if v.healthy else 0
            stop(v, "scaling")
            excess -= 1

    kept_primary = sum(1 for v in primary if v.task.task_id not in chosen)
    need = desired - kept_primary
    room = b.ceiling - len(views)
    start = max(0, min(need, room)) if can_launch else 0

    # Liveness: with the ceiling at the desired count (e.g. maximumPercent 100, or 150 with one
    # task) and the floor equal to it, nothing could ever move. When every live task is healthy
    # and serving, stop one old task so its replacement can start; the floor dips by one.
    stuck = (
        can_launch
        and drain_old
        and start == 0
        and need > 0
        and not stops
        and all(not v.stopping and v.healthy for v in views)
    )
    remaining_old = [v for v in old if v.task.task_id not in chosen and not v.protected]
    if stuck and remaining_old:
        stop(remaining_old[0], "scaling")
        return RolloutDecision(tuple(stops), 0, floor_overridden=True)
    return RolloutDecision(tuple(stops), start)
