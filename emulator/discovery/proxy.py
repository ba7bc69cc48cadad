"""The forwarder container of one discoverable service: create or adopt it, give it the
service's names on every network of the stack, and hand it the healthy tasks.

Why this exists: Docker's embedded DNS answers a network alias with the containers that hold
it on the client's network, and an alias can only be set when a container joins a network.
So the names live on this container, which never changes while the service's names stay
the same; the tasks behind them change in its configuration file alone (``plan.config``,
written in place and picked up within 0.2 s by ``forwarder.py``). The container is
``<stack>-names-<service>[-N]`` on ``ecsdev/base:bookworm`` (its python3 runs the
forwarder), labelled ``ecsdev.stack``, ``ecsdev.role=names`` and the service, so ``down``
removes it and a restarted controller adopts it; other names mean another container.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from emulator import labels as L
from emulator.discovery.forwarder import CONF
from emulator.errors import EcsdevError, NotFound
from emulator.runtime.base import ContainerRuntime, ContainerSpec, ContainerState

IMAGE = "ecsdev/base:bookworm"
ROLE = "names"
SERVICE = "ecsdev.names-service"
GROUP = "ecsdev.names-group"
SOURCE = (Path(__file__).parent / "forwarder.py").read_text()
SCRIPT = "/usr/local/lib/ecsdev-forwarder.py"


def forwarder_name(stack: str, service: str, index: int) -> str:
    return f"{stack}-names-{service}" + (f"-{index}" if index else "")


class Forwarder:
    """The forwarder container of group ``index`` of ``service`` in ``stack``."""

    def __init__(
        self,
        runtime: ContainerRuntime,
        stack: str,
        service: str,
        index: int,
        aliases: tuple[str, ...],
    ) -> None:
        self.runtime = runtime
        self.stack = stack
        self.service = service
        self.index = index
        self.aliases = aliases
        self.name = forwarder_name(stack, service, index)
        self.container_id: str | None = None
        self.conf: str | None = None
        self.attached: set[str] = set()
        self.shape = hashlib.sha256(json.dumps([IMAGE, aliases, SOURCE]).encode()).hexdigest()[:16]

    @property
    def labels(self) -> dict[str, str]:
        return {
            L.STACK: self.stack,
            L.ROLE: ROLE,
            SERVICE: self.service,
            GROUP: str(self.index),
            L.CONFIG_HASH: self.shape,
        }

    def find(self) -> list[ContainerState]:
        return self.runtime.list_containers(
            {L.STACK: self.stack, L.ROLE: ROLE, SERVICE: self.service, GROUP: str(self.index)}
        )

    def ensure(self, networks: list[str], conf: str) -> bool:
        """Have the container run with ``conf`` and the names on ``networks``. True when
        it was created (not adopted)."""
        made = False
        if self.container_id is None:
            made = self._adopt_or_create(networks[0], conf)
        assert self.container_id is not None
        for net in sorted(set(networks) - self.attached):
            try:
                self.runtime.connect(net, self.container_id, self.aliases)
            except EcsdevError as e:
                if "already exists" not in e.message:
                    raise
            self.attached.add(net)
        if conf != self.conf:
            self.runtime.write_file(self.container_id, CONF, conf.encode())
            self.conf = conf
        return made

    def _adopt_or_create(self, network: str, conf: str) -> bool:
        for c in self.find():
            if c.labels.get(L.CONFIG_HASH) == self.shape and c.running:
                self.container_id, self.attached, self.conf = c.id, set(c.ip_addresses), None
                return False
            self.runtime.remove(c.id)  # other names (or another forwarder): start afresh
        spec = ContainerSpec(
            name=self.name,
            image=IMAGE,
            labels=self.labels,
            command=("python3", "-u", SCRIPT, CONF),
            network_mode=network,
            network_aliases=self.aliases,
            hostname=f"names-{self.service}"[:63],
            stop_timeout=1,
        )
        cid = self.runtime.create(spec)
        try:
            self.runtime.write_file(cid, SCRIPT, SOURCE.encode())
            self.runtime.write_file(cid, CONF, conf.encode())
            self.runtime.start(cid)
        except EcsdevError:
            self.runtime.remove(cid)
            raise
        self.container_id, self.conf, self.attached = cid, conf, {network}
        return True

    def alive(self) -> bool:
        if self.container_id is None:
            return False
        try:
            running = self.runtime.inspect(self.container_id).running
        except NotFound:
            running = False
        if not running:
            self.container_id, self.conf, self.attached = None, None, set()
        return running

    def remove(self) -> None:
        for c in self.find():
            self.runtime.remove(c.id)
        self.container_id, self.conf, self.attached = None, None, set()


def stray(runtime: ContainerRuntime, stack: str, keep: set[tuple[str, int]]) -> list[str]:
    """Remove the stack's forwarders that are not in ``keep`` ((service, index)); their
    names."""
    out = []
    for c in runtime.list_containers({L.STACK: stack, L.ROLE: ROLE}):
        key = (c.labels.get(SERVICE, ""), int(c.labels.get(GROUP) or 0))
        if key not in keep:
            runtime.remove(c.id)
            out.append(c.name)
    return out
