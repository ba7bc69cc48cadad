"""What changed between two task-definition revisions, field by field.

"What changed, why did it fail" is the first question after a bad deploy, and no ECS tool
answers it well (only lazy-ecs has a diff). The diff compares what matters for a rollout:
images, environment, secrets (names and their ``valueFrom`` reference; a task definition
holds no secret values and nothing here could show one), cpu/memory, ports, command,
entry point, health check, log configuration and dependencies. Containers are matched by
name. Pure, so every source and the tests share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ecsdev.sources.views import ContainerDefinitionView, TaskDefinitionView


@dataclass(frozen=True, slots=True)
class DiffLine:
    scope: str
    """``task`` or ``container <name>``."""
    field: str
    old: str | None
    """``None`` when the field is absent in the older revision."""
    new: str | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


def _text(value: object) -> str | None:
    if value is None or value == () or value == "":
        return None
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def _fields(old: dict[str, object], new: dict[str, object], scope: str) -> Iterator[DiffLine]:
    for key in dict.fromkeys([*old, *new]):
        a, b = _text(old.get(key)), _text(new.get(key))
        if a != b:
            yield DiffLine(scope, key, a, b)


def _container_fields(c: ContainerDefinitionView) -> dict[str, object]:
    fields: dict[str, object] = {
        "image": c.image,
        "essential": "yes" if c.essential else "no",
        "cpu": c.cpu,
        "memory": c.memory,
        "memoryReservation": c.memory_reservation,
        "ports": ", ".join(str(p) for p in c.ports),
        "command": c.command,
        "entryPoint": c.entry_point,
        "healthCheck": str(c.health_check) if c.health_check else None,
        "logDriver": c.log.driver if c.log else None,
        "dependsOn": c.depends_on,
    }
    for key, value in c.log.options if c.log else ():
        fields[f"log {key}"] = value
    for name, value in c.environment:
        fields[f"env {name}"] = value
    for secret in c.secrets:
        fields[f"secret {secret.name}"] = f"from {secret.value_from}"
    return fields


def diff_task_definitions(old: TaskDefinitionView, new: TaskDefinitionView) -> list[DiffLine]:
    """Every difference from ``old`` to ``new``: task-level fields first, then containers
    in the newer revision's order, then containers that were removed."""

    def task_fields(td: TaskDefinitionView) -> dict[str, object]:
        return {
            "cpu": td.cpu,
            "memory": td.memory,
            "networkMode": td.network_mode,
            "compatibilities": td.compatibilities,
            "taskRole": td.task_role,
            "executionRole": td.execution_role,
        }

    out = list(_fields(task_fields(old), task_fields(new), "task"))
    old_by_name = {c.name: c for c in old.containers}
    new_names = {c.name for c in new.containers}
    for c in new.containers:
        scope = f"container {c.name}"
        before = old_by_name.get(c.name)
        if before is None:
            out.append(DiffLine(scope, "container", None, f"added ({c.image})"))
            continue
        out.extend(_fields(_container_fields(before), _container_fields(c), scope))
    for c in old.containers:
        if c.name not in new_names:
            out.append(DiffLine(f"container {c.name}", "container", f"removed ({c.image})", None))
    return out
