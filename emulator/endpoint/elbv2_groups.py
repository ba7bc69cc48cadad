"""ELBv2 target groups through the API: Create/Describe/Modify/DeleteTargetGroup and
Describe/ModifyTargetGroupAttributes.

Why this exists: a target group carries the health check the stand-in's probes follow and
the attributes its nginx honours (deregistration delay, stickiness, algorithm). AWS fills in
what a create leaves out, per protocol, protocol version and target type
(``elbv2_records.health_check_defaults``); the record keeps every value, so a describe reads
back exactly what Terraform expects. A create repeated with the same settings answers with
the same group; with other settings it is ``DuplicateTargetGroupName``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from emulator.alb import not_served
from emulator.endpoint import elbv2_common as C
from emulator.endpoint import elbv2_output as out
from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_input import (
    attributes_of,
    check_model,
    check_name,
    health_check_port,
    matcher_of,
    tags_of,
)
from emulator.endpoint.elbv2_network import check_vpc
from emulator.endpoint.elbv2_records import (
    LAMBDA_TARGET_GROUP_ATTRIBUTE_DEFAULTS,
    TARGET_GROUP_ATTRIBUTE_DEFAULTS,
    ElbTags,
    HealthCheck,
    TargetGroup,
    TargetRegistration,
    health_check_defaults,
    load_balancers_of_target_group,
    target_group_users,
)
from emulator.events import Event

_replace = dataclasses.replace


def create_target_group(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    name = str(p.get("Name", ""))
    check_name("Target group", name)
    ttype = str(p.get("TargetType") or "instance")
    protocol, port, vpc = p.get("Protocol"), p.get("Port"), p.get("VpcId")
    if ttype == "lambda":
        if protocol or port or vpc:
            raise validation_error(
                "Protocol, port, and VPC ID cannot be specified for target groups with "
                "target type 'lambda'"
            )
    else:
        if not protocol:
            raise validation_error("A protocol must be specified")
        if port is None:
            raise validation_error("A port must be specified")
        if not vpc:
            raise validation_error("A VPC ID must be specified")
    version = p.get("ProtocolVersion") or None  # Terraform sends it empty: not given
    if version is not None and protocol not in ("HTTP", "HTTPS"):
        raise validation_error(
            f"Protocol version '{version}' is only supported with HTTP and HTTPS protocols"
        )
    if version is not None and version not in ("HTTP1", "HTTP2", "GRPC"):
        raise validation_error(f"Protocol version '{version}' must be one of 'HTTP1, HTTP2, GRPC'")
    if protocol in ("HTTP", "HTTPS"):
        version = version or "HTTP1"
    hc = _health_check(p, health_check_defaults(protocol, version, ttype), ttype)
    attrs = TARGET_GROUP_ATTRIBUTE_DEFAULTS if ttype != "lambda" else ()
    if ttype == "lambda":
        attrs = LAMBDA_TARGET_GROUP_ATTRIBUTE_DEFAULTS
    tags = tags_of(p)
    with ctx.resources.transaction() as tx:
        if vpc:
            check_vpc(tx, req, str(vpc))
        for tg in tx.list(TargetGroup, req.region):
            if tg.name != name:
                continue
            if (tg.target_type, tg.protocol, tg.port, tg.vpc_id, tg.protocol_version) != (
                ttype,
                protocol,
                port,
                vpc,
                version,
            ) or tg.health_check != hc:
                raise ApiError(
                    "DuplicateTargetGroupName",
                    f"A target group with the same name '{name}' exists, but with different "
                    "settings",
                )
            lbs = [x.arn for x in load_balancers_of_target_group(tx, req.region, tg.arn)]
            return {"TargetGroups": [out.target_group(tg, lbs)]}
        arn = f"{C.arn_base(req)}:targetgroup/{name}/{C.new_id()}"
        tg = TargetGroup(
            arn=arn,
            name=name,
            target_type=ttype,
            protocol=str(protocol) if protocol else None,
            port=int(port) if port is not None else None,
            vpc_id=str(vpc) if vpc else None,
            protocol_version=version,
            ip_address_type=str(p.get("IpAddressType") or "ipv4") if ttype != "lambda" else None,
            health_check=hc,
            attributes=attrs,
            created_at=C.now(),
        )
        tx.put(tg, req.region, arn)
        if tags:
            tx.put(ElbTags(arn, tags), req.region, arn)
    if version in ("HTTP2", "GRPC"):
        ctx.sink(Event(not_served(name, version), "warning", arn, "elbv2"))
    return {"TargetGroups": [out.target_group(tg, [])]}


def _health_check(p: Any, base: HealthCheck, ttype: str) -> HealthCheck:
    enabled = p.get("HealthCheckEnabled")
    if enabled is False and ttype in ("ip", "instance"):
        raise validation_error(
            f"Health check enabled must be true for target groups with target type '{ttype}'"
        )
    health_check_port(p.get("HealthCheckPort"))
    hc = HealthCheck(
        enabled=base.enabled if enabled is None else bool(enabled),
        protocol=p.get("HealthCheckProtocol") or base.protocol,
        port=p.get("HealthCheckPort") or base.port,
        path=p.get("HealthCheckPath") or base.path,
        interval_seconds=int(p.get("HealthCheckIntervalSeconds") or base.interval_seconds),
        timeout_seconds=int(p.get("HealthCheckTimeoutSeconds") or base.timeout_seconds),
        healthy_threshold=int(p.get("HealthyThresholdCount") or base.healthy_threshold),
        unhealthy_threshold=int(p.get("UnhealthyThresholdCount") or base.unhealthy_threshold),
        matcher=matcher_of(p.get("Matcher"), base.matcher),
    )
    if hc.protocol not in (None, "HTTP", "HTTPS") and p.get("HealthCheckPath"):
        raise validation_error(
            f"Health check path cannot be specified with health check protocol '{hc.protocol}'"
        )
    if hc.timeout_seconds >= hc.interval_seconds:
        raise validation_error("Health check interval must be greater than the timeout.")
    if hc.path is not None and not hc.path.startswith("/"):
        raise validation_error(f"Health check path '{hc.path}' must begin with a '/' character")
    return hc


def modify_target_group(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    with ctx.resources.transaction() as tx:
        tg = C.target_group(tx, req.region, str(p.get("TargetGroupArn", "")))
        tg = _replace(tg, health_check=_health_check(p, tg.health_check, tg.target_type))
        tx.put(tg, req.region, tg.arn)
        lbs = [x.arn for x in load_balancers_of_target_group(tx, req.region, tg.arn)]
    ctx.changed(req)
    return {"TargetGroups": [out.target_group(tg, lbs)]}


def delete_target_group(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    arn = str(req.params.get("TargetGroupArn", ""))
    with ctx.resources.transaction() as tx:
        if tx.get(TargetGroup, req.region, arn) is None:
            return {}
        if load_balancers_of_target_group(tx, req.region, arn):
            raise ApiError(
                "ResourceInUse",
                f"Target group '{arn}' is currently in use by a listener or a rule",
            )
        for reg in tx.list(TargetRegistration, req.region):
            if reg.target_group_arn == arn:
                tx.delete(TargetRegistration, req.region, reg.key)
        tx.delete(TargetGroup, req.region, arn)
        tx.delete(ElbTags, req.region, arn)
    ctx.changed(req)
    return {}


def describe_target_groups(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    res = C.view(ctx, req)
    tgs = res.list(TargetGroup, req.region)
    users = {tg: [x.arn for x in lbs] for tg, lbs in target_group_users(res, req.region).items()}
    lb_arn = p.get("LoadBalancerArn")
    if lb_arn:
        C.load_balancer(res, req.region, str(lb_arn))
        tgs = [t for t in tgs if lb_arn in users.get(t.arn, ())]
    arns, names = list(p.get("TargetGroupArns") or ()), list(p.get("Names") or ())
    if arns:
        tgs = [t for t in tgs if t.arn in arns]
        if len(tgs) < len(set(arns)):
            raise ApiError("TargetGroupNotFound", "One or more target groups not found")
    if names:
        tgs = [t for t in tgs if t.name in names]
        if len(tgs) < len(set(names)):
            raise ApiError("TargetGroupNotFound", "One or more target groups not found")
    chunk, nxt = C.page(tgs, p)
    result: dict[str, Any] = {
        "TargetGroups": [out.target_group(t, users.get(t.arn, [])) for t in chunk]
    }
    if nxt is not None:
        result["NextMarker"] = nxt
    return result


def describe_target_group_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    tg = C.target_group(C.view(ctx, req), req.region, str(req.params.get("TargetGroupArn", "")))
    return {"Attributes": out.attributes(tg.attributes)}


def modify_target_group_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    with ctx.resources.transaction() as tx:
        tg = C.target_group(tx, req.region, str(p.get("TargetGroupArn", "")))
        attrs = attributes_of("target group", p.get("Attributes") or (), tg.attributes)
        tg = _replace(tg, attributes=attrs)
        tx.put(tg, req.region, tg.arn)
    ctx.changed(req)
    return {"Attributes": out.attributes(tg.attributes)}


OPERATIONS = {
    "CreateTargetGroup": create_target_group,
    "ModifyTargetGroup": modify_target_group,
    "DeleteTargetGroup": delete_target_group,
    "DescribeTargetGroups": describe_target_groups,
    "DescribeTargetGroupAttributes": describe_target_group_attributes,
    "ModifyTargetGroupAttributes": modify_target_group_attributes,
}

__all__ = ["OPERATIONS"]
