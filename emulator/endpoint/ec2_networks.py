"""Subnets as Docker networks: where a task placed in a subnet (``awsvpcConfiguration``) lives.

Why this exists: a subnet made through the API (or a default one) must be a real network for
the task's pause container to join, with the subnet's CIDR when Docker can use it, and
internal (no route out, not reachable from the host) when the subnet is private. As in AWS, a
subnet is public when its route table (its explicit association, else its VPC's main table)
routes to an internet gateway. The network is made once, on first placement, and recorded,
so later placements, restarts and DeleteSubnet find it again.

Other modules call ``subnet_network`` (ECS's RunTask/CreateService placement),
``check_security_groups`` (ECS's check of ``awsvpcConfiguration.securityGroups``) and
``release_subnet_network`` (DeleteSubnet).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from emulator import labels as L
from emulator.endpoint.api import DEFAULT_ACCOUNT, ApiError
from emulator.endpoint.ec2_records import SecurityGroup, Subnet, ensure_defaults, is_public
from emulator.endpoint.resources import Resources, Tx
from emulator.errors import NotFound, RuntimeOperationError
from emulator.runtime.base import ContainerRuntime, NetworkState

REGION_LABEL = "ecsdev.region"
VPC_LABEL = "ecsdev.vpc"
PUBLIC_LABEL = "ecsdev.public"

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class NetworkPlacement:
    """Where a task in ``subnet_id`` is attached: the Docker network's name, and whether the
    subnet is public (a public IP and a route out) or private (an internal network)."""

    network_name: str
    subnet_id: str
    public: bool


@dataclass(frozen=True, slots=True)
class SubnetNetwork:
    """The record of a subnet's network: its name, the range Docker gave it (the subnet's
    own CIDR unless that collided with another network) and whether it is internal."""

    subnet_id: str
    vpc_id: str
    network_name: str
    cidr: str | None
    own_cidr: bool
    public: bool


def network_name(subnet_id: str) -> str:
    return f"ecsdev-{subnet_id}"


def unknown_subnet(subnet_id: str) -> ApiError:
    """ECS's answer for a task placed in a subnet that does not exist."""
    return ApiError(
        "InvalidParameterException",
        f"Error retrieving subnet information for [{subnet_id}]: The subnet ID "
        f"'{subnet_id}' does not exist (ErrorCode: InvalidSubnetID.NotFound)",
    )


def check_security_groups(
    resources: Resources,
    region: str,
    group_ids: list[str],
    account_id: str = DEFAULT_ACCOUNT,
) -> None:
    """ECS's answer when ``awsvpcConfiguration.securityGroups`` names a group that does not
    exist (RunTask, CreateService, UpdateService)."""
    with resources.transaction() as tx:
        ensure_defaults(tx, region, account_id)
        missing = [g for g in group_ids if tx.get(SecurityGroup, region, g) is None]
    if missing:
        raise ApiError(
            "InvalidParameterException",
            f"Error retrieving security group information for [{', '.join(missing)}]: The "
            f"security group '{missing[0]}' does not exist (ErrorCode: InvalidGroup.NotFound)",
        )


def subnet_network(
    resources: Resources,
    runtime: ContainerRuntime,
    region: str,
    subnet_id: str,
    account_id: str = DEFAULT_ACCOUNT,
) -> NetworkPlacement:
    """The Docker network of ``subnet_id``, made on first use (with the subnet's CIDR when
    Docker can use it, else a range Docker chooses, recorded), internal when the subnet is
    private. Raises ECS's ``InvalidParameterException`` for an unknown subnet."""
    with _lock:
        with resources.transaction() as tx:
            ensure_defaults(tx, region, account_id)
            subnet = tx.get(Subnet, region, subnet_id)
            if subnet is None:
                raise unknown_subnet(subnet_id)
            public = is_public(tx, region, subnet)
            rec = tx.get(SubnetNetwork, region, subnet_id)
        found = _find(runtime, region, subnet_id)
        if found is not None and found.internal == public and _remove(runtime, found.name):
            found = None  # the route table changed since, and nothing is attached: remake
        if found is None:
            rec = _create(runtime, region, subnet, public)
        elif rec is None or rec.network_name != found.name or rec.public != (not found.internal):
            rec = SubnetNetwork(
                subnet_id,
                subnet.vpc_id,
                found.name,
                found.subnet,
                found.subnet == subnet.cidr,
                not found.internal,
            )
        with resources.transaction() as tx:
            tx.put(rec, region, subnet_id)
        return NetworkPlacement(rec.network_name, subnet_id, rec.public)


def recorded_network(tx: Tx, region: str, subnet_id: str) -> SubnetNetwork | None:
    return tx.get(SubnetNetwork, region, subnet_id)


def release_subnet_network(
    resources: Resources,
    runtime: Callable[[], ContainerRuntime] | None,
    region: str,
    subnet_id: str,
) -> bool:
    """Remove the subnet's network if it has one; False when containers still use it (the
    caller answers DependencyViolation). Docker is reached only when there is a network."""
    rec = resources.get(SubnetNetwork, region, subnet_id)
    if rec is None or runtime is None:
        return True
    with _lock:
        rt = runtime()
        found = _find(rt, region, subnet_id)
        if found is not None and not _remove(rt, found.name):
            return False
        with resources.transaction() as tx:
            tx.delete(SubnetNetwork, region, subnet_id)
    return True


def _labels(region: str, subnet: Subnet, public: bool) -> dict[str, str]:
    return {
        L.ROLE: "network",
        L.SUBNET: subnet.id,
        REGION_LABEL: region,
        VPC_LABEL: subnet.vpc_id,
        PUBLIC_LABEL: str(public).lower(),
    }


def _find(runtime: ContainerRuntime, region: str, subnet_id: str) -> NetworkState | None:
    nets = runtime.list_networks({L.ROLE: "network", L.SUBNET: subnet_id, REGION_LABEL: region})
    return nets[0] if nets else None


def _remove(runtime: ContainerRuntime, name: str) -> bool:
    """Remove the network unless a task uses it; spare pause containers (no task's yet,
    ``emulator.spares``) go with it."""
    for attempt in (1, 2):
        try:
            runtime.remove_network(name)
        except NotFound:
            return True
        except RuntimeOperationError:
            if attempt == 2 or not _drop_spares(runtime, name):
                return False  # containers are attached
            continue
        return True
    return False


def _drop_spares(runtime: ContainerRuntime, network: str) -> bool:
    """Remove the unclaimed spares on ``network``: those no task's container joined."""
    spares = runtime.list_containers({L.ROLE: L.SPARE, L.SPARE_NETWORK: network})
    if not spares:
        return False
    joined = {
        c.network_mode.split(":", 1)[1]
        for c in runtime.list_containers({L.ROLE: "task"})
        if c.network_mode.startswith("container:")
    }
    dropped = False
    for c in spares:
        if c.id not in joined:
            with contextlib.suppress(NotFound):
                runtime.remove(c.id)
            dropped = True
    return dropped


def _create(runtime: ContainerRuntime, region: str, subnet: Subnet, public: bool) -> SubnetNetwork:
    name = network_name(subnet.id)
    labels = _labels(region, subnet, public)
    own = True
    try:
        runtime.create_network(name, labels, internal=not public, subnet=subnet.cidr)
    except RuntimeOperationError:
        # the CIDR overlaps a network Docker already has (another VPC with the same range,
        # or the host's): let Docker choose, and say so in the record
        own = False
        runtime.create_network(name, labels, internal=not public, subnet=None)
    found = _find(runtime, region, subnet.id)
    cidr = found.subnet if found is not None else (subnet.cidr if own else None)
    return SubnetNetwork(subnet.id, subnet.vpc_id, name, cidr, own, public)
