"""The agent's task scale-in protection endpoint: ``$ECS_AGENT_URI/task-protection/v1/state``.

Why it exists: a worker protects itself while it holds work (``PUT`` with
``{"ProtectionEnabled": true, "ExpiresInMinutes": 60}``) and reads its protection back
(``GET``), from inside the task, without credentials; ECS's agent answers with the task's
``protection``, or a ``failure`` for a task that is not in a service, or an ``error`` for a
request it cannot read. The protection is written to the task's stack, where its scheduler
reads it (``emulator.taskprotection``), the same record UpdateTaskProtection writes.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from emulator import labels as L
from emulator.agent.meta import TaskDocs
from emulator.agent.registry import Registration
from emulator.taskprotection import ProtectionError, protect, protections

PATH = "task-protection/v1/state"


class ProtectionRequestError(Exception):
    """A request the endpoint refuses: its status and ECS's ``error`` body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body)
        self.status, self.body = status, body


def _error(reg: Registration, code: str, message: str) -> ProtectionRequestError:
    return ProtectionRequestError(
        400, {"error": {"Arn": reg.task_arn, "Code": code, "Message": message}}
    )


def _wanted(reg: Registration, body: bytes) -> tuple[bool, int | None]:
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        raise _error(reg, "InvalidRequest", "the request body is not JSON") from None
    enabled = doc.get("ProtectionEnabled") if isinstance(doc, dict) else None
    if not isinstance(enabled, bool):
        raise _error(reg, "InvalidRequest", "ProtectionEnabled (true or false) is required")
    minutes = doc.get("ExpiresInMinutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)):
        raise _error(reg, "InvalidRequest", "ExpiresInMinutes must be a whole number")
    return enabled, minutes


def state(docs: TaskDocs, reg: Registration, method: str, body: bytes) -> dict[str, Any]:
    """GET or PUT the task's protection."""
    if not docs.observe(reg).labels.get(L.SERVICE):
        return {
            "failure": {
                "Arn": reg.task_arn,
                "Reason": "TASK_NOT_VALID",
                "Detail": "The task is not in a service.",
            }
        }
    store = docs.store_of(reg)
    now = time.time()
    if method == "PUT":
        enabled, minutes = _wanted(reg, body)
        try:
            until = protect(store, reg.task_id, enabled, minutes, now)
        except ProtectionError as e:
            raise _error(reg, "InvalidParameterException", e.message) from e
    else:
        until = protections(store, now).get(reg.task_id)
    protection: dict[str, Any] = {"ProtectionEnabled": until is not None, "TaskArn": reg.task_arn}
    if until is not None:
        stamp = datetime.fromtimestamp(until, UTC).isoformat(timespec="milliseconds")
        protection["ExpirationDate"] = stamp.replace("+00:00", "Z")
    return {"protection": protection}


__all__ = ["PATH", "ProtectionRequestError", "state"]
