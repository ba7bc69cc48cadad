"""One ECS task on Docker: launch, carry through its lifecycle, stop, remember.

``TaskRunner`` turns a task definition into containers (a pause container owning the network
namespace in awsvpc mode, every task container created up front so the whole task is visible
in Docker from the first moment), then ``step`` carries every task of the stack on from what
Docker shows (see ``lifecycle``): dependsOn start order, essential exits, stop in reverse
dependency order (SIGTERM, then SIGKILL after stopTimeout), and finally the stopped task with
its exit codes, reasons and logs is recorded in the store and its containers are removed.
The service scheduler launches and stops tasks through this same API.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from emulator import labels as L
from emulator.arns import Account, new_task_id, task_id_of
from emulator.containers import (
    TaskContext,
    container_spec,
    docker_name,
    pause_spec,
    volume_names,
)
from emulator.errors import EcsdevError, NotFound, RuntimeOperationError, TaskFailedToStart
from emulator.events import Event, EventSink, discard
from emulator.images import PAUSE, obtain
from emulator.lifecycle import (
    EndTask,
    FinishTask,
    ObservedTask,
    StartContainer,
    decide,
    group_by_task,
    task_status,
)
from emulator.model.taskdef import TaskDefinition
from emulator.runtime.base import ContainerRuntime, ContainerState
from emulator.spares import claim
from emulator.store import Store
from emulator.taskhooks import Launch, TaskHook, default_hooks
from emulator.taskmeta import TaskMetadata
from emulator.taskstop import TaskStopping
from emulator.taskview import Recorded, TaskDescription, describe_observed, failed_to_start

PAUSE_IMAGE = PAUSE
LAUNCH_GRACE = 120.0  # seconds an unrecorded task (its launch under way) may lack containers


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a task's network lives: a subnet's Docker network (awsvpc), or Docker's own
    bridge/host modes."""

    network: str | None = None  # Docker network name for awsvpc
    subnet: str | None = None


class TaskRunner(TaskStopping, TaskMetadata):
    """Launches, supervises and stops the tasks of one stack."""

    def __init__(
        self,
        runtime: ContainerRuntime,
        store: Store,
        stack: str,
        cluster: str = "default",
        account: Account | None = None,
        sink: EventSink = discard,
    ) -> None:
        self.runtime = runtime
        self.store = store
        self.stack = stack
        self.listing: tuple[float, list[ContainerState]] | None = None  # (when, what) observed
        self.cluster = cluster
        self.account = account or Account()
        self.sink = sink
        self._stopping: set[str] = set()
        self._metadata_written: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="task-stop")
        self._launch_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="task-launch")
        self._metadata_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-metadata")
        self.hooks: list[TaskHook] = default_hooks(self)
        self.pause_files: dict[str, dict[str, bytes]] = {}  # written with the metadata, once

    def released(self, task_arn: str) -> None:
        self.pause_files.pop(task_arn, None)
        for hook in self.hooks:
            hook.released(task_arn)

    def _emit(self, message: str, subject: str = "", level: str = "info") -> None:
        ev = Event(message=message, subject=subject, kind="task", level=level)  # type: ignore[arg-type]
        self.store.add_event(ev)
        self.sink(ev)

    # launch -----------------------------------------------------------------------------
    def ensure_image(self, image: str) -> None:
        """Prefer what is cached locally (locally built images are the point), like the ECS
        agent's prefer-cached behaviour; pull only when missing."""
        obtain(self.runtime, image, self.sink)  # ecsdev's own images are made, not pulled

    def launch(
        self,
        td: TaskDefinition,
        task_definition_arn: str,
        revision: int,
        *,
        base_dir: str,
        placement: Placement,
        group: str = "",
        started_by: str = "",
        service: str = "",
        extra_labels: dict[str, str] | None = None,
    ) -> str:
        """Create the task's containers and start what can start. Returns the task ARN.
        On any failure nothing of the task is left behind."""
        task_id = new_task_id()
        task_arn = self.account.task_arn(self.cluster, task_id)
        created = str(time.time())
        ctx = TaskContext(
            stack=self.stack,
            cluster=self.cluster,
            task_arn=task_arn,
            task_id=task_id,
            task_definition_arn=task_definition_arn,
            revision=revision,
            region=self.account.region,
            base_dir=base_dir,
            network_mode="",
            group=group or f"family:{td.family}",
            started_by=started_by,
            service=service,
            extra_labels={
                **(extra_labels or {}),
                L.CREATED_AT: created,
                L.TASK_CONTAINERS: ",".join(c.name for c in td.container_definitions),
            },
        )
        made: list[str] = []
        pid: str | None = None
        pause_started: Future[None] | None = None
        try:
            for image in dict.fromkeys(c.image for c in td.container_definitions):
                self.ensure_image(image)
            mode = td.network_mode
            if mode == "awsvpc":
                obtain(self.runtime, PAUSE_IMAGE, self.sink)
                pid, ready = self._pause(ctx, td, placement)
                made.append(pid)
                if not ready:
                    pause_started = self._launch_pool.submit(self.runtime.start, pid)
                net_mode = f"container:{pid}"
            elif mode == "host":
                net_mode = "host"
            elif mode == "none":
                net_mode = "none"
            else:
                net_mode = "bridge"
            ctx = TaskContext(**{**_ctx_dict(ctx), "network_mode": net_mode})
            for vol in volume_names(td, ctx):
                self.runtime.ensure_volume(vol, {L.STACK: self.stack, L.TASK_ARN: task_arn})
            names = {c.name: docker_name(ctx, td.family, c.name) for c in td.container_definitions}
            specs_ = [container_spec(c, td, ctx, names) for c in td.container_definitions]
            launch_ = Launch(ctx, td, specs_, pid, placement.network if pid else None)
            for hook in self.hooks:
                hook.prepare(launch_)
            specs = launch_.specs
            if any(s.volumes_from for s in specs):
                for spec in specs:  # volumesFrom sources must exist first
                    made.append(self.runtime.create(spec))
            else:
                futures = [self._launch_pool.submit(self.runtime.create, spec) for spec in specs]
                errors = []
                for f in futures:
                    try:
                        made.append(f.result())
                    except EcsdevError as err:
                        errors.append(err)
                if errors:
                    raise errors[0]
            ids = {s.name: cid for s, cid in zip(specs, made[-len(specs) :], strict=True)}
            for hook in self.hooks:
                hook.created(launch_, ids)
            if pause_started is not None:
                pause_started.result()
        except EcsdevError as e:
            for cid in reversed(made):
                self.runtime.remove(cid)
            self.released(task_arn)
            reason = (
                e.message
                if e.message.startswith(("CannotPull", "Resource"))
                else f"ResourceInitializationError: {e.message}"
            )
            self.store.save_stopped(
                task_arn,
                failed_to_start(
                    task_arn,
                    self.account.cluster_arn(self.cluster),
                    task_definition_arn,
                    td,
                    ctx.group,
                    reason,
                ),
            )
            self._emit(f"task {task_id} failed to start: {reason}", task_arn, "error")
            raise TaskFailedToStart(reason, task_arn, e.hint) from e
        # recorded only once every container exists, so a recorded task that Docker does not
        # show has really been removed behind ecsdev's back
        self.store.record_task(task_arn, task_definition_arn, ctx.group, started_by)
        self._emit(f"task {task_id} provisioning ({td.family}:{revision})", task_arn)
        self.step_task(task_arn)
        return task_arn

    def _pause(
        self, ctx: TaskContext, td: TaskDefinition, placement: Placement
    ) -> tuple[str, bool]:
        """The container that owns an awsvpc task's network namespace, and whether it runs
        already: a spare the stack's controller keeps started on the subnet
        (``emulator.spares``), else one created now."""
        if placement.network:
            spare = claim(self.runtime, self.store, self.stack, placement.network, ctx.task_arn)
            if spare is not None:
                return spare.id, True
        spec = pause_spec(ctx, td, PAUSE_IMAGE, placement.network, placement.subnet)
        return self.runtime.create(spec), False

    # supervision ------------------------------------------------------------------------
    def observe(self) -> dict[str, ObservedTask]:
        at = time.monotonic()
        states = self.runtime.list_containers({L.STACK: self.stack})
        self.listing = (at, states)  # the spare pool reads it in the same tick
        return group_by_task(states)

    def step(self, now: float | None = None) -> dict[str, ObservedTask]:
        """Carry every task of the stack one step on. Returns what it observed."""
        tasks = self.observe()
        for task in tasks.values():
            self._step(task, now or time.time())
        self._vanished(tasks)
        return tasks

    def step_task(self, task_arn: str) -> None:
        task = self.observe_task(task_arn)
        if task is not None:
            self._step(task, time.time())

    def _step(self, task: ObservedTask, now: float) -> None:
        arn = task.task_arn
        with self._lock:
            if arn in self._stopping:
                return
        try:
            self._advance(task, now)
        finally:  # after any start: writing into the pause container would hold it up
            self._publish_metadata(task)

    def _advance(self, task: ObservedTask, now: float) -> None:
        arn = task.task_arn
        row = self.store.task_row(arn) or {}
        desired = row.get("desiredStatus") or "RUNNING"
        created = float(task.labels.get(L.CREATED_AT) or now)
        after = self.store.get(f"stop-after/{arn}") if desired == "STOPPED" else None
        if after is not None and any(c.state.running for c in task.containers):
            if now >= float(after):  # its load balancer targets have drained
                code, reason = row.get("stopCode") or "UserInitiated", row.get("stoppedReason")
                self._stop_async(task, code, reason or "")
            return
        if (
            desired == "STOPPED"
            and row.get("stoppingSince")
            and any(c.state.running for c in task.containers)
        ):
            # a stop that an earlier process began and did not finish
            if (
                now - float(row["stoppingSince"])
                > max([c.stop_timeout for c in task.containers] + [0]) + 5
            ):
                self._stop_async(
                    task, row.get("stopCode") or "UserInitiated", row.get("stoppedReason") or ""
                )
            return
        expected = [n for n in task.labels.get(L.TASK_CONTAINERS, "").split(",") if n]
        missing = [n for n in expected if task.container(n) is None]
        # an unrecorded task is still being created (run-task launches in the CLI while the
        # controller observes); one recorded since this listing has all its containers
        if missing and desired == "RUNNING" and (row or now - created > LAUNCH_GRACE):
            fresh = self.observe_task(arn)
            missing = [n for n in expected if fresh is None or fresh.container(n) is None]
        if missing and desired == "RUNNING" and (row or now - created > LAUNCH_GRACE):
            reason = f"Container {', '.join(missing)} was removed outside ecsdev"
            if self.store.request_stop(arn, "EssentialContainerExited", reason):
                self._emit(f"task {task_id_of(arn)} stopping: {reason}", arn, "warning")
            self._stop_async(task, "EssentialContainerExited", reason)
            return
        for action in decide(task, desired, created, now):
            match action:
                case StartContainer(container_id=cid, name=name):
                    try:
                        self.runtime.start(cid)
                    except RuntimeOperationError as e:
                        self._emit(f"container {name} failed to start: {e.message}", arn, "error")
                case EndTask(stop_code=code, reason=reason, container_reasons=creasons):
                    if creasons:
                        self.store.put(f"container-reasons/{arn}", dict(creasons))
                    if self.store.request_stop(arn, code, reason):
                        self._emit(f"task {task_id_of(arn)} stopping: {reason}", arn, "warning")
                    self._stop_async(task, code, reason)
                case FinishTask():
                    self._finish(task)

    # describing -------------------------------------------------------------------------
    def describe(self, task: ObservedTask, stopped: bool = False) -> TaskDescription:
        """The task as DescribeTasks shows it."""
        arn = task.task_arn
        row = self.store.task_row(arn) or {}
        if not stopped and row.get("snapshot"):
            # recorded as stopped: what is still observed is being removed, container by
            # container, and would describe a task with containers missing
            return cast(TaskDescription, row["snapshot"])
        now = time.time()
        reasons: dict[str, str] = self.store.get(f"container-reasons/{arn}", {}) or {}
        health_before: dict[str, str] = self.store.get(f"health/{arn}", {}) or {}
        desired = row.get("desiredStatus") or "RUNNING"
        st = task_status(task, "STOPPED" if stopped else desired)
        rec = Recorded(
            desired_status=desired,
            stop_code=row.get("stopCode"),
            stopped_reason=row.get("stoppedReason"),
            stopping_since=row.get("stoppingSince"),
            container_reasons=tuple(sorted(reasons.items())),
            health_before_stop=tuple(sorted(health_before.items())),
            last_status=None if stopped else self._deactivating(arn, st.last_status, now),
        )
        return describe_observed(task, self.account, self.cluster, rec, now, stopped)

    def _deactivating(self, arn: str, status: str, now: float) -> str:
        """A task told to stop whose load balancer targets are still draining is
        DEACTIVATING (ECS deregisters targets in that state), not yet STOPPING."""
        if status == "STOPPING":
            after = self.store.get(f"stop-after/{arn}")
            if after is not None and float(after) > now:
                return "DEACTIVATING"
        return status

    def describe_tasks(
        self, include_stopped: bool = True, observed: dict[str, ObservedTask] | None = None
    ) -> list[TaskDescription]:
        tasks = observed if observed is not None else self.observe()
        out = [self.describe(t) for t in tasks.values()]
        if include_stopped:
            running = set(tasks)
            out += [s for s in self.store.stopped_tasks() if s.task_arn not in running]
        return out

    def find(self, ref: str) -> str:
        """A task ARN from an ARN, an ID, or a unique ID prefix (running or stopped)."""
        arns = list(self.observe()) + [s.task_arn for s in self.store.stopped_tasks(1000)]
        hits = [a for a in dict.fromkeys(arns) if a == ref or task_id_of(a).startswith(ref)]
        if len(hits) == 1:
            return str(hits[0])
        if not hits:
            raise NotFound(f"no task {ref!r} in stack {self.stack}", "List tasks with `ecsdev ps`.")
        raise NotFound(f"{ref!r} matches {len(hits)} tasks", "Give more of the task ID.")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._launch_pool.shutdown(wait=True)
        self._metadata_pool.shutdown(wait=True)


def _ctx_dict(ctx: TaskContext) -> dict[str, Any]:
    return {f: getattr(ctx, f) for f in ctx.__dataclass_fields__}


def container_log_path(store: Store, task_arn: str, container: str) -> Path:
    return store.logs_dir / task_id_of(task_arn) / f"{container}.log"
