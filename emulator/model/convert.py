"""From a validated, cleaned layout document to the typed ``Layout`` objects of
``emulator.model.layout``.

Runs only when validation found no problem, so it reads keys without checking them again. It is
where shorthands become one form (``subnets`` or ``networkConfiguration``; ``targetGroup`` or
``forwardConfig``; ``deregistrationDelay`` or its attribute), where defaults are filled (AWS's,
plus the first subnet for awsvpc services and the public subnets for internet-facing load
balancers), where rules are sorted by priority and paths become absolute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulator.model import layout as m
from emulator.model.layoutcheck import Catalog
from emulator.model.semantics import network_mode
from emulator.model.taskdef import TaskDefinition


def build_layout(
    doc: dict[str, Any], source: Path, taskdefs: list[TaskDefinition], cat: Catalog
) -> m.Layout:
    vpc = _vpc(doc.get("vpc"))
    return m.Layout(
        name=doc["name"],
        source=str(source),
        region=doc.get("region", "us-east-1"),
        account_id=doc.get("accountId", "000000000000"),
        cluster=doc.get("cluster", "default"),
        vpc=vpc,
        task_definitions=tuple(taskdefs),
        images=tuple(
            _image(tag, img, source.parent) for tag, img in (doc.get("images") or {}).items()
        ),
        services=tuple(_service(s, vpc, cat) for s in doc.get("services") or []),
        target_groups=tuple(_target_group(tg) for tg in doc.get("targetGroups") or []),
        load_balancers=tuple(_load_balancer(lb, vpc) for lb in doc.get("loadBalancers") or []),
        cdn=tuple(
            m.Cdn(
                domain_name=c["domainName"],
                origin=c["origin"],
                origin_protocol=c.get("originProtocol", "http"),
                publish=c.get("publish"),
                viewer_protocol=c.get("viewerProtocol", "https"),
            )
            for c in doc.get("cdn") or []
        ),
        headers=m.Headers(translate=bool((doc.get("headers") or {}).get("translate", False))),
    )


def _vpc(vpc: dict[str, Any] | None) -> m.Vpc:
    if not vpc or "subnets" not in vpc:
        return m.Vpc(cidr=(vpc or {}).get("cidr"))
    subnets = tuple(
        m.Subnet(name=s["name"], cidr=s.get("cidr"), public=s.get("public", True))
        for s in vpc["subnets"]
    )
    return m.Vpc(cidr=vpc.get("cidr"), subnets=subnets)


def _image(tag: str, img: dict[str, Any], base: Path) -> m.ImageBuild:
    return m.ImageBuild(
        tag=tag,
        context=str((base / img["build"]).resolve()),
        dockerfile=img.get("dockerfile"),
        args=tuple(sorted((img.get("args") or {}).items())),
    )


def _service(s: dict[str, Any], vpc: m.Vpc, cat: Catalog) -> m.Service:
    family, _, rev = s["taskDefinition"].partition(":")
    revisions = cat.revisions(family)
    td = revisions[int(rev) - 1 if rev else -1] or {}
    subnets = s.get("subnets")
    if subnets is None:
        subnets = ((s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}).get(
            "subnets"
        )
    if subnets is None and network_mode(td) == "awsvpc":
        subnets = [vpc.subnets[0].name]
    dc = s.get("deploymentConfiguration") or {}
    cb = dc.get("deploymentCircuitBreaker") or {}
    return m.Service(
        name=s["serviceName"],
        task_definition=s["taskDefinition"],
        desired_count=s.get("desiredCount", 1),
        subnets=tuple(subnets or ()),
        load_balancers=tuple(
            m.ServiceLoadBalancer(lb["targetGroup"], lb["containerName"], lb["containerPort"])
            for lb in s.get("loadBalancers") or []
        ),
        health_check_grace_period_seconds=s.get("healthCheckGracePeriodSeconds", 0),
        deployment_configuration=m.DeploymentConfiguration(
            minimum_healthy_percent=dc.get("minimumHealthyPercent", 100),
            maximum_percent=dc.get("maximumPercent", 200),
            circuit_breaker=m.CircuitBreaker(
                enable=bool(cb.get("enable", False)), rollback=bool(cb.get("rollback", False))
            ),
        ),
        scheduling_strategy=s.get("schedulingStrategy", "REPLICA"),
        raw=s,
    )


def _target_group(tg: dict[str, Any]) -> m.TargetGroup:
    attrs: dict[str, str] = dict(tg.get("attributes") or {})
    delay = tg.get("deregistrationDelay")
    if delay is None:
        delay = int(attrs.get("deregistration_delay.timeout_seconds", "300"))
    return m.TargetGroup(
        name=tg["name"],
        protocol=tg.get("protocol", "HTTP"),
        port=tg.get("port", 80),
        target_type=tg.get("targetType", "ip"),
        health_check_enabled=tg.get("healthCheckEnabled", True),
        health_check_path=tg.get("healthCheckPath", "/"),
        health_check_port=tg.get("healthCheckPort", "traffic-port"),
        health_check_protocol=tg.get("healthCheckProtocol", "HTTP"),
        health_check_interval_seconds=tg.get("healthCheckIntervalSeconds", 30),
        health_check_timeout_seconds=tg.get("healthCheckTimeoutSeconds", 5),
        healthy_threshold_count=tg.get("healthyThresholdCount", 5),
        unhealthy_threshold_count=tg.get("unhealthyThresholdCount", 2),
        matcher=tg.get("matcher", "200").replace(" ", ""),
        deregistration_delay=delay,
        stickiness=_stickiness(tg.get("stickiness"), attrs),
        attributes=tuple(sorted(attrs.items())),
    )


def _stickiness(sticky: dict[str, Any] | None, attrs: dict[str, str]) -> dict[str, Any] | None:
    """One form for target-level stickiness: {enabled, type, durationSeconds, cookieName}."""
    if sticky is None:
        if not any(k.startswith("stickiness.") for k in attrs):
            return None
        kind = attrs.get("stickiness.type", "lb_cookie")
        sticky = {
            "enabled": attrs.get("stickiness.enabled", "false") == "true",
            "type": kind,
            "durationSeconds": int(attrs.get(f"stickiness.{kind}.duration_seconds", "86400")),
        }
        if "stickiness.app_cookie.cookie_name" in attrs:
            sticky["cookieName"] = attrs["stickiness.app_cookie.cookie_name"]
    return {
        "enabled": sticky.get("enabled", True),
        "type": sticky.get("type", "lb_cookie"),
        "durationSeconds": sticky.get("durationSeconds", 86400),
        "cookieName": sticky.get("cookieName"),
    }


def _load_balancer(lb: dict[str, Any], vpc: m.Vpc) -> m.LoadBalancer:
    scheme = lb.get("scheme", "internet-facing")
    subnets = lb.get("subnets")
    if subnets is None:
        wanted = [s.name for s in vpc.subnets if s.public or scheme == "internal"]
        subnets = wanted
    return m.LoadBalancer(
        name=lb["name"],
        scheme=scheme,
        subnets=tuple(subnets),
        attributes=tuple(sorted((lb.get("attributes") or {}).items())),
        listeners=tuple(
            m.Listener(
                port=ls["port"],
                protocol=ls.get("protocol", "HTTP"),
                publish=ls["publish"],
                default_actions=tuple(_action(a) for a in ls["defaultActions"]),
                rules=tuple(sorted((_rule(r) for r in ls.get("rules") or []), key=_priority)),
            )
            for ls in lb.get("listeners") or []
        ),
    )


def _priority(rule: m.Rule) -> int:
    return rule.priority


def _rule(r: dict[str, Any]) -> m.Rule:
    return m.Rule(
        priority=r["priority"],
        conditions=tuple(_condition(c) for c in r["conditions"]),
        actions=tuple(_action(a) for a in r["actions"]),
        transforms=tuple(_transform(t) for t in r.get("transforms") or []),
    )


def _condition(c: dict[str, Any]) -> m.Condition:
    regex = "regexValues" in c
    values: list[Any] = c["regexValues"] if regex else c["values"]
    if c["field"] == "query-string":
        values = [(v.get("key"), v["value"]) for v in values]
    return m.Condition(
        field=c["field"],
        values=tuple(values),
        http_header_name=c.get("httpHeaderName"),
        regex=regex,
    )


def _action(a: dict[str, Any]) -> m.Action:
    kind = a["type"]
    if kind == "forward":
        if "forwardConfig" not in a:
            tgs: tuple[m.WeightedTargetGroup, ...] = (m.WeightedTargetGroup(a["targetGroup"], 1),)
            sticky: int | None = None
        else:
            fc = a["forwardConfig"]
            tgs = tuple(
                m.WeightedTargetGroup(t["targetGroup"], t.get("weight", 1))
                for t in fc["targetGroups"]
            )
            cfg = fc.get("targetGroupStickinessConfig") or {}
            sticky = cfg.get("durationSeconds") if cfg.get("enabled") else None
        return m.Action(type=kind, target_groups=tgs, stickiness_seconds=sticky)
    if kind == "redirect":
        return m.Action(type=kind, redirect=dict(a["redirectConfig"]))
    return m.Action(
        type=kind,
        status_code=a["statusCode"],
        content_type=a.get("contentType"),
        message_body=a.get("messageBody"),
    )


def _transform(t: dict[str, Any]) -> m.Transform:
    key = "urlRewriteConfig" if t["type"] == "url-rewrite" else "hostHeaderRewriteConfig"
    rewrite = t[key]["rewrites"][0]
    return m.Transform(type=t["type"], regex=rewrite["regex"], replace=rewrite.get("replace", ""))
