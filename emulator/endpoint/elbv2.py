"""ELBv2 through the API: load balancers, target groups, their attributes and tags (listeners
and rules: ``elbv2_listeners``; targets and their health: ``elbv2_targets``).

Why this exists: the AWS CLI, the SDKs and Terraform create the ALB in front of an ECS
service with these calls. Records are kept in the endpoint's resource tables
(``elbv2_records``); each write is one transaction and is then projected onto the running
stand-in (``albprojection``), so a load balancer made here is an nginx answering on this
machine. Names, idempotent creates, defaults and errors follow AWS (reference
aws-semantics.md): a create repeated with the same settings answers with the same resource,
with other settings it is ``DuplicateLoadBalancerName``/``DuplicateTargetGroupName``.

``handlers(ctx)`` builds the service's operation table (the server's registry calls it).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from emulator.endpoint import elbv2_common as C
from emulator.endpoint import elbv2_output as out
from emulator.endpoint.api import ApiError, Request, ServiceHandlers, validation_error
from emulator.endpoint.elbv2_input import (
    attributes_of,
    check_model,
    check_name,
    health_check_port,
    matcher_of,
    tags_of,
)
from emulator.endpoint.elbv2_records import (
    LAMBDA_TARGET_GROUP_ATTRIBUTE_DEFAULTS,
    TARGET_GROUP_ATTRIBUTE_DEFAULTS,
    ElbTags,
    HealthCheck,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    TargetRegistration,
    ZoneMapping,
    health_check_defaults,
    load_balancers_of_target_group,
)
from emulator.endpoint.resources import Tx

ZONE_LETTERS = "abcdef"


# -- load balancers -----------------------------------------------------------------------------


def create_load_balancer(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    name = str(p.get("Name", ""))
    check_name("Load balancer", name)
    kind = str(p.get("Type") or "application")
    scheme = str(p.get("Scheme") or "internet-facing")
    subnets = [str(s) for s in p.get("Subnets") or ()]
    subnets += [str(m["SubnetId"]) for m in p.get("SubnetMappings") or () if m.get("SubnetId")]
    if len(set(subnets)) != len(subnets):
        raise validation_error("A subnet can be specified only once")
    if kind == "application" and len(subnets) < 2:
        raise validation_error(
            "At least two subnets in two different Availability Zones must be specified"
        )
    tags = tags_of(p)
    with ctx.resources.transaction() as tx:
        for lb in tx.list(LoadBalancer, req.region):
            if lb.name != name:
                continue
            same = (
                lb.type == kind
                and lb.scheme == scheme
                and sorted(z.subnet_id for z in lb.zones) == sorted(subnets)
                and list(lb.security_groups) == list(p.get("SecurityGroups") or lb.security_groups)
            )
            if not same:
                raise ApiError(
                    "DuplicateLoadBalancerName",
                    f"A load balancer with the same name '{name}' exists, but with different "
                    "settings",
                )
            return {"LoadBalancers": [out.load_balancer(lb)]}
        uid = C.new_id()
        arn = f"{C.arn_base(req)}:loadbalancer/{'net' if kind == 'network' else 'app'}/{name}/{uid}"
        number = int(hashlib.sha256(arn.encode()).hexdigest()[:12], 16) % (9 * 10**9) + 10**9
        prefix = "internal-" if scheme == "internal" else ""
        lb = LoadBalancer(
            arn=arn,
            name=name,
            dns_name=f"{prefix}{name.lower()}-{number}.{req.region}.elb.localhost",
            type=kind,
            scheme=scheme,
            ip_address_type=str(p.get("IpAddressType") or "ipv4"),
            vpc_id=None,
            zones=tuple(
                ZoneMapping(s, f"{req.region}{ZONE_LETTERS[i % len(ZONE_LETTERS)]}")
                for i, s in enumerate(subnets)
            ),
            security_groups=tuple(str(s) for s in p.get("SecurityGroups") or ()),
            created_at=C.now(),
        )
        tx.put(lb, req.region, arn)
        if tags:
            tx.put(ElbTags(arn, tags), req.region, arn)
    ctx.changed(req)
    return {"LoadBalancers": [out.load_balancer(lb)]}


def describe_load_balancers(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    from emulator.endpoint.albprojection import refresh_state

    lbs = ctx.resources.list(LoadBalancer, req.region)
    arns, names = list(p.get("LoadBalancerArns") or ()), list(p.get("Names") or ())
    if arns:
        lbs = [x for x in lbs if x.arn in arns]
        if len(lbs) < len(set(arns)):
            raise ApiError("LoadBalancerNotFound", "One or more load balancers not found")
    if names:
        lbs = [x for x in lbs if x.name in names]
        missing = [n for n in names if n not in {x.name for x in lbs}]
        if missing:
            raise ApiError(
                "LoadBalancerNotFound", f"Load balancers '[{', '.join(missing)}]' not found"
            )
    chunk, nxt = C.page(lbs, p)
    result: dict[str, Any] = {
        "LoadBalancers": [
            out.load_balancer(refresh_state(ctx.resources, req.region, x)) for x in chunk
        ]
    }
    if nxt is not None:
        result["NextMarker"] = nxt
    return result


def delete_load_balancer(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    arn = str(req.params.get("LoadBalancerArn", ""))
    with ctx.resources.transaction() as tx:
        lb = tx.get(LoadBalancer, req.region, arn)
        if lb is None:
            return {}  # as AWS: deleting what is gone succeeds
        if lb.attribute("deletion_protection.enabled") == "true":
            raise ApiError(
                "OperationNotPermitted",
                f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled",
            )
        for lis in tx.list(Listener, req.region):
            if lis.load_balancer_arn == arn:
                delete_listener_records(tx, req.region, lis)
        tx.delete(LoadBalancer, req.region, arn)
        tx.delete(ElbTags, req.region, arn)
    ctx.changed(req)
    return {}


def delete_listener_records(tx: Tx, region: str, lis: Listener) -> None:
    for r in tx.list(Rule, region):
        if r.listener_arn == lis.arn:
            tx.delete(Rule, region, r.arn)
            tx.delete(ElbTags, region, r.arn)
    tx.delete(Listener, region, lis.arn)
    tx.delete(ElbTags, region, lis.arn)


def describe_load_balancer_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    lb = C.load_balancer(ctx.resources, req.region, str(req.params.get("LoadBalancerArn", "")))
    return {"Attributes": out.attributes(lb.attributes)}


def modify_load_balancer_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    with ctx.resources.transaction() as tx:
        lb = C.load_balancer(tx, req.region, str(p.get("LoadBalancerArn", "")))
        attrs = attributes_of("load balancer", p.get("Attributes") or (), lb.attributes)
        lb = _replace(lb, attributes=attrs)
        tx.put(lb, req.region, lb.arn)
    ctx.changed(req)
    return {"Attributes": out.attributes(lb.attributes)}


# -- target groups ------------------------------------------------------------------------------


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
    version = p.get("ProtocolVersion")
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
    res = ctx.resources
    tgs = res.list(TargetGroup, req.region)
    lb_arn = p.get("LoadBalancerArn")
    if lb_arn:
        C.load_balancer(res, req.region, str(lb_arn))
        tgs = [t for t in tgs if any(x.arn == lb_arn for x in _lbs(res, req.region, t))]
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
        "TargetGroups": [
            out.target_group(t, [x.arn for x in _lbs(res, req.region, t)]) for t in chunk
        ]
    }
    if nxt is not None:
        result["NextMarker"] = nxt
    return result


def _lbs(res: Any, region: str, tg: TargetGroup) -> list[LoadBalancer]:
    return load_balancers_of_target_group(res, region, tg.arn)


def describe_target_group_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    tg = C.target_group(ctx.resources, req.region, str(req.params.get("TargetGroupArn", "")))
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


# -- tags ---------------------------------------------------------------------------------------


def add_tags(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    new = dict(tags_of(p))
    with ctx.resources.transaction() as tx:
        for arn in p.get("ResourceArns") or ():
            C.require(tx, req.region, str(arn))
            have = tx.get(ElbTags, req.region, str(arn))
            merged = dict(have.tags if have else ()) | new
            if len(merged) > 50:
                raise ApiError(
                    "TooManyTags",
                    "The quota for the number of tags that can be assigned to a load balancer "
                    "has been reached",
                )
            tx.put(ElbTags(str(arn), tuple(merged.items())), req.region, str(arn))
    return {}


def remove_tags(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    keys = {str(k) for k in p.get("TagKeys") or ()}
    with ctx.resources.transaction() as tx:
        for arn in p.get("ResourceArns") or ():
            C.require(tx, req.region, str(arn))
            have = tx.get(ElbTags, req.region, str(arn))
            kept = tuple((k, v) for k, v in (have.tags if have else ()) if k not in keys)
            tx.put(ElbTags(str(arn), kept), req.region, str(arn))
    return {}


def describe_tags(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    descs = []
    for arn in req.params.get("ResourceArns") or ():
        C.require(ctx.resources, req.region, str(arn))
        have = ctx.resources.get(ElbTags, req.region, str(arn))
        descs.append({"ResourceArn": str(arn), "Tags": out.tags(have.tags if have else ())})
    return {"TagDescriptions": descs}


def _replace(record: Any, **changes: Any) -> Any:
    import dataclasses

    return dataclasses.replace(record, **changes)


# -- the operation table ------------------------------------------------------------------------


def handlers(ctx: Any) -> ServiceHandlers:
    """Every ELBv2 operation ecsdev answers itself (the rest goes to the fallback). ``ctx``
    is the server's ``EndpointContext`` (resources, runtime(), sink), or an
    ``Elbv2Context`` as it is."""
    from emulator.endpoint import elbv2_listeners as L
    from emulator.endpoint import elbv2_targets as T
    from emulator.endpoint.albprojection import project

    if not isinstance(ctx, C.Elbv2Context):
        ctx = C.Elbv2Context(ctx.resources, ctx.runtime, project, ctx.sink)
    table = {
        "CreateLoadBalancer": create_load_balancer,
        "DescribeLoadBalancers": describe_load_balancers,
        "DeleteLoadBalancer": delete_load_balancer,
        "DescribeLoadBalancerAttributes": describe_load_balancer_attributes,
        "ModifyLoadBalancerAttributes": modify_load_balancer_attributes,
        "CreateTargetGroup": create_target_group,
        "ModifyTargetGroup": modify_target_group,
        "DeleteTargetGroup": delete_target_group,
        "DescribeTargetGroups": describe_target_groups,
        "DescribeTargetGroupAttributes": describe_target_group_attributes,
        "ModifyTargetGroupAttributes": modify_target_group_attributes,
        "AddTags": add_tags,
        "RemoveTags": remove_tags,
        "DescribeTags": describe_tags,
        **L.OPERATIONS,
        **T.OPERATIONS,
    }
    sh = ServiceHandlers("elbv2")
    bound: C.Elbv2Context = ctx
    for name, fn in table.items():
        sh.add(name, functools.partial(fn, bound))
    return sh


__all__ = ["handlers"]
