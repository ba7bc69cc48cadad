"""The ECS service scheduler's planning core: pure, deterministic, driven by the controller.

The controller observes tasks (Docker labels, health, target health), calls ``plan`` with the
stored ``ServiceRecord`` and the time, carries out the returned actions, reports the started
and stopped task IDs with ``record_started`` / ``record_stopped`` and stores the record. Nothing
here touches Docker, SQLite, threads or the wall clock, so whole deployments replay in tests.
"""

from emulator.scheduler.backoff import BackoffPolicy, BackoffState
from emulator.scheduler.deployment import Bounds, bounds, circuit_breaker_threshold, task_health
from emulator.scheduler.describe import Counts, ServiceCounts, describe_service
from emulator.scheduler.planner import Action, Plan, StartTasks, StopServiceTask, plan
from emulator.scheduler.servicecalls import (
    create_service,
    record_started,
    record_stopped,
    update_service,
)
from emulator.scheduler.state import (
    Deployment,
    RollbackTarget,
    SchedulerSettings,
    ServiceEvent,
    ServiceRecord,
    TargetObservation,
    TaskObservation,
    TrackedTask,
)

__all__ = [
    "Action",
    "BackoffPolicy",
    "BackoffState",
    "Bounds",
    "Deployment",
    "Plan",
    "RollbackTarget",
    "SchedulerSettings",
    "ServiceEvent",
    "Counts",
    "ServiceCounts",
    "ServiceRecord",
    "StartTasks",
    "StopServiceTask",
    "TargetObservation",
    "TaskObservation",
    "TrackedTask",
    "bounds",
    "circuit_breaker_threshold",
    "create_service",
    "describe_service",
    "plan",
    "record_started",
    "record_stopped",
    "task_health",
    "update_service",
]
