"""The last health-check runs of a task's containers, kept when the task stops.

Why this exists: Docker remembers a container's last five health-check runs (start time,
exit code, output) only while the container exists, and a stopped task's containers are
removed once it is recorded. "Task failed container health checks" is answered by that
history (what the check printed, how many failed in a row), so the stop path records it
here, typed, next to the stopped task, and ``ecsdev explain`` reads it back.

The output of a check is container output: it is cut short (``OUTPUT_CHARS``) and never
holds anything ecsdev put there itself (secret values reach the environment only).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from emulator import labels as L
from emulator.codec import CodecError, decode, encode
from emulator.errors import EcsdevError
from emulator.lifecycle import ObservedTask
from emulator.runtime.base import ContainerRuntime, HealthProbe
from emulator.store import Store

OUTPUT_CHARS = 240
"""How much of a check's output is kept, per run."""


@dataclass(frozen=True, slots=True)
class ContainerHealthLog:
    """One container's health when its task stopped, and its last check runs (oldest first)."""

    container: str
    status: str  # HEALTHY | UNHEALTHY | UNKNOWN
    probes: tuple[HealthProbe, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskHealthLog:
    containers: tuple[ContainerHealthLog, ...] = ()


def _key(task_arn: str) -> str:
    return f"health-log/{task_arn}"


def _cut(p: HealthProbe) -> HealthProbe:
    out = p.output.strip()
    if len(out) > OUTPUT_CHARS:
        out = out[: OUTPUT_CHARS - 1] + "…"
    return HealthProbe(p.start, p.exit_code, out)


def record_health_log(runtime: ContainerRuntime, store: Store, task: ObservedTask) -> None:
    """Keep the health-check history of the task's containers that have a check, once (the
    first look, before the stop, sees the checks that made it fail)."""
    if store.get(_key(task.task_arn)) is not None:
        return
    logs = []
    for c in task.containers:
        if c.state.labels.get(L.HAS_HEALTH_CHECK) != "true":
            continue
        probes: tuple[HealthProbe, ...] = ()
        with contextlib.suppress(EcsdevError):
            probes = tuple(_cut(p) for p in runtime.health_log(c.state.id))
        logs.append(ContainerHealthLog(c.name, c.health_status, probes))
    if logs:
        store.put(_key(task.task_arn), encode(TaskHealthLog(tuple(logs))))


def recorded_health_log(store: Store, task_arn: str) -> TaskHealthLog:
    """What ``record_health_log`` kept (empty when nothing was, or it no longer reads)."""
    data = store.get(_key(task_arn))
    if not data:
        return TaskHealthLog()
    try:
        return decode(TaskHealthLog, data)
    except CodecError:
        return TaskHealthLog()


__all__ = ["ContainerHealthLog", "TaskHealthLog", "record_health_log", "recorded_health_log"]
