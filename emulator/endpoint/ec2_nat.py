"""NAT gateways and VPC endpoints: how private subnets reach out in AWS.

Why this exists: the VPCs teams run ECS in are made by code (Terraform's VPC module, the
CDK's ``Vpc``) that gives private subnets a NAT gateway and often S3 or ECR endpoints. Left to
the embedded moto backend, which does not know ecsdev's VPCs and subnets, these calls failed
with ``InvalidSubnetID.NotFound`` and the whole apply stopped. They are kept here, available
at once, with what Terraform waits for and reads back. Locally they change nothing: a private
subnet stays an internal Docker network (no route out, as ``ecsdev up`` and templates say),
and an endpoint's service is not served. A public NAT gateway's address is its Elastic IP's,
read from the embedded backend that owns Elastic IPs.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass, field, replace
from typing import Any

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.ec2_query import (
    Ec2Env,
    bind,
    invalid,
    not_found,
    paged,
    select,
    tags_on_create,
    with_tags,
)
from emulator.endpoint.ec2_records import RouteTable, SecurityGroup, Subnet, Vpc, new_id
from emulator.endpoint.resources import Tx

Result = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NatGateway:
    id: str
    vpc_id: str
    subnet_id: str
    connectivity: str  # public | private
    private_ip: str
    allocation_id: str | None = None
    public_ip: str | None = None
    eni_id: str = ""
    state: str = "available"  # -> deleted
    created_at: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VpcEndpoint:
    id: str
    vpc_id: str
    service_name: str
    kind: str  # Gateway | Interface | GatewayLoadBalancer
    route_table_ids: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    private_dns: bool = False
    policy: str | None = None
    state: str = "available"
    created_at: float = 0.0
    tags: dict[str, str] = field(default_factory=dict)


def add_nat_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    ops = {
        "CreateNatGateway": create_nat_gateway,
        "DescribeNatGateways": describe_nat_gateways,
        "DeleteNatGateway": delete_nat_gateway,
        "CreateVpcEndpoint": create_vpc_endpoint,
        "DescribeVpcEndpoints": describe_vpc_endpoints,
        "ModifyVpcEndpoint": modify_vpc_endpoint,
        "DeleteVpcEndpoints": delete_vpc_endpoints,
    }
    bind(sh, env, ops)


def _subnet(tx: Tx, region: str, sid: str) -> Subnet:
    sn = tx.get(Subnet, region, sid)
    if sn is None:
        raise not_found("subnet", sid)
    return sn


def _elastic_ip(req: Request, allocation_id: str) -> str:
    """The public address of an Elastic IP the embedded backend allocated."""
    from moto.ec2.models import ec2_backends

    try:
        (address,) = ec2_backends[req.account_id][req.region].address_by_allocation([allocation_id])
    except Exception as e:  # moto's InvalidAllocationIdError
        raise ApiError(
            "InvalidAllocationID.NotFound", f"The allocation ID '{allocation_id}' does not exist"
        ) from e
    return str(address.public_ip)


def create_nat_gateway(env: Ec2Env, req: Request) -> Result:
    p = req.params
    tags = tags_on_create(p, "natgateway")
    connectivity = str(p.get("ConnectivityType") or "public")
    allocation = str(p["AllocationId"]) if p.get("AllocationId") else None
    if connectivity == "public" and allocation is None:
        raise ApiError("MissingParameter", "The request must contain the parameter AllocationId")
    public_ip = _elastic_ip(req, allocation) if allocation else None
    with env.tx(req) as tx:
        sn = _subnet(tx, req.region, str(p.get("SubnetId")))
        used = {n.private_ip for n in tx.list(NatGateway, req.region) if n.state != "deleted"}
        net = ipaddress.ip_network(sn.cidr, strict=False)
        free = (str(h) for h in net.hosts() if str(h) not in used)
        private_ip = str(p.get("PrivateIpAddress") or next(free, str(net.network_address)))
        nat = NatGateway(
            id=new_id("nat"),
            vpc_id=sn.vpc_id,
            subnet_id=sn.id,
            connectivity=connectivity,
            private_ip=private_ip,
            allocation_id=allocation,
            public_ip=public_ip,
            eni_id=new_id("eni"),
            created_at=time.time(),
            tags=tags,
        )
        tx.put(nat, req.region, nat.id)
    return {"NatGateway": nat_json(nat)}


def nat_json(n: NatGateway) -> dict[str, Any]:
    address: dict[str, Any] = {
        "NetworkInterfaceId": n.eni_id,
        "PrivateIp": n.private_ip,
        "IsPrimary": True,
        "Status": "succeeded",
    }
    if n.allocation_id:
        address["AllocationId"] = n.allocation_id
    if n.public_ip:
        address["PublicIp"] = n.public_ip
    out: dict[str, Any] = {
        "CreateTime": n.created_at,
        "NatGatewayAddresses": [address],
        "NatGatewayId": n.id,
        "State": n.state,
        "SubnetId": n.subnet_id,
        "VpcId": n.vpc_id,
        "ConnectivityType": n.connectivity,
    }
    if n.state == "deleted":
        out["DeleteTime"] = n.created_at
    return with_tags(out, n.tags)


def describe_nat_gateways(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        nats = tx.list(NatGateway, req.region)
    chosen = select(
        nats,
        req.params.get("NatGatewayIds"),
        req.params.get("Filter") or req.params.get("Filters"),
        lambda n: n.id,
        lambda n: {
            "nat-gateway-id": [n.id],
            "state": [n.state],
            "subnet-id": [n.subnet_id],
            "vpc-id": [n.vpc_id],
        },
        lambda n: n.tags,
        "natgateway",
    )
    return paged("NatGateways", [nat_json(n) for n in chosen], req.params)


def delete_nat_gateway(env: Ec2Env, req: Request) -> Result:
    nid = str(req.params.get("NatGatewayId"))
    with env.tx(req) as tx:
        nat = tx.get(NatGateway, req.region, nid)
        if nat is None:
            raise not_found("natgateway", nid)
        tx.put(replace(nat, state="deleted"), req.region, nid)
    return {"NatGatewayId": nid}


def _ids(p: Any, key: str) -> tuple[str, ...]:
    return tuple(str(x) for x in p.get(key) or ())


def _check_parts(tx: Tx, region: str, vpc_id: str, e: VpcEndpoint) -> None:
    for rid in e.route_table_ids:
        t = tx.get(RouteTable, region, rid)
        if t is None or t.vpc_id != vpc_id:
            raise not_found("route-table", rid)
    for sid in e.subnet_ids:
        if _subnet(tx, region, sid).vpc_id != vpc_id:
            raise invalid(f"The subnet ID '{sid}' is not in the endpoint's VPC {vpc_id}")
    for gid in e.security_group_ids:
        g = tx.get(SecurityGroup, region, gid)
        if g is None or g.vpc_id != vpc_id:
            raise not_found("security-group", gid)


def create_vpc_endpoint(env: Ec2Env, req: Request) -> Result:
    p = req.params
    vpc_id = str(p.get("VpcId"))
    kind = str(p.get("VpcEndpointType") or "Gateway")
    endpoint = VpcEndpoint(
        id=new_id("vpce"),
        vpc_id=vpc_id,
        service_name=str(p.get("ServiceName") or ""),
        kind=kind,
        route_table_ids=_ids(p, "RouteTableIds"),
        subnet_ids=_ids(p, "SubnetIds"),
        security_group_ids=_ids(p, "SecurityGroupIds"),
        private_dns=bool(p.get("PrivateDnsEnabled", kind == "Interface")),
        policy=str(p["PolicyDocument"]) if p.get("PolicyDocument") else None,
        created_at=time.time(),
        tags=tags_on_create(p, "vpc-endpoint"),
    )
    if not endpoint.service_name:
        raise ApiError("MissingParameter", "The request must contain the parameter ServiceName")
    with env.tx(req) as tx:
        if tx.get(Vpc, req.region, vpc_id) is None:
            raise not_found("vpc", vpc_id)
        _check_parts(tx, req.region, vpc_id, endpoint)
        tx.put(endpoint, req.region, endpoint.id)
    return {"VpcEndpoint": endpoint_json(endpoint)}


def endpoint_json(e: VpcEndpoint) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VpcEndpointId": e.id,
        "VpcEndpointType": e.kind,
        "VpcId": e.vpc_id,
        "ServiceName": e.service_name,
        "State": e.state,
        "RouteTableIds": list(e.route_table_ids),
        "SubnetIds": list(e.subnet_ids),
        "Groups": [{"GroupId": g} for g in e.security_group_ids],
        "PrivateDnsEnabled": e.private_dns,
        "RequesterManaged": False,
        "NetworkInterfaceIds": [],
        "DnsEntries": [],
        "CreationTimestamp": e.created_at,
        "OwnerId": "000000000000",
        "IpAddressType": "ipv4",
    }
    if e.policy is not None:
        out["PolicyDocument"] = e.policy
    return with_tags(out, e.tags)


def describe_vpc_endpoints(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        endpoints = [e for e in tx.list(VpcEndpoint, req.region) if e.state != "deleted"]
    chosen = select(
        endpoints,
        req.params.get("VpcEndpointIds"),
        req.params.get("Filters"),
        lambda e: e.id,
        lambda e: {
            "vpc-endpoint-id": [e.id],
            "vpc-id": [e.vpc_id],
            "service-name": [e.service_name],
            "vpc-endpoint-state": [e.state],
            "vpc-endpoint-type": [e.kind],
        },
        lambda e: e.tags,
        "vpc-endpoint",
    )
    return paged("VpcEndpoints", [endpoint_json(e) for e in chosen], req.params)


def _edit(current: tuple[str, ...], p: Any, add: str, remove: str) -> tuple[str, ...]:
    gone = set(_ids(p, remove))
    kept = [x for x in current if x not in gone]
    return tuple(dict.fromkeys([*kept, *_ids(p, add)]))


def modify_vpc_endpoint(env: Ec2Env, req: Request) -> Result:
    p = req.params
    eid = str(p.get("VpcEndpointId"))
    with env.tx(req) as tx:
        e = tx.get(VpcEndpoint, req.region, eid)
        if e is None or e.state == "deleted":
            raise not_found("vpc-endpoint", eid)
        policy = e.policy
        if p.get("ResetPolicy"):
            policy = None
        elif p.get("PolicyDocument"):
            policy = str(p["PolicyDocument"])
        e = replace(
            e,
            route_table_ids=_edit(e.route_table_ids, p, "AddRouteTableIds", "RemoveRouteTableIds"),
            subnet_ids=_edit(e.subnet_ids, p, "AddSubnetIds", "RemoveSubnetIds"),
            security_group_ids=_edit(
                e.security_group_ids, p, "AddSecurityGroupIds", "RemoveSecurityGroupIds"
            ),
            private_dns=bool(p.get("PrivateDnsEnabled", e.private_dns)),
            policy=policy,
        )
        _check_parts(tx, req.region, e.vpc_id, e)
        tx.put(e, req.region, eid)
    return {"Return": True}


def delete_vpc_endpoints(env: Ec2Env, req: Request) -> Result:
    failed: list[dict[str, Any]] = []
    with env.tx(req) as tx:
        for eid in _ids(req.params, "VpcEndpointIds"):
            e = tx.get(VpcEndpoint, req.region, eid)
            if e is None or e.state == "deleted":
                failed.append(
                    {
                        "Error": {
                            "Code": "InvalidVpcEndpoint.NotFound",
                            "Message": f"The VPC endpoint '{eid}' does not exist",
                        },
                        "ResourceId": eid,
                    }
                )
                continue
            tx.delete(VpcEndpoint, req.region, eid)
    return {"Unsuccessful": failed}


def in_use(tx: Tx, region: str, *, vpc_id: str = "", subnet_id: str = "") -> bool:
    """A NAT gateway (not deleted) or an endpoint still in the VPC, or in the subnet."""
    nats = [n for n in tx.list(NatGateway, region) if n.state != "deleted"]
    if subnet_id:
        return any(n.subnet_id == subnet_id for n in nats) or any(
            subnet_id in e.subnet_ids for e in tx.list(VpcEndpoint, region)
        )
    return any(n.vpc_id == vpc_id for n in nats) or any(
        e.vpc_id == vpc_id for e in tx.list(VpcEndpoint, region)
    )


__all__ = ["NatGateway", "VpcEndpoint", "add_nat_handlers", "in_use"]
