"""Stopping ECS tasks: in reverse dependency order, SIGTERM then SIGKILL after each
container's stopTimeout, after the load balancer's deregistration delay when there is one;
then the stopped task is recorded (exit codes, reasons, logs) and its containers removed.

Why this exists: it is the half of ``TaskRunner`` that ends tasks, kept apart so each half
stays readable; ``TaskRunner`` inherits it and provides the attributes declared here.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from emulator import labels as L
from emulator.arns import Account, task_id_of
from emulator.errors import EcsdevError, NotFound, RuntimeOperationError
from emulator.healthlog import record_health_log
from emulator.lifecycle import ObservedTask, group_by_task, stop_order
from emulator.private import under, write_private
from emulator.runtime.base import ContainerRuntime, ContainerState
from emulator.store import Store
from emulator.taskview import TaskDescription


class TaskStopping:
    """Stop, finish and record tasks (mixed into ``TaskRunner``)."""

    runtime: ContainerRuntime
    store: Store
    stack: str
    _lock: threading.Lock
    _stopping: set[str]
    _pool: ThreadPoolExecutor

    def released(self, task_arn: str) -> None:
        """A task is gone and recorded (``TaskRunner`` tells its launch hooks)."""

    def _emit(self, message: str, subject: str = "", level: str = "info") -> None:
        raise NotImplementedError

    def describe(self, task: ObservedTask, stopped: bool = False) -> TaskDescription:
        raise NotImplementedError

    account: Account
    cluster: str

    def observe_task(self, task_arn: str) -> ObservedTask | None:
        found = self.runtime.list_containers({L.TASK_ARN: task_arn})
        return group_by_task(found, self._inspect_or_none).get(task_arn)

    def _inspect_or_none(self, container_id: str) -> ContainerState | None:
        try:
            return self.runtime.inspect(container_id)
        except NotFound:
            return None

    def stop(
        self,
        task_arn: str,
        stop_code: str = "UserInitiated",
        reason: str = "Task stopped by user",
        wait: bool = True,
        not_before: float | None = None,
    ) -> None:
        """Stop a task. With ``not_before`` (its load balancer targets drain until then) it
        is marked to stop at once, and ``step`` stops its containers at that time."""
        task = self.observe_task(task_arn)
        if task is None:
            if self.store.task_row(task_arn):
                return  # already stopped and recorded
            raise NotFound(f"task {task_id_of(task_arn)} not found in stack {self.stack}")
        self.store.request_stop(task_arn, stop_code, reason)
        if not_before is not None and not_before > time.time():
            self.store.put(f"stop-after/{task_arn}", not_before)
            return
        if wait:
            self._stop_now(task)
        else:
            self._stop_async(task, stop_code, reason)

    def _stop_async(self, task: ObservedTask, code: str, reason: str) -> None:
        with self._lock:
            if task.task_arn in self._stopping:
                return
            self._stopping.add(task.task_arn)
        self._pool.submit(self._stop_now, task, True)

    def _stop_now(self, task: ObservedTask, claimed: bool = False) -> None:
        with self._lock:
            if not claimed and task.task_arn in self._stopping:
                return
            self._stopping.add(task.task_arn)
        try:
            if self.store.get(f"health/{task.task_arn}") is None:
                self.store.put(
                    f"health/{task.task_arn}", {c.name: c.health_status for c in task.containers}
                )
            record_health_log(self.runtime, self.store, task)  # for `ecsdev explain`
            for layer in stop_order(task):
                running = [c for c in layer if c.state.running]
                threads = [
                    threading.Thread(target=self._stop_container, args=(c.state.id, c.stop_timeout))
                    for c in running
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            fresh = self.observe_task(task.task_arn)
            if fresh is not None:
                self._finish(fresh)
        finally:
            with self._lock:
                self._stopping.discard(task.task_arn)

    def _stop_container(self, cid: str, timeout: int) -> None:
        with contextlib.suppress(NotFound, RuntimeOperationError):
            self.runtime.stop(cid, timeout)

    def _finish(self, task: ObservedTask) -> None:
        """Record the stopped task with its containers' exit codes, reasons and logs, then
        remove its containers and task-scoped volumes.

        Two processes may finish the same task (the CLI's ``stop-task`` and the controller).
        The first record wins: each removes containers only after recording them, so a later
        look can see them half removed (no exit code, no logs) and must not replace the
        record or the saved logs with that. Removing twice is harmless."""
        arn = task.task_arn
        recorded = bool((self.store.task_row(arn) or {}).get("snapshot"))
        snapshot: TaskDescription | None = None
        if not recorded:
            record_health_log(self.runtime, self.store, task)  # once: kept if already
            self._save_logs(task)
            snapshot = self.describe(task, stopped=True)
            recorded = not self.store.save_stopped(arn, snapshot, first=True)
        for c in task.containers:
            self.runtime.remove(c.state.id)  # idempotent (the runtime's contract)
        if task.pause is not None:
            self.runtime.remove(task.pause.id)
        for vol in self.runtime.list_volumes({L.TASK_ARN: arn}):
            with contextlib.suppress(EcsdevError):
                self.runtime.remove_volume(vol)
        self.released(arn)
        if recorded or snapshot is None:
            return  # by the other process, which says so
        self._emit(
            f"task {task_id_of(arn)} stopped: {snapshot.stopped_reason or 'stopped'}",
            arn,
            "info" if snapshot.stop_code == "UserInitiated" else "warning",
        )

    def _save_logs(self, task: ObservedTask) -> None:
        """Keep each container's output (and its awslogs stream) before it is removed; a
        container that cannot be read any more keeps what was saved before."""
        logs_dir = self.store.logs_dir / task_id_of(task.task_arn)
        logs_dir.mkdir(parents=True, exist_ok=True)
        for c in task.containers:
            try:
                text = self.runtime.logs(c.state.id, timestamps=False)
            except EcsdevError:
                if (logs_dir / f"{c.name}.log").exists():
                    continue
                text = ""
            write_private(logs_dir / f"{c.name}.log", text)
            group, stream = c.state.labels.get(L.LOG_GROUP), c.state.labels.get(L.LOG_STREAM)
            if group:  # with Docker's timestamps: GetLogEvents gives each event its time
                p = under(self.store.awslogs_dir, group, stream or c.state.id)
                p.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(EcsdevError):
                    text = self.runtime.logs(c.state.id, timestamps=True)
                write_private(p, text)

    def _vanished(self, observed: dict[str, ObservedTask]) -> None:
        """Tasks the store knows as running whose containers are all gone (``docker rm``
        behind ecsdev's back): record them as stopped, with an event."""
        for arn in self.store.unfinished_tasks():
            if arn in observed:
                continue
            with self._lock:
                if arn in self._stopping:
                    continue
            row = self.store.task_row(arn) or {}
            if row.get("snapshot"):
                continue
            reason = "Task containers were removed outside ecsdev"
            self.store.request_stop(
                arn, row.get("stopCode") or "UserInitiated", row.get("stoppedReason") or reason
            )
            self.store.save_stopped(
                arn,
                TaskDescription(
                    task_arn=arn,
                    cluster_arn=self.account.cluster_arn(self.cluster),
                    task_definition_arn=row.get("taskDefinitionArn", ""),
                    last_status="STOPPED",
                    desired_status="STOPPED",
                    created_at=float(row.get("createdAt") or time.time()),
                    stop_code=row.get("stopCode") or "UserInitiated",
                    stopped_reason=row.get("stoppedReason") or reason,
                    stopped_at=time.time(),
                    group=row.get("group", ""),
                ),
            )
            self.released(arn)
            self._emit(f"task {task_id_of(arn)} disappeared from Docker: {reason}", arn, "warning")
