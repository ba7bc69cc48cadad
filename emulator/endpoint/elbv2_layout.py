"""ELBv2 records as the ``Layout`` objects the ALB stand-in runs.

Why this exists: the stand-in (``emulator.alb``) compiles a layout's load balancers, listeners,
rules and target groups into nginx; load balancers made through the API must become the very
same objects, so one compiler serves both and they route alike. Target groups and load
balancers keep the ARN the API gave them (``arn`` on the model), names stay the API's names
(unique in a region, as in AWS), and every listener is published where its record says.
Authentication actions are left out: nothing is enforced locally (``elbv2_auth``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from emulator.endpoint.elbv2_auth import TYPES as AUTH
from emulator.endpoint.elbv2_records import (
    Action,
    Condition,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    Transform,
)
from emulator.model import layout as m

SUBNET = "elb"
"""The one subnet (Docker network ``<stack>-elb``) the projected load balancers live on; they
join the networks of their targets as those register."""


def target_group(tg: TargetGroup) -> m.TargetGroup:
    hc = tg.health_check
    attrs = dict(tg.attributes)
    return m.TargetGroup(
        name=tg.name,
        protocol=tg.protocol or "HTTP",
        port=tg.port or 80,
        target_type=tg.target_type,
        health_check_enabled=hc.enabled,
        health_check_path=hc.path or "/",
        health_check_port=hc.port or "traffic-port",
        health_check_protocol=hc.protocol or "HTTP",
        health_check_interval_seconds=hc.interval_seconds,
        health_check_timeout_seconds=hc.timeout_seconds,
        healthy_threshold_count=hc.healthy_threshold,
        unhealthy_threshold_count=hc.unhealthy_threshold,
        matcher=(hc.matcher.http_code if hc.matcher and hc.matcher.http_code else "200"),
        deregistration_delay=int(attrs.get("deregistration_delay.timeout_seconds", "300")),
        stickiness=_stickiness(attrs),
        attributes=tuple(sorted((k, v) for k, v in attrs.items() if v != "")),
        arn=tg.arn,
    )


def _stickiness(attrs: Mapping[str, str]) -> dict[str, Any] | None:
    if attrs.get("stickiness.enabled", "false") != "true":
        return None
    kind = attrs.get("stickiness.type", "lb_cookie")
    return {
        "enabled": True,
        "type": kind,
        "durationSeconds": int(attrs.get(f"stickiness.{kind}.duration_seconds", "86400")),
        "cookieName": attrs.get("stickiness.app_cookie.cookie_name") or None,
    }


def action(a: Action, names: Mapping[str, str]) -> m.Action:
    if a.type == "forward":
        fc = a.forward
        groups = fc.target_groups if fc is not None else ()
        sticky = fc.stickiness_duration if fc is not None and fc.stickiness_enabled else None
        return m.Action(
            type="forward",
            target_groups=tuple(
                m.WeightedTargetGroup(
                    names.get(g.target_group_arn, g.target_group_arn),
                    1 if g.weight is None else g.weight,
                )
                for g in groups
            ),
            stickiness_seconds=sticky,
        )
    if a.type == "redirect" and a.redirect is not None:
        r = a.redirect
        return m.Action(
            type="redirect",
            redirect={
                "protocol": r.protocol,
                "host": r.host,
                "port": r.port,
                "path": r.path,
                "query": r.query,
                "statusCode": r.status_code,
            },
        )
    fr = a.fixed_response
    return m.Action(
        type="fixed-response",
        status_code=fr.status_code if fr else "503",
        content_type=fr.content_type if fr else None,
        message_body=fr.message_body if fr else None,
    )


def condition(c: Condition) -> m.Condition:
    if c.field == "query-string":
        return m.Condition(field=c.field, values=tuple((q.key, q.value) for q in c.query))
    if c.regex_values:
        return m.Condition(c.field, c.regex_values, c.http_header_name, regex=True)
    return m.Condition(c.field, c.values, c.http_header_name)


def transform(t: Transform) -> m.Transform:
    rw = t.rewrites[0]
    return m.Transform(type=t.type, regex=rw.regex, replace=rw.replace)


def rule(r: Rule, names: Mapping[str, str]) -> m.Rule:
    return m.Rule(
        priority=r.priority,
        conditions=tuple(condition(c) for c in r.conditions),
        actions=tuple(action(a, names) for a in r.actions if a.type not in AUTH),
        transforms=tuple(transform(t) for t in r.transforms),
    )


def listener(lis: Listener, rules: Iterable[Rule], names: Mapping[str, str]) -> m.Listener:
    return m.Listener(
        port=lis.port,
        protocol=lis.protocol,
        publish=lis.publish or None,
        default_actions=tuple(action(a, names) for a in lis.default_actions if a.type not in AUTH),
        rules=tuple(rule(r, names) for r in sorted(rules, key=lambda r: r.priority)),
    )


def load_balancer(
    lb: LoadBalancer,
    listeners: Iterable[tuple[Listener, Iterable[Rule]]],
    names: Mapping[str, str],
) -> m.LoadBalancer:
    return m.LoadBalancer(
        name=lb.name,
        scheme=lb.scheme,
        subnets=(SUBNET,),
        attributes=tuple(sorted((k, v) for k, v in lb.attributes if v != "")),
        listeners=tuple(listener(x, rs, names) for x, rs in listeners),
        arn=lb.arn,
    )


def layout(
    stack: str,
    region: str,
    account_id: str,
    cluster: str,
    load_balancers: Iterable[m.LoadBalancer],
    target_groups: Iterable[TargetGroup],
) -> m.Layout:
    return m.Layout(
        name=stack,
        source=f"the ELBv2 API ({region})",
        region=region,
        account_id=account_id,
        cluster=cluster or "default",
        vpc=m.Vpc(subnets=(m.Subnet(name=SUBNET, public=True),)),
        target_groups=tuple(target_group(t) for t in target_groups),
        load_balancers=tuple(load_balancers),
    )


__all__ = ["SUBNET", "action", "condition", "layout", "load_balancer", "target_group"]
