"""AWS::ElasticLoadBalancingV2 resources as the layout's target groups and load balancers:
listeners and listener rules join their load balancer, actions and conditions take the layout's
form (``FixedResponseConfig`` fields on the action, ``PathPatternConfig.Values`` as ``values``,
target-group ARNs as target-group names), attributes keep their AWS names.
"""

from __future__ import annotations

from typing import Any

from emulator.alb import not_served
from emulator.model.yamlsource import PathT

from .build import Build, boolean, copy, integer, name_value_list
from .network import subnet_names
from .resources import Resource

_TG_FIELDS = (
    ("protocol", "Protocol", None),
    ("port", "Port", integer),
    ("targetType", "TargetType", None),
    ("healthCheckEnabled", "HealthCheckEnabled", boolean),
    ("healthCheckPath", "HealthCheckPath", None),
    ("healthCheckPort", "HealthCheckPort", str),
    ("healthCheckProtocol", "HealthCheckProtocol", None),
    ("healthCheckIntervalSeconds", "HealthCheckIntervalSeconds", integer),
    ("healthCheckTimeoutSeconds", "HealthCheckTimeoutSeconds", integer),
    ("healthyThresholdCount", "HealthyThresholdCount", integer),
    ("unhealthyThresholdCount", "UnhealthyThresholdCount", integer),
)
_CONFIGS = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}


def translate_target_group(build: Build, res: Resource) -> None:
    p = res.props
    name = str(build.ref(res)).split("/")[-2]
    tg: dict[str, Any] = {"name": name, "targetType": "instance"}  # CloudFormation's default
    index = build.put("targetGroups", tg, res)
    here: PathT = ("targetGroups", index)
    build.field(here + ("name",), res, ("Name",))
    for key, prop, conv in _TG_FIELDS:
        copy(tg, key, p, prop, build, here, res, conv)
    matcher = p.get("Matcher")
    if isinstance(matcher, dict) and "HttpCode" in matcher:
        tg["matcher"] = str(matcher["HttpCode"])
        build.field(here + ("matcher",), res, ("Matcher", "HttpCode"))
    elif isinstance(matcher, dict) and "GrpcCode" in matcher:
        build.warn(
            res, ("Properties", "Matcher", "GrpcCode"), "gRPC health checks are not emulated"
        )
    version = p.get("ProtocolVersion")
    if version in ("HTTP2", "GRPC"):
        build.warn(res, ("Properties", "ProtocolVersion"), not_served(name, str(version)))
    attrs = name_value_list(p.get("TargetGroupAttributes"))
    if attrs:
        tg["attributes"] = attrs
        for i, key in enumerate(attrs):
            build.field(here + ("attributes", key), res, ("TargetGroupAttributes", i))
    if p.get("TargetType") == "lambda" or p.get("Targets"):
        build.warn(
            res,
            ("Properties",),
            "targets registered in the template (or Lambda targets) "
            "are not emulated; ECS services register their tasks",
        )
    build.target_groups[build.ref(res)] = name


def translate_load_balancer(build: Build, res: Resource) -> None:
    p = res.props
    if p.get("Type", "application") != "application":
        build.warn(
            res,
            ("Properties", "Type"),
            f"{p.get('Type')} load balancers are not emulated (only application load balancers)",
        )
        build.failed.add(str(build.ref(res)))  # its listeners and rules go quietly too
        return
    arn = build.ref(res)
    lb: dict[str, Any] = {"name": arn.split("/")[-2], "listeners": []}
    index = build.put("loadBalancers", lb, res)
    here: PathT = ("loadBalancers", index)
    build.field(here + ("name",), res, ("Name",))
    copy(lb, "scheme", p, "Scheme", build, here, res)
    ids = p.get("Subnets")
    if ids is None and isinstance(p.get("SubnetMappings"), list):
        ids = [m.get("SubnetId") for m in p["SubnetMappings"] if isinstance(m, dict)]
    if ids is not None:
        lb["subnets"] = subnet_names(build, ids, res, ("Subnets",))
        build.field(here + ("subnets",), res, ("Subnets",))
    attrs = name_value_list(p.get("LoadBalancerAttributes"))
    if attrs:
        lb["attributes"] = attrs
        for i, key in enumerate(attrs):
            build.field(here + ("attributes", key), res, ("LoadBalancerAttributes", i))
    build.load_balancers[arn] = lb
    build.lb_index[arn] = index
    build.lb_lids[arn] = res.lid


def translate_listener(build: Build, res: Resource) -> None:
    p = res.props
    lb_arn = p.get("LoadBalancerArn")
    if not isinstance(lb_arn, str) and lb_arn is not None:
        build.error(res, ("Properties", "LoadBalancerArn"), "expected a load balancer ARN")
        return
    if build.missing(lb_arn):
        build.failed.add(str(build.ref(res)))
        return
    if lb_arn not in build.load_balancers:
        build.error(
            res,
            ("Properties", "LoadBalancerArn"),
            f"{lb_arn!r} is not an application load balancer of the templates given",
        )
        return
    listeners = build.load_balancers[lb_arn]["listeners"]
    ls: dict[str, Any] = {}
    here: PathT = ("loadBalancers", build.lb_index[lb_arn], "listeners", len(listeners))
    build.field(here, res, ())
    copy(ls, "port", p, "Port", build, here, res, integer)
    copy(ls, "protocol", p, "Protocol", build, here, res)
    ls["defaultActions"] = _actions(
        build, res, p.get("DefaultActions"), "DefaultActions", here + ("defaultActions",)
    )
    listeners.append(ls)
    build.listeners[build.ref(res)] = (lb_arn, len(listeners) - 1)
    if p.get("Protocol") == "HTTPS" and p.get("Certificates"):
        build.warn(res, ("Properties", "Certificates"), "certificates are not used locally")


def translate_rule(build: Build, res: Resource) -> None:
    p = res.props
    found = build.listeners.get(str(p.get("ListenerArn")))
    if found is None and build.missing(p.get("ListenerArn")):
        return
    if found is None:
        build.error(
            res,
            ("Properties", "ListenerArn"),
            f"{p.get('ListenerArn')!r} is not a listener of the templates given",
        )
        return
    lb_arn, li = found
    ls = build.load_balancers[lb_arn]["listeners"][li]
    rules = ls.setdefault("rules", [])
    here: PathT = ("loadBalancers", build.lb_index[lb_arn], "listeners", li, "rules", len(rules))
    build.field(here, res, ())
    rule: dict[str, Any] = {}
    copy(rule, "priority", p, "Priority", build, here, res, integer)
    rule["conditions"] = [
        _condition(build, res, c, i, here + ("conditions", i))
        for i, c in enumerate(p.get("Conditions") or [])
    ]
    build.field(here + ("conditions",), res, ("Conditions",))
    rule["actions"] = _actions(build, res, p.get("Actions"), "Actions", here + ("actions",))
    if p.get("Transforms"):
        rule["transforms"] = _lower_keys(p["Transforms"])
        build.field(here + ("transforms",), res, ("Transforms",))
    rules.append(rule)


def _condition(build: Build, res: Resource, c: Any, i: int, here: PathT) -> dict[str, Any]:
    build.field(here, res, ("Conditions", i))
    if not isinstance(c, dict):
        return {}
    field = c.get("Field")
    out: dict[str, Any] = {"field": field}
    build.field(here + ("field",), res, ("Conditions", i, "Field"))
    config = c.get(_CONFIGS.get(str(field), ""), {})
    sub: PathT = ("Conditions", i, _CONFIGS.get(str(field), "Values"))
    if not isinstance(config, dict):
        config = {}
    values = config.get("Values", c.get("Values"))
    if "Values" not in config:
        sub = ("Conditions", i)
    if field == "query-string" and isinstance(values, list):
        values = [_lower_keys(v) for v in values]
    if values is not None:
        out["values"] = values
        build.field(here + ("values",), res, sub + ("Values",))
    if config.get("RegexValues") is not None:
        out["regexValues"] = config["RegexValues"]
        build.field(here + ("regexValues",), res, sub + ("RegexValues",))
    if field == "http-header" and "HttpHeaderName" in config:
        out["httpHeaderName"] = config["HttpHeaderName"]
        build.field(here + ("httpHeaderName",), res, sub + ("HttpHeaderName",))
    return out


def _actions(build: Build, res: Resource, actions: Any, prop: str, here: PathT) -> list[Any]:
    build.field(here, res, (prop,))
    out: list[Any] = []
    items = list(enumerate(actions if isinstance(actions, list) else []))
    items.sort(key=lambda ia: integer(ia[1].get("Order", 50000)) if isinstance(ia[1], dict) else 0)
    for i, a in items:
        sub: PathT = (prop, i)
        if not isinstance(a, dict):
            continue
        kind = a.get("Type")
        if isinstance(kind, str) and kind.startswith("authenticate-"):
            build.warn(
                res,
                ("Properties",) + sub,
                f"{kind} is not emulated: requests go on unauthenticated",
            )
            continue
        at = here + (len(out),)
        build.field(at, res, sub)
        action: dict[str, Any] = {"type": kind}
        build.field(at + ("type",), res, sub + ("Type",))
        fwd = a.get("ForwardConfig")
        if kind == "forward" and isinstance(fwd, dict) and fwd.get("TargetGroups"):
            groups = []
            for j, g in enumerate(fwd["TargetGroups"]):
                g = g if isinstance(g, dict) else {}
                entry: dict[str, Any] = {
                    "targetGroup": _tg(
                        build,
                        res,
                        g.get("TargetGroupArn"),
                        sub + ("ForwardConfig", "TargetGroups", j),
                    )
                }
                if "Weight" in g:
                    entry["weight"] = integer(g["Weight"])
                groups.append(entry)
                build.field(
                    at + ("forwardConfig", "targetGroups", j),
                    res,
                    sub + ("ForwardConfig", "TargetGroups", j),
                )
            action["forwardConfig"] = {"targetGroups": groups}
            sticky = fwd.get("TargetGroupStickinessConfig")
            if isinstance(sticky, dict):
                action["forwardConfig"]["targetGroupStickinessConfig"] = {
                    k[:1].lower() + k[1:]: integer(boolean(v)) for k, v in sticky.items()
                }
        elif kind == "forward":
            action["targetGroup"] = _tg(
                build, res, a.get("TargetGroupArn"), sub + ("TargetGroupArn",)
            )
            build.field(at + ("targetGroup",), res, sub + ("TargetGroupArn",))
        if isinstance(a.get("RedirectConfig"), dict):
            action["redirectConfig"] = _lower_keys(a["RedirectConfig"])
            build.field(at + ("redirectConfig",), res, sub + ("RedirectConfig",))
        fixed = a.get("FixedResponseConfig")
        if isinstance(fixed, dict):
            for key, value in _lower_keys(fixed).items():
                action[key] = str(value) if key == "statusCode" else value
                build.field(
                    at + (key,), res, sub + ("FixedResponseConfig", key[:1].upper() + key[1:])
                )
        out.append(action)
    return out


def _tg(build: Build, res: Resource, arn: Any, sub: PathT) -> Any:
    if arn in build.target_groups or build.missing(arn):
        return build.target_groups.get(arn)
    build.error(res, ("Properties",) + sub, f"{arn!r} is not a target group of the templates given")
    return arn


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k)[:1].lower() + str(k)[1:]: _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value
