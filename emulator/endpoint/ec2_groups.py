"""Security groups and their rules: Create/Describe/Delete SecurityGroup, Authorize/Revoke
ingress and egress, DescribeSecurityGroupRules.

Why this exists: every awsvpc service names security groups, and Terraform's
``aws_security_group`` (IpPermissions read back from DescribeSecurityGroups) and
``aws_vpc_security_group_ingress_rule`` (one rule by id) both need the rules as AWS keeps
them: one record per protocol, port range and peer, folded into IpPermissions for display.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from emulator.endpoint import ec2_output as out
from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.ec2_query import (
    Ec2Env,
    invalid,
    not_found,
    page,
    select,
    tag_list,
    tags_on_create,
)
from emulator.endpoint.ec2_records import (
    DefaultsMade,
    SecurityGroup,
    SecurityGroupRule,
    Vpc,
    new_id,
)
from emulator.endpoint.resources import Tx

Result = dict[str, Any]

_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def add_group_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    ops = {
        "CreateSecurityGroup": create_security_group,
        "DescribeSecurityGroups": describe_security_groups,
        "DeleteSecurityGroup": delete_security_group,
        "AuthorizeSecurityGroupIngress": lambda e, r: authorize(e, r, egress=False),
        "AuthorizeSecurityGroupEgress": lambda e, r: authorize(e, r, egress=True),
        "RevokeSecurityGroupIngress": lambda e, r: revoke(e, r, egress=False),
        "RevokeSecurityGroupEgress": lambda e, r: revoke(e, r, egress=True),
        "DescribeSecurityGroupRules": describe_security_group_rules,
    }
    for name, fn in ops.items():
        sh.add(name, (lambda f: lambda req: f(env, req))(fn))


def _default_vpc(tx: Tx, region: str) -> str:
    made = tx.get(DefaultsMade, region, region)
    if made is None or tx.get(Vpc, region, made.vpc_id) is None:
        raise ApiError("VPCIdNotSpecified", "No default VPC for this user")
    return made.vpc_id


def find_group(tx: Tx, region: str, group_id: str | None, name: str | None) -> SecurityGroup:
    """By id, or by name in the default VPC (as EC2 resolves ``GroupName``)."""
    if group_id:
        g = tx.get(SecurityGroup, region, group_id)
        if g is None:
            raise not_found("security-group", group_id)
        return g
    if not name:
        raise ApiError(
            "MissingParameter", "The request must contain the parameter groupName or groupId"
        )
    vpc_id = _default_vpc(tx, region)
    for g in tx.list(SecurityGroup, region):
        if g.vpc_id == vpc_id and g.name == name:
            return g
    raise ApiError(
        "InvalidGroup.NotFound",
        f"The security group '{name}' does not exist in default VPC '{vpc_id}'",
    )


def create_security_group(env: Ec2Env, req: Request) -> Result:
    p = req.params
    name, desc = str(p.get("GroupName") or ""), str(p.get("Description") or "")
    if not name:
        raise ApiError("MissingParameter", "The request must contain the parameter groupName")
    if not desc:
        raise ApiError(
            "MissingParameter", "The request must contain the parameter groupDescription"
        )
    if name == "default":
        raise invalid("Cannot use reserved security group name: default")
    if name.startswith("sg-"):
        raise invalid("Group names may not be in the format sg-*.")
    tags = tags_on_create(p, "security-group")
    with env.tx(req) as tx:
        vpc_id = str(p.get("VpcId") or "") or _default_vpc(tx, req.region)
        if tx.get(Vpc, req.region, vpc_id) is None:
            raise not_found("vpc", vpc_id)
        if any(g.vpc_id == vpc_id and g.name == name for g in tx.list(SecurityGroup, req.region)):
            raise ApiError(
                "InvalidGroup.Duplicate",
                f"The security group '{name}' already exists for VPC '{vpc_id}'",
            )
        g = SecurityGroup(new_id("sg"), name, desc, vpc_id, req.account_id, tags=tags)
        tx.put(g, req.region, g.id)
        rule = SecurityGroupRule(new_id("sgr"), g.id, True, "-1", cidr_ipv4="0.0.0.0/0")
        tx.put(rule, req.region, rule.id)
    result: Result = {"GroupId": g.id, "SecurityGroupArn": out.security_group_arn(g, req.region)}
    if tags:
        result["Tags"] = tag_list(tags)
    return result


def _group_facts(g: SecurityGroup, rules: list[SecurityGroupRule]) -> dict[str, list[str | None]]:
    facts: dict[str, list[str | None]] = {
        "group-id": [g.id],
        "group-name": [g.name],
        "vpc-id": [g.vpc_id],
        "description": [g.description],
        "owner-id": [g.owner],
    }
    for prefix, egress in (("ip-permission.", False), ("egress.ip-permission.", True)):
        mine = [r for r in rules if r.group_id == g.id and r.egress == egress]
        facts[prefix + "cidr"] = [r.cidr_ipv4 for r in mine]
        facts[prefix + "ipv6-cidr"] = [r.cidr_ipv6 for r in mine]
        facts[prefix + "prefix-list-id"] = [r.prefix_list_id for r in mine]
        facts[prefix + "group-id"] = [r.ref_group_id for r in mine]
        facts[prefix + "protocol"] = [r.protocol for r in mine]
        facts[prefix + "from-port"] = [str(r.from_port) for r in mine if r.from_port is not None]
        facts[prefix + "to-port"] = [str(r.to_port) for r in mine if r.to_port is not None]
    return facts


def describe_security_groups(env: Ec2Env, req: Request) -> Result:
    p = req.params
    with env.tx(req) as tx:
        groups = tx.list(SecurityGroup, req.region)
        rules = tx.list(SecurityGroupRule, req.region)
        named = [find_group(tx, req.region, None, n) for n in p.get("GroupNames") or []]
    if named:
        groups = [g for g in groups if g in named]
    chosen = select(
        groups,
        p.get("GroupIds"),
        p.get("Filters"),
        lambda g: g.id,
        lambda g: _group_facts(g, rules),
        lambda g: g.tags,
        "security-group",
    )
    items, token = page(chosen, p)
    result: Result = {
        "SecurityGroups": [
            out.security_group(g, [r for r in rules if r.group_id == g.id], req.region)
            for g in items
        ]
    }
    if token:
        result["NextToken"] = token
    return result


def delete_security_group(env: Ec2Env, req: Request) -> Result:
    p = req.params
    with env.tx(req) as tx:
        g = find_group(tx, req.region, p.get("GroupId"), p.get("GroupName"))
        if g.name == "default":
            raise ApiError(
                "CannotDelete",
                f'the specified group: "{g.id}" name: "default" cannot be deleted by a user',
            )
        rules = tx.list(SecurityGroupRule, req.region)
        if any(r.ref_group_id == g.id and r.group_id != g.id for r in rules):
            raise ApiError("DependencyViolation", f"resource {g.id} has a dependent object")
        for r in rules:
            if r.group_id == g.id:
                tx.delete(SecurityGroupRule, req.region, r.id)
        tx.delete(SecurityGroup, req.region, g.id)
    return {"Return": True, "GroupId": g.id}


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "-1").lower()
    return _PROTOCOLS.get(text, text)


def _rules_from(
    tx: Tx, region: str, g: SecurityGroup, p: Mapping[str, Any], egress: bool
) -> list[SecurityGroupRule]:
    """The request's rules, one per peer (IpPermissions, or the flat legacy members)."""
    perms = list(p.get("IpPermissions") or [])
    if not perms and (p.get("CidrIp") or p.get("SourceSecurityGroupName") or p.get("IpProtocol")):
        flat: dict[str, Any] = {k: p.get(k) for k in ("IpProtocol", "FromPort", "ToPort")}
        if p.get("CidrIp"):
            flat["IpRanges"] = [{"CidrIp": p["CidrIp"]}]
        if p.get("SourceSecurityGroupName"):
            flat["UserIdGroupPairs"] = [{"GroupName": p["SourceSecurityGroupName"]}]
        perms = [flat]
    out_rules = []
    for perm in perms:
        proto = _protocol(perm.get("IpProtocol"))
        lo, hi = perm.get("FromPort"), perm.get("ToPort")
        if proto == "-1":
            lo = hi = None
        elif proto in ("tcp", "udp") and (lo is None or hi is None):
            raise invalid(
                "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange"
            )
        elif lo is not None and hi is not None and proto in ("tcp", "udp") and lo > hi:
            raise invalid(f"Invalid value 'from port {lo} greater than to port {hi}' for portRange")

        base = SecurityGroupRule(
            "",
            g.id,
            egress,
            proto,
            None if lo is None else int(lo),
            None if hi is None else int(hi),
        )
        for r in perm.get("IpRanges") or []:
            out_rules.append(_peer(base, r, "cidr_ipv4", _cidr(r.get("CidrIp"))))
        for r in perm.get("Ipv6Ranges") or []:
            out_rules.append(_peer(base, r, "cidr_ipv6", str(r.get("CidrIpv6"))))
        for r in perm.get("PrefixListIds") or []:
            out_rules.append(_peer(base, r, "prefix_list_id", str(r.get("PrefixListId"))))
        for r in perm.get("UserIdGroupPairs") or []:
            ref = r.get("GroupId")
            if ref and tx.get(SecurityGroup, region, ref) is None:
                raise not_found("security-group", ref)
            if not ref:
                ref = find_group(tx, region, None, r.get("GroupName")).id
            out_rules.append(_peer(base, r, "ref_group_id", ref))
    if not out_rules:
        raise ApiError(
            "MissingParameter", "No IpPermissions or rule peers were given in the request"
        )
    return out_rules


def _peer(
    base: SecurityGroupRule, item: Mapping[str, Any], field: str, value: str
) -> SecurityGroupRule:
    desc = item.get("Description")
    return replace(
        base,
        id=new_id("sgr"),
        description=str(desc) if desc else None,
        cidr_ipv4=value if field == "cidr_ipv4" else None,
        cidr_ipv6=value if field == "cidr_ipv6" else None,
        prefix_list_id=value if field == "prefix_list_id" else None,
        ref_group_id=value if field == "ref_group_id" else None,
    )


def _cidr(value: Any) -> str:
    try:
        return str(ipaddress.IPv4Network(str(value), strict=False))
    except ValueError as e:
        raise invalid(f"CIDR block {value} is malformed") from e


def _describe_rule(r: SecurityGroupRule) -> str:
    kind, value = r.peer()
    ports = "" if r.protocol == "-1" else f", from port: {r.from_port}, to port: {r.to_port}"
    proto = "ALL" if r.protocol == "-1" else r.protocol.upper()
    return f'"peer: {value}, {proto}{ports}, ALLOW"'


def authorize(env: Ec2Env, req: Request, egress: bool) -> Result:
    p = req.params
    with env.tx(req) as tx:
        g = find_group(tx, req.region, p.get("GroupId"), p.get("GroupName"))
        wanted = _rules_from(tx, req.region, g, p, egress)
        rule_tags = tags_on_create(p, "security-group-rule")
        existing = [r for r in tx.list(SecurityGroupRule, req.region) if r.group_id == g.id]
        made: list[SecurityGroupRule] = []
        for r in wanted:
            if any(r.same(e) for e in existing + made):
                raise ApiError(
                    "InvalidPermission.Duplicate",
                    f"the specified rule {_describe_rule(r)} already exists",
                )
            if rule_tags:
                r = replace(r, tags=rule_tags)
            tx.put(r, req.region, r.id)
            made.append(r)
    return {
        "Return": True,
        "SecurityGroupRules": [out.rule(r, g.owner, req.region) for r in made],
    }


def revoke(env: Ec2Env, req: Request, egress: bool) -> Result:
    p = req.params
    with env.tx(req) as tx:
        g = find_group(tx, req.region, p.get("GroupId"), p.get("GroupName"))
        existing = [
            r
            for r in tx.list(SecurityGroupRule, req.region)
            if r.group_id == g.id and r.egress == egress
        ]
        gone: list[SecurityGroupRule] = []
        unknown: list[SecurityGroupRule] = []
        if p.get("SecurityGroupRuleIds"):
            by_id = {r.id: r for r in existing}
            missing = [i for i in p["SecurityGroupRuleIds"] if i not in by_id]
            if missing:
                raise not_found("security-group-rule", missing)
            gone = [by_id[i] for i in p["SecurityGroupRuleIds"]]
        else:
            for want in _rules_from(tx, req.region, g, p, egress):
                match = next((e for e in existing if want.same(e)), None)
                (gone if match is not None else unknown).append(match or want)
        if not gone:
            raise ApiError(
                "InvalidPermission.NotFound",
                "The specified rule does not exist in this security group.",
            )
        for r in gone:
            tx.delete(SecurityGroupRule, req.region, r.id)
    result: Result = {"Return": True, "RevokedSecurityGroupRules": [_revoked(r) for r in gone]}
    if unknown:
        result["UnknownIpPermissions"] = out.permissions(unknown)
    return result


def _revoked(r: SecurityGroupRule) -> dict[str, Any]:
    item: dict[str, Any] = {
        "SecurityGroupRuleId": r.id,
        "GroupId": r.group_id,
        "IsEgress": r.egress,
        "IpProtocol": r.protocol,
        "FromPort": r.from_port if r.from_port is not None else -1,
        "ToPort": r.to_port if r.to_port is not None else -1,
    }
    kind, value = r.peer()
    key = {"cidr": "CidrIpv4", "cidr6": "CidrIpv6", "pl": "PrefixListId"}.get(
        kind, "ReferencedGroupId"
    )
    item[key] = value
    if r.description:
        item["Description"] = r.description
    return item


def describe_security_group_rules(env: Ec2Env, req: Request) -> Result:
    p = req.params
    with env.tx(req) as tx:
        rules = tx.list(SecurityGroupRule, req.region)
        owners = {g.id: g.owner for g in tx.list(SecurityGroup, req.region)}
    chosen = select(
        rules,
        p.get("SecurityGroupRuleIds"),
        p.get("Filters"),
        lambda r: r.id,
        lambda r: {"group-id": [r.group_id], "security-group-rule-id": [r.id]},
        lambda r: r.tags,
        "security-group-rule",
    )
    items, token = page(chosen, p)
    result: Result = {
        "SecurityGroupRules": [
            out.rule(r, owners.get(r.group_id, req.account_id), req.region) for r in items
        ]
    }
    if token:
        result["NextToken"] = token
    return result
