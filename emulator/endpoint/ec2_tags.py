"""CreateTags, DeleteTags and DescribeTags over the EC2 networking records ecsdev keeps.

Why this exists: Terraform tags after create (and reads tags back through the Describe calls
and DescribeTags); the console and scripts find resources by ``tag:Name``. Tags live on the
records themselves; these calls change them in one transaction. Ids of resources ecsdev
does not keep (instances, volumes, ...) are handed to the fallback, which owns them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from emulator.endpoint.api import ApiError, Request, ServiceHandlers, UnknownOperation
from emulator.endpoint.ec2_acls import NetworkAcl, for_tags
from emulator.endpoint.ec2_nat import NatGateway, VpcEndpoint
from emulator.endpoint.ec2_query import (
    RESOURCE_TYPES,
    Ec2Env,
    invalid,
    matches,
    not_found,
    page,
    resource_type,
)
from emulator.endpoint.ec2_records import (
    InternetGateway,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
)
from emulator.endpoint.resources import Tx

Result = dict[str, Any]

TAGGABLE: dict[str, type[Any]] = {
    "vpc": Vpc,
    "subnet": Subnet,
    "security-group": SecurityGroup,
    "internet-gateway": InternetGateway,
    "route-table": RouteTable,
    "security-group-rule": SecurityGroupRule,
    "natgateway": NatGateway,
    "network-acl": NetworkAcl,
    "vpc-endpoint": VpcEndpoint,
}


def add_tag_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    sh.add("CreateTags", lambda req: create_tags(env, req))
    sh.add("DeleteTags", lambda req: delete_tags(env, req))
    sh.add("DescribeTags", lambda req: describe_tags(env, req))


def owned_reference(env: Ec2Env, req: Request) -> str | None:
    """An id of a VPC, subnet, group, gateway, table, ACL, NAT gateway or endpoint that
    ecsdev keeps, given as a top-level value of the request (``VpcId``, ``ResourceIds``;
    not inside structures such as a launch template's data, which the fallback keeps as
    given)."""
    values = [v for x in req.params.values() for v in (x if isinstance(x, list) else [x])]
    ids = [x for x in values if isinstance(x, str) and resource_type(x) is not None]
    if not ids:
        return None
    with env.tx(req) as tx:
        for rid in ids:
            kind = str(resource_type(rid))
            found = for_tags(tx, req.region, rid) if kind == "network-acl" else None
            if found is not None or tx.get(TAGGABLE[kind], req.region, rid) is not None:
                return rid
    return None


def _records(tx: Tx, region: str, ids: list[str]) -> list[Any]:
    """The records behind ``ids``; ids of other kinds go to the fallback as a whole."""
    kinds = [resource_type(i) for i in ids]
    if ids and all(k is None for k in kinds):
        raise UnknownOperation("tags of resources ecsdev does not keep")
    out = []
    for rid, kind in zip(ids, kinds, strict=True):
        if kind is None:
            raise ApiError("InvalidID", f"The ID '{rid}' is not valid")
        rec = (
            for_tags(tx, region, rid)
            if kind == "network-acl"
            else tx.get(TAGGABLE[kind], region, rid)
        )
        if rec is None:
            raise not_found(kind, rid)
        out.append(rec)
    return out


def create_tags(env: Ec2Env, req: Request) -> Result:
    tags = {str(t.get("Key")): str(t.get("Value") or "") for t in req.params.get("Tags") or []}
    for key in tags:
        if key.lower().startswith("aws:"):
            raise invalid(f"Tag keys starting with 'aws:' are reserved for internal use ({key})")
    with env.tx(req) as tx:
        for rec in _records(tx, req.region, list(req.params.get("Resources") or [])):
            tx.put(replace(rec, tags={**rec.tags, **tags}), req.region, rec.id)
    return {}


def delete_tags(env: Ec2Env, req: Request) -> Result:
    given = req.params.get("Tags")
    with env.tx(req) as tx:
        for rec in _records(tx, req.region, list(req.params.get("Resources") or [])):
            if given is None:
                kept: dict[str, str] = {}
            else:
                kept = dict(rec.tags)
                for t in given:
                    key = str(t.get("Key"))
                    # a value given deletes the tag only when it matches (as EC2)
                    if key in kept and (t.get("Value") is None or kept[key] == t.get("Value")):
                        del kept[key]
            tx.put(replace(rec, tags=kept), req.region, rec.id)
    return {}


def describe_tags(env: Ec2Env, req: Request) -> Result:
    rows = []
    with env.tx(req) as tx:
        for kind, cls in TAGGABLE.items():
            for rec in tx.list(cls, req.region):
                for key, value in sorted(rec.tags.items()):
                    rows.append(
                        {"Key": key, "ResourceId": rec.id, "ResourceType": kind, "Value": value}
                    )
    filters = list(req.params.get("Filters") or [])
    for f in filters:
        if f.get("Name") == "resource-type":
            for v in f.get("Values") or []:
                if v not in RESOURCE_TYPES.values():
                    raise UnknownOperation("tags of resources ecsdev does not keep")
    rows = [
        r
        for r in rows
        if matches(
            {
                "resource-id": [r["ResourceId"]],
                "resource-type": [r["ResourceType"]],
                "key": [r["Key"]],
                "value": [r["Value"]],
            },
            {r["Key"]: r["Value"]},
            filters,
        )
    ]
    rows.sort(key=lambda r: (r["ResourceId"], r["Key"]))
    items, token = page(rows, req.params, high=1000)
    result: Result = {"Tags": items}
    if token:
        result["NextToken"] = token
    return result
