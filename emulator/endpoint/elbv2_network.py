"""Where a load balancer or target group lives in the region's VPCs (EC2's records).

Why this exists: AWS answers a load balancer with the VPC and Availability Zones of its
subnets and, when no security group is given, its VPC's default group; a target group's VPC
must exist. The endpoint's EC2 side keeps those records (``ec2_records``, with the default
VPC made on first use); this module reads them, and refuses unknown subnets, security groups
and VPCs with ELBv2's errors. Without the EC2 module the values are taken as given.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_records import ZoneMapping
from emulator.endpoint.resources import Tx

ZONE_LETTERS = "abcdef"


def _ec2() -> ModuleType | None:
    try:
        return importlib.import_module("emulator.endpoint.ec2_records")
    except ModuleNotFoundError:
        return None


def placement(
    tx: Tx, req: Request, subnets: Sequence[str], groups: Sequence[str]
) -> tuple[str | None, tuple[ZoneMapping, ...], tuple[str, ...]]:
    """(VPC ID, zones, security groups) of a new load balancer in ``subnets``."""
    ec2 = _ec2()
    if ec2 is None:
        zones = tuple(
            ZoneMapping(s, f"{req.region}{ZONE_LETTERS[i % len(ZONE_LETTERS)]}")
            for i, s in enumerate(subnets)
        )
        return None, zones, tuple(groups)
    ec2.ensure_defaults(tx, req.region, req.account_id)
    found = []
    for sid in subnets:
        sn = tx.get(ec2.Subnet, req.region, sid)
        if sn is None:
            raise ApiError("SubnetNotFound", f"The subnet ID '{sid}' is not valid")
        found.append(sn)
    zones_seen = [sn.az for sn in found]
    if len(set(zones_seen)) != len(zones_seen):
        raise ApiError(
            "InvalidConfigurationRequest",
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
        )
    vpcs = {sn.vpc_id for sn in found}
    if len(vpcs) > 1:
        raise ApiError("InvalidConfigurationRequest", "The subnets must be in the same VPC")
    vpc = next(iter(vpcs), None)
    sgs = tuple(groups)
    for gid in sgs:
        g = tx.get(ec2.SecurityGroup, req.region, gid)
        if g is None or (vpc is not None and g.vpc_id != vpc):
            raise ApiError("InvalidSecurityGroup", f"Security group '{gid}' does not exist")
    if not sgs and vpc is not None:
        sgs = tuple(
            g.id
            for g in tx.list(ec2.SecurityGroup, req.region)
            if g.vpc_id == vpc and g.name == "default"
        )
    return vpc, tuple(ZoneMapping(sn.id, sn.az) for sn in found), sgs


def check_vpc(tx: Tx, req: Request, vpc_id: str) -> None:
    """A target group's VPC must exist."""
    ec2 = _ec2()
    if ec2 is None:
        return
    ec2.ensure_defaults(tx, req.region, req.account_id)
    if tx.get(ec2.Vpc, req.region, vpc_id) is None:
        raise validation_error(f"The VPC ID '{vpc_id}' is not found")


__all__ = ["check_vpc", "placement"]
