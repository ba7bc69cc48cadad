"""The task metadata endpoint v4 as the agent answers it, for every network mode.

Why it exists: ECS's v4 endpoint (``$ECS_CONTAINER_METADATA_URI_V4``, ``/task``, ``/stats``,
``/task/stats``) is what monitoring agents and frameworks read. The awsvpc pause container
serves the JSON on 127.0.0.1:51679 from a file the controller writes; the agent serves the
same documents (``emulator.metadata``) for bridge and host tasks too, built on request from
Docker and the stack's store, plus Docker's stats JSON (``StatsReader``: the latest sample
of a stream, as ECS's agent samples continuously).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emulator.agent.registry import Registration
from emulator.arns import Account
from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.errors import NotFound
from emulator.lifecycle import ObservedTask
from emulator.metadata import task_metadata
from emulator.runtime.base import ContainerRuntime
from emulator.store import Store
from emulator.tasks import TaskRunner

StatsReader = Callable[[str], dict[str, Any]]  # container id -> one Docker stats sample


class TaskDocs:
    """Metadata and stats of registered tasks, from Docker and their stacks' stores."""

    KEEP = 16
    FRESH = 1.0

    def __init__(self, runtime: ContainerRuntime, stats: StatsReader) -> None:
        self.runtime = runtime
        self.read_stats = stats
        self._runners: dict[tuple[str, str], TaskRunner] = {}
        self._docs: dict[str, tuple[float, dict[str, Any]]] = {}  # token -> (when, /task)
        self._lock = threading.Lock()

    def _runner(self, reg: Registration) -> TaskRunner:
        """A reader of the task's stack (the most recently used ``KEEP`` stay open)."""
        key = (reg.state_home, reg.stack)
        with self._lock:
            runner = self._runners.pop(key, None)
            if runner is None:
                store = Store(reg.stack, Path(reg.state_home) / "stacks" / reg.stack)
                account = Account(reg.region, reg.account_id)
                runner = TaskRunner(self.runtime, store, reg.stack, reg.cluster, account)
            self._runners[key] = runner  # last: most recently used
            while len(self._runners) > self.KEEP:
                old = self._runners.pop(next(iter(self._runners)))
                old.close()
                old.store.close()
            return runner

    def store_of(self, reg: Registration) -> Store:
        """The task's stack store (kept open with its reader)."""
        return self._runner(reg).store

    def observe(self, reg: Registration) -> ObservedTask:
        task = self._runner(reg).observe_task(reg.task_arn)
        if task is None:
            raise NotFound(f"task {reg.task_id} is gone")
        return task

    def task(self, reg: Registration) -> dict[str, Any]:
        """The v4 task document (``${ECS_CONTAINER_METADATA_URI_V4}/task``), at most
        ``FRESH`` seconds old (apps may read it at every request: the echo app does)."""
        now = time.monotonic()
        with self._lock:
            cached = self._docs.get(reg.token)
        if cached is not None and now - cached[0] < self.FRESH:
            return copy.deepcopy(cached[1])
        doc = self._task(reg)
        with self._lock:
            self._docs[reg.token] = (now, doc)
            if len(self._docs) > 1000:
                self._docs.clear()
        return copy.deepcopy(doc)

    def _task(self, reg: Registration) -> dict[str, Any]:
        observed = self.observe(reg)
        desc = plain(task_json(self._runner(reg).describe(observed)))
        doc = task_metadata(desc, reg.family, reg.revision)
        if reg.network_mode != "awsvpc":
            for c in doc["Containers"]:
                tc = observed.container(c["Name"])
                if tc is None:
                    continue
                ips = [ip for ip in tc.state.ip_addresses.values() if ip]
                if ips:
                    c["Networks"] = [{"NetworkMode": reg.network_mode, "IPv4Addresses": ips[:1]}]
                ports = [
                    {"ContainerPort": cp, "Protocol": proto, "HostPort": hp, "HostIp": hip}
                    for cp, proto, hip, hp in tc.state.ports
                ]
                if ports:
                    c["Ports"] = ports
        return doc

    def container(self, reg: Registration, name: str) -> dict[str, Any]:
        for c in self.task(reg)["Containers"]:
            if c["Name"] == name:
                return dict(c)
        raise NotFound(f"no container {name!r} in task {reg.task_id}")

    def _sample(self, container_id: str) -> dict[str, Any]:
        return dict(self.read_stats(container_id))

    def container_stats(self, reg: Registration, name: str) -> dict[str, Any]:
        tc = self.observe(reg).container(name)
        if tc is None:
            raise NotFound(f"no container {name!r} in task {reg.task_id}")
        return self._sample(tc.state.id) if tc.state.running else {}

    def task_stats(self, reg: Registration) -> dict[str, Any]:
        """Docker ID -> stats JSON of every container (null for one not running), as ECS."""
        out: dict[str, Any] = {}
        for tc in self.observe(reg).containers:
            out[tc.state.id] = self._sample(tc.state.id) if tc.state.running else None
        return out
