"""EC2 records as the EC2 API shows them (botocore's member names), with AWS's defaults.

Why this exists: Terraform reads back every attribute it set and compares it with the
configuration (``map_public_ip_on_launch``, ``enable_dns_hostnames``, a rule's description),
so each Describe call must show the members AWS shows, in AWS's shape. One place builds
them; the handlers only choose records.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from emulator.endpoint.ec2_query import with_tags
from emulator.endpoint.ec2_records import (
    InternetGateway,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    zone_id,
)


def vpc(v: Vpc) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VpcId": v.id,
        "OwnerId": v.owner,
        "InstanceTenancy": v.tenancy,
        "CidrBlockAssociationSet": [
            {
                "AssociationId": v.cidr_association_id,
                "CidrBlock": v.cidr,
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "IsDefault": v.is_default,
        "State": "available",
        "CidrBlock": v.cidr,
        "DhcpOptionsId": v.dhcp_options_id,
    }
    return with_tags(out, v.tags)


def subnet(s: Subnet, region: str) -> dict[str, Any]:
    size = ipaddress.ip_network(s.cidr).num_addresses
    out: dict[str, Any] = {
        "AvailabilityZoneId": zone_id(s.az),
        "MapCustomerOwnedIpOnLaunch": False,
        "OwnerId": s.owner,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "SubnetArn": f"arn:aws:ec2:{region}:{s.owner}:subnet/{s.id}",
        "EnableDns64": False,
        "Ipv6Native": False,
        "PrivateDnsNameOptionsOnLaunch": {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        },
        "SubnetId": s.id,
        "State": "available",
        "VpcId": s.vpc_id,
        "CidrBlock": s.cidr,
        "AvailableIpAddressCount": max(size - 5, 0),  # AWS reserves 5 per subnet
        "AvailabilityZone": s.az,
        "DefaultForAz": s.default_for_az,
        "MapPublicIpOnLaunch": s.map_public_ip_on_launch,
    }
    return with_tags(out, s.tags)


def _described(desc: str | None, item: dict[str, Any]) -> dict[str, Any]:
    if desc:
        item["Description"] = desc
    return item


def permissions(rules: Iterable[SecurityGroupRule]) -> list[dict[str, Any]]:
    """Rules folded into IpPermissions: one per protocol and port range, peers listed."""
    perms: dict[tuple[str, int | None, int | None], dict[str, Any]] = {}
    for r in rules:
        key = (r.protocol, r.from_port, r.to_port)
        p = perms.get(key)
        if p is None:
            p = {"IpProtocol": r.protocol}
            if r.protocol != "-1" and r.from_port is not None:
                p["FromPort"] = r.from_port
                p["ToPort"] = r.to_port
            p.update(UserIdGroupPairs=[], IpRanges=[], Ipv6Ranges=[], PrefixListIds=[])
            perms[key] = p
        kind, value = r.peer()
        if kind == "cidr":
            p["IpRanges"].append(_described(r.description, {"CidrIp": value}))
        elif kind == "cidr6":
            p["Ipv6Ranges"].append(_described(r.description, {"CidrIpv6": value}))
        elif kind == "pl":
            p["PrefixListIds"].append(_described(r.description, {"PrefixListId": value}))
        else:
            p["UserIdGroupPairs"].append(_described(r.description, {"GroupId": value}))
    return list(perms.values())


def security_group(g: SecurityGroup, rules: list[SecurityGroupRule], region: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "GroupId": g.id,
        "IpPermissionsEgress": _with_owner(
            permissions(r for r in rules if r.egress and r.group_id == g.id), g.owner
        ),
        "VpcId": g.vpc_id,
        "SecurityGroupArn": security_group_arn(g, region),
        "OwnerId": g.owner,
        "GroupName": g.name,
        "Description": g.description,
        "IpPermissions": _with_owner(
            permissions(r for r in rules if not r.egress and r.group_id == g.id), g.owner
        ),
    }
    return with_tags(out, g.tags)


def _with_owner(perms: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
    for perm in perms:
        for pair in perm["UserIdGroupPairs"]:
            pair["UserId"] = owner
    return perms


def security_group_arn(g: SecurityGroup, region: str) -> str:
    return f"arn:aws:ec2:{region}:{g.owner}:security-group/{g.id}"


def rule(r: SecurityGroupRule, owner: str, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SecurityGroupRuleId": r.id,
        "GroupId": r.group_id,
        "GroupOwnerId": owner,
        "IsEgress": r.egress,
        "IpProtocol": r.protocol,
        "FromPort": r.from_port if r.from_port is not None else -1,
        "ToPort": r.to_port if r.to_port is not None else -1,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(r.tags.items())],
        "SecurityGroupRuleArn": f"arn:aws:ec2:{region}:{owner}:security-group-rule/{r.id}",
    }
    kind, value = r.peer()
    if kind == "cidr":
        out["CidrIpv4"] = value
    elif kind == "cidr6":
        out["CidrIpv6"] = value
    elif kind == "pl":
        out["PrefixListId"] = value
    else:
        out["ReferencedGroupInfo"] = {"GroupId": value, "UserId": owner}
    if r.description:
        out["Description"] = r.description
    return out


def internet_gateway(g: InternetGateway) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Attachments": [{"State": "available", "VpcId": g.vpc_id}] if g.vpc_id else [],
        "InternetGatewayId": g.id,
        "OwnerId": g.owner,
    }
    return with_tags(out, g.tags)


_TARGETS = {
    "nat": "NatGatewayId",
    "eni": "NetworkInterfaceId",
    "i": "InstanceId",
    "pcx": "VpcPeeringConnectionId",
    "tgw": "TransitGatewayId",
    "eigw": "EgressOnlyInternetGatewayId",
}


def route(r: Route) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if r.destination.startswith("pl-"):
        out["DestinationPrefixListId"] = r.destination
    elif ":" in r.destination:
        out["DestinationIpv6CidrBlock"] = r.destination
    else:
        out["DestinationCidrBlock"] = r.destination
    out[_TARGETS.get(r.target.split("-", 1)[0], "GatewayId")] = r.target
    out["Origin"] = r.origin
    out["State"] = "active"
    return out


def route_table(t: RouteTable) -> dict[str, Any]:
    assocs = []
    for a in t.associations:
        item: dict[str, Any] = {
            "Main": a.subnet_id is None and a.gateway_id is None,
            "RouteTableAssociationId": a.id,
            "RouteTableId": t.id,
        }
        if a.subnet_id:
            item["SubnetId"] = a.subnet_id
        if a.gateway_id:
            item["GatewayId"] = a.gateway_id
        item["AssociationState"] = {"State": "associated"}
        assocs.append(item)
    out: dict[str, Any] = {
        "Associations": assocs,
        "PropagatingVgws": [],
        "RouteTableId": t.id,
        "Routes": [route(r) for r in t.routes],
        "VpcId": t.vpc_id,
        "OwnerId": t.owner,
    }
    return with_tags(out, t.tags)
