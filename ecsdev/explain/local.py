"""Evidence for a task of the local engine, from what the engine records.

Why this exists: a stopped local task's containers are gone; what is left is the stopped
task's record (DescribeTasks' shape through the edge, ``task_json``), its saved container
logs, the health-check runs kept when it stopped (``emulator.healthlog``), the stack's
events and the target health history. This gathers them into ``explain``'s inputs, so a
local task is explained by the same code as an AWS one. Read-only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecsdev.explain.explain import LOG_LINES, ContainerHealth, Evidence, HealthRun, target_group_of
from ecsdev.sources.aws_parse import parse_task, parse_task_definition
from ecsdev.sources.netviews import TargetView
from ecsdev.sources.views import TaskDefinitionView, TaskView
from emulator.arns import task_id_of
from emulator.endpoint.task_json import task_json
from emulator.errors import EcsdevError, NotFound
from emulator.healthlog import recorded_health_log
from emulator.store import Store
from emulator.tasks import TaskRunner, container_log_path

EVENTS = 6
"""Events about the task shown, the last ones."""


def _last_lines(text: str, n: int = LOG_LINES) -> tuple[str, ...]:
    return tuple(x for x in text.splitlines() if x.strip())[-n:]


def local_task(runner: TaskRunner, arn: str) -> TaskView:
    """The task as DescribeTasks shows it (running, or its stopped record)."""
    observed = runner.observe_task(arn)
    if observed is not None:
        return parse_task(task_json(runner.describe(observed)))
    snap = (runner.store.task_row(arn) or {}).get("snapshot")
    if snap is None:
        raise NotFound(f"task {task_id_of(arn)} has no record in stack {runner.stack}")
    return parse_task(task_json(snap))


def local_task_definition(store: Store, arn: str) -> TaskDefinitionView | None:
    found = store.task_definition_by_arn(arn) if arn else None
    if found is None:
        return None
    raw, revision = found
    return parse_task_definition({**raw, "taskDefinitionArn": arn, "revision": revision})


def local_logs(runner: TaskRunner, task: TaskView) -> dict[str, tuple[str, ...]]:
    """Each container's last log lines: live while it exists, else the copy saved at stop."""
    out: dict[str, tuple[str, ...]] = {}
    observed = runner.observe_task(task.arn)
    for c in task.containers:
        live = observed.container(c.name) if observed else None
        text = ""
        if live is not None:
            try:
                text = runner.runtime.logs(live.state.id, tail=LOG_LINES * 4)
            except EcsdevError:
                text = ""
        else:
            path = container_log_path(runner.store, task.arn, c.name)
            if path.exists():
                text = path.read_text(errors="replace")
        out[c.name] = _last_lines(text)
    return out


def recorded_health(store: Store, task_arn: str) -> dict[str, ContainerHealth]:
    """The health-check runs kept when the task stopped (``emulator.healthlog``)."""
    return {
        c.container: ContainerHealth(
            c.status, tuple(HealthRun(p.start, p.exit_code, p.output) for p in c.probes)
        )
        for c in recorded_health_log(store, task_arn).containers
    }


def local_health(runner: TaskRunner, task: TaskView) -> dict[str, ContainerHealth]:
    """Health-check runs: kept at stop; for a task still running, Docker's current ones."""
    out = recorded_health(runner.store, task.arn)
    observed = runner.observe_task(task.arn)
    for c in observed.containers if observed else ():
        if c.name in out or not c.has_health_check:
            continue
        try:
            probes = runner.runtime.health_log(c.state.id)
        except EcsdevError:
            continue
        runs = tuple(HealthRun(p.start, p.exit_code, p.output[:240]) for p in probes)
        out[c.name] = ContainerHealth(c.health_status, runs)
    return out


def _targets(store: Store, task: TaskView) -> tuple[tuple[TargetView, ...], tuple[str, ...]]:
    """The task's targets in the target group its stop reason names: the last state of each
    and their history (oldest first)."""
    tg = target_group_of(task.stopped_reason)
    if not tg or not task.ip:
        return (), ()
    rows = [
        r for r in store.target_health_history(tg) if str(r["target"]).startswith(f"{task.ip}:")
    ]
    rows.reverse()
    last: dict[str, dict[str, Any]] = {}
    history = []
    for r in rows:
        last[r["target"]] = r
        at = datetime.fromtimestamp(float(r["at"]), UTC).strftime("%H:%M:%S")
        detail = " ".join(str(x) for x in (r["reason"], r["description"]) if x)
        history.append(f"{at} {r['target']} {r['state']}{' — ' + detail if detail else ''}")
    views = []
    for target, r in last.items():
        ip, _, port = str(target).rpartition(":")
        views.append(
            TargetView(
                tg,
                ip,
                int(port) if port.isdigit() else None,
                str(r["state"]),
                r["reason"],
                r["description"],
            )
        )
    return tuple(views), tuple(history[-EVENTS:])


def _events(store: Store, task: TaskView) -> tuple[str, ...]:
    own = f"task {task.id}"  # the engine's lifecycle lines repeat the stop reason
    found = [
        ev.message
        for _, ev in store.events(limit=2000)
        if (ev.subject == task.arn or task.id in ev.message) and not ev.message.startswith(own)
    ]
    return tuple(found[-EVENTS:])


def local_evidence(runner: TaskRunner, task: TaskView) -> Evidence:
    targets, history = _targets(runner.store, task)
    return Evidence(
        logs=local_logs(runner, task),
        health=local_health(runner, task),
        targets=targets,
        target_history=history,
        events=_events(runner.store, task),
    )


__all__ = [
    "local_evidence",
    "local_health",
    "local_logs",
    "local_task",
    "local_task_definition",
    "recorded_health",
]
