"""ECS's exact service-event and rolloutStateReason texts, in one place.

Users grep for these strings, paste them into searches and compare them with what the real
console shows, so every text here is byte-for-byte what ECS writes (reference: shared/reference/
aws-semantics.md sections D1, E2 and E3). Nothing else in the scheduler builds such a string,
and the ALB layer uses the target helpers below rather than formatting its own.
"""

from __future__ import annotations

from collections.abc import Sequence

# --- rolloutStateReason --------------------------------------------------------------------


def rollout_in_progress(deployment_id: str) -> str:
    return f"ECS deployment {deployment_id} in progress."


def rollout_completed(deployment_id: str) -> str:
    return f"ECS deployment {deployment_id} completed."


CIRCUIT_BREAKER_TASKS_FAILED = "ECS deployment circuit breaker: tasks failed to start."
"""The FAILED deployment's rolloutStateReason (the plural form seen in real output)."""


def rollout_rolling_back(target_deployment_id: str) -> str:
    """Reason on the rollback deployment; names the COMPLETED deployment rolled back to."""
    return f"ECS deployment circuit breaker: rolling back to deploymentId {target_deployment_id}."


# --- stoppedReason (with stopCode ServiceSchedulerInitiated) ----------------------------------

SERVICE_SCHEDULER_INITIATED = "ServiceSchedulerInitiated"
USER_INITIATED = "UserInitiated"
CONTAINER_HEALTH_FAILED = "Task failed container health checks"


def stopped_scaling(deployment_id: str) -> str:
    return f"Scaling activity initiated by (deployment {deployment_id})"


def stopped_elb_health(target_group_arn: str) -> str:
    return f"Task failed ELB health checks in (target-group {target_group_arn})"


# --- service events ---------------------------------------------------------------------------


def _tasks(task_ids: Sequence[str]) -> str:
    return " ".join(f"(task {t})" for t in task_ids)


def steady_state(service: str) -> str:
    return f"(service {service}) has reached a steady state."


def started_tasks(service: str, task_ids: Sequence[str]) -> str:
    return f"(service {service}) has started {len(task_ids)} tasks: {_tasks(task_ids)}."


def stopped_tasks(service: str, task_ids: Sequence[str]) -> str:
    return f"(service {service}) has stopped {len(task_ids)} running tasks: {_tasks(task_ids)}."


def deployment_completed(service: str, deployment_id: str) -> str:
    return f"(service {service}) (deployment {deployment_id}) deployment completed."


def deployment_failed(service: str, deployment_id: str) -> str:
    """Not in the reference tables: the wording real accounts show when the circuit breaker
    trips (``deployment failed: tasks failed to start.``); kept next to the verified ones."""
    return f"(service {service}) (deployment {deployment_id}) deployment failed: tasks failed to start."


def unable_to_start(service: str) -> str:
    return f"(service {service}) is unable to consistently start tasks successfully."


def target_unhealthy(
    service: str,
    task_id: str,
    port: int,
    target_group_arn: str,
    reason: str,
    instance_id: str | None = None,
) -> str:
    """The ALB-unhealthy event; awsvpc names the task, bridge/host the instance."""
    who = f"(instance {instance_id})" if instance_id else f"(task {task_id})"
    return (
        f"(service {service}) {who} (port {port}) is unhealthy in "
        f"(target-group {target_group_arn}) due to (reason {reason})."
    )


def registered_targets(service: str, count: int, target_group_arn: str) -> str:
    """No trailing period: that is how ECS writes it."""
    return f"(service {service}) registered {count} targets in (target-group {target_group_arn})"


def deregistered_targets(service: str, count: int, target_group_arn: str) -> str:
    """No trailing period, like ``registered_targets``."""
    return f"(service {service}) deregistered {count} targets in (target-group {target_group_arn})"


def draining_connections(service: str, count: int, deployment_id: str | None = None) -> str:
    """With a deployment ID, the current ``(service NAME, taskSet ecs-svc/…)`` form; without,
    the older one."""
    who = (
        f"(service {service}, taskSet {deployment_id})" if deployment_id else f"(service {service})"
    )
    return f"{who} has begun draining connections on {count} tasks."
