"""The task metadata endpoint's file, kept current in an awsvpc task's pause container.

Why a module of its own: the pause container serves ECS's task metadata v4 from a file
inside it; the file is rewritten when a status or health changes, by one writer thread, in
order, off the launch's critical path (a write into a container that is starting holds every
Docker call behind it). Mixed into ``TaskRunner``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from emulator import labels as L
from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.errors import EcsdevError
from emulator.lifecycle import ObservedTask
from emulator.metadata import METADATA_PATH, encode, task_metadata
from emulator.runtime.base import ContainerRuntime
from emulator.taskview import TaskDescription


class TaskMetadata:
    """Writes each awsvpc task's metadata into its pause container."""

    runtime: ContainerRuntime
    pause_files: dict[str, dict[str, bytes]]
    _metadata_written: dict[str, tuple[str, ...]]
    _metadata_pool: ThreadPoolExecutor

    def describe(self, task: ObservedTask, stopped: bool = False) -> TaskDescription:
        raise NotImplementedError

    def _publish_metadata(self, task: ObservedTask) -> None:
        """Keep the task metadata endpoint (served by the pause container) current: the
        file is rewritten only when the task's or a container's status or health changed."""
        pause = task.pause
        if pause is None or not pause.running:
            return
        key = tuple(f"{c.name}:{c.last_status}:{c.health_status}" for c in task.containers)
        if self._metadata_written.get(task.task_arn) == key:
            return
        doc = task_metadata(
            plain(task_json(self.describe(task))),
            task.labels.get(L.FAMILY, ""),
            task.labels.get(L.REVISION, ""),
        )
        self._metadata_written[task.task_arn] = key
        self._metadata_pool.submit(self._write_metadata, task.task_arn, pause.id, key, encode(doc))

    def _write_metadata(self, arn: str, pause_id: str, key: tuple[str, ...], data: bytes) -> None:
        """One writer, in order, off the launch's critical path: the task's containers start
        meanwhile (the pause server waits for the file)."""
        try:
            self.runtime.write_file(pause_id, METADATA_PATH, data)
            for path, more in self.pause_files.get(arn, {}).items():
                self.runtime.write_file(pause_id, path, more)
            self.pause_files.pop(arn, None)
        except EcsdevError:  # the pause container is going away; the next step tries again
            if self._metadata_written.get(arn) == key:
                self._metadata_written.pop(arn, None)
