"""The state behind MemoryRuntime (memory.py): what a container's image does, the records
it keeps per container and network, and the image, network and volume operations, each
refusing what Docker refuses. Split from memory.py to keep each module to one concern."""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from emulator.errors import DockerUnavailable, NotFound, RuntimeOperationError
from emulator.runtime.base import ContainerSpec, HealthProbe, NetworkState

Exec = Callable[[str, list[str]], tuple[int, str]]


@dataclass(frozen=True, slots=True)
class Behaviour:
    """What a container of an image does once started."""

    exit_code: int | None = None  # exits at once with this code; None: runs until stopped
    health: str = "healthy"  # what its health check reports at the next ``tick``
    ignores_sigterm: bool = False  # ``stop`` then kills it after the timeout: exit 137
    output: str = ""  # what it writes to its log when it starts
    fails_to_start: str = ""  # start raises this (an entrypoint that does not exist, ...)


@dataclass
class Box:
    id: str
    spec: ContainerSpec
    created_at: str
    status: str = "created"
    exit_code: int | None = None
    oom_killed: bool = False
    error: str = ""
    health: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    networks: dict[str, str] = field(default_factory=dict)  # network name -> IP (running)
    ports: tuple[tuple[int, str, str, int], ...] = ()
    files: dict[str, bytes] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    probes: list[HealthProbe] = field(default_factory=list)  # health-check runs


@dataclass
class Net:
    id: str
    name: str
    labels: dict[str, str]
    internal: bool
    subnet: str
    next_host: int = 2
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)  # container id -> aliases


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def norm(ref: str) -> str:
    """An image reference as Docker names it: ``app`` is ``app:latest``."""
    return ref if ":" in ref.rsplit("/", 1)[-1] or "@" in ref else f"{ref}:latest"


def matches(labels: dict[str, str], want: dict[str, str]) -> bool:
    """Docker's label filter as DockerRuntime sends it: ``k=v``, or ``k`` alone for ``v=""``."""
    return all((k in labels) if not v else labels.get(k) == v for k, v in want.items())


class MemoryEngine:
    """What MemoryRuntime keeps besides containers: images, networks, volumes; thread-safe."""

    def __init__(
        self,
        images: dict[str, dict[str, str]] | None = None,
        registry: dict[str, dict[str, str]] | None = None,
        platform: tuple[str, str] = ("linux", "x86_64"),
        host_network: bool = False,
    ) -> None:
        self.images = {norm(r): dict(lb) for r, lb in (images or {}).items()}  # ref -> labels
        self.registry = {norm(r): dict(lb) for r, lb in (registry or {}).items()}
        self.behaviours: dict[str, Behaviour] = {}
        self.exec_handler: Exec = lambda cid, cmd: (0, "")
        self.available = True
        self.calls: list[tuple[str, str]] = []
        self._platform = platform
        self.host_network = host_network  # what shares_host_network answers
        self._containers: dict[str, Box] = {}
        self._networks: dict[str, Net] = {}
        self._volumes: dict[str, dict[str, str]] = {}
        self._lock = threading.RLock()
        self._subnets = itertools.count(1)
        self._host_ports = itertools.count(32768)
        for name in ("bridge", "host", "none"):
            self._networks[name] = Net(
                secrets.token_hex(32), name, {}, False, f"172.17.{len(self._networks)}.0/24"
            )

    # plumbing -------------------------------------------------------------------------
    def _op(self, op: str, what: str = "") -> None:
        if not self.available:
            raise DockerUnavailable(
                "Docker is not reachable (MemoryRuntime.available is False).", "Start it."
            )
        self.calls.append((op, what))

    def _get(self, ref: str) -> Box:
        c = self._containers.get(ref) or next(
            (c for c in self._containers.values() if c.spec.name == ref or c.id.startswith(ref)),
            None,
        )
        if c is None:
            raise NotFound(f"No such container: {ref}")
        return c

    def _network(self, ref: str) -> Net:
        for n in self._networks.values():
            if ref in (n.name, n.id):
                return n
        raise NotFound(f"network {ref} not found")

    def behaviour(self, spec: ContainerSpec) -> Behaviour:
        """The behaviour set for the ECS container name (the agent's label), else for the
        image, else one that runs until stopped and reports healthy."""
        name = spec.labels.get("com.amazonaws.ecs.container-name", "")
        return self.behaviours.get(name) or self.behaviours.get(spec.image) or Behaviour()

    # images ---------------------------------------------------------------------------
    def ping(self) -> None:
        self._op("ping")

    def image_present(self, ref: str) -> bool:
        return self.image_labels(ref) is not None

    def image_labels(self, ref: str) -> dict[str, str] | None:
        self._op("image_labels", ref)
        with self._lock:
            labels = self.images.get(norm(ref))
            return None if labels is None else dict(labels)

    def platform(self) -> tuple[str, str]:
        self._op("platform")
        return self._platform

    def shares_host_network(self) -> bool:
        self._op("info")
        return self.host_network

    def pull(self, ref: str, progress: Callable[[str], None] | None = None) -> None:
        self._op("pull", ref)
        if norm(ref) not in self.registry:
            raise RuntimeOperationError(
                f"CannotPullContainerError: pull image {ref}: manifest unknown",
                "Build the image locally (the layout's `images:` section) or check the registry.",
            )
        if progress is not None:
            progress(f"{ref}: Pull complete")
        with self._lock:
            self.images[norm(ref)] = dict(self.registry[norm(ref)])

    def build(
        self,
        tag: str,
        context: str,
        dockerfile: str | None,
        args: dict[str, str],
        labels: dict[str, str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self._op("build", f"{tag} {dockerfile or 'Dockerfile'}")
        with self._lock:
            self.images[norm(tag)] = dict(labels or {})

    def import_rootfs(self, tag: str, tarball: str, changes: tuple[str, ...] = ()) -> None:
        self._op("import_rootfs", tag)
        with self._lock:
            self.images[norm(tag)] = {}

    # networks and volumes -------------------------------------------------------------
    def create_network(
        self, name: str, labels: dict[str, str], internal: bool, subnet: str | None
    ) -> str:
        self._op("create_network", name)
        with self._lock:
            if any(n.name == name for n in self._networks.values()):
                raise RuntimeOperationError(f"create network {name}: network {name} exists")
            if subnet is None:
                k = next(self._subnets)
                subnet = f"10.{200 + k // 250}.{k % 250}.0/24"
            net = Net(secrets.token_hex(32), name, dict(labels), internal, subnet)
            self._networks[net.id] = net
            return net.id

    def list_networks(self, labels: dict[str, str]) -> list[NetworkState]:
        self._op("list_networks")
        with self._lock:
            return [
                NetworkState(n.id, n.name, dict(n.labels), n.internal, n.subnet)
                for n in self._networks.values()
                if matches(n.labels, labels)
            ]

    def remove_network(self, name_or_id: str) -> None:
        self._op("remove_network", name_or_id)
        with self._lock:
            net = self._network(name_or_id)
            if net.aliases:
                raise RuntimeOperationError(
                    f"remove network {name_or_id}: error while removing network: network "
                    f"{net.name} id {net.id} has active endpoints"
                )
            del self._networks[net.id]

    def connect(self, network: str, container_id: str, aliases: tuple[str, ...] = ()) -> None:
        self._op("connect", f"{network} {container_id}")
        with self._lock:
            net, c = self._network(network), self._get(container_id)
            if c.id in net.aliases:
                raise RuntimeOperationError(
                    f"connect {container_id[:12]} to {network}: endpoint with name "
                    f"{c.spec.name} already exists in network {net.name}"
                )
            net.aliases[c.id] = tuple(aliases)
            if c.status == "running":
                c.networks[net.name] = self._address(net)

    def _address(self, net: Net) -> str:
        prefix = net.subnet.split("/")[0].rsplit(".", 1)[0]
        ip = f"{prefix}.{net.next_host}"
        net.next_host += 1
        return ip

    def ensure_volume(self, name: str, labels: dict[str, str]) -> None:
        self._op("ensure_volume", name)
        with self._lock:
            self._volumes.setdefault(name, dict(labels))

    def list_volumes(self, labels: dict[str, str]) -> list[str]:
        self._op("list_volumes")
        with self._lock:
            return [n for n, lb in self._volumes.items() if matches(lb, labels)]

    def remove_volume(self, name: str) -> None:
        self._op("remove_volume", name)
        with self._lock:
            users = [
                c.spec.name
                for c in self._containers.values()
                if any(m.type == "volume" and m.source == name for m in c.spec.mounts)
            ]
            if users:
                raise RuntimeOperationError(
                    f"remove volume {name}: volume is in use - [{', '.join(users)}]"
                )
            self._volumes.pop(name, None)
