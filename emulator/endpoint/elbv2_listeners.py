"""ELBv2 listeners and rules through the API: Create/Describe/Modify/DeleteListener,
Create/Describe/Modify/DeleteRule and SetRulePriorities.

Why this exists: listeners and their rules are what the stand-in's nginx routes by. Each
write checks its actions, conditions and transforms with the layout's own checks
(``elbv2_input.check_rule``), checks what AWS checks between resources (the target groups
exist, a target group serves one load balancer, a port has one listener, a priority one
rule), and is then projected onto the stand-in. A listener is published on 127.0.0.1 at
its own port when that port can be bound, else at a free one; the record keeps where.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from emulator.endpoint import elbv2_auth as auth
from emulator.endpoint import elbv2_common as C
from emulator.endpoint import elbv2_output as out
from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_input import (
    actions_of,
    check_model,
    conditions_of,
    tags_of,
    transforms_of,
)
from emulator.endpoint.elbv2_records import (
    Action,
    Condition,
    ElbTags,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    Transform,
    listeners_of,
    load_balancers_of_target_group,
    rules_of,
)
from emulator.endpoint.elbv2_rulecheck import check_rule
from emulator.endpoint.resources import Tx
from emulator.events import Event

DEFAULT_SSL_POLICY = "ELBSecurityPolicy-2016-08"
ALB_PROTOCOLS = ("HTTP", "HTTPS")


def _check_actions(
    tx: Tx,
    region: str,
    lb: LoadBalancer,
    protocol: str,
    actions: tuple[Action, ...],
    conditions: tuple[Condition, ...] = (),
    transforms: tuple[Transform, ...] = (),
) -> None:
    names: dict[str, str] = {}
    for a in actions:
        for arn in a.target_group_arns():
            tg = tx.get(TargetGroup, region, arn)
            if tg is None:
                raise ApiError("TargetGroupNotFound", f"Target groups '{arn}' not found")
            if any(x.arn != lb.arn for x in load_balancers_of_target_group(tx, region, arn)):
                raise ApiError(
                    "TargetGroupAssociationLimit",
                    "The following target groups cannot be associated with more than one "
                    f"load balancer: {arn}",
                )
            names[arn] = tg.name
    check_rule(actions, conditions, transforms, protocol, names)


def _protocol(lb: LoadBalancer, p: Any, current: str | None) -> str:
    protocol = str(p.get("Protocol") or current or "HTTP")
    if lb.type == "application" and protocol not in ALB_PROTOCOLS:
        raise validation_error(f"Listener protocol '{protocol}' must be one of 'HTTPS, HTTP'")
    return protocol


def _certificates(p: Any, protocol: str, current: tuple[str, ...]) -> tuple[str, ...]:
    given = p.get("Certificates")
    certs = tuple(str(c.get("CertificateArn", "")) for c in given) if given is not None else current
    if protocol == "HTTPS" and not certs:
        raise validation_error("A certificate must be specified for HTTPS listeners")
    return certs if protocol == "HTTPS" else ()


def create_listener(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    from emulator.endpoint.listenerports import choose_publish

    p = req.params
    check_model(req.operation, p)
    tags = tags_of(p)
    with ctx.resources.transaction() as tx:
        lb = C.load_balancer(tx, req.region, str(p.get("LoadBalancerArn", "")))
        if p.get("Port") is None:
            raise validation_error("A listener port must be specified")
        port = int(p["Port"])
        protocol = _protocol(lb, p, None)
        certs = _certificates(p, protocol, ())
        actions = actions_of(p.get("DefaultActions"))
        _check_actions(tx, req.region, lb, protocol, actions)
        ssl = str(p.get("SslPolicy") or DEFAULT_SSL_POLICY) if protocol == "HTTPS" else None
        alpn = tuple(str(x) for x in p.get("AlpnPolicy") or ())
        for other in listeners_of(tx, req.region, lb.arn):
            if other.port != port:
                continue
            same = (other.protocol, other.default_actions, other.certificates) == (
                protocol,
                actions,
                certs,
            )
            if not same:
                raise ApiError(
                    "DuplicateListener",
                    f"A listener already exists on this port for this load balancer '{lb.arn}'",
                )
            return {"Listeners": [out.listener(other)]}
        base = f"{C.arn_base(req)}:listener/{C.lb_path(lb)}/{C.new_id()}"
        lis = Listener(
            arn=base,
            load_balancer_arn=lb.arn,
            port=port,
            protocol=protocol,
            default_actions=actions,
            default_rule_arn=base.replace(":listener/", ":listener-rule/", 1) + "/" + C.new_id(),
            ssl_policy=ssl,
            certificates=certs,
            alpn_policy=alpn,
            publish=choose_publish(tx, port),
            attributes=(
                (("routing.http.response.server.enabled", "true"),)
                if lb.type == "application"
                else (("tcp.idle_timeout.seconds", "350"),)
            ),
            created_at=C.now(),
        )
        tx.put(lis, req.region, lis.arn)
        if tags:
            tx.put(ElbTags(lis.arn, tags), req.region, lis.arn)
    ctx.changed(req)
    _announce(ctx, lb, lis)
    _unenforced(ctx, f"load balancer {lb.name}: listener {lis.port}", lis.default_actions)
    return {"Listeners": [out.listener(lis)]}


def _unenforced(ctx: C.Elbv2Context, what: str, actions: tuple[Action, ...]) -> None:
    """Say in the serve log that an authentication action lets requests through here."""
    for a in actions:
        if a.type in auth.TYPES:
            ctx.sink(Event(auth.not_enforced(what, a.type), "warning", "elbv2", "elbv2"))


def _announce(ctx: C.Elbv2Context, lb: LoadBalancer, lis: Listener) -> None:
    """Say in the serve log where the listener answers on this machine."""
    where = f"http://{lis.publish}/"
    if lis.publish.rpartition(":")[2] == str(lis.port):
        ctx.sink(
            Event(
                f"load balancer {lb.name}: listener {lis.port} at {where}", "info", lb.arn, "elbv2"
            )
        )
    else:
        ctx.sink(
            Event(
                f"load balancer {lb.name}: listener {lis.port} at {where} "
                f"(port {lis.port} is taken on 127.0.0.1)",
                "warning",
                lb.arn,
                "elbv2",
            )
        )


def describe_listeners(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    res = C.view(ctx, req)
    lb_arn, arns = p.get("LoadBalancerArn"), list(p.get("ListenerArns") or ())
    if not lb_arn and not arns:
        raise validation_error("You must specify either listener ARNs or a load balancer ARN")
    if lb_arn:
        C.load_balancer(res, req.region, str(lb_arn))
        found = listeners_of(res, req.region, str(lb_arn))
    else:
        found = res.list(Listener, req.region)
    if arns:
        found = [x for x in found if x.arn in arns]
        if len(found) < len(set(arns)):
            raise ApiError("ListenerNotFound", "One or more listeners not found")
    return C.paged("Listeners", [out.listener(x) for x in found], p)


def modify_listener(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    from emulator.endpoint.listenerports import choose_publish

    p = req.params
    check_model(req.operation, p)
    with ctx.resources.transaction() as tx:
        lis = C.listener(tx, req.region, str(p.get("ListenerArn", "")))
        lb = C.load_balancer(tx, req.region, lis.load_balancer_arn)
        port = int(p["Port"]) if p.get("Port") is not None else lis.port
        if port != lis.port and any(
            x.port == port for x in listeners_of(tx, req.region, lb.arn) if x.arn != lis.arn
        ):
            raise ApiError(
                "DuplicateListener",
                f"A listener already exists on this port for this load balancer '{lb.arn}'",
            )
        protocol = _protocol(lb, p, lis.protocol)
        certs = _certificates(p, protocol, lis.certificates)
        actions = lis.default_actions
        if p.get("DefaultActions") is not None:
            actions = actions_of(p.get("DefaultActions"))
        _check_actions(tx, req.region, lb, protocol, actions)
        ssl = None
        if protocol == "HTTPS":
            ssl = str(p.get("SslPolicy") or lis.ssl_policy or DEFAULT_SSL_POLICY)
        lis = dataclasses.replace(
            lis,
            port=port,
            protocol=protocol,
            certificates=certs,
            default_actions=actions,
            ssl_policy=ssl,
            alpn_policy=tuple(str(x) for x in p.get("AlpnPolicy") or lis.alpn_policy),
            publish=lis.publish if port == lis.port else choose_publish(tx, port),
        )
        tx.put(lis, req.region, lis.arn)
    ctx.changed(req)
    if p.get("Port") is not None:
        _announce(ctx, lb, lis)
    if p.get("DefaultActions") is not None:
        _unenforced(ctx, f"load balancer {lb.name}: listener {lis.port}", lis.default_actions)
    return {"Listeners": [out.listener(lis)]}


def delete_listener(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    from emulator.endpoint.elbv2 import delete_listener_records

    with ctx.resources.transaction() as tx:
        lis = C.listener(tx, req.region, str(req.params.get("ListenerArn", "")))
        delete_listener_records(tx, req.region, lis)
    ctx.changed(req)
    return {}


# -- rules --------------------------------------------------------------------------------------


def _priority_free(tx: Tx, region: str, listener_arn: str, priority: int, rule_arn: str) -> None:
    for r in rules_of(tx, region, listener_arn):
        if r.priority == priority and r.arn != rule_arn:
            raise ApiError("PriorityInUse", f"Priority '{priority}' is currently in use")


def create_rule(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    tags = tags_of(p)
    with ctx.resources.transaction() as tx:
        lis = C.listener(tx, req.region, str(p.get("ListenerArn", "")))
        lb = C.load_balancer(tx, req.region, lis.load_balancer_arn)
        if p.get("Priority") is None:
            raise validation_error("A rule priority must be specified")
        priority = int(p["Priority"])
        conditions = conditions_of(p.get("Conditions"))
        if not conditions:
            raise validation_error("A rule must have at least one condition")
        actions = actions_of(p.get("Actions"))
        transforms = transforms_of(p.get("Transforms"))
        _check_actions(tx, req.region, lb, lis.protocol, actions, conditions, transforms)
        _priority_free(tx, req.region, lis.arn, priority, "")
        arn = lis.arn.replace(":listener/", ":listener-rule/", 1) + "/" + C.new_id()
        r = Rule(arn, lis.arn, priority, conditions, actions, transforms, C.now())
        tx.put(r, req.region, arn)
        if tags:
            tx.put(ElbTags(arn, tags), req.region, arn)
    ctx.changed(req)
    _unenforced(ctx, f"load balancer {lb.name}: listener {lis.port} rule {priority}", actions)
    return {"Rules": [out.rule(r)]}


def describe_rules(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    res = C.view(ctx, req)
    lis_arn, arns = p.get("ListenerArn"), list(p.get("RuleArns") or ())
    if not lis_arn and not arns:
        raise validation_error("You must specify either listener rule ARNs or a listener ARN")
    listeners = (
        [C.listener(res, req.region, str(lis_arn))] if lis_arn else res.list(Listener, req.region)
    )
    items: list[tuple[str, dict[str, Any]]] = []
    for lis in listeners:
        items.extend((r.arn, out.rule(r)) for r in rules_of(res, req.region, lis.arn))
        items.append((lis.default_rule_arn, out.default_rule(lis)))
    if arns:
        items = [x for x in items if x[0] in arns]
        if len(items) < len(set(arns)):
            raise ApiError("RuleNotFound", "One or more rules not found")
    return C.paged("Rules", [x[1] for x in items], p)


def _not_default(tx: Tx, region: str, arn: str, verb: str) -> None:
    if C.default_rule_of(tx, region, arn) is not None:
        raise ApiError("OperationNotPermitted", f"Default rule '{arn}' cannot be {verb}")


def modify_rule(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    with ctx.resources.transaction() as tx:
        arn = str(p.get("RuleArn", ""))
        _not_default(tx, req.region, arn, "modified")
        r = C.rule(tx, req.region, arn)
        lis = C.listener(tx, req.region, r.listener_arn)
        lb = C.load_balancer(tx, req.region, lis.load_balancer_arn)
        conditions = r.conditions
        if p.get("Conditions"):
            conditions = conditions_of(p.get("Conditions"))
        actions = actions_of(p.get("Actions")) if p.get("Actions") else r.actions
        transforms = r.transforms
        if p.get("ResetTransforms"):
            transforms = ()
        elif p.get("Transforms") is not None:
            transforms = transforms_of(p.get("Transforms"))
        _check_actions(tx, req.region, lb, lis.protocol, actions, conditions, transforms)
        r = dataclasses.replace(r, conditions=conditions, actions=actions, transforms=transforms)
        tx.put(r, req.region, r.arn)
    ctx.changed(req)
    if p.get("Actions"):
        _unenforced(ctx, f"load balancer {lb.name}: listener {lis.port} rule {r.priority}", actions)
    return {"Rules": [out.rule(r)]}


def delete_rule(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    with ctx.resources.transaction() as tx:
        arn = str(req.params.get("RuleArn", ""))
        _not_default(tx, req.region, arn, "deleted")
        C.rule(tx, req.region, arn)
        tx.delete(Rule, req.region, arn)
        tx.delete(ElbTags, req.region, arn)
    ctx.changed(req)
    return {}


def set_rule_priorities(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    p = req.params
    check_model(req.operation, p)
    pairs = [
        (str(x.get("RuleArn", "")), int(x.get("Priority", 0)))
        for x in p.get("RulePriorities") or ()
    ]
    seen: set[int] = set()
    for _, prio in pairs:
        if prio in seen:
            raise validation_error(f"Priority '{prio}' was provided multiple times")
        seen.add(prio)
    with ctx.resources.transaction() as tx:
        changed: dict[str, Rule] = {}
        for arn, prio in pairs:
            _not_default(tx, req.region, arn, "modified")
            changed[arn] = dataclasses.replace(C.rule(tx, req.region, arn), priority=prio)
        for r in changed.values():
            for other in rules_of(tx, req.region, r.listener_arn):
                mine = changed.get(other.arn, other)
                if mine.arn != r.arn and mine.priority == r.priority:
                    raise ApiError("PriorityInUse", f"Priority '{r.priority}' is currently in use")
        for r in changed.values():
            tx.put(r, req.region, r.arn)
    ctx.changed(req)
    return {"Rules": [out.rule(r) for r in changed.values()]}


OPERATIONS = {
    "CreateListener": create_listener,
    "DescribeListeners": describe_listeners,
    "ModifyListener": modify_listener,
    "DeleteListener": delete_listener,
    "CreateRule": create_rule,
    "DescribeRules": describe_rules,
    "ModifyRule": modify_rule,
    "DeleteRule": delete_rule,
    "SetRulePriorities": set_rule_priorities,
}

__all__ = ["OPERATIONS"]
