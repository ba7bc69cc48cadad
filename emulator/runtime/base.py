"""What the engine needs from a container runtime, as a Protocol.

The engine speaks in ``ContainerSpec`` and ``ContainerState``; only ``runtime/docker.py``
touches the Docker SDK or inspect JSON. ``runtime/memory.py`` implements the same Protocol
in memory, so the engine's glue is tested without Docker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Mount:
    target: str
    source: str  # host path (bind) or volume name
    type: str = "bind"  # bind | volume | tmpfs
    read_only: bool = False
    tmpfs_size: int | None = None  # bytes, tmpfs only


@dataclass(frozen=True, slots=True)
class HealthConfig:
    """Docker's HEALTHCHECK, in seconds (converted to ns by the runtime)."""

    test: tuple[str, ...]  # ("CMD-SHELL", "...") or ("CMD", ...)
    interval: float
    timeout: float
    retries: int
    start_period: float = 0


@dataclass(frozen=True, slots=True)
class PublishedPort:
    container_port: int
    protocol: str = "tcp"
    host_ip: str = "127.0.0.1"
    host_port: int | None = None  # None = dynamic


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """Everything needed to create one container."""

    name: str
    image: str
    labels: dict[str, str] = field(default_factory=dict)
    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    network_mode: str | None = None  # "container:<id>", "host", "none", or a network name
    network_aliases: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (container name, alias): user networks only
    ports: tuple[PublishedPort, ...] = ()
    healthcheck: HealthConfig | None = None
    user: str | None = None
    working_dir: str | None = None
    hostname: str | None = None
    cpu_shares: int | None = None
    nano_cpus: int | None = None
    mem_limit: int | None = None  # bytes
    mem_reservation: int | None = None  # bytes
    read_only: bool = False
    init: bool = False
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    ulimits: tuple[tuple[str, int, int], ...] = ()  # (name, soft, hard)
    shm_size: int | None = None  # bytes
    mounts: tuple[Mount, ...] = ()
    volumes_from: tuple[str, ...] = ()
    extra_hosts: tuple[tuple[str, str], ...] = ()
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    privileged: bool = False
    tty: bool = False
    stdin_open: bool = False
    stop_timeout: int | None = None
    sysctls: tuple[tuple[str, str], ...] = ()
    devices: tuple[str, ...] = ()  # "hostPath:containerPath:rwm"
    ipc_mode: str | None = None  # "host" or "none"; None: Docker's default (private)


@dataclass(frozen=True, slots=True)
class ContainerState:
    """What the runtime reports about one container."""

    id: str
    name: str
    labels: dict[str, str]
    status: str  # created | running | restarting | paused | exited | dead | removing
    image: str = ""
    exit_code: int | None = None
    oom_killed: bool = False
    error: str = ""
    health: str | None = None  # None (no check) | starting | healthy | unhealthy
    created_at: str = ""
    started_at: str | None = None  # RFC 3339, None before the first start
    finished_at: str | None = None
    ip_addresses: dict[str, str] = field(default_factory=dict)  # network name -> IPv4
    ports: tuple[tuple[int, str, str, int], ...] = ()  # (containerPort, proto, hostIp, hostPort)
    network_mode: str = ""

    @property
    def running(self) -> bool:
        return self.status in ("running", "restarting", "paused")

    @property
    def exited(self) -> bool:
        return self.status in ("exited", "dead") and self.started_at is not None


@dataclass(frozen=True, slots=True)
class HealthProbe:
    """One health-check run as the runtime remembers it (Docker keeps the last five)."""

    start: str  # RFC 3339
    exit_code: int  # 0 healthy, 1 unhealthy, -1 the check itself could not run or timed out
    output: str = ""  # what the check printed (container output: cut short by the reader)


@dataclass(frozen=True, slots=True)
class NetworkState:
    id: str
    name: str
    labels: dict[str, str]
    internal: bool
    subnet: str | None


class ContainerRuntime(Protocol):
    """The operations the engine performs on containers, networks, volumes and images.

    Every method raises ``DockerUnavailable`` when the engine cannot be reached and
    ``RuntimeOperationError`` when it refuses an operation; ``NotFound`` for a missing id.
    """

    def ping(self) -> None: ...

    # images (``progress`` receives one line per step, for the user's terminal)
    def image_present(self, ref: str) -> bool: ...
    def image_labels(self, ref: str) -> dict[str, str] | None: ...  # None: no such image
    def platform(self) -> tuple[str, str]: ...  # the engine's (OS, architecture): linux, x86_64
    # whether a container on the "host" network shares this machine's network (a local,
    # rootful Linux engine: not Docker Desktop's VM, not rootless, not a remote engine)
    def shares_host_network(self) -> bool: ...
    def pull(self, ref: str, progress: Callable[[str], None] | None = None) -> None: ...
    def build(
        self,
        tag: str,
        context: str,
        dockerfile: str | None,
        args: dict[str, str],
        labels: dict[str, str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None: ...
    def import_rootfs(self, tag: str, tarball: str, changes: tuple[str, ...] = ()) -> None: ...

    # networks and volumes
    def create_network(
        self, name: str, labels: dict[str, str], internal: bool, subnet: str | None
    ) -> str: ...
    def list_networks(self, labels: dict[str, str]) -> list[NetworkState]: ...
    def remove_network(self, name_or_id: str) -> None: ...
    def connect(self, network: str, container_id: str, aliases: tuple[str, ...] = ()) -> None: ...
    def ensure_volume(self, name: str, labels: dict[str, str]) -> None: ...
    def list_volumes(self, labels: dict[str, str]) -> list[str]: ...
    def remove_volume(self, name: str) -> None: ...

    # containers
    def create(self, spec: ContainerSpec) -> str: ...
    def start(self, container_id: str) -> None: ...
    def stop(self, container_id: str, timeout: int) -> None: ...
    def kill(self, container_id: str, signal: str = "SIGKILL") -> None: ...
    def remove(self, container_id: str) -> None: ...  # idempotent: a missing one is fine
    def rename(self, container_id: str, name: str) -> None: ...
    def inspect(self, container_id: str) -> ContainerState: ...
    def list_containers(self, labels: dict[str, str]) -> list[ContainerState]: ...
    def logs(self, container_id: str, tail: int | None = None, timestamps: bool = False) -> str: ...
    def follow_logs(self, container_id: str, tail: int | None = None) -> Iterator[str]: ...
    def exec_run(self, container_id: str, cmd: list[str]) -> tuple[int, str]: ...
    def write_file(self, container_id: str, path: str, data: bytes) -> None: ...
    def health_log(self, container_id: str) -> tuple[HealthProbe, ...]: ...  # oldest first
