"""ECS clusters as the engine's stacks: one world for the API and ``ecsdev up``.

Why this exists: the engine runs stacks (one store, one controller each); the API speaks of
clusters in a region. A cluster made with CreateCluster is a stack made for it; a stack made
by ``ecsdev up`` is the cluster its layout names, in its layout's region. So ListClusters shows
both, a service created through the API appears in ``ecsdev ps``, and a layout's services
answer DescribeServices. This module finds the stack of a cluster (creating it when asked),
keeps the stores open, and makes sure a controller runs every stack that has work to do:
controllers are separate processes (as ``ecsdev up`` starts them), so a restart or a kill -9 of
the endpoint never disturbs what runs.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from emulator.arns import Account
from emulator.endpoint.api import ApiError
from emulator.runtime.base import ContainerRuntime
from emulator.stacklock import StackLock
from emulator.store import STACK_NAME, Store, known_stacks, stack_dir, state_home

CLUSTER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
ACTIVE, INACTIVE = "ACTIVE", "INACTIVE"


@dataclass(frozen=True, slots=True)
class Cluster:
    """A cluster and the stack that runs it."""

    name: str
    region: str
    account_id: str
    stack: str
    status: str = ACTIVE
    origin: str = "api"
    """``api`` (CreateCluster, or the ``default`` cluster made on first use) or ``layout``."""
    created_at: float = 0.0
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def account(self) -> Account:
        return Account(self.region, self.account_id)

    @property
    def arn(self) -> str:
        return self.account.cluster_arn(self.name)


def cluster_name_of(ref: str) -> str:
    """A cluster's name from its name or ARN (``arn:aws:ecs:r:a:cluster/NAME``)."""
    return ref.rsplit("/", 1)[-1] if ref.startswith("arn:") else ref


def _stack_name_for(name: str, region: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:24] or "cluster"
    if not slug[0].isalnum():
        slug = "c" + slug
    digest = hashlib.sha256(f"{region}/{name}".encode()).hexdigest()[:6]
    return f"{slug}-{digest}"


class Clusters:
    """Every cluster of the world, in every region, with its stack's store."""

    def __init__(self, account_id: str, runtime_factory: type[ContainerRuntime] | None = None):
        self.account_id = account_id
        self._lock = threading.RLock()
        self._stores: dict[str, Store] = {}
        self._runtime: ContainerRuntime | None = None
        self._runtime_factory = runtime_factory

    # -- stores and runtime -----------------------------------------------------------------
    def store(self, stack: str) -> Store:
        with self._lock:
            if stack not in self._stores:
                self._stores[stack] = Store(stack)
            return self._stores[stack]

    def runtime(self) -> ContainerRuntime:
        """The Docker engine, connected on first need (clusters and task definitions work
        without one; tasks do not)."""
        with self._lock:
            if self._runtime is None:
                if self._runtime_factory is not None:
                    self._runtime = self._runtime_factory()
                else:
                    from emulator.runtime.docker import DockerRuntime

                    self._runtime = DockerRuntime()
            return self._runtime

    # -- the clusters -----------------------------------------------------------------------
    def all(self, region: str | None = None) -> list[Cluster]:
        out = []
        for stack in known_stacks():
            c = self._cluster_of_stack(stack)
            if c is not None and (region is None or c.region == region):
                out.append(c)
        return sorted(out, key=lambda c: (c.created_at, c.name))

    def _cluster_of_stack(self, stack: str) -> Cluster | None:
        meta = self.store(stack).get("stack") or {}
        if not meta.get("cluster"):
            return None
        return Cluster(
            name=str(meta["cluster"]),
            region=str(meta.get("region", "us-east-1")),
            account_id=str(meta.get("accountId", self.account_id)),
            stack=stack,
            status=str(meta.get("status", ACTIVE)),
            origin=str(meta.get("origin", "layout" if meta.get("layout") else "api")),
            created_at=float(meta.get("createdAt", 0.0)),
            tags=tuple((str(k), str(v)) for k, v in (meta.get("tags") or {}).items()),
        )

    def find(self, region: str, ref: str | None, *, active: bool = True) -> Cluster | None:
        name = cluster_name_of(ref or "default")
        hits = [c for c in self.all(region) if c.name == name]
        if active:
            hits = [c for c in hits if c.status == ACTIVE]
        # an ACTIVE cluster wins over an INACTIVE one of the same name
        hits.sort(key=lambda c: (c.status != ACTIVE, -c.created_at))
        return hits[0] if hits else None

    def get(self, region: str, ref: str | None, *, default_on_demand: bool = False) -> Cluster:
        """The ACTIVE cluster, or ECS's ``ClusterNotFoundException``. The ``default``
        cluster is made on first use, as ECS does for RunTask and CreateService."""
        found = self.find(region, ref)
        if found is not None:
            return found
        if default_on_demand and cluster_name_of(ref or "default") == "default":
            return self.create(region, "default")
        raise ApiError("ClusterNotFoundException", "Cluster not found.")

    def create(self, region: str, name: str, tags: tuple[tuple[str, str], ...] = ()) -> Cluster:
        """CreateCluster: idempotent for an ACTIVE cluster of that name, as in ECS."""
        if not CLUSTER_NAME.match(name):
            raise ApiError(
                "InvalidParameterException",
                "Cluster name must be 1-255 characters: letters, numbers, hyphens and underscores.",
            )
        with self._lock:
            found = self.find(region, name)
            if found is not None:
                return found
            stack = name if STACK_NAME.match(name) and not self._taken(name) else None
            stack = stack or _stack_name_for(name, region)
            now = time.time()
            self.store(stack).put(
                "stack",
                {
                    "name": stack,
                    "cluster": name,
                    "region": region,
                    "accountId": self.account_id,
                    "layout": None,
                    "origin": "api",
                    "status": ACTIVE,
                    "createdAt": now,
                    "tags": dict(tags),
                },
            )
            found = self.find(region, name)
            assert found is not None
            return found

    def _taken(self, stack: str) -> bool:
        return (stack_dir(stack) / "state.db").exists()

    def set_status(self, cluster: Cluster, status: str) -> None:
        def change(meta: object) -> object:
            d = dict(meta) if isinstance(meta, dict) else {}
            d["status"] = status
            return d

        self.store(cluster.stack).update("stack", change)

    def set_tags(self, cluster: Cluster, tags: dict[str, str]) -> None:
        def change(meta: object) -> object:
            d = dict(meta) if isinstance(meta, dict) else {}
            d["tags"] = tags
            return d

        self.store(cluster.stack).update("stack", change)

    # -- controllers ------------------------------------------------------------------------
    def ensure_controller(self, cluster: Cluster, idle_exit: float = 30.0) -> None:
        """Start the stack's controller process unless one runs (its lock says so)."""
        if StackLock(cluster.stack).holder():
            return
        log = stack_dir(cluster.stack) / "controller.log"
        log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as out:
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "emulator.controller",
                    "--stack",
                    cluster.stack,
                    "--cluster",
                    cluster.name,
                    "--region",
                    cluster.region,
                    "--account-id",
                    cluster.account_id,
                    "--idle-exit",
                    str(idle_exit),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", "ECSDEV_STATE_DIR": str(state_home())},
            )

    def close(self) -> None:
        with self._lock:
            for s in self._stores.values():
                s.close()
            self._stores.clear()
