"""A load balancer's placement and capacity after it was made: SetSubnets,
SetSecurityGroups, SetIpAddressType, Describe/ModifyCapacityReservation.

Why this exists: Terraform changes a load balancer's ``subnets``, ``security_groups`` and
``ip_address_type`` in place with these calls, and reads the capacity reservation of every
application and network load balancer it refreshes. Left to the embedded moto backend, which
does not know ecsdev's load balancers, they answered ``LoadBalancerNotFound`` for one that
exists. The settings are checked as CreateLoadBalancer checks them (``elbv2_network``) and
kept on the record; the stand-in's data plane does not depend on them (it joins its targets'
networks), and a capacity reservation is provisioned at once, in every zone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from emulator.endpoint import elbv2_common as C
from emulator.endpoint import elbv2_output as out
from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_network import placement
from emulator.endpoint.elbv2_records import LoadBalancer


@dataclass(frozen=True, slots=True)
class CapacityReservation:
    """ModifyCapacityReservation's minimum, by load balancer ARN."""

    load_balancer_arn: str
    capacity_units: int
    modified_at: float


def _subnets(p: Any) -> list[str]:
    given = [str(s) for s in p.get("Subnets") or ()]
    given += [str(m["SubnetId"]) for m in p.get("SubnetMappings") or () if m.get("SubnetId")]
    if len(set(given)) != len(given):
        raise validation_error("A subnet can be specified only once")
    return given


def set_subnets(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    subnets = _subnets(p)
    with ctx.resources.transaction() as tx:
        lb = C.load_balancer(tx, req.region, str(p.get("LoadBalancerArn", "")))
        if lb.type == "application" and len(subnets) < 2:
            raise validation_error(
                "At least two subnets in two different Availability Zones must be specified"
            )
        vpc, zones, _ = placement(tx, req, subnets, lb.security_groups)
        if lb.vpc_id is not None and vpc is not None and vpc != lb.vpc_id:
            raise ApiError(
                "InvalidConfigurationRequest",
                f"The subnets must be in the load balancer's VPC '{lb.vpc_id}'",
            )
        kind = str(p.get("IpAddressType") or lb.ip_address_type)
        lb = dataclasses.replace(lb, zones=zones, ip_address_type=kind)
        tx.put(lb, req.region, lb.arn)
    ctx.changed(req)
    shown = out.load_balancer(lb)
    return {"AvailabilityZones": shown["AvailabilityZones"], "IpAddressType": kind}


def set_security_groups(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    groups = [str(g) for g in p.get("SecurityGroups") or ()]
    with ctx.resources.transaction() as tx:
        lb = C.load_balancer(tx, req.region, str(p.get("LoadBalancerArn", "")))
        if lb.type == "gateway":
            raise validation_error("Security groups are not supported for gateway load balancers")
        subnets = [z.subnet_id for z in lb.zones]
        _, _, checked = placement(tx, req, subnets, groups) if groups else (None, (), ())
        lb = dataclasses.replace(lb, security_groups=tuple(checked))
        tx.put(lb, req.region, lb.arn)
    ctx.changed(req)
    return {"SecurityGroupIds": list(lb.security_groups)}


def set_ip_address_type(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    kind = str(p.get("IpAddressType", ""))
    with ctx.resources.transaction() as tx:
        lb = C.load_balancer(tx, req.region, str(p.get("LoadBalancerArn", "")))
        if lb.scheme == "internal" and kind == "dualstack-without-public-ipv4":
            raise validation_error(
                "IP address type 'dualstack-without-public-ipv4' is for internet-facing load "
                "balancers"
            )
        lb = dataclasses.replace(lb, ip_address_type=kind)
        tx.put(lb, req.region, lb.arn)
    ctx.changed(req)
    return {"IpAddressType": kind}


def _reservation(lb: LoadBalancer, held: CapacityReservation | None) -> dict[str, Any]:
    states = [{"AvailabilityZone": z.zone_name, "State": {"Code": "provisioned"}} for z in lb.zones]
    result: dict[str, Any] = {"CapacityReservationState": states if held else []}
    if held is not None:
        result["LastModifiedTime"] = held.modified_at
        result["MinimumLoadBalancerCapacity"] = {"CapacityUnits": held.capacity_units}
    return result


def describe_capacity_reservation(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    arn = str(req.params.get("LoadBalancerArn", ""))
    lb = C.load_balancer(C.view(ctx, req), req.region, arn)
    return _reservation(lb, ctx.resources.get(CapacityReservation, req.region, arn))


def modify_capacity_reservation(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    arn = str(p.get("LoadBalancerArn", ""))
    units = (p.get("MinimumLoadBalancerCapacity") or {}).get("CapacityUnits")
    reset = bool(p.get("ResetCapacityReservation"))
    if reset == (units is not None):
        raise validation_error(
            "Specify either a minimum load balancer capacity or a reset of the reservation"
        )
    units = 0 if units is None else int(units)
    with ctx.resources.transaction() as tx:
        lb = C.load_balancer(tx, req.region, arn)
        if lb.type not in ("application", "network"):
            raise validation_error("Capacity reservations are for application and network ones")
        held = None
        if reset:
            tx.delete(CapacityReservation, req.region, arn)
        else:
            held = CapacityReservation(arn, units, C.now())
            tx.put(held, req.region, arn)
    return _reservation(lb, held)


OPERATIONS = {
    "SetSubnets": set_subnets,
    "SetSecurityGroups": set_security_groups,
    "SetIpAddressType": set_ip_address_type,
    "DescribeCapacityReservation": describe_capacity_reservation,
    "ModifyCapacityReservation": modify_capacity_reservation,
}

__all__ = ["OPERATIONS", "CapacityReservation"]
