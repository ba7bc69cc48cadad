"""MemoryRuntime: a stateful, in-memory ``ContainerRuntime``, so that the engine's glue
(TaskRunner, the service layer, the controller, ``stack.apply``/``down``) is tested, and
benchmarked, without Docker.

It keeps what Docker keeps and refuses what Docker refuses, with the same error types:
unique container and network names, images that must exist (``pull`` only from the
``registry`` it was given), ``container:<id>`` network modes that need the owner running,
networks with endpoints that cannot be removed, volumes in use, exec in a stopped container,
IP addresses that a container holds only while it runs, ``docker stop`` exit codes (143, or
137 for an image that ignores SIGTERM), health checks that start as ``starting``.

What a container's process does is the ``Behaviour`` set for its ECS container name or
its image; tests drive the rest by hand:
``exit`` (a process ending, OOM included), ``set_health``, ``tick`` (pending health checks
report), ``log``, and ``available = False`` (the engine is gone: every call raises
``DockerUnavailable``). ``calls`` lists every operation, in order, for assertions.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace

from emulator.errors import NotFound, RuntimeOperationError
from emulator.runtime.base import ContainerRuntime, ContainerSpec, ContainerState, HealthProbe
from emulator.runtime.memorystate import Behaviour, Box, MemoryEngine, matches, norm, now_iso

SIGNALS = {"SIGKILL": 9, "SIGTERM": 15, "SIGINT": 2, "SIGHUP": 1, "SIGQUIT": 3, "SIGUSR1": 10}


class MemoryRuntime(MemoryEngine):
    """ContainerRuntime in memory; thread-safe (TaskRunner launches from a thread pool)."""

    # containers -----------------------------------------------------------------------
    def create(self, spec: ContainerSpec) -> str:
        self._op("create", spec.name)
        with self._lock:
            if any(c.spec.name == spec.name for c in self._containers.values()):
                raise RuntimeOperationError(
                    f"create container {spec.name}: Conflict. The container name "
                    f'"/{spec.name}" is already in use'
                )
            if not self.image_present(spec.image):
                raise NotFound(f"create container {spec.name}: No such image: {spec.image}")
            mode = spec.network_mode or "bridge"
            if mode.startswith("container:"):
                self._get(mode.split(":", 1)[1])
            elif mode not in ("host", "none"):
                self._network(mode)
            for src in spec.volumes_from:
                self._get(src.split(":")[0])
            for m in spec.mounts:
                if m.type == "volume":
                    self._volumes.setdefault(m.source, {})
            c = Box(secrets.token_hex(32), spec, now_iso())
            self._containers[c.id] = c
            if mode not in ("host", "none") and not mode.startswith("container:"):
                self._network(mode).aliases[c.id] = spec.network_aliases
            return c.id

    def rename(self, container_id: str, name: str) -> None:
        self._op("rename", container_id)
        with self._lock:
            c = self._get(container_id)
            if any(o.spec.name == name and o is not c for o in self._containers.values()):
                raise RuntimeOperationError(
                    f'rename {container_id[:12]}: Conflict. The container name "/{name}" is '
                    "already in use"
                )
            c.spec = replace(c.spec, name=name)

    def start(self, container_id: str) -> None:
        self._op("start", container_id)
        with self._lock:
            c = self._get(container_id)
            if c.status == "running":
                return
            mode = c.spec.network_mode or "bridge"
            if mode.startswith("container:"):
                owner = self._get(mode.split(":", 1)[1])
                if owner.status != "running":
                    raise RuntimeOperationError(
                        f"start {container_id[:12]}: cannot join network of a non running "
                        f"container: {owner.id}"
                    )
            b = self.behaviour(c.spec)
            if b.fails_to_start:
                c.error, c.status = b.fails_to_start, "created"
                raise RuntimeOperationError(f"start {container_id[:12]}: {b.fails_to_start}")
            c.status, c.started_at, c.finished_at = "running", now_iso(), None
            c.exit_code, c.oom_killed, c.error = None, False, ""
            c.health = "starting" if c.spec.healthcheck else None
            for net in self._networks.values():
                if c.id in net.aliases:
                    c.networks[net.name] = self._address(net)
            c.ports = tuple(
                (p.container_port, p.protocol, p.host_ip, p.host_port or next(self._host_ports))
                for p in c.spec.ports
            )
            if b.output:
                c.logs.append(b.output)
            if b.exit_code is not None:
                self._exited(c, b.exit_code)

    def _exited(self, c: Box, code: int, oom: bool = False) -> None:
        c.status, c.exit_code, c.oom_killed, c.finished_at = "exited", code, oom, now_iso()
        c.networks, c.ports = {}, ()
        if c.health is not None:  # as Docker reports a stopped container's health
            c.health = "unhealthy"

    def stop(self, container_id: str, timeout: int) -> None:
        self._op("stop", container_id)
        with self._lock:
            c = self._get(container_id)
            if c.status == "running":
                self._exited(c, 137 if self.behaviour(c.spec).ignores_sigterm else 143)

    def kill(self, container_id: str, signal: str = "SIGKILL") -> None:
        self._op("kill", f"{container_id} {signal}")
        with self._lock:
            c = self._get(container_id)
            if c.status != "running":
                raise RuntimeOperationError(
                    f"kill {container_id[:12]}: Container {c.id} is not running"
                )
            num = SIGNALS.get(signal.upper(), 9)
            if num == 15 and self.behaviour(c.spec).ignores_sigterm:
                return
            self._exited(c, 128 + num)

    def remove(self, container_id: str) -> None:
        self._op("remove", container_id)
        with self._lock:
            try:
                c = self._get(container_id)
            except NotFound:
                return
            del self._containers[c.id]
            for net in self._networks.values():
                net.aliases.pop(c.id, None)

    def inspect(self, container_id: str) -> ContainerState:
        self._op("inspect", container_id)
        with self._lock:
            return self._state(self._get(container_id))

    def _state(self, c: Box) -> ContainerState:
        return ContainerState(
            id=c.id,
            name=c.spec.name,
            labels=dict(c.spec.labels),
            status=c.status,
            image=c.spec.image,
            exit_code=c.exit_code if c.status in ("exited", "dead") else None,
            oom_killed=c.oom_killed,
            error=c.error,
            health=c.health,
            created_at=c.created_at,
            started_at=c.started_at,
            finished_at=c.finished_at,
            ip_addresses=dict(c.networks),
            ports=c.ports,
            network_mode=c.spec.network_mode or "bridge",
        )

    def list_containers(self, labels: dict[str, str]) -> list[ContainerState]:
        self._op("list_containers")
        with self._lock:
            return [
                self._state(c) for c in self._containers.values() if matches(c.spec.labels, labels)
            ]

    def logs(self, container_id: str, tail: int | None = None, timestamps: bool = False) -> str:
        self._op("logs", container_id)
        with self._lock:
            lines = "".join(self._get(container_id).logs).splitlines(keepends=True)
            return "".join(lines[-tail:] if tail else lines)

    def follow_logs(self, container_id: str, tail: int | None = None) -> Iterator[str]:
        yield from self.logs(container_id, tail).splitlines(keepends=True)

    def exec_run(self, container_id: str, cmd: list[str]) -> tuple[int, str]:
        self._op("exec_run", f"{container_id} {' '.join(cmd)}")
        with self._lock:
            c = self._get(container_id)
            if c.status != "running":
                raise RuntimeOperationError(
                    f"exec in {container_id[:12]}: Container {c.id} is not running"
                )
        return self.exec_handler(c.id, cmd)

    def write_file(self, container_id: str, path: str, data: bytes) -> None:
        self._op("write_file", f"{container_id} {path}")
        with self._lock:
            self._get(container_id).files[path] = bytes(data)

    # driving it from a test -----------------------------------------------------------
    def exit(self, container_id: str, code: int, oom: bool = False) -> None:
        """The container's process ends by itself (``oom``: the kernel killed it)."""
        with self._lock:
            c = self._get(container_id)
            if c.status == "running":
                self._exited(c, 137 if oom else code, oom)

    def set_health(self, container_id: str, status: str) -> None:
        with self._lock:
            c = self._get(container_id)
            if c.spec.healthcheck is None:
                raise RuntimeOperationError(f"{c.spec.name} has no health check")
            c.health = status
            c.probes = [*c.probes, HealthProbe(now_iso(), 0 if status == "healthy" else 1)][-5:]

    def health_log(self, container_id: str) -> tuple[HealthProbe, ...]:
        with self._lock:
            return tuple(self._get(container_id).probes)

    def tick(self) -> None:
        """Every running container whose health check is still starting reports its
        image's result."""
        with self._lock:
            for c in self._containers.values():
                if c.status == "running" and c.health == "starting":
                    c.health = self.behaviour(c.spec).health

    def log(self, container_id: str, text: str) -> None:
        with self._lock:
            self._get(container_id).logs.append(text)

    def file(self, container_id: str, path: str) -> bytes | None:
        with self._lock:
            return self._get(container_id).files.get(path)

    def by_name(self, name: str) -> ContainerState:
        with self._lock:
            return self._state(self._get(name))

    def network_names(self) -> list[str]:
        with self._lock:
            return sorted(n.name for n in self._networks.values())

    def volume_names(self) -> list[str]:
        with self._lock:
            return sorted(self._volumes)

    def with_images(self, *refs: str) -> MemoryRuntime:
        """Images present, as if built (chainable: ``MemoryRuntime().with_images(...)``)."""
        with self._lock:
            for ref in refs:
                self.images.setdefault(norm(ref), {})
        return self


__all__ = ["Behaviour", "MemoryRuntime"]


def _conforms(rt: MemoryRuntime) -> ContainerRuntime:
    return rt  # mypy checks here that MemoryRuntime implements the whole protocol
