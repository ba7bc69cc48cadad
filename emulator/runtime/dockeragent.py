"""The Docker calls of the agent's link-local network and of container stats.

Why a module of its own: the ``ContainerRuntime`` protocol has no gateway or driver options
for networks and no stats, and only docker*.py may touch the Docker SDK. The agent's network
needs both a chosen gateway (the host's bridge must own 169.254.170.2) and
``enable_icc=false`` (tasks must not reach each other over it); monitoring agents read
Docker's own stats JSON, which is passed through as it comes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import docker.types

from emulator.errors import RuntimeOperationError
from emulator.runtime.docker import DockerRuntime
from emulator.runtime.dockercall import call

ROLE_LABEL = "ecsdev.role"


def ensure_link_local_network(rt: DockerRuntime, name: str, subnet: str, gateway: str) -> None:
    """An internal bridge network whose gateway (the host) is ``gateway``, with no traffic
    between its containers; made when missing, refused when one of that name differs."""
    api = rt.api
    found = call("list networks", lambda: api.networks(names=[name]))
    found = [n for n in found if n.get("Name") == name]
    if found:
        info = call(f"inspect network {name}", lambda: api.inspect_network(found[0]["Id"]))
        configs = (info.get("IPAM") or {}).get("Config") or []
        if not any(c.get("Gateway") == gateway for c in configs) or not info.get("Internal"):
            raise RuntimeOperationError(
                f"the Docker network {name} exists but is not the agent's "
                f"(internal, {subnet}, gateway {gateway})",
                f"Remove it (docker network rm {name}); ecsdev makes it again.",
            )
        return
    ipam = docker.types.IPAMConfig(
        pool_configs=[docker.types.IPAMPool(subnet=subnet, gateway=gateway)]
    )
    try:
        call(
            f"create network {name}",
            lambda: api.create_network(
                name,
                driver="bridge",
                internal=True,
                labels={ROLE_LABEL: "agent-network"},
                ipam=ipam,
                options={"com.docker.network.bridge.enable_icc": "false"},
                check_duplicate=True,
            ),
        )
    except RuntimeOperationError as e:
        if not call("list networks", lambda: api.networks(names=[name])):
            raise RuntimeOperationError(
                f"{e.message} (another network may hold {subnet})",
                f"docker network ls; remove the network that uses {subnet}.",
            ) from e  # else: made by another process meanwhile


class StatsStreams:
    """Docker's stats JSON of containers, as ECS's agent has it: streamed continuously (Docker
    samples once a second, and even a one-shot request waits for the next sample), so a
    reader gets the latest sample at once, with ``precpu_stats`` the one before. A container's
    stream starts at its first read and ends with the container or ``IDLE`` seconds unread."""

    IDLE = 300.0
    FIRST_WAIT = 3.0

    def __init__(self, rt: DockerRuntime) -> None:
        self.rt = rt
        self._latest: dict[str, dict[str, Any]] = {}
        self._read: dict[str, float] = {}
        self._ready: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def __call__(self, container_id: str) -> dict[str, Any]:
        with self._lock:
            self._read[container_id] = time.monotonic()
            ready = self._ready.get(container_id)
            if ready is None:
                ready = self._ready[container_id] = threading.Event()
                threading.Thread(
                    target=self._stream, args=(container_id, ready), daemon=True
                ).start()
        ready.wait(self.FIRST_WAIT)
        with self._lock:
            return dict(self._latest.get(container_id) or {})

    def _stream(self, cid: str, ready: threading.Event) -> None:
        try:
            for sample in self.rt.api.stats(cid, stream=True, decode=True):
                with self._lock:
                    self._latest[cid] = sample
                    idle = time.monotonic() - self._read.get(cid, 0.0) > self.IDLE
                ready.set()
                if idle:
                    break
        except Exception:  # noqa: BLE001, S110 - the container is gone or Docker went away
            pass
        finally:
            ready.set()
            with self._lock:
                for table in (self._latest, self._read, self._ready):
                    table.pop(cid, None)
