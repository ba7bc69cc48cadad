"""ECS's UpdateTaskProtection and GetTaskProtection: task scale-in protection through the API.

Why this exists: a service task that is working (a queue message, a game session) is kept
from scale-in and deployments by these calls, from the task itself or from whatever manages
the work; the stack's scheduler honours them (``emulator.taskprotection``). Only running
tasks of services can be protected, as in ECS; anything else is a failure of that task,
not of the call.
"""

from __future__ import annotations

import time
from typing import Any

from emulator import labels as L
from emulator.arns import task_id_of
from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.ecs_tasks import task_arn_of
from emulator.endpoint.ecs_world import EcsWorld
from emulator.taskprotection import MAX_MINUTES, protect, protections


def _protected(arn: str, until: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {"taskArn": arn, "protectionEnabled": until is not None}
    if until is not None:
        out["expirationDate"] = until
    return out


def update_task_protection(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    minutes = p.get("expiresInMinutes")
    if minutes is not None and not 1 <= int(minutes) <= MAX_MINUTES:
        raise ApiError(
            "InvalidParameterException",
            f"expiresInMinutes must be between 1 and {MAX_MINUTES} (48 hours).",
        )
    store = world.clusters.store(cluster.stack)
    observed = world.observe(cluster)
    done: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    now = time.time()
    for ref in dict.fromkeys(p.get("tasks") or ()):
        arn = task_arn_of(cluster, ref)
        task = observed.get(arn)
        if task is None:
            failures.append({"arn": arn, "reason": "MISSING"})
        elif not task.labels.get(L.SERVICE):
            failures.append(
                {"arn": arn, "reason": "TASK_NOT_VALID", "detail": "The task is not in a service."}
            )
        else:
            until = protect(store, task_id_of(arn), bool(p["protectionEnabled"]), minutes, now)
            done.append(_protected(arn, until))
    world.changed(cluster)
    return {"protectedTasks": done, "failures": failures}


def get_task_protection(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    store = world.clusters.store(cluster.stack)
    observed = world.observe(cluster)
    held = protections(store, time.time())
    refs = list(p.get("tasks") or ()) or [a for a, t in observed.items() if t.labels.get(L.SERVICE)]
    done: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for ref in dict.fromkeys(refs):
        arn = task_arn_of(cluster, ref)
        if arn not in observed:
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            done.append(_protected(arn, held.get(task_id_of(arn))))
    return {"protectedTasks": done, "failures": failures}


OPERATIONS = {
    "UpdateTaskProtection": update_task_protection,
    "GetTaskProtection": get_task_protection,
}

__all__ = ["OPERATIONS"]
