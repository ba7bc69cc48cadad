"""Evidence for a task through any dashboard ``Source``: AWS (read-only), LocalStack, the
local endpoint, or a local stack read directly.

Why this exists: ``ecsdev explain --profile P --region R ARN`` and the dashboard's task panel
need the same facts wherever the task ran: the task as DescribeTasks shows it, its task
definition, the last lines of each container's log stream (CloudWatch Logs for awslogs), the
health of its target in the target group its stop reason names, and the service's events
that name it. The ``Source`` protocol already reads each of them with read-only calls; this
asks it for them and turns what cannot be read into notes rather than failures. A local
stack adds the health-check runs the engine kept (``local_health``).
"""

from __future__ import annotations

from collections import defaultdict

from ecsdev.explain.explain import LOG_LINES, ContainerHealth, Evidence, target_group_of
from ecsdev.sources.base import Capability, Source, Unsupported
from ecsdev.sources.clean import unwrap
from ecsdev.sources.views import TaskDefinitionView, TaskView
from emulator.errors import EcsdevError

EVENTS = 6


def _logs(source: Source, task: TaskView, notes: list[str]) -> dict[str, tuple[str, ...]]:
    try:
        streams = source.log_streams(task)
        batch = source.read_logs(streams, None, limit=LOG_LINES)
    except Unsupported as e:
        notes.append(f"logs: {e.message}")
        return {}
    except EcsdevError as e:
        notes.append(f"logs could not be read: {e.message}")
        return {}
    by_container: dict[str, list[str]] = defaultdict(list)
    for line in batch.lines:
        by_container[line.label.rsplit("/", 1)[-1]].append(line.message)
    out = {c.name: tuple(by_container.get(c.name, ())[-LOG_LINES:]) for c in task.containers}
    for ref in batch.missing:
        notes.append(f"log stream {ref.group} {ref.stream} does not exist")
    return out


def _targets(source: Source, task: TaskView, notes: list[str]) -> Evidence:
    tg = target_group_of(task.stopped_reason)
    if not tg or Capability.LOAD_BALANCERS not in source.capabilities():
        return Evidence()
    try:
        targets = tuple(t for t in source.target_health(tg) if task.ip and t.id == task.ip)
    except EcsdevError as e:
        notes.append(f"target health could not be read: {e.message}")
        return Evidence()
    if not targets:
        notes.append("the task's target is no longer registered (deregistered when it stopped)")
    return Evidence(targets=targets)


def _events(source: Source, task: TaskView, notes: list[str]) -> tuple[str, ...]:
    if not task.service:
        return ()
    try:
        service = source.describe_service(task.cluster, task.service)
    except EcsdevError as e:
        notes.append(f"service events could not be read: {e.message}")
        return ()
    found = [e.message for e in reversed(service.events) if task.id in e.message]
    return tuple(found[-EVENTS:])


def task_definition_of(source: Source, task: TaskView) -> TaskDefinitionView | None:
    if Capability.TASK_DEFINITIONS not in source.capabilities() or not task.task_definition:
        return None
    try:
        return source.task_definition(task.task_definition)
    except EcsdevError:
        return None


def local_health_of(source: Source, task: TaskView) -> dict[str, ContainerHealth]:
    """The health-check runs the local engine kept: a local stack read directly, or the
    local endpoint (whose clusters are stacks); none for other sources."""
    from ecsdev.explain.local import local_health, recorded_health
    from ecsdev.sources.local import LocalSource
    from emulator.store import known_stacks

    inner = unwrap(source)
    if isinstance(inner, LocalSource):
        from emulator.tasks import TaskRunner

        runner = TaskRunner(inner.runtime, inner.store, inner.stack, inner.cluster, inner.account)
        try:
            return local_health(runner, task)
        finally:
            runner.close()
    if source.info.kind == "local" and task.cluster in known_stacks():
        from emulator.store import Store

        return recorded_health(Store(task.cluster), task.arn)
    return {}


def source_evidence(source: Source, task: TaskView, td: TaskDefinitionView | None) -> Evidence:
    """Everything a source can tell about why ``task`` stopped (read-only calls)."""
    notes: list[str] = []
    logs = _logs(source, task, notes) if Capability.LOGS in source.capabilities() else {}
    targets = _targets(source, task, notes)
    events = _events(source, task, notes)
    if td is None and task.task_definition:
        notes.append(f"task definition {task.task_definition} could not be read")
    return Evidence(
        logs=logs,
        health=local_health_of(source, task),
        targets=targets.targets,
        events=events,
        notes=tuple(notes),
    )


__all__ = ["local_health_of", "source_evidence", "task_definition_of"]
