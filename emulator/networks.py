"""The stack's VPC as Docker networks: one network per subnet, named ``<stack>-<subnet>``.
A private subnet is an internal network (no route out, not reachable from the host).
Bridge-mode tasks share one network of the stack, ``<stack>.bridge`` (made on first use),
rather than Docker's default bridge: on it Docker's DNS answers the tasks' ``links`` and
the stack's discovery names."""

from __future__ import annotations

import threading

from emulator import labels as L
from emulator.errors import RuntimeOperationError
from emulator.model.layout import Subnet, Vpc
from emulator.runtime.base import ContainerRuntime

BRIDGE_ROLE = "bridge-network"
_bridge_lock = threading.Lock()


def network_name(stack: str, subnet: str) -> str:
    return f"{stack}-{subnet}"


def bridge_network(stack: str) -> str:
    """The network of the stack's bridge-mode tasks (no subnet's name can be the same)."""
    return f"{stack}.bridge"


def ensure_bridge_network(runtime: ContainerRuntime, stack: str) -> str:
    """The stack's bridge network, created when it does not exist yet; its name."""
    name = bridge_network(stack)
    labels = {L.STACK: stack, L.ROLE: BRIDGE_ROLE}
    with _bridge_lock:
        if any(n.name == name for n in runtime.list_networks(labels)):
            return name
        try:
            runtime.create_network(name, labels, internal=False, subnet=None)
        except RuntimeOperationError:
            if not any(n.name == name for n in runtime.list_networks(labels)):
                raise  # not made by another process meanwhile
    return name


def ensure_networks(runtime: ContainerRuntime, stack: str, vpc: Vpc) -> dict[str, str]:
    """Create the subnets' networks that do not exist yet; returns subnet -> network name."""
    existing = {n.name for n in runtime.list_networks({L.STACK: stack})}
    out = {}
    for s in vpc.subnets:
        name = network_name(stack, s.name)
        if name not in existing:
            runtime.create_network(name, _labels(stack, s), internal=not s.public, subnet=s.cidr)
        out[s.name] = name
    return out


def _labels(stack: str, s: Subnet) -> dict[str, str]:
    return {
        L.STACK: stack,
        L.ROLE: "network",
        L.SUBNET: s.name,
        "ecsdev.public": str(s.public).lower(),
    }


def remove_networks(runtime: ContainerRuntime, stack: str) -> list[str]:
    removed = []
    for n in runtime.list_networks({L.STACK: stack}):
        runtime.remove_network(n.id)
        removed.append(n.name)
    return removed
