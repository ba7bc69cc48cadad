"""The stack's VPC as Docker networks: one network per subnet, named ``<stack>-<subnet>``.
A private subnet is an internal network (no route out, not reachable from the host)."""

from __future__ import annotations

from emulator import labels as L
from emulator.model.layout import Subnet, Vpc
from emulator.runtime.base import ContainerRuntime


def network_name(stack: str, subnet: str) -> str:
    return f"{stack}-{subnet}"


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
