"""The API calls and controller reports that change a service record outside ``plan``.

``create_service`` and ``update_service`` are CreateService/UpdateService: a new deployment
only when the task definition changes or a new deployment is forced, otherwise the PRIMARY just
scales. ``record_started`` / ``record_stopped`` are what the controller calls after carrying out
the planner's actions, because only then are the task IDs known and the actions real; they add
ECS's ``has started`` / ``has stopped`` events. Events are numbered per service, so their IDs
(UUIDs, as in ECS) are deterministic.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from emulator.arns import new_deployment_id
from emulator.model.layout import DeploymentConfiguration
from emulator.scheduler import messages
from emulator.scheduler.backoff import BackoffState
from emulator.scheduler.state import (
    Deployment,
    SchedulerSettings,
    ServiceEvent,
    ServiceRecord,
    TrackedTask,
)

DEFAULT_SETTINGS = SchedulerSettings()
_EVENT_NAMESPACE = uuid.UUID("6f1c2d0e-9a53-4b53-8f7e-6c1d5e0e3a11")


def event_id(service: str, seq: int) -> str:
    return str(uuid.uuid5(_EVENT_NAMESPACE, f"{service}/{seq}"))


def add_events(
    record: ServiceRecord, texts: Sequence[str], now: float, max_events: int = 100
) -> tuple[ServiceRecord, tuple[ServiceEvent, ...]]:
    """Append events (in the order given); the record keeps them newest first, capped."""
    if not texts:
        return record, ()
    new = tuple(
        ServiceEvent(event_id(record.name, record.event_seq + i + 1), now, text)
        for i, text in enumerate(texts)
    )
    events = (tuple(reversed(new)) + record.events)[:max_events]
    return replace(record, events=events, event_seq=record.event_seq + len(new)), new


def new_deployment(
    deployment_id: str,
    task_definition: str,
    desired_count: int,
    config: DeploymentConfiguration,
    now: float,
    reason: str | None = None,
) -> Deployment:
    return Deployment(
        id=deployment_id,
        task_definition=task_definition,
        status="PRIMARY",
        rollout_state="IN_PROGRESS",
        rollout_state_reason=reason or messages.rollout_in_progress(deployment_id),
        desired_count=desired_count,
        created_at=now,
        updated_at=now,
        breaker="MONITORING" if config.circuit_breaker.enable else "DISABLED",
    )


def create_service(
    name: str,
    task_definition: str,
    *,
    desired_count: int,
    now: float,
    deployment_configuration: DeploymentConfiguration | None = None,
    health_check_grace_period_seconds: int = 0,
    has_load_balancer: bool = False,
    service_arn: str = "",
    cluster_arn: str = "",
    new_id: Callable[[], str] = new_deployment_id,
) -> ServiceRecord:
    """CreateService: one PRIMARY deployment, IN_PROGRESS until the tasks are healthy."""
    config = deployment_configuration or DeploymentConfiguration()
    first = new_deployment(new_id(), task_definition, desired_count, config, now)
    return ServiceRecord(
        name=name,
        task_definition=task_definition,
        desired_count=desired_count,
        deployment_configuration=config,
        created_at=now,
        health_check_grace_period_seconds=health_check_grace_period_seconds,
        has_load_balancer=has_load_balancer,
        service_arn=service_arn,
        cluster_arn=cluster_arn,
        deployments=(first,),
    )


def update_service(
    record: ServiceRecord,
    *,
    now: float,
    task_definition: str | None = None,
    desired_count: int | None = None,
    force_new_deployment: bool = False,
    deployment_configuration: DeploymentConfiguration | None = None,
    health_check_grace_period_seconds: int | None = None,
    new_id: Callable[[], str] = new_deployment_id,
) -> ServiceRecord:
    """UpdateService.

    A new task definition (or ``force_new_deployment``) starts a new PRIMARY deployment; the
    previous PRIMARY becomes ACTIVE and is drained by ``plan``; the throttle is reset. A change
    of desired count alone scales the PRIMARY. When such a scale-only update reaches a PRIMARY
    that is still IN_PROGRESS and already has a RUNNING task, its circuit breaker is skipped
    (status DISABLED), as ECS does."""
    config = deployment_configuration or record.deployment_configuration
    desired = record.desired_count if desired_count is None else desired_count
    grace = (
        record.health_check_grace_period_seconds
        if health_check_grace_period_seconds is None
        else health_check_grace_period_seconds
    )
    taskdef = task_definition or record.task_definition
    primary = record.primary
    if force_new_deployment or taskdef != record.task_definition:
        fresh = new_deployment(new_id(), taskdef, desired, config, now)
        demoted = tuple(
            replace(d, status="ACTIVE", updated_at=now) if d.status == "PRIMARY" else d
            for d in record.deployments
        )
        deployments = (fresh, *demoted)
        backoff = BackoffState()
    else:
        scaled = replace(primary, desired_count=desired, updated_at=now)
        if (
            desired != primary.desired_count
            and primary.rollout_state == "IN_PROGRESS"
            and primary.running_count >= 1
            and primary.breaker == "MONITORING"
        ):
            scaled = replace(scaled, breaker="DISABLED")
        deployments = tuple(scaled if d.id == primary.id else d for d in record.deployments)
        backoff = record.backoff
    return replace(
        record,
        task_definition=taskdef,
        desired_count=desired,
        deployment_configuration=config,
        health_check_grace_period_seconds=grace,
        deployments=deployments,
        backoff=backoff,
    )


def record_started(
    record: ServiceRecord,
    deployment_id: str,
    task_ids: Sequence[str],
    now: float,
    settings: SchedulerSettings = DEFAULT_SETTINGS,
) -> ServiceRecord:
    """The controller launched these tasks for a ``StartTasks``: track them (so a task that dies
    before the next observation still counts as a start failure) and add
    ``(service NAME) has started N tasks: (task a) (task b).``"""
    if not task_ids:
        return record
    deployments = tuple(
        replace(d, tracked=d.tracked + tuple(TrackedTask(t) for t in task_ids))
        if d.id == deployment_id
        else d
        for d in record.deployments
    )
    record = replace(record, deployments=deployments)
    record, _ = add_events(
        record, [messages.started_tasks(record.name, task_ids)], now, settings.max_events
    )
    return record


def record_stopped(
    record: ServiceRecord,
    task_ids: Sequence[str],
    now: float,
    settings: SchedulerSettings = DEFAULT_SETTINGS,
) -> ServiceRecord:
    """The controller carried out these ``StopServiceTask`` actions: add
    ``(service NAME) has stopped N running tasks: (task ID).``"""
    if not task_ids:
        return record
    record, _ = add_events(
        record, [messages.stopped_tasks(record.name, task_ids)], now, settings.max_events
    )
    return record
