"""The VPC part of a template as the layout's ``vpc``: subnets, public or private as AWS decides
it, by the routes. A subnet is named by its ``Name`` tag when that is a valid subnet name (as a
rendered layout's are), else by its logical ID.

A subnet is public when the route table associated with it sends 0.0.0.0/0 to an internet
gateway; otherwise it is private. Locally a private subnet is an internal Docker network, with no
route out: a subnet whose default route goes through a NAT gateway reaches the internet in AWS
but not here, and a warning says so. CIDR blocks are checked by CloudFormation's rules but not
used: Docker picks free ranges, because templates commonly reuse 10.0.0.0/16 and two stacks
(or the host's own networks) would collide. Subnet IDs that the template does not create (a
``List<AWS::EC2::Subnet::Id>`` parameter naming existing subnets) become public subnets named
by their ID.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.model.layoutcheck import SUBNET_NAME

from .build import Build, name_value_list
from .resources import Resource

_NOT_SUBNET_CHAR = re.compile(r"[^a-zA-Z0-9_.-]")


def _subnet_name(lid: str, taken: set[str]) -> str:
    base = _NOT_SUBNET_CHAR.sub("-", lid)[:60] or "subnet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base[:57]}-{n}", n + 1
    return name


def translate_network(build: Build, resources: list[Resource]) -> None:
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    gateways = {build.ref(r) for r in by_type.get("AWS::EC2::InternetGateway", [])}
    nats = {build.ref(r) for r in by_type.get("AWS::EC2::NatGateway", [])}
    routes: dict[str, list[dict[str, Any]]] = {}
    for r in by_type.get("AWS::EC2::Route", []):
        if str(r.props.get("DestinationCidrBlock", "")) == "0.0.0.0/0":
            routes.setdefault(str(r.props.get("RouteTableId")), []).append(r.props)
    table_of: dict[str, str] = {}
    for r in by_type.get("AWS::EC2::SubnetRouteTableAssociation", []):
        table_of[str(r.props.get("SubnetId"))] = str(r.props.get("RouteTableId"))
    vpcs = by_type.get("AWS::EC2::VPC", [])
    for extra in vpcs[1:]:
        build.warn(
            extra, (), f"a second VPC: locally all subnets share one VPC (the first, {vpcs[0].lid})"
        )
    subnets: list[dict[str, Any]] = []
    taken: set[str] = set()
    for r in by_type.get("AWS::EC2::Subnet", []):
        tag = name_value_list(r.props.get("Tags")).get("Name", "")
        name = tag if SUBNET_NAME.match(tag) and tag not in taken else _subnet_name(r.lid, taken)
        taken.add(name)
        default = routes.get(table_of.get(build.ref(r), ""), [])
        public = any(
            str(route.get("GatewayId")) in gateways
            or str(route.get("GatewayId", "")).startswith("igw-")
            for route in default
        )
        via_nat = any(
            route.get("NatGatewayId") in nats or route.get("NatGatewayId") for route in default
        )
        if via_nat and not public:
            build.warn(
                r,
                (),
                "routes out through a NAT gateway: locally this private subnet "
                "has no route out (an internal Docker network)",
            )
        build.subnets[build.ref(r)] = name
        build.origins.add(("vpc", "subnets", len(subnets)), r.tpl, r.at)
        subnets.append({"name": name, "public": public})
    if subnets:
        build.doc["vpc"] = {"subnets": subnets}


def subnet_names(build: Build, ids: Any, res: Resource, sub: tuple[Any, ...]) -> list[str]:
    """Layout subnet names for subnet IDs; IDs the templates do not create are added as
    public subnets named by their ID."""
    out: list[str] = []
    for i, sid in enumerate(ids if isinstance(ids, list) else [ids]):
        if not isinstance(sid, str) or not sid:
            build.error(res, ("Properties",) + sub + (i,), f"expected a subnet ID, got {sid!r}")
            continue
        if sid not in build.subnets:
            vpc = build.doc.setdefault("vpc", {"subnets": []})
            name = _subnet_name(sid, {s["name"] for s in vpc["subnets"]})
            build.origins.add(
                ("vpc", "subnets", len(vpc["subnets"])),
                res.tpl,
                res.at + ("Properties",) + sub + (i,),
            )
            vpc["subnets"].append({"name": name, "public": True})
            build.subnets[sid] = name
        out.append(build.subnets[sid])
    return out
