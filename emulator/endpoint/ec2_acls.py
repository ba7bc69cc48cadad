"""Network ACLs: each VPC's default ACL, ACLs made with CreateNetworkAcl, their entries and
which subnets they guard.

Why this exists: Terraform's ``aws_vpc`` reads ``default_network_acl_id``; the VPC module
manages that default ACL's rules and tags (``aws_default_network_acl``, on by default) and
can give subnets dedicated ACLs (``aws_network_acl``, ``aws_network_acl_rule``). A default ACL
nobody changed is derived from its VPC (allow all, both ways, the same id every time); once
its rules or tags change it is kept like any other ACL. A subnet is guarded by its VPC's
default ACL until ReplaceNetworkAclAssociation moves it. Locally no ACL filters traffic.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.ec2_query import (
    Ec2Env,
    bind,
    flag,
    invalid,
    not_found,
    paged,
    select,
    tags_on_create,
    with_tags,
)
from emulator.endpoint.ec2_records import Subnet, Vpc, new_id, stable_id
from emulator.endpoint.resources import Tx

Result = dict[str, Any]
LAST_RULE = 32767  # the "*" rule every ACL ends with


@dataclass(frozen=True, slots=True)
class AclEntry:
    number: int
    egress: bool
    protocol: str
    action: str
    cidr: str | None = None
    ipv6_cidr: str | None = None
    ports: tuple[int, int] | None = None
    icmp: tuple[int, int] | None = None  # (type, code)


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    id: str
    vpc_id: str
    owner: str
    default: bool
    entries: tuple[AclEntry, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AclAssociation:
    """Where ReplaceNetworkAclAssociation put a subnet, by subnet id."""

    subnet_id: str
    acl_id: str
    association_id: str


def add_acl_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    ops = {
        "DescribeNetworkAcls": describe_network_acls,
        "CreateNetworkAcl": create_network_acl,
        "DeleteNetworkAcl": delete_network_acl,
        "CreateNetworkAclEntry": lambda e, r: put_entry(e, r, replacing=False),
        "ReplaceNetworkAclEntry": lambda e, r: put_entry(e, r, replacing=True),
        "DeleteNetworkAclEntry": delete_entry,
        "ReplaceNetworkAclAssociation": replace_association,
    }
    bind(sh, env, ops)


def acl_id(vpc_id: str) -> str:
    return stable_id("acl", vpc_id)


def _star(allow_first: bool) -> tuple[AclEntry, ...]:
    out = []
    for egress in (True, False):
        if allow_first:
            out.append(AclEntry(100, egress, "-1", "allow", "0.0.0.0/0"))
        out.append(AclEntry(LAST_RULE, egress, "-1", "deny", "0.0.0.0/0"))
    return tuple(out)


def acl(tx: Tx, region: str, aid: str) -> NetworkAcl | None:
    """The ACL ``aid``: kept, or a VPC's default one as it is until something changes it."""
    kept = tx.get(NetworkAcl, region, aid)
    if kept is not None:
        return kept
    for v in tx.list(Vpc, region):
        if acl_id(v.id) == aid:
            return NetworkAcl(aid, v.id, v.owner, True, _star(allow_first=True))
    return None


def _acl(tx: Tx, region: str, aid: str) -> NetworkAcl:
    found = acl(tx, region, aid)
    if found is None:
        raise not_found("network-acl", aid)
    return found


def _associations(tx: Tx, region: str) -> dict[str, tuple[str, str]]:
    """subnet id -> (ACL id, association id), for every subnet."""
    moved = {a.subnet_id: a for a in tx.list(AclAssociation, region)}
    out = {}
    for s in tx.list(Subnet, region):
        a = moved.get(s.id)
        out[s.id] = (
            (a.acl_id, a.association_id) if a else (acl_id(s.vpc_id), stable_id("aclassoc", s.id))
        )
    return out


def _entry_json(e: AclEntry) -> Result:
    out: Result = {
        "Egress": e.egress,
        "Protocol": e.protocol,
        "RuleAction": e.action,
        "RuleNumber": e.number,
    }
    if e.cidr:
        out["CidrBlock"] = e.cidr
    if e.ipv6_cidr:
        out["Ipv6CidrBlock"] = e.ipv6_cidr
    if e.ports:
        out["PortRange"] = {"From": e.ports[0], "To": e.ports[1]}
    if e.icmp:
        out["IcmpTypeCode"] = {"Type": e.icmp[0], "Code": e.icmp[1]}
    return out


def acl_json(a: NetworkAcl, associations: dict[str, tuple[str, str]]) -> Result:
    out: Result = {
        "Associations": [
            {"NetworkAclAssociationId": assoc, "NetworkAclId": a.id, "SubnetId": sid}
            for sid, (aid, assoc) in associations.items()
            if aid == a.id
        ],
        "Entries": [_entry_json(e) for e in sorted(a.entries, key=lambda e: (e.egress, e.number))],
        "IsDefault": a.default,
        "NetworkAclId": a.id,
        "VpcId": a.vpc_id,
        "OwnerId": a.owner,
    }
    return with_tags(out, a.tags)


def describe_network_acls(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        acls = [_acl(tx, req.region, acl_id(v.id)) for v in tx.list(Vpc, req.region)]
        acls += [a for a in tx.list(NetworkAcl, req.region) if not a.default]
        associations = _associations(tx, req.region)
    shown = [acl_json(a, associations) for a in acls]
    chosen = select(
        shown,
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
        lambda a: {t["Key"]: t["Value"] for t in a.get("Tags") or []},
        "network-acl",
    )
    return paged("NetworkAcls", chosen, req.params)


def create_network_acl(env: Ec2Env, req: Request) -> Result:
    vpc_id = str(req.params.get("VpcId"))
    tags = tags_on_create(req.params, "network-acl")
    with env.tx(req) as tx:
        v = tx.get(Vpc, req.region, vpc_id)
        if v is None:
            raise not_found("vpc", vpc_id)
        made = NetworkAcl(new_id("acl"), vpc_id, v.owner, False, _star(allow_first=False), tags)
        tx.put(made, req.region, made.id)
    return {"NetworkAcl": acl_json(made, {})}


def delete_network_acl(env: Ec2Env, req: Request) -> Result:
    aid = str(req.params.get("NetworkAclId"))
    with env.tx(req) as tx:
        a = _acl(tx, req.region, aid)
        if a.default:
            raise invalid(f"cannot delete default network ACL {aid}")
        if any(x == aid for x, _ in _associations(tx, req.region).values()):
            raise ApiError(
                "DependencyViolation",
                f"The networkAcl '{aid}' has dependencies and cannot be deleted.",
            )
        tx.delete(NetworkAcl, req.region, aid)
    return {}


def _entry(p: Any) -> AclEntry:
    number = int(p.get("RuleNumber") or 0)
    if not 1 <= number <= LAST_RULE - 1:
        raise invalid(f"Rule number {number} must be between 1 and {LAST_RULE - 1}")
    ports, icmp = p.get("PortRange"), p.get("IcmpTypeCode")
    return AclEntry(
        number=number,
        egress=bool(p.get("Egress")),
        protocol=str(p.get("Protocol")),
        action=str(p.get("RuleAction")),
        cidr=str(p["CidrBlock"]) if p.get("CidrBlock") else None,
        ipv6_cidr=str(p["Ipv6CidrBlock"]) if p.get("Ipv6CidrBlock") else None,
        ports=(int(ports["From"]), int(ports["To"])) if ports else None,
        icmp=(int(icmp["Type"]), int(icmp["Code"])) if icmp else None,
    )


def put_entry(env: Ec2Env, req: Request, replacing: bool) -> Result:
    new = _entry(req.params)
    with env.tx(req) as tx:
        a = _acl(tx, req.region, str(req.params.get("NetworkAclId")))
        same = [e for e in a.entries if (e.number, e.egress) == (new.number, new.egress)]
        if replacing and not same:
            raise ApiError(
                "InvalidNetworkAclEntry.NotFound",
                f"The network acl entry identified by {new.number} does not exist.",
            )
        if not replacing and same:
            raise ApiError(
                "NetworkAclEntryAlreadyExists",
                f"The network acl entry identified by {new.number} already exists.",
            )
        kept = tuple(e for e in a.entries if e not in same)
        tx.put(replace(a, entries=(*kept, new)), req.region, a.id)
    return {}


def delete_entry(env: Ec2Env, req: Request) -> Result:
    p = req.params
    number, egress = int(p.get("RuleNumber") or 0), bool(p.get("Egress"))
    with env.tx(req) as tx:
        a = _acl(tx, req.region, str(p.get("NetworkAclId")))
        kept = tuple(e for e in a.entries if (e.number, e.egress) != (number, egress))
        if len(kept) == len(a.entries) or number == LAST_RULE:
            raise ApiError(
                "InvalidNetworkAclEntry.NotFound",
                f"The network acl entry identified by {number} does not exist.",
            )
        tx.put(replace(a, entries=kept), req.region, a.id)
    return {}


def replace_association(env: Ec2Env, req: Request) -> Result:
    p = req.params
    assoc, aid = str(p.get("AssociationId")), str(p.get("NetworkAclId"))
    with env.tx(req) as tx:
        target = _acl(tx, req.region, aid)
        current = _associations(tx, req.region)
        subnet = next((s for s, (_, x) in current.items() if x == assoc), None)
        if subnet is None:
            raise not_found("association", assoc)
        sn = tx.get(Subnet, req.region, subnet)
        if sn is None or sn.vpc_id != target.vpc_id:
            raise invalid(f"Network ACL {aid} and subnet {subnet} belong to different networks")
        made = AclAssociation(subnet, aid, new_id("aclassoc"))
        tx.put(made, req.region, subnet)
    return {"NewAssociationId": made.association_id}


def forget(tx: Tx, region: str, vpc_id: str | None = None, subnet_id: str | None = None) -> None:
    """Drop what is kept for a VPC (its ACLs) or a subnet (its association) being deleted."""
    if subnet_id is not None:
        tx.delete(AclAssociation, region, subnet_id)
    if vpc_id is not None:
        for a in tx.list(NetworkAcl, region):
            if a.vpc_id == vpc_id:
                tx.delete(NetworkAcl, region, a.id)


def for_tags(tx: Tx, region: str, aid: str) -> NetworkAcl | None:
    """The ACL record CreateTags/DeleteTags change: a default one is kept from then on."""
    return acl(tx, region, aid)


__all__ = ["AclAssociation", "NetworkAcl", "acl_id", "add_acl_handlers", "forget", "for_tags"]
