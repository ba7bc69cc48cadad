"""ELBv2 through the API: load balancers, their attributes, and tags (target groups:
``elbv2_groups``; listeners and rules: ``elbv2_listeners``; targets: ``elbv2_targets``).

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
from emulator.endpoint.elbv2_certificates import ListenerCertificates
from emulator.endpoint.elbv2_input import (
    attributes_of,
    check_model,
    check_name,
    tags_of,
)
from emulator.endpoint.elbv2_network import placement
from emulator.endpoint.elbv2_placement import CapacityReservation
from emulator.endpoint.elbv2_records import (
    ElbTags,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
)
from emulator.endpoint.resources import Tx

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
        vpc, zones, groups = placement(tx, req, subnets, p.get("SecurityGroups") or ())
        for lb in tx.list(LoadBalancer, req.region):
            if lb.name != name:
                continue
            same = (
                lb.type == kind
                and lb.scheme == scheme
                and sorted(z.subnet_id for z in lb.zones) == sorted(subnets)
                and lb.security_groups == groups
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
            vpc_id=vpc,
            zones=zones,
            security_groups=groups,
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

    view = C.view(ctx, req)
    lbs = view.list(LoadBalancer, req.region)
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
            out.load_balancer(refresh_state(ctx.resources, req.region, x, view)) for x in chunk
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
        tx.delete(CapacityReservation, req.region, arn)
    ctx.changed(req)
    return {}


def delete_listener_records(tx: Tx, region: str, lis: Listener) -> None:
    for r in tx.list(Rule, region):
        if r.listener_arn == lis.arn:
            tx.delete(Rule, region, r.arn)
            tx.delete(ElbTags, region, r.arn)
    tx.delete(Listener, region, lis.arn)
    tx.delete(ElbTags, region, lis.arn)
    tx.delete(ListenerCertificates, region, lis.arn)


def describe_load_balancer_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    lb = C.load_balancer(C.view(ctx, req), req.region, str(req.params.get("LoadBalancerArn", "")))
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


LISTENER_ATTRIBUTES = frozenset(
    {"routing.http.response.server.enabled", "tcp.idle_timeout.seconds"}
    | {
        f"routing.http.response.{h}.header_value"
        for h in (
            "strict_transport_security",
            "access_control_allow_origin",
            "access_control_allow_methods",
            "access_control_allow_headers",
            "access_control_allow_credentials",
            "access_control_expose_headers",
            "access_control_max_age",
            "content_security_policy",
            "x_content_type_options",
            "x_frame_options",
        )
    }
    | {
        f"routing.http.request.x_amzn_{h}.header_name"
        for h in (
            "mtls_clientcert_serial_number",
            "mtls_clientcert_issuer",
            "mtls_clientcert_subject",
            "mtls_clientcert_validity",
            "mtls_clientcert_leaf",
            "mtls_clientcert",
            "tls_version",
            "tls_cipher_suite",
        )
    }
)


def describe_listener_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    lis = C.listener(C.view(ctx, req), req.region, str(req.params.get("ListenerArn", "")))
    return {"Attributes": out.attributes(lis.attributes)}


def modify_listener_attributes(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    """Kept and answered as given (the stand-in does not act on them yet)."""
    p = req.params
    with ctx.resources.transaction() as tx:
        lis = C.listener(tx, req.region, str(p.get("ListenerArn", "")))
        attrs = dict(lis.attributes)
        for a in p.get("Attributes") or ():
            key = str(a.get("Key", ""))
            if key not in LISTENER_ATTRIBUTES:
                raise validation_error(f"Listener attribute key '{key}' is not recognized")
            attrs[key] = str(a.get("Value", ""))
        lis = _replace(lis, attributes=tuple(attrs.items()))
        tx.put(lis, req.region, lis.arn)
    return {"Attributes": out.attributes(lis.attributes)}


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
    view = C.view(ctx, req)
    for arn in req.params.get("ResourceArns") or ():
        C.require(view, req.region, str(arn))
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
    from emulator.endpoint import elbv2_certificates as CERTS
    from emulator.endpoint import elbv2_groups as G
    from emulator.endpoint import elbv2_listeners as L
    from emulator.endpoint import elbv2_placement as P
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
        "DescribeListenerAttributes": describe_listener_attributes,
        "ModifyListenerAttributes": modify_listener_attributes,
        "AddTags": add_tags,
        "RemoveTags": remove_tags,
        "DescribeTags": describe_tags,
        **G.OPERATIONS,
        **L.OPERATIONS,
        **P.OPERATIONS,
        **CERTS.OPERATIONS,
        **T.OPERATIONS,
    }
    sh = ServiceHandlers("elbv2")
    bound: C.Elbv2Context = ctx
    for name, fn in table.items():
        sh.add(name, functools.partial(_checked, fn, bound))
    sh.owns = functools.partial(_owned, bound)
    sh.unsupported_code = "OperationNotPermitted"
    return sh


def _owned(ctx: C.Elbv2Context, req: Request) -> str | None:
    """An ARN of a load balancer, target group, listener or rule ecsdev keeps, among the
    request's top-level values."""
    for value in req.params.values():
        for arn in value if isinstance(value, list) else [value]:
            if not isinstance(arn, str) or not arn.startswith("arn:aws:elasticloadbalancing:"):
                continue
            for kind in (LoadBalancer, TargetGroup, Listener, Rule):
                if ctx.resources.get(kind, req.region, arn) is not None:
                    return arn
    return None


def _checked(fn: Any, ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    """Every operation's input meets the model's ranges, enums and lengths first."""
    check_model(req.operation, req.params)
    result: dict[str, Any] = fn(ctx, req)
    return result


__all__ = ["handlers"]
