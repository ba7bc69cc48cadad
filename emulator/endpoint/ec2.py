"""EC2's networking operations, answered by ecsdev: VPCs, subnets, availability zones and the
account's attributes here; security groups (``ec2_groups``), internet gateways and route
tables (``ec2_gateways``) and tags (``ec2_tags``) in their own modules.

Why this exists: the code that creates an ECS service also creates (or looks up) its VPC,
subnets and security groups, and a task's subnet decides its Docker network. Everything
else EC2 answers goes to the embedded fallback. ``handlers(ctx)`` is what the registry
calls; ``subnet_network`` (in ``ec2_networks``) is what ECS placement calls.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from emulator.endpoint import ec2_acls as acls
from emulator.endpoint import ec2_nat as nat
from emulator.endpoint import ec2_output as out
from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.ec2_account import add_account_handlers
from emulator.endpoint.ec2_acls import NetworkAcl, add_acl_handlers
from emulator.endpoint.ec2_enis import add_eni_handlers
from emulator.endpoint.ec2_gateways import add_gateway_handlers
from emulator.endpoint.ec2_groups import add_group_handlers
from emulator.endpoint.ec2_nat import add_nat_handlers
from emulator.endpoint.ec2_networks import release_subnet_network
from emulator.endpoint.ec2_query import (
    Ec2Env,
    flag,
    invalid,
    not_found,
    page,
    select,
    tags_on_create,
)
from emulator.endpoint.ec2_records import (
    DefaultsMade,
    InternetGateway,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    add_vpc,
    ensure_defaults,
    new_id,
    zone_id,
    zones,
)
from emulator.endpoint.ec2_tags import add_tag_handlers, owned_reference
from emulator.endpoint.resources import Tx

if TYPE_CHECKING:
    from emulator.endpoint.registry import EndpointContext

Result = dict[str, Any]


def handlers(ctx: EndpointContext) -> ServiceHandlers:
    """The EC2 operations ecsdev answers itself (the registry's entry point)."""
    return ec2_handlers(Ec2Env(ctx.resources, ctx.runtime))


def ec2_handlers(env: Ec2Env) -> ServiceHandlers:
    sh = ServiceHandlers("ec2")
    for name, fn in _OPERATIONS.items():
        sh.add(name, _bind(fn, env))
    add_group_handlers(sh, env)
    add_gateway_handlers(sh, env)
    add_tag_handlers(sh, env)
    add_account_handlers(sh, env)
    add_eni_handlers(sh, env)
    add_acl_handlers(sh, env)
    add_nat_handlers(sh, env)
    for name, handler in list(sh.handlers.items()):
        sh.handlers[name] = _dry_run(handler)
    sh.owns = lambda req: owned_reference(env, req)
    return sh


def _bind(fn: Any, env: Ec2Env) -> Any:
    return lambda req: fn(env, req)


def _dry_run(handler: Any) -> Any:
    """EC2's ``DryRun``: the caller may do it (any credentials may), so nothing is done."""

    def run(req: Request) -> Result:
        if req.params.get("DryRun"):
            raise ApiError(
                "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412
            )
        result: Result = handler(req)
        return result

    return run


def create_default_vpc(env: Ec2Env, req: Request) -> Result:
    """A default VPC again, after the region's was deleted (the same ids as before)."""
    with env.tx(req) as tx:
        made = tx.get(DefaultsMade, req.region, req.region)
        if made is not None and tx.get(Vpc, req.region, made.vpc_id) is not None:
            raise ApiError(
                "DefaultVpcAlreadyExists",
                "A Default VPC already exists for this account in this region.",
            )
        tx.delete(DefaultsMade, req.region, req.region)
        ensure_defaults(tx, req.region, req.account_id)
        vpcs = [v for v in tx.list(Vpc, req.region) if v.is_default]
    return {"Vpc": out.vpc(vpcs[0])}


def get_vpc(tx: Tx, region: str, vpc_id: str) -> Vpc:
    v = tx.get(Vpc, region, vpc_id)
    if v is None:
        raise not_found("vpc", vpc_id)
    return v


def _network(text: str, what: str, low: int, high: int, code: str) -> str:
    try:
        net = ipaddress.IPv4Network(text, strict=False)
    except ValueError as e:
        raise invalid(
            f"Value ({text}) for parameter {what} is invalid. This is not a valid CIDR block."
        ) from e
    if not low <= net.prefixlen <= high:
        raise ApiError(code, f"The CIDR '{text}' is invalid.")
    return str(net)


# VPCs ----------------------------------------------------------------------------------
def create_vpc(env: Ec2Env, req: Request) -> Result:
    p = req.params
    if not p.get("CidrBlock"):
        raise ApiError(
            "MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."
        )
    cidr = _network(str(p["CidrBlock"]), "cidrBlock", 16, 28, "InvalidVpc.Range")
    tags = tags_on_create(p, "vpc")
    vpc = Vpc(
        new_id("vpc"),
        cidr,
        req.account_id,
        new_id("vpc-cidr-assoc"),
        tenancy=str(p.get("InstanceTenancy") or "default"),
        tags=tags,
    )
    with env.tx(req) as tx:
        add_vpc(tx, req.region, vpc, "default VPC security group")
    return {"Vpc": out.vpc(vpc)}


def _vpc_facts(v: Vpc) -> dict[str, list[str | None]]:
    return {
        "vpc-id": [v.id],
        "cidr": [v.cidr],
        "cidr-block-association.cidr-block": [v.cidr],
        "cidr-block-association.association-id": [v.cidr_association_id],
        "cidr-block-association.state": ["associated"],
        "is-default": [flag(v.is_default)],
        "isDefault": [flag(v.is_default)],
        "state": ["available"],
        "owner-id": [v.owner],
        "dhcp-options-id": [v.dhcp_options_id],
        "instance-tenancy": [v.tenancy],
    }


def describe_vpcs(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        vpcs = tx.list(Vpc, req.region)
    chosen = select(
        vpcs,
        req.params.get("VpcIds"),
        req.params.get("Filters"),
        lambda v: v.id,
        _vpc_facts,
        lambda v: v.tags,
        "vpc",
    )
    items, token = page(chosen, req.params)
    result: Result = {"Vpcs": [out.vpc(v) for v in items]}
    if token:
        result["NextToken"] = token
    return result


def delete_vpc(env: Ec2Env, req: Request) -> Result:
    vpc_id = str(req.params.get("VpcId") or "")
    with env.tx(req) as tx:
        get_vpc(tx, req.region, vpc_id)
        groups = [g for g in tx.list(SecurityGroup, req.region) if g.vpc_id == vpc_id]
        tables = [t for t in tx.list(RouteTable, req.region) if t.vpc_id == vpc_id]
        if (
            any(s.vpc_id == vpc_id for s in tx.list(Subnet, req.region))
            or any(g.name != "default" for g in groups)
            or any(not t.main for t in tables)
            or any(g.vpc_id == vpc_id for g in tx.list(InternetGateway, req.region))
            or any(a.vpc_id == vpc_id and not a.default for a in tx.list(NetworkAcl, req.region))
            or nat.in_use(tx, req.region, vpc_id=vpc_id)
        ):
            raise ApiError(
                "DependencyViolation",
                f"The vpc '{vpc_id}' has dependencies and cannot be deleted.",
            )
        group_ids = {g.id for g in groups}
        for rule in tx.list(SecurityGroupRule, req.region):
            if rule.group_id in group_ids:
                tx.delete(SecurityGroupRule, req.region, rule.id)
        for g in groups:
            tx.delete(SecurityGroup, req.region, g.id)
        for t in tables:
            tx.delete(RouteTable, req.region, t.id)
        acls.forget(tx, req.region, vpc_id=vpc_id)
        tx.delete(Vpc, req.region, vpc_id)
    return {}


def describe_vpc_attribute(env: Ec2Env, req: Request) -> Result:
    attr = str(req.params.get("Attribute") or "")
    with env.tx(req) as tx:
        v = get_vpc(tx, req.region, str(req.params.get("VpcId") or ""))
    values = {
        "enableDnsSupport": ("EnableDnsSupport", v.dns_support),
        "enableDnsHostnames": ("EnableDnsHostnames", v.dns_hostnames),
        "enableNetworkAddressUsageMetrics": ("EnableNetworkAddressUsageMetrics", False),
    }
    if attr not in values:
        raise invalid(f"Value ({attr}) for parameter attribute is invalid. Unknown attribute.")
    member, value = values[attr]
    return {"VpcId": v.id, member: {"Value": value}}


def modify_vpc_attribute(env: Ec2Env, req: Request) -> Result:
    p = req.params
    given = [k for k in ("EnableDnsSupport", "EnableDnsHostnames") if p.get(k) is not None]
    if p.get("EnableNetworkAddressUsageMetrics") is not None:
        given.append("EnableNetworkAddressUsageMetrics")
    if len(given) != 1:
        raise ApiError(
            "InvalidParameterCombination",
            "Fields for multiple attribute types specified: " + ", ".join(given)
            if given
            else "No attributes specified.",
        )
    with env.tx(req) as tx:
        v = get_vpc(tx, req.region, str(p.get("VpcId") or ""))
        value = bool((p.get(given[0]) or {}).get("Value"))
        if given[0] == "EnableDnsSupport":
            v = replace(v, dns_support=value)
        elif given[0] == "EnableDnsHostnames":
            if value and not v.dns_support:
                raise invalid(
                    "Cannot enable DNS hostnames without enabling DNS support on the VPC."
                )
            v = replace(v, dns_hostnames=value)
        tx.put(v, req.region, v.id)
    return {}


# subnets --------------------------------------------------------------------------------
def create_subnet(env: Ec2Env, req: Request) -> Result:
    p = req.params
    azs = zones(req.region)
    az = p.get("AvailabilityZone")
    if not az and p.get("AvailabilityZoneId"):
        az = next((z for z in azs if zone_id(z) == p["AvailabilityZoneId"]), None)
        if az is None:
            raise invalid(
                f"Value ({p['AvailabilityZoneId']}) for parameter availabilityZoneId is "
                "invalid. Subnets can currently only be created in the following "
                "availability zones: " + ", ".join(zone_id(z) for z in azs) + "."
            )
    az = str(az or azs[0])
    if az not in azs:
        raise invalid(
            f"Value ({az}) for parameter availabilityZone is invalid. Subnets can currently "
            "only be created in the following availability zones: " + ", ".join(azs) + "."
        )
    text = str(p.get("CidrBlock") or "")
    if not text:
        raise ApiError("MissingParameter", "The request must contain the parameter cidrBlock")
    cidr = _network(text, "cidrBlock", 16, 28, "InvalidSubnet.Range")
    tags = tags_on_create(p, "subnet")
    with env.tx(req) as tx:
        vpc = get_vpc(tx, req.region, str(p.get("VpcId") or ""))
        net = ipaddress.IPv4Network(cidr)
        if not net.subnet_of(ipaddress.IPv4Network(vpc.cidr)):
            raise ApiError("InvalidSubnet.Range", f"The CIDR '{text}' is invalid.")
        for other in tx.list(Subnet, req.region):
            if other.vpc_id == vpc.id and net.overlaps(ipaddress.IPv4Network(other.cidr)):
                raise ApiError(
                    "InvalidSubnet.Conflict", f"The CIDR '{text}' conflicts with another subnet"
                )
        subnet = Subnet(new_id("subnet"), vpc.id, cidr, az, req.account_id, tags=tags)
        tx.put(subnet, req.region, subnet.id)
    return {"Subnet": out.subnet(subnet, req.region)}


def _subnet_facts(s: Subnet, region: str) -> dict[str, list[str | None]]:
    return {
        "subnet-id": [s.id],
        "vpc-id": [s.vpc_id],
        "vpcId": [s.vpc_id],
        "cidr": [s.cidr],
        "cidr-block": [s.cidr],
        "cidrBlock": [s.cidr],
        "availability-zone": [s.az],
        "availabilityZone": [s.az],
        "availability-zone-id": [zone_id(s.az)],
        "default-for-az": [flag(s.default_for_az)],
        "defaultForAz": [flag(s.default_for_az)],
        "map-public-ip-on-launch": [flag(s.map_public_ip_on_launch)],
        "state": ["available"],
        "owner-id": [s.owner],
        "subnet-arn": [f"arn:aws:ec2:{region}:{s.owner}:subnet/{s.id}"],
    }


def describe_subnets(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        subnets = tx.list(Subnet, req.region)
    chosen = select(
        subnets,
        req.params.get("SubnetIds"),
        req.params.get("Filters"),
        lambda s: s.id,
        lambda s: _subnet_facts(s, req.region),
        lambda s: s.tags,
        "subnet",
    )
    items, token = page(chosen, req.params)
    result: Result = {"Subnets": [out.subnet(s, req.region) for s in items]}
    if token:
        result["NextToken"] = token
    return result


def delete_subnet(env: Ec2Env, req: Request) -> Result:
    subnet_id = str(req.params.get("SubnetId") or "")
    with env.tx(req) as tx:
        if tx.get(Subnet, req.region, subnet_id) is None:
            raise not_found("subnet", subnet_id)
        busy = nat.in_use(tx, req.region, subnet_id=subnet_id)
    if busy or not release_subnet_network(env.resources, env.runtime, req.region, subnet_id):
        raise ApiError(
            "DependencyViolation",
            f"The subnet '{subnet_id}' has dependencies and cannot be deleted.",
        )
    with env.tx(req) as tx:
        for t in tx.list(RouteTable, req.region):
            kept = tuple(a for a in t.associations if a.subnet_id != subnet_id)
            if kept != t.associations:
                tx.put(replace(t, associations=kept), req.region, t.id)
        acls.forget(tx, req.region, subnet_id=subnet_id)
        tx.delete(Subnet, req.region, subnet_id)
    return {}


def modify_subnet_attribute(env: Ec2Env, req: Request) -> Result:
    p = req.params
    with env.tx(req) as tx:
        s = tx.get(Subnet, req.region, str(p.get("SubnetId") or ""))
        if s is None:
            raise not_found("subnet", str(p.get("SubnetId") or ""))
        if p.get("MapPublicIpOnLaunch") is not None:
            s = replace(s, map_public_ip_on_launch=bool(p["MapPublicIpOnLaunch"].get("Value")))
        tx.put(s, req.region, s.id)
    return {}


_OPERATIONS = {
    "CreateVpc": create_vpc,
    "CreateDefaultVpc": create_default_vpc,
    "DescribeVpcs": describe_vpcs,
    "DeleteVpc": delete_vpc,
    "DescribeVpcAttribute": describe_vpc_attribute,
    "ModifyVpcAttribute": modify_vpc_attribute,
    "CreateSubnet": create_subnet,
    "DescribeSubnets": describe_subnets,
    "DeleteSubnet": delete_subnet,
    "ModifySubnetAttribute": modify_subnet_attribute,
}

__all__ = ["ec2_handlers", "handlers"]
