"""A service record as DescribeServices shows it.

The dashboard's local source and ``ecsdev`` commands show services in the same shape as
``aws ecs describe-services`` (camelCase keys, ISO-8601 timestamps, events newest first), so a
user can compare the local service with the real one field by field and reuse their scripts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from emulator.scheduler.state import (
    PENDING_STATUSES,
    RUNNING,
    ServiceRecord,
    TaskObservation,
    deployment_configuration_to_dict,
)


def iso(ts: float) -> str:
    """``2024-05-01T12:00:00.250000+00:00``: what the AWS CLI prints for a timestamp."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def describe_service(record: ServiceRecord, tasks: Sequence[TaskObservation]) -> dict[str, Any]:
    """A DescribeServices ``services[]`` entry. Counts come from ``tasks`` (the current
    observation), so they are right even between two planning steps."""

    def counts(deployment_id: str | None) -> tuple[int, int]:
        mine = [t for t in tasks if deployment_id is None or t.deployment_id == deployment_id]
        running = sum(1 for t in mine if t.last_status == RUNNING)
        pending = sum(1 for t in mine if t.last_status in PENDING_STATUSES)
        return running, pending

    running, pending = counts(None)
    deployments = []
    for d in record.deployments:
        d_running, d_pending = counts(d.id)
        deployments.append(
            {
                "id": d.id,
                "status": d.status,
                "taskDefinition": d.task_definition,
                "desiredCount": d.desired_count,
                "pendingCount": d_pending,
                "runningCount": d_running,
                "failedTasks": d.failed_tasks,
                "createdAt": iso(d.created_at),
                "updatedAt": iso(d.updated_at),
                "rolloutState": d.rollout_state,
                "rolloutStateReason": d.rollout_state_reason,
            }
        )
    out: dict[str, Any] = {}
    if record.service_arn:
        out["serviceArn"] = record.service_arn
    out["serviceName"] = record.name
    if record.cluster_arn:
        out["clusterArn"] = record.cluster_arn
    out.update(
        {
            "status": "ACTIVE",
            "desiredCount": record.desired_count,
            "runningCount": running,
            "pendingCount": pending,
            "taskDefinition": record.task_definition,
            "deploymentConfiguration": deployment_configuration_to_dict(
                record.deployment_configuration
            ),
            "deployments": deployments,
            "events": [
                {"id": e.id, "createdAt": iso(e.created_at), "message": e.message}
                for e in record.events
            ],
            "createdAt": iso(record.created_at),
            "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"},
        }
    )
    if record.has_load_balancer or record.health_check_grace_period_seconds:
        out["healthCheckGracePeriodSeconds"] = record.health_check_grace_period_seconds
    return out
