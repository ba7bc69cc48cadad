"""Which CloudWatch Logs stream holds which container's output.

The awslogs driver names a task's stream ``<prefix>/<container>/<task-id>``; without a
prefix (EC2 launch type only) it uses the Docker container ID, which ECS reports as the
container's ``runtimeId``. Resolving the name from the task definition and the task
(rather than picking "the newest stream in the group", e1s #256) is what guarantees the
lines shown belong to the task selected. Shared by every source that reads CloudWatch.
"""

from __future__ import annotations

from ecsdev.sources.base import Unsupported
from ecsdev.sources.views import LogStreamRef, TaskDefinitionView, TaskView


def awslogs_streams(
    task: TaskView, task_definition: TaskDefinitionView, container: str | None = None
) -> list[LogStreamRef]:
    """The streams of ``task``'s containers (only ``container`` when given).

    Raises:
        Unsupported: no container in scope logs through awslogs in a way that can be
            located; the message says which container logs where.
    """
    refs: list[LogStreamRef] = []
    problems: list[str] = []
    runtime_ids = {c.name: c.runtime_id for c in task.containers}
    for cdef in task_definition.containers:
        if container is not None and cdef.name != container:
            continue
        label = f"{task.short_id}/{cdef.name}"
        log = cdef.log
        if log is None:
            problems.append(f"container {cdef.name} has no log configuration")
            continue
        if log.driver != "awslogs":
            problems.append(
                f"container {cdef.name} logs with {log.driver}; only awslogs (CloudWatch Logs) can be read"
            )
            continue
        group = log.option("awslogs-group")
        if not group:
            problems.append(f"container {cdef.name}: awslogs-group is not set")
            continue
        prefix = log.option("awslogs-stream-prefix")
        if prefix:
            stream = f"{prefix}/{cdef.name}/{task.id}"
        elif runtime_ids.get(cdef.name):
            stream = str(runtime_ids[cdef.name])
        else:
            problems.append(
                f"container {cdef.name}: no awslogs-stream-prefix and no container ID to name the stream"
            )
            continue
        refs.append(LogStreamRef(group, stream, label, log.option("awslogs-region")))
    if container is not None and not refs and not problems:
        problems.append(f"task definition {task_definition.family} has no container {container}")
    if not refs:
        raise Unsupported(
            "; ".join(problems) or "no containers",
            hint="logs are read from CloudWatch Logs through each container's awslogs options",
        )
    return refs
