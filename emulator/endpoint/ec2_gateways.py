"""Internet gateways and route tables: what makes a subnet public.

Why this exists: in AWS a subnet is public because its route table sends 0.0.0.0/0 to an
internet gateway attached to its VPC, and infrastructure code builds exactly that (gateway,
attachment, route table, route, association). ecsdev keeps the same records, and the
subnet's Docker network is internal or not by the same rule (``ec2_records.is_public``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from emulator.endpoint import ec2_output as out
from emulator.endpoint.api import ApiError, Request, ServiceHandlers
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
    Association,
    InternetGateway,
    Route,
    RouteTable,
    Subnet,
    Vpc,
    new_id,
)
from emulator.endpoint.resources import Tx

Result = dict[str, Any]


def add_gateway_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    ops = {
        "CreateInternetGateway": create_internet_gateway,
        "AttachInternetGateway": attach_internet_gateway,
        "DetachInternetGateway": detach_internet_gateway,
        "DeleteInternetGateway": delete_internet_gateway,
        "DescribeInternetGateways": describe_internet_gateways,
        "CreateRouteTable": create_route_table,
        "DescribeRouteTables": describe_route_tables,
        "DeleteRouteTable": delete_route_table,
        "CreateRoute": lambda e, r: put_route(e, r, replacing=False),
        "ReplaceRoute": lambda e, r: put_route(e, r, replacing=True),
        "DeleteRoute": delete_route,
        "AssociateRouteTable": associate_route_table,
        "DisassociateRouteTable": disassociate_route_table,
        "ReplaceRouteTableAssociation": replace_route_table_association,
    }
    for name, fn in ops.items():
        sh.add(name, (lambda f: lambda req: f(env, req))(fn))


def _igw(tx: Tx, region: str, igw_id: str) -> InternetGateway:
    g = tx.get(InternetGateway, region, igw_id)
    if g is None:
        raise not_found("internet-gateway", igw_id)
    return g


def _rtb(tx: Tx, region: str, rtb_id: str) -> RouteTable:
    t = tx.get(RouteTable, region, rtb_id)
    if t is None:
        raise not_found("route-table", rtb_id)
    return t


# internet gateways ----------------------------------------------------------------------
def create_internet_gateway(env: Ec2Env, req: Request) -> Result:
    tags = tags_on_create(req.params, "internet-gateway")
    g = InternetGateway(new_id("igw"), req.account_id, tags=tags)
    with env.tx(req) as tx:
        tx.put(g, req.region, g.id)
    return {"InternetGateway": out.internet_gateway(g)}


def attach_internet_gateway(env: Ec2Env, req: Request) -> Result:
    igw_id, vpc_id = str(req.params.get("InternetGatewayId")), str(req.params.get("VpcId"))
    with env.tx(req) as tx:
        g = _igw(tx, req.region, igw_id)
        if tx.get(Vpc, req.region, vpc_id) is None:
            raise not_found("vpc", vpc_id)
        if g.vpc_id:
            raise ApiError(
                "Resource.AlreadyAssociated",
                f"resource {igw_id} is already attached to network {g.vpc_id}",
            )
        other = next((x for x in tx.list(InternetGateway, req.region) if x.vpc_id == vpc_id), None)
        if other is not None:
            raise ApiError(
                "Resource.AlreadyAssociated",
                f"resource {vpc_id} is already attached to internet gateway {other.id}",
            )
        tx.put(replace(g, vpc_id=vpc_id), req.region, igw_id)
    return {}


def detach_internet_gateway(env: Ec2Env, req: Request) -> Result:
    igw_id, vpc_id = str(req.params.get("InternetGatewayId")), str(req.params.get("VpcId"))
    with env.tx(req) as tx:
        g = _igw(tx, req.region, igw_id)
        if g.vpc_id != vpc_id:
            raise ApiError(
                "Gateway.NotAttached", f"resource {igw_id} is not attached to network {vpc_id}"
            )
        tx.put(replace(g, vpc_id=None), req.region, igw_id)
    return {}


def delete_internet_gateway(env: Ec2Env, req: Request) -> Result:
    igw_id = str(req.params.get("InternetGatewayId"))
    with env.tx(req) as tx:
        g = _igw(tx, req.region, igw_id)
        if g.vpc_id:
            raise ApiError(
                "DependencyViolation",
                f"The internetGateway '{igw_id}' has dependencies and cannot be deleted.",
            )
        tx.delete(InternetGateway, req.region, igw_id)
    return {}


def describe_internet_gateways(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        gws = tx.list(InternetGateway, req.region)
    chosen = select(
        gws,
        req.params.get("InternetGatewayIds"),
        req.params.get("Filters"),
        lambda g: g.id,
        lambda g: {
            "internet-gateway-id": [g.id],
            "attachment.vpc-id": [g.vpc_id],
            "attachment.state": ["available" if g.vpc_id else None],
            "owner-id": [g.owner],
        },
        lambda g: g.tags,
        "internet-gateway",
    )
    items, token = page(chosen, req.params)
    result: Result = {"InternetGateways": [out.internet_gateway(g) for g in items]}
    if token:
        result["NextToken"] = token
    return result


# route tables ---------------------------------------------------------------------------
def create_route_table(env: Ec2Env, req: Request) -> Result:
    vpc_id = str(req.params.get("VpcId"))
    tags = tags_on_create(req.params, "route-table")
    with env.tx(req) as tx:
        vpc = tx.get(Vpc, req.region, vpc_id)
        if vpc is None:
            raise not_found("vpc", vpc_id)
        t = RouteTable(
            new_id("rtb"),
            vpc_id,
            req.account_id,
            routes=(Route(vpc.cidr, "local", "CreateRouteTable"),),
            tags=tags,
        )
        tx.put(t, req.region, t.id)
    result: Result = {"RouteTable": out.route_table(t)}
    if req.params.get("ClientToken"):
        result["ClientToken"] = req.params["ClientToken"]
    return result


def _rtb_facts(t: RouteTable) -> dict[str, list[str | None]]:
    return {
        "route-table-id": [t.id],
        "vpc-id": [t.vpc_id],
        "owner-id": [t.owner],
        "association.main": [flag(t.main)],
        "association.subnet-id": [a.subnet_id for a in t.associations],
        "association.gateway-id": [a.gateway_id for a in t.associations],
        "association.route-table-association-id": [a.id for a in t.associations],
        "association.route-table-id": [t.id] if t.associations else [],
        "association.association-state": ["associated"] if t.associations else [],
        "route.destination-cidr-block": [r.destination for r in t.routes],
        "route.gateway-id": [r.target for r in t.routes if not r.target.startswith("nat-")],
        "route.nat-gateway-id": [r.target for r in t.routes if r.target.startswith("nat-")],
        "route.origin": [r.origin for r in t.routes],
        "route.state": ["active"],
    }


def describe_route_tables(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        tables = tx.list(RouteTable, req.region)
    chosen = select(
        tables,
        req.params.get("RouteTableIds"),
        req.params.get("Filters"),
        lambda t: t.id,
        _rtb_facts,
        lambda t: t.tags,
        "route-table",
    )
    items, token = page(chosen, req.params, high=100)
    result: Result = {"RouteTables": [out.route_table(t) for t in items]}
    if token:
        result["NextToken"] = token
    return result


def delete_route_table(env: Ec2Env, req: Request) -> Result:
    rtb_id = str(req.params.get("RouteTableId"))
    with env.tx(req) as tx:
        t = _rtb(tx, req.region, rtb_id)
        if t.associations:
            raise ApiError(
                "DependencyViolation",
                f"The routeTable '{rtb_id}' has dependencies and cannot be deleted.",
            )
        tx.delete(RouteTable, req.region, rtb_id)
    return {}


def _destination(p: Any) -> str:
    for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"):
        if p.get(key):
            return str(p[key])
    raise ApiError(
        "MissingParameter",
        "The request must contain the parameter destinationCidrBlock or "
        "destinationIpv6CidrBlock or destinationPrefixListId",
    )


_TARGET_KEYS = (
    "GatewayId",
    "NatGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcPeeringConnectionId",
    "TransitGatewayId",
    "EgressOnlyInternetGatewayId",
    "VpcEndpointId",
    "LocalGatewayId",
    "CarrierGatewayId",
)


def put_route(env: Ec2Env, req: Request, replacing: bool) -> Result:
    p = req.params
    dest = _destination(p)
    targets = [str(p[k]) for k in _TARGET_KEYS if p.get(k)]
    if len(targets) != 1:
        raise invalid(
            "The request must contain exactly one gateway, NAT gateway, instance, "
            "network interface, peering connection or transit gateway target"
        )
    target = targets[0]
    with env.tx(req) as tx:
        t = _rtb(tx, req.region, str(p.get("RouteTableId")))
        if target.startswith("igw-"):
            g = _igw(tx, req.region, target)
            if g.vpc_id != t.vpc_id:
                raise invalid(
                    f"route table {t.id} and network gateway {target} belong to different networks"
                )
        existing = next((r for r in t.routes if r.destination == dest), None)
        if replacing and existing is None:
            raise ApiError(
                "InvalidRoute.NotFound",
                f"no route with destination-cidr-block {dest} in route table {t.id}",
            )
        if not replacing and existing is not None:
            raise ApiError("RouteAlreadyExists", f"The route identified by {dest} already exists.")
        if existing is not None and existing.target == "local":
            raise invalid(f"cannot replace local route {dest} in route table {t.id}")
        routes = tuple(r for r in t.routes if r.destination != dest) + (Route(dest, target),)
        tx.put(replace(t, routes=routes), req.region, t.id)
    return {"Return": True} if not replacing else {}


def delete_route(env: Ec2Env, req: Request) -> Result:
    dest = _destination(req.params)
    with env.tx(req) as tx:
        t = _rtb(tx, req.region, str(req.params.get("RouteTableId")))
        existing = next((r for r in t.routes if r.destination == dest), None)
        if existing is None:
            raise ApiError(
                "InvalidRoute.NotFound",
                f"no route with destination-cidr-block {dest} in route table {t.id}",
            )
        if existing.target == "local":
            raise invalid(f"cannot remove local route {dest} in route table {t.id}")
        routes = tuple(r for r in t.routes if r.destination != dest)
        tx.put(replace(t, routes=routes), req.region, t.id)
    return {}


def associate_route_table(env: Ec2Env, req: Request) -> Result:
    p = req.params
    with env.tx(req) as tx:
        t = _rtb(tx, req.region, str(p.get("RouteTableId")))
        subnet_id, gateway_id = p.get("SubnetId"), p.get("GatewayId")
        if not subnet_id and not gateway_id:
            raise ApiError(
                "MissingParameter", "The request must contain the parameter subnetId or gatewayId"
            )
        if subnet_id:
            s = tx.get(Subnet, req.region, str(subnet_id))
            if s is None:
                raise not_found("subnet", str(subnet_id))
            if s.vpc_id != t.vpc_id:
                raise invalid(f"Route table {t.id} and subnet {s.id} belong to different networks")
            for other in tx.list(RouteTable, req.region):
                if any(a.subnet_id == s.id for a in other.associations):
                    raise ApiError(
                        "Resource.AlreadyAssociated",
                        f"the specified association for route table {other.id} conflicts "
                        "with an existing association",
                    )
        else:
            _igw(tx, req.region, str(gateway_id))
        a = Association(new_id("rtbassoc"), subnet_id, gateway_id)
        tx.put(replace(t, associations=(*t.associations, a)), req.region, t.id)
    return {"AssociationId": a.id, "AssociationState": {"State": "associated"}}


def _find_association(tx: Tx, region: str, assoc_id: str) -> tuple[RouteTable, Association]:
    for t in tx.list(RouteTable, region):
        for a in t.associations:
            if a.id == assoc_id:
                return t, a
    raise not_found("association", assoc_id)


def disassociate_route_table(env: Ec2Env, req: Request) -> Result:
    assoc_id = str(req.params.get("AssociationId"))
    with env.tx(req) as tx:
        t, a = _find_association(tx, req.region, assoc_id)
        if a.subnet_id is None and a.gateway_id is None:
            raise invalid(f"cannot disassociate the main route table association {assoc_id}")
        kept = tuple(x for x in t.associations if x.id != assoc_id)
        tx.put(replace(t, associations=kept), req.region, t.id)
    return {}


def replace_route_table_association(env: Ec2Env, req: Request) -> Result:
    assoc_id = str(req.params.get("AssociationId"))
    with env.tx(req) as tx:
        old, a = _find_association(tx, req.region, assoc_id)
        new = _rtb(tx, req.region, str(req.params.get("RouteTableId")))
        if new.vpc_id != old.vpc_id:
            raise invalid(
                f"Route table {new.id} and association {assoc_id} belong to different networks"
            )
        moved = Association(new_id("rtbassoc"), a.subnet_id, a.gateway_id)
        tx.put(
            replace(old, associations=tuple(x for x in old.associations if x.id != assoc_id)),
            req.region,
            old.id,
        )
        new = _rtb(tx, req.region, new.id)
        tx.put(replace(new, associations=(*new.associations, moved)), req.region, new.id)
    return {"NewAssociationId": moved.id, "AssociationState": {"State": "associated"}}
