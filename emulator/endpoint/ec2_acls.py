"""DescribeNetworkAcls: each VPC's default network ACL (allow all, both ways), associated with
every subnet of the VPC.

Why this exists: Terraform's ``aws_vpc`` reads ``default_network_acl_id``, and scripts list a
subnet's ACL next to its route table. ecsdev does not filter traffic by ACL (nor does a
default ACL), so the ACLs are derived from the VPCs and subnets rather than kept: the same
ids every time, nothing to keep in step.
"""

from __future__ import annotations

from typing import Any

from emulator.endpoint.api import Request, ServiceHandlers
from emulator.endpoint.ec2_query import Ec2Env, flag, page, select
from emulator.endpoint.ec2_records import Subnet, Vpc, stable_id

Result = dict[str, Any]


def add_acl_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    sh.add("DescribeNetworkAcls", lambda req: describe_network_acls(env, req))


def acl_id(vpc_id: str) -> str:
    return stable_id("acl", vpc_id)


def _entries() -> list[Result]:
    out = []
    for egress in (True, False):
        for number, action in ((100, "allow"), (32767, "deny")):
            out.append(
                {
                    "CidrBlock": "0.0.0.0/0",
                    "Egress": egress,
                    "Protocol": "-1",
                    "RuleAction": action,
                    "RuleNumber": number,
                }
            )
    return out


def _acl(v: Vpc, subnets: list[Subnet]) -> Result:
    aid = acl_id(v.id)
    return {
        "Associations": [
            {
                "NetworkAclAssociationId": stable_id("aclassoc", s.id),
                "NetworkAclId": aid,
                "SubnetId": s.id,
            }
            for s in subnets
            if s.vpc_id == v.id
        ],
        "Entries": _entries(),
        "IsDefault": True,
        "NetworkAclId": aid,
        "Tags": [],
        "VpcId": v.id,
        "OwnerId": v.owner,
    }


def describe_network_acls(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        vpcs = tx.list(Vpc, req.region)
        subnets = tx.list(Subnet, req.region)
    acls = [_acl(v, subnets) for v in vpcs]
    chosen = select(
        acls,
        req.params.get("NetworkAclIds"),
        req.params.get("Filters"),
        lambda a: str(a["NetworkAclId"]),
        lambda a: {
            "network-acl-id": [a["NetworkAclId"]],
            "vpc-id": [a["VpcId"]],
            "default": [flag(a["IsDefault"])],
            "owner-id": [a["OwnerId"]],
            "association.subnet-id": [x["SubnetId"] for x in a["Associations"]],
            "association.association-id": [x["NetworkAclAssociationId"] for x in a["Associations"]],
            "association.network-acl-id": [a["NetworkAclId"]],
        },
        lambda a: {},
        "network-acl",
    )
    items, token = page(chosen, req.params)
    result: Result = {"NetworkAcls": items}
    if token:
        result["NextToken"] = token
    return result
