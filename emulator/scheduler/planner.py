"""``plan``: one pure step of the ECS service scheduler.

Given the service record and what the controller observes now, ``plan`` decides what to start
and stop and returns the updated record (deployment counts, rollout states, circuit breaker,
throttle, events). It performs nothing: the controller carries out the actions, then reports
the task IDs back through ``record_started`` / ``record_stopped``. Time comes in as ``now`` and
new deployment IDs from ``new_id``, so the same inputs always give the same plan; that is what
lets the engine tests replay whole deployments on a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from emulator.arns import new_deployment_id
from emulator.events import Event, Level
from emulator.scheduler import messages
from emulator.scheduler.backoff import (
    BackoffState,
    record_start_failure,
    record_start_success,
)
from emulator.scheduler.deployment import (
    Health,
    RolloutTask,
    circuit_breaker_threshold,
    classify_stop,
    decide,
    health_stop_reason,
    in_grace_period,
    is_stopping,
    task_health,
)
from emulator.scheduler.servicecalls import DEFAULT_SETTINGS, add_events, new_deployment
from emulator.scheduler.state import (
    PENDING_STATUSES,
    RUNNING,
    Deployment,
    RollbackTarget,
    SchedulerSettings,
    ServiceEvent,
    ServiceRecord,
    StopKind,
    TaskObservation,
    TrackedTask,
)


@dataclass(frozen=True, slots=True)
class StartTasks:
    """Launch ``count`` new tasks of ``task_definition`` for deployment ``deployment_id``."""

    deployment_id: str
    task_definition: str
    count: int


@dataclass(frozen=True, slots=True)
class StopServiceTask:
    """Stop one task (SIGTERM, stopTimeout, SIGKILL) with this stopCode and stoppedReason."""

    task_id: str
    deployment_id: str
    reason: str
    stop_code: str = messages.SERVICE_SCHEDULER_INITIATED


Action = StartTasks | StopServiceTask


@dataclass(frozen=True, slots=True)
class Plan:
    actions: tuple[Action, ...]
    record: ServiceRecord
    """The record to persist (it already contains ``events``)."""
    events: tuple[ServiceEvent, ...]
    """Events added by this step, oldest first."""
    wake_at: float | None
    """The earliest time at which planning again could decide something new with unchanged
    observations (throttle expiry, grace period end, no-check health delay, steady-state
    repeat); None when only a change in the observations matters."""

    def engine_events(self) -> list[Event]:
        """The new service events as engine ``Event``s for an ``EventSink``."""
        return [
            Event(e.message, _level(e.message), self.record.name, "service", e.created_at)
            for e in self.events
        ]


def _level(text: str) -> Level:
    if "deployment failed" in text:
        return "error"
    if "is unhealthy in" in text or "unable to consistently" in text:
        return "warning"
    return "info"


def plan(
    record: ServiceRecord,
    tasks: Sequence[TaskObservation],
    now: float,
    *,
    settings: SchedulerSettings = DEFAULT_SETTINGS,
    new_id: Callable[[], str] = new_deployment_id,
) -> Plan:
    """One scheduler step for a REPLICA service.

    ``tasks`` must include every task of the service that is not yet STOPPED, and tasks that
    stopped since the previous step (older STOPPED history is ignored). A task the scheduler
    started that disappears from ``tasks`` counts as stopped for an unknown reason."""
    obs = {t.task_id: t for t in tasks}
    live = sorted((t for t in tasks if t.live), key=lambda t: (t.created_at, t.task_id))
    health = {t.task_id: task_health(t, now, settings.no_health_check_healthy_after) for t in live}
    texts: list[str] = []

    backoff = record.backoff
    tracked_deps: list[Deployment] = []
    for d in record.deployments:
        d, backoff = _track(d, obs, live, health, backoff, now, settings, texts, record.name)
        tracked_deps.append(d)
    record = replace(record, deployments=tuple(tracked_deps), backoff=backoff)
    record = _check_breaker(record, now, new_id, texts)

    primary = record.primary
    tracked = {tr.task_id: tr for d in record.deployments for tr in d.tracked}
    age = {
        d.id: i + 1
        for i, d in enumerate(sorted(record.deployments, key=lambda d: (d.created_at, d.id)))
    }
    views = [
        RolloutTask(
            task=t,
            primary=t.deployment_id == primary.id,
            stopping=is_stopping(t, tracked.get(t.task_id)),
            healthy=health[t.task_id] == "HEALTHY",
            failing=health[t.task_id] == "UNHEALTHY"
            and not in_grace_period(t, now, record.health_check_grace_period_seconds),
            age_rank=age.get(t.deployment_id, 0),
            protected=t.protected_until is not None and t.protected_until > now,
        )
        for t in live
    ]
    failed = primary.rollout_state == "FAILED"
    decision = decide(
        views,
        record.desired_count,
        record.deployment_configuration,
        can_launch=not failed and record.backoff.can_start(now),
        drain_old=not failed,
    )

    actions: list[Action] = []
    stop_kinds: dict[str, StopKind] = {}
    for v, kind in decision.stops:
        t = v.task
        if kind == "health":
            reason = health_stop_reason(t)
            texts.extend(
                messages.target_unhealthy(
                    record.name, t.task_id, tg.port, tg.target_group_arn, tg.reason, tg.instance_id
                )
                for tg in t.targets
                if tg.state == "unhealthy"
            )
            stop_kinds[t.task_id] = "health"
        else:
            reason = messages.stopped_scaling(primary.id)
            stop_kinds[t.task_id] = "scaling"
        actions.append(StopServiceTask(t.task_id, t.deployment_id, reason))
    for v in views:  # a stop we asked for earlier that has not been carried out yet
        tr = tracked.get(v.task.task_id)
        if (
            tr is not None
            and tr.stop_kind is not None
            and v.task.desired_status == RUNNING
            and (v.task.last_status in PENDING_STATUSES or v.task.last_status == RUNNING)
        ):
            reason = (
                health_stop_reason(v.task)
                if tr.stop_kind == "health"
                else messages.stopped_scaling(primary.id)
            )
            actions.append(StopServiceTask(v.task.task_id, v.task.deployment_id, reason))
    if decision.start:
        actions.append(StartTasks(primary.id, primary.task_definition, decision.start))

    stopped_now = {a.task_id for a in actions if isinstance(a, StopServiceTask)}
    record = _update_counts(record, live, views, stopped_now, stop_kinds, now)
    serving = [v for v in views if v.primary and not v.stopping and v.healthy]
    settled = not actions and len(serving) == len(views) == record.desired_count
    record = _complete(record, settled, now, texts)
    record = _steady(record, settled, now, settings, texts)
    wake_at = _wake_at(record, views, health, now, settings, decision.start == 0)
    record, new_events = add_events(record, texts, now, settings.max_events)
    return Plan(tuple(actions), record, new_events, wake_at)


def _track(
    d: Deployment,
    obs: dict[str, TaskObservation],
    live: list[TaskObservation],
    health: dict[str, Health],
    backoff: BackoffState,
    now: float,
    settings: SchedulerSettings,
    texts: list[str],
    service: str,
) -> tuple[Deployment, BackoffState]:
    """Follow the deployment's tasks: count the ones that stopped, note RUNNING and healthy."""
    failed, stage = d.failed_tasks, d.stage
    counting = d.rollout_state == "IN_PROGRESS"
    kept: list[TrackedTask] = []
    for tr in d.tracked:
        t = obs.get(tr.task_id)
        if t is None or not t.live:
            outcome = classify_stop(tr, t)
            if outcome != "neutral" and counting:
                failed += 1
            if outcome == "start_failure":
                backoff, engaged = record_start_failure(backoff, now, settings.backoff)
                if engaged:
                    texts.append(messages.unable_to_start(service))
            continue
        ran = tr.reached_running or t.ran
        healthy = health[t.task_id] == "HEALTHY"
        if ran and not tr.reached_running:
            stage = 2
            backoff = record_start_success(backoff)
        if healthy and not tr.ever_healthy:
            failed = 0  # resetOnHealthyTask (ECS's default): a healthy task resets the count
        kept.append(replace(tr, reached_running=ran, ever_healthy=tr.ever_healthy or healthy))
    known = {tr.task_id for tr in d.tracked}
    for t in live:  # adopt tasks found running for this deployment (e.g. after a restart)
        if t.deployment_id == d.id and t.task_id not in known:
            kept.append(TrackedTask(t.task_id, t.ran, health[t.task_id] == "HEALTHY"))
            stage = 2 if t.ran else stage
    return (
        replace(d, failed_tasks=failed, stage=stage, tracked=tuple(kept)),
        backoff,
    )


def _check_breaker(
    record: ServiceRecord, now: float, new_id: Callable[[], str], texts: list[str]
) -> ServiceRecord:
    """Trip the PRIMARY's circuit breaker at the threshold; roll back when asked to and a
    COMPLETED deployment exists, else leave the FAILED deployment stalled."""
    p = record.primary
    if p.breaker != "MONITORING" or p.rollout_state != "IN_PROGRESS":
        return record
    if p.failed_tasks < circuit_breaker_threshold(record.desired_count):
        return record
    failed = replace(
        p,
        rollout_state="FAILED",
        rollout_state_reason=messages.CIRCUIT_BREAKER_TASKS_FAILED,
        breaker="TRIGGERED",
        updated_at=now,
    )
    texts.append(messages.deployment_failed(record.name, p.id))
    others = tuple(d for d in record.deployments if d.id != p.id)
    target = record.rollback_target
    if not (record.deployment_configuration.circuit_breaker.rollback and target is not None):
        return replace(record, deployments=(failed, *others))
    rollback = new_deployment(
        new_id(),
        target.task_definition,
        record.desired_count,
        record.deployment_configuration,
        now,
        reason=messages.rollout_rolling_back(target.deployment_id),
    )
    return replace(
        record,
        task_definition=target.task_definition,
        deployments=(rollback, replace(failed, status="ACTIVE"), *others),
        rollback_target=None,  # not eligible again until the rollback itself completes
        backoff=BackoffState(),
    )


def _update_counts(
    record: ServiceRecord,
    live: list[TaskObservation],
    views: list[RolloutTask],
    stopped_now: set[str],
    stop_kinds: dict[str, StopKind],
    now: float,
) -> ServiceRecord:
    """runningCount / pendingCount per deployment; an ACTIVE deployment's desiredCount is the
    number of its tasks the scheduler is still keeping, so it falls as it is drained."""
    out: list[Deployment] = []
    for d in record.deployments:
        running = sum(1 for t in live if t.deployment_id == d.id and t.last_status == RUNNING)
        pending = sum(
            1 for t in live if t.deployment_id == d.id and t.last_status in PENDING_STATUSES
        )
        desired = record.desired_count
        if d.status != "PRIMARY":
            desired = sum(
                1
                for v in views
                if v.task.deployment_id == d.id
                and not v.stopping
                and v.task.task_id not in stopped_now
            )
        tracked = tuple(
            replace(tr, stop_kind=stop_kinds[tr.task_id]) if tr.task_id in stop_kinds else tr
            for tr in d.tracked
        )
        new = replace(
            d, running_count=running, pending_count=pending, desired_count=desired, tracked=tracked
        )
        if (new.running_count, new.pending_count, new.desired_count, new.failed_tasks) != (
            d.running_count,
            d.pending_count,
            d.desired_count,
            d.failed_tasks,
        ):
            new = replace(new, updated_at=now)
        out.append(new)
    return replace(record, deployments=tuple(out))


def _complete(record: ServiceRecord, settled: bool, now: float, texts: list[str]) -> ServiceRecord:
    """The PRIMARY is COMPLETED once exactly its desired count of tasks run healthy and nothing
    else is left; older deployments become INACTIVE (and leave the list)."""
    p = record.primary
    if p.rollout_state != "IN_PROGRESS" or not settled:
        return record
    done = replace(
        p,
        rollout_state="COMPLETED",
        rollout_state_reason=messages.rollout_completed(p.id),
        breaker="MONITORING_COMPLETE" if p.breaker == "MONITORING" else p.breaker,
        updated_at=now,
    )
    texts.append(messages.deployment_completed(record.name, p.id))
    return replace(
        record,
        deployments=(done,),
        rollback_target=RollbackTarget(p.id, p.task_definition),
    )


def _steady(
    record: ServiceRecord,
    settled: bool,
    now: float,
    settings: SchedulerSettings,
    texts: list[str],
) -> ServiceRecord:
    """``has reached a steady state.`` when the service gets there, then again every
    ``steady_state_interval`` while it stays there."""
    steady = (
        settled and len(record.deployments) == 1 and record.primary.rollout_state == "COMPLETED"
    )
    if not steady:
        return replace(record, steady=False) if record.steady else record
    last = record.last_steady_event_at
    if record.steady and last is not None and now - last < settings.steady_state_interval:
        return record
    texts.append(messages.steady_state(record.name))
    return replace(record, steady=True, last_steady_event_at=now)


def _wake_at(
    record: ServiceRecord,
    views: list[RolloutTask],
    health: dict[str, Health],
    now: float,
    settings: SchedulerSettings,
    nothing_started: bool,
) -> float | None:
    times: list[float] = []
    nxt = record.backoff.next_start_at
    if nxt is not None and nxt > now and nothing_started:
        times.append(nxt)
    for v in views:
        t = v.task
        if t.last_status != RUNNING or t.started_at is None or v.stopping:
            continue
        if health[t.task_id] == "UNHEALTHY":
            times.append(t.started_at + record.health_check_grace_period_seconds)
        elif not t.has_health_check and not v.healthy:
            times.append(t.started_at + settings.no_health_check_healthy_after)
    if record.steady and record.last_steady_event_at is not None:
        times.append(record.last_steady_event_at + settings.steady_state_interval)
    times.extend(v.task.protected_until for v in views if v.protected and v.task.protected_until)
    future = [x for x in times if x > now]
    return min(future) if future else None
