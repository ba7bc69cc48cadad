"""Pure task lifecycle: what an ECS task is, and what to do next, from what Docker shows.

Given the containers of one task (found by label) and what the store remembers of it
(desired status, stop reason), ``assess`` derives the task's ECS view (lastStatus, health,
per-container status and reasons) and decides the next actions: start the containers whose
``dependsOn`` conditions are met, stop the task when an essential container exits or a
dependency can never be met. Level-triggered and side-effect free, so any process that
finds the containers can carry the task on, and tests need no Docker.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from emulator import labels as L
from emulator.model.taskdef import DEFAULT_START_TIMEOUT, DEFAULT_STOP_TIMEOUT
from emulator.runtime.base import ContainerState

OOM_REASON = "OutOfMemoryError: Container killed due to memory usage"
ESSENTIAL_EXITED = "Essential container in task exited"


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    v = value.rstrip("Z")
    if "." in v:
        head, frac = v.split(".", 1)
        v = f"{head}.{frac[:6]}"
    try:
        return datetime.fromisoformat(v + "+00:00").timestamp()
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class TaskContainer:
    """One container of a task as Docker shows it, with its ECS settings from labels."""

    state: ContainerState
    name: str
    essential: bool
    depends_on: tuple[tuple[str, str], ...]
    stop_timeout: int
    start_timeout: int | None
    has_health_check: bool

    @classmethod
    def from_state(cls, s: ContainerState) -> TaskContainer:
        lb = s.labels
        deps = json.loads(lb.get(L.DEPENDS_ON) or "[]")
        return cls(
            state=s,
            name=lb.get(L.CONTAINER_NAME, s.name),
            essential=lb.get(L.ESSENTIAL, "true") == "true",
            depends_on=tuple((d["containerName"], d["condition"]) for d in deps),
            stop_timeout=int(lb.get(L.STOP_TIMEOUT) or DEFAULT_STOP_TIMEOUT),
            start_timeout=int(lb[L.START_TIMEOUT]) if lb.get(L.START_TIMEOUT) else None,
            has_health_check=lb.get(L.HAS_HEALTH_CHECK) == "true",
        )

    @property
    def started(self) -> bool:
        return self.state.started_at is not None

    @property
    def exited(self) -> bool:
        return self.started and self.state.status in ("exited", "dead")

    @property
    def health_status(self) -> str:
        return {"healthy": "HEALTHY", "unhealthy": "UNHEALTHY"}.get(
            self.state.health or "", "UNKNOWN"
        )

    @property
    def last_status(self) -> str:
        if self.exited:
            return "STOPPED"
        if self.state.running:
            return "RUNNING"
        return "PENDING"

    @property
    def reason(self) -> str | None:
        if self.state.oom_killed:
            return OOM_REASON
        if self.state.error:
            return f"CannotStartContainerError: {self.state.error}"
        return None


@dataclass(frozen=True, slots=True)
class ObservedTask:
    task_arn: str
    labels: dict[str, str]
    pause: ContainerState | None
    containers: tuple[TaskContainer, ...]

    def container(self, name: str) -> TaskContainer | None:
        for c in self.containers:
            if c.name == name:
                return c
        return None


def group_by_task(
    states: list[ContainerState], lookup: Callable[[str], ContainerState | None] | None = None
) -> dict[str, ObservedTask]:
    """Containers of a stack grouped into tasks by their task-ARN label. An awsvpc task
    that claimed a spare pause container (``emulator.spares``, no task labels) gets it
    through its containers' network mode, from ``states`` or else from ``lookup``."""
    by_id = {s.id: s for s in states}
    pauses: dict[str, ContainerState] = {}
    members: dict[str, list[TaskContainer]] = {}
    for s in states:
        arn = s.labels.get(L.TASK_ARN)
        if not arn:
            continue
        if s.labels.get(L.ROLE) == "pause":
            pauses[arn] = s
        elif s.labels.get(L.ROLE) == "task":
            members.setdefault(arn, []).append(TaskContainer.from_state(s))
    out = {}
    for arn in sorted(set(pauses) | set(members)):
        conts = tuple(
            sorted(
                members.get(arn, []),
                key=lambda c: (int(c.state.labels.get(L.CONTAINER_INDEX) or 0), c.name),
            )
        )
        first = conts[0].state.labels if conts else pauses[arn].labels
        pause = pauses.get(arn) or _spare_of(conts, by_id, lookup)
        out[arn] = ObservedTask(arn, dict(first), pause, conts)
    return out


def _spare_of(
    conts: tuple[TaskContainer, ...],
    by_id: dict[str, ContainerState],
    lookup: Callable[[str], ContainerState | None] | None,
) -> ContainerState | None:
    """The spare pause container whose namespace these containers joined."""
    for c in conts:
        mode = c.state.network_mode or ""
        if not mode.startswith("container:"):
            continue
        cid = mode.split(":", 1)[1]
        found = by_id.get(cid)
        if found is None and lookup is not None:
            found = lookup(cid)
        if found is not None and found.labels.get(L.ROLE) == L.SPARE:
            return found
    return None


# ---- decisions ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartContainer:
    container_id: str
    name: str


@dataclass(frozen=True, slots=True)
class EndTask:
    stop_code: str
    reason: str
    container_reasons: tuple[tuple[str, str], ...] = ()  # (container name, reason)


@dataclass(frozen=True, slots=True)
class FinishTask:
    """Every container has exited: record the stopped task and remove its containers."""


Decision = StartContainer | EndTask | FinishTask


def _dependency(task: ObservedTask, dep: str, cond: str) -> tuple[bool, str | None]:
    """(met, reason-if-it-can-never-be-met) for one dependsOn condition."""
    d = task.container(dep)
    if d is None:
        return False, f"container '{dep}' is not part of the task"
    if cond == "START":
        return d.started, None
    if cond == "COMPLETE":
        return d.exited, None
    if cond == "SUCCESS":
        if d.exited:
            code = d.state.exit_code
            return (True, None) if code == 0 else (False, f"exited with code {code}")
        return False, None
    if cond == "HEALTHY":
        if d.state.health == "healthy":
            return True, None
        if d.exited:
            return False, f"exited with code {d.state.exit_code} before it was healthy"
        # an UNHEALTHY dependency may still recover: like ECS, keep the dependent waiting
        # (the task stays PENDING) until startTimeout
        return False, None
    return False, f"unknown condition {cond}"


def decide(
    task: ObservedTask, desired_status: str, created_at: float, now: float
) -> list[Decision]:
    """What to do next for one task."""
    conts = task.containers
    if desired_status == "STOPPED" and not any(c.state.running for c in conts):
        return [FinishTask()]
    if desired_status == "STOPPED":
        return []
    if not conts:
        return []
    for c in conts:
        if c.essential and c.exited:
            return [EndTask("EssentialContainerExited", ESSENTIAL_EXITED)]
        if c.essential and c.state.error and not c.started:
            return [
                EndTask(
                    "TaskFailedToStart",
                    f"CannotStartContainerError: {c.state.error}",
                    ((c.name, c.state.error),),
                )
            ]
    actions: list[Decision] = []
    for c in conts:
        if c.started or c.state.status != "created":
            continue
        ok = True
        for dep, cond in c.depends_on:
            met, never = _dependency(task, dep, cond)
            if never:
                why = f"dependency condition {cond} on container '{dep}' not met: '{dep}' {never}"
                if c.essential:
                    return [
                        EndTask(
                            "TaskFailedToStart",
                            f"Task failed to start: container '{c.name}' {why}",
                            ((c.name, f"DependencyError: {why}"),),
                        )
                    ]
                ok = False
                break
            if not met:
                ok = False
                timeout = c.start_timeout if c.start_timeout is not None else DEFAULT_START_TIMEOUT
                if now - created_at > timeout:
                    why = f"dependency condition {cond} on container '{dep}' not met within startTimeout {timeout}s"
                    return [
                        EndTask(
                            "TaskFailedToStart",
                            f"Task failed to start: container '{c.name}' {why}",
                            ((c.name, f"DependencyError: {why}"),),
                        )
                    ]
        if ok:
            actions.append(StartContainer(c.state.id, c.name))
    return actions


def stop_order(task: ObservedTask) -> list[list[TaskContainer]]:
    """Layers to stop, dependents first: ECS reverses the dependency order at shutdown."""
    remaining = {c.name: c for c in task.containers}
    layers: list[list[TaskContainer]] = []
    while remaining:
        needed = {d for c in remaining.values() for d, _ in c.depends_on if d in remaining}
        layer = [c for n, c in remaining.items() if n not in needed] or list(remaining.values())
        layers.append(layer)
        for c in layer:
            remaining.pop(c.name)
    return layers


# ---- the ECS view ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskStatus:
    last_status: str
    health_status: str


def task_status(task: ObservedTask, desired_status: str) -> TaskStatus:
    conts = task.containers
    if desired_status == "STOPPED":
        if all(not c.state.running for c in conts):
            status = "STOPPED" if conts else "DEPROVISIONING"
        else:
            status = "STOPPING"
    elif task.pause is not None and not task.pause.running:
        status = "PROVISIONING"
    elif (
        conts
        and all(c.started for c in conts)
        and all(c.state.running for c in conts if c.essential)
    ):
        status = "RUNNING"
    elif any(c.started for c in conts):
        status = "PENDING"
    else:
        status = "PROVISIONING" if task.pause is None or not task.pause.running else "PENDING"
    essentials = [c for c in conts if c.essential and c.has_health_check]
    if not essentials:
        health = "UNKNOWN"
    elif any(c.health_status == "UNHEALTHY" for c in essentials):
        health = "UNHEALTHY"
    elif all(c.health_status == "HEALTHY" for c in essentials):
        health = "HEALTHY"
    else:
        health = "UNKNOWN"
    return TaskStatus(status, health)
