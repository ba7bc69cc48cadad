"""A stopped task explained: the knowledge table's entry for the task and for each of its
containers, which container caused the stop, the evidence, and the next step.

Why this exists: it is the one place that turns what ECS says (a task as DescribeTasks shows
it, parsed by the sources' parser into a ``TaskView``, and its task definition) plus the
evidence gathered where the task ran (``Evidence``: logs, health-check runs, target health,
service events) into an answer. Pure: no I/O, so the CLI, the dashboard and the tests share
it, for local and AWS tasks alike. Every text in the evidence is cleaned of terminal control
sequences (``ecsdev.sources.clean``), since it comes from containers and AWS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ecsdev.explain.entries_stop import STOPPED_WITH_TASK
from ecsdev.explain.knowledge import Entry, match_container, match_task
from ecsdev.sources.clean import clean_text
from ecsdev.sources.netviews import TargetView
from ecsdev.sources.views import ContainerDefinitionView, TaskDefinitionView, TaskView

LOG_LINES = 8
"""Last log lines shown per container."""
LINE_CHARS = 300
"""A log line or a health check's output is cut to this."""


@dataclass(frozen=True, slots=True)
class HealthRun:
    """One run of a container's health check."""

    start: str
    exit_code: int
    output: str = ""


@dataclass(frozen=True, slots=True)
class ContainerHealth:
    status: str
    """HEALTHY / UNHEALTHY / UNKNOWN when the task stopped."""
    runs: tuple[HealthRun, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What was gathered about a task besides its description and task definition."""

    logs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Container name -> its last log lines."""
    health: Mapping[str, ContainerHealth] = field(default_factory=dict)
    targets: tuple[TargetView, ...] = ()
    """The task's targets in the target group named by the stop reason."""
    target_history: tuple[str, ...] = ()
    """Lines of the target's health over time (local tasks)."""
    events: tuple[str, ...] = ()
    """Service events that name the task."""
    notes: tuple[str, ...] = ()
    """What could not be read, and why."""


@dataclass(frozen=True, slots=True)
class Finding:
    key: str
    title: str
    words: str
    next_step: str
    doc: str = ""

    @classmethod
    def of(cls, e: Entry) -> Finding:
        return cls(e.key, e.title, e.words, e.next_step, e.doc)


@dataclass(frozen=True, slots=True)
class ContainerExplanation:
    name: str
    essential: bool
    last_status: str
    exit_code: int | None
    reason: str | None
    finding: Finding | None
    evidence: tuple[str, ...] = ()
    cause: bool = False
    """This container is why the task stopped."""


@dataclass(frozen=True, slots=True)
class TaskExplanation:
    task_arn: str
    task_id: str
    last_status: str
    stop_code: str | None
    stopped_reason: str | None
    stopped_at: datetime | None
    finding: Finding | None
    """None while the task has not stopped (nor been told to)."""
    next_step: str
    cause: str | None = None
    """The container that caused the stop, when one did."""
    evidence: tuple[str, ...] = ()
    containers: tuple[ContainerExplanation, ...] = ()


TG_ARN = re.compile(r"\(target-group (arn:[^)\s]+)\)")
DEPENDENCY = re.compile(r"container '([^']+)' dependency condition (\w+) on container '([^']+)'")
SIGNALS = {1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM"}


def target_group_of(reason: str | None) -> str | None:
    """The target group ARN in "Task failed ELB health checks in (target-group ARN)"."""
    m = TG_ARN.search(reason or "")
    return m.group(1) if m else None


def _cut(text: str) -> str:
    text = clean_text(text).rstrip()
    return text if len(text) <= LINE_CHARS else text[: LINE_CHARS - 1] + "…"


def exit_words(code: int) -> str:
    if code == 0:
        return "exited normally"
    if code > 128 and code - 128 in SIGNALS:
        return f"killed by {SIGNALS[code - 128]}"
    if code > 128:
        return f"killed by signal {code - 128}"
    return {126: "command not executable", 127: "command not found"}.get(code, "error")


def _duration(secs: int) -> str:
    """``42s``, ``5m 3s``, ``2h 10m``."""
    if secs < 60:
        return f"{max(secs, 0)}s"
    if secs < 3600:
        return f"{secs // 60}m {secs % 60}s"
    return f"{secs // 3600}h {secs % 3600 // 60}m"


def _cause(task: TaskView, entry: Entry, essential: dict[str, bool]) -> str | None:
    """The container whose exit or error made the task stop."""
    reason = task.stopped_reason or ""
    m = DEPENDENCY.search(reason)
    if m and entry.key.startswith("dependency."):
        return m.group(3)
    conts = task.containers
    if entry.key in ("task.container-health",):
        bad = [c for c in conts if essential.get(c.name, True) and c.health == "UNHEALTHY"]
        return bad[0].name if bad else None
    if entry.key.startswith(("pull.", "init.", "start.", "runtime.")):
        same = [c for c in conts if c.reason and match_container(c.reason, None, None) == entry]
        return same[0].name if same else None
    if entry.key in ("task.essential-exited", "task.essential-exited-code", "task.unknown"):
        exited = [c for c in conts if essential.get(c.name, True) and c.exit_code is not None]
        ranked = sorted(
            exited,
            key=lambda c: (
                "OutOfMemory" not in (c.reason or ""),  # the kernel's kill first
                c.exit_code in (0, 137, 143),  # then an error of its own
            ),
        )
        if ranked:
            return ranked[0].name
    if entry.key == "task.failed-to-start":
        with_reason = [c for c in conts if c.reason]
        return with_reason[0].name if with_reason else None
    return None


def _container_evidence(
    c_name: str,
    exit_code: int | None,
    oom: bool,
    cdef: ContainerDefinitionView | None,
    td: TaskDefinitionView | None,
    ev: Evidence,
    health: ContainerHealth | None,
) -> list[str]:
    lines: list[str] = []
    if exit_code is not None:
        lines.append(f"exit code {exit_code}: {exit_words(exit_code)}")
    if oom or exit_code == 137:
        limit = f"{cdef.memory} MiB (hard limit, `memory`)" if cdef and cdef.memory else "none"
        lines.append(f"memory limit of the container: {limit}")
        if cdef and cdef.memory_reservation:
            lines.append(f"memory reservation (soft): {cdef.memory_reservation} MiB")
        if td and td.memory:
            lines.append(f"task memory: {td.memory} MiB")
    if cdef and cdef.depends_on:
        lines.append("depends on: " + ", ".join(cdef.depends_on))
    if cdef and cdef.health_check:
        lines.append(f"health check: {_cut(str(cdef.health_check))}")
    if health is not None:
        lines.append(f"health when the task stopped: {health.status}")
        for run in health.runs:
            out = _cut(" ".join(run.output.split()))
            lines.append(
                f"  check at {run.start[:19]}: exit {run.exit_code}{': ' if out else ''}{out}"
            )
    logs = ev.logs.get(c_name)
    if logs:
        lines.append(f"last {len(logs)} log line(s):")
        lines += [f"  | {_cut(x)}" for x in logs]
    elif c_name in ev.logs:
        lines.append("no log output")
    return lines


def explain(task: TaskView, td: TaskDefinitionView | None, ev: Evidence) -> TaskExplanation:
    """The explanation of one task (stopped, stopping, or still running)."""
    told = bool(task.stop_code or task.stopped_reason) or task.desired_status == "STOPPED"
    stopped = task.last_status == "STOPPED" or told
    defs = {c.name: td.container(c.name) if td else None for c in task.containers}
    essential = {n: d.essential if d else True for n, d in defs.items()}
    entry = match_task(task.stop_code, task.stopped_reason) if stopped else None
    cause = _cause(task, entry, essential) if entry else None
    containers = []
    for c in task.containers:
        cdef = defs[c.name]
        oom = "OutOfMemory" in (c.reason or "")
        context = task.stop_code
        if (
            entry
            and c.name != cause
            and task.stop_code in ("EssentialContainerExited", "TaskFailedToStart", None)
        ):
            context = STOPPED_WITH_TASK  # stopped because its task was stopping
        found = match_container(c.reason, c.exit_code, context, oom) if stopped else None
        health = ev.health.get(c.name)
        if health is None and cdef and cdef.health_check and c.health != "UNKNOWN":
            health = ContainerHealth(c.health)  # DescribeTasks' status; AWS keeps no runs
        evidence = _container_evidence(c.name, c.exit_code, oom, cdef, td, ev, health)
        if c.reason:
            evidence.insert(0, f"reason: {_cut(c.reason)}")
        containers.append(
            ContainerExplanation(
                name=c.name,
                essential=essential[c.name],
                last_status=c.last_status,
                exit_code=c.exit_code,
                reason=c.reason,
                finding=Finding.of(found) if found else None,
                evidence=tuple(evidence),
                cause=c.name == cause,
            )
        )
    task_evidence: list[str] = []
    if task.started_at and task.stopped_at:
        secs = int((task.stopped_at - task.started_at).total_seconds())
        task_evidence.append(f"ran for {_duration(secs)} before it stopped")
    elif stopped and task.started_at is None:
        task_evidence.append("never reached RUNNING")
    tg = target_group_of(task.stopped_reason)
    if tg:
        task_evidence.append(f"target group: {tg}")
    for t in ev.targets:
        desc = " ".join(x for x in (t.reason, t.description) if x)
        task_evidence.append(f"target {t.id}:{t.port}: {t.state}{' — ' + desc if desc else ''}")
    task_evidence += [f"  {_cut(x)}" for x in ev.target_history]
    task_evidence += [f"event: {_cut(x)}" for x in ev.events]
    task_evidence += [f"note: {_cut(x)}" for x in ev.notes]
    next_step = "The task has not stopped."
    if entry:
        next_step = entry.next_step
        cause_c = next((c for c in containers if c.cause), None)
        refinable = entry.key.startswith(("task.essential", "task.failed", "task.unknown"))
        if cause_c and cause_c.finding and (refinable or entry.key.startswith("dependency.")):
            next_step = f"{cause_c.name}: {cause_c.finding.next_step}"
    return TaskExplanation(
        task_arn=task.arn,
        task_id=task.id,
        last_status=task.last_status,
        stop_code=task.stop_code,
        stopped_reason=task.stopped_reason,
        stopped_at=task.stopped_at,
        finding=Finding.of(entry) if entry else None,
        next_step=next_step,
        cause=cause,
        evidence=tuple(task_evidence),
        containers=tuple(containers),
    )


__all__ = [
    "ContainerExplanation",
    "ContainerHealth",
    "Evidence",
    "Finding",
    "HealthRun",
    "TaskExplanation",
    "explain",
    "exit_words",
    "target_group_of",
]
