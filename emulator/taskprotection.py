"""Task scale-in protection: a service task that asked not to be stopped by scale-in or a
deployment, until when.

Why this exists: queue workers and game servers protect a task while it works, through
ECS's UpdateTaskProtection or, from inside the task, the agent's
``$ECS_AGENT_URI/task-protection/v1/state``; the scheduler then leaves it running (a failing
task is still replaced) until the protection is removed or expires, 2 hours after it was set
unless the caller said otherwise (1 minute to 48 hours). Both the endpoint and the agent
write here, in the task's stack store; the controller reads it with each observation.
"""

from __future__ import annotations

from emulator.errors import EcsdevError
from emulator.store import Store

PREFIX = "protection/"
DEFAULT_MINUTES = 120
MAX_MINUTES = 2880


class ProtectionError(EcsdevError):
    """A protection period ECS would refuse."""

    exit_code = 2


def protect(
    store: Store, task_id: str, enabled: bool, minutes: int | None, now: float
) -> float | None:
    """Set or remove ``task_id``'s protection; when it expires (None once removed)."""
    if not enabled:
        store.forget(PREFIX + task_id)
        return None
    period = DEFAULT_MINUTES if minutes is None else int(minutes)
    if not 1 <= period <= MAX_MINUTES:
        raise ProtectionError(
            f"expiresInMinutes must be between 1 and {MAX_MINUTES} (48 hours), not {period}"
        )
    until = now + period * 60
    store.put(PREFIX + task_id, {"until": until})
    return until


def protections(store: Store, now: float) -> dict[str, float]:
    """task id -> when its protection expires, for the protections still in force."""
    out: dict[str, float] = {}
    for key in store.keys(PREFIX):
        value = store.get(key) or {}
        until = float(value.get("until") or 0)
        if until > now:
            out[key.removeprefix(PREFIX)] = until
    return out


__all__ = ["DEFAULT_MINUTES", "MAX_MINUTES", "ProtectionError", "protect", "protections"]
