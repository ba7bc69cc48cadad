"""ELBv2 records as the members of botocore's output shapes (``LoadBalancer``,
``TargetGroup``, ``Listener``, ``Rule``, ``Action``, ``RuleCondition`` ...).

Why this exists: the wire serializers write XML from dicts named as the model names them;
this is the one place that names the records' values that way, so a create and a describe
answer with the same shape, and what AWS fills in (both ``TargetGroupArn`` and
``ForwardConfig`` for a forward action, ``Values`` next to a condition's config when the
caller used ``Values``) is filled in the same way every time.
"""

from __future__ import annotations

from typing import Any

from emulator.endpoint import elbv2_auth as auth
from emulator.endpoint.elbv2_records import (
    Action,
    Condition,
    HealthCheck,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    Transform,
)

CONDITION_CONFIGS = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-header": "HttpHeaderConfig",
    "query-string": "QueryStringConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "source-ip": "SourceIpConfig",
}


def load_balancer(lb: LoadBalancer) -> dict[str, Any]:
    state: dict[str, Any] = {"Code": lb.state}
    if lb.state_reason:
        state["Reason"] = lb.state_reason
    out: dict[str, Any] = {
        "LoadBalancerArn": lb.arn,
        "DNSName": lb.dns_name,
        "CanonicalHostedZoneId": lb.canonical_hosted_zone_id,
        "CreatedTime": lb.created_at,
        "LoadBalancerName": lb.name,
        "Scheme": lb.scheme,
        "State": state,
        "Type": lb.type,
        "AvailabilityZones": [
            {"ZoneName": z.zone_name, "SubnetId": z.subnet_id, "LoadBalancerAddresses": []}
            for z in lb.zones
        ],
        "IpAddressType": lb.ip_address_type,
    }
    if lb.vpc_id:
        out["VpcId"] = lb.vpc_id
    if lb.type == "application" or lb.security_groups:
        out["SecurityGroups"] = list(lb.security_groups)
    return out


def target_group(tg: TargetGroup, load_balancer_arns: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "TargetGroupArn": tg.arn,
        "TargetGroupName": tg.name,
        "TargetType": tg.target_type,
        "LoadBalancerArns": load_balancer_arns,
    }
    for key, value in (
        ("Protocol", tg.protocol),
        ("Port", tg.port),
        ("VpcId", tg.vpc_id),
        ("ProtocolVersion", tg.protocol_version if tg.protocol in ("HTTP", "HTTPS") else None),
        ("IpAddressType", tg.ip_address_type if tg.target_type != "lambda" else None),
    ):
        if value is not None:
            out[key] = value
    out.update(health_check(tg.health_check))
    return out


def health_check(hc: HealthCheck) -> dict[str, Any]:
    out: dict[str, Any] = {
        "HealthCheckEnabled": hc.enabled,
        "HealthCheckIntervalSeconds": hc.interval_seconds,
        "HealthCheckTimeoutSeconds": hc.timeout_seconds,
        "HealthyThresholdCount": hc.healthy_threshold,
        "UnhealthyThresholdCount": hc.unhealthy_threshold,
    }
    if hc.protocol is not None:
        out["HealthCheckProtocol"] = hc.protocol
    if hc.port is not None:
        out["HealthCheckPort"] = hc.port
    if hc.path is not None:
        out["HealthCheckPath"] = hc.path
    if hc.matcher is not None:
        m = hc.matcher
        out["Matcher"] = (
            {"HttpCode": m.http_code} if m.http_code is not None else {"GrpcCode": m.grpc_code}
        )
    return out


def listener(lis: Listener) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ListenerArn": lis.arn,
        "LoadBalancerArn": lis.load_balancer_arn,
        "Port": lis.port,
        "Protocol": lis.protocol,
        "DefaultActions": [action(a) for a in lis.default_actions],
    }
    if lis.certificates:
        out["Certificates"] = [{"CertificateArn": c} for c in lis.certificates]
    if lis.ssl_policy:
        out["SslPolicy"] = lis.ssl_policy
    if lis.alpn_policy:
        out["AlpnPolicy"] = list(lis.alpn_policy)
    return out


def action(a: Action) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": a.type}
    if a.order is not None:
        out["Order"] = a.order
    if a.target_group_arn:
        out["TargetGroupArn"] = a.target_group_arn
    if a.forward is not None:
        tgs = []
        for t in a.forward.target_groups:
            item: dict[str, Any] = {"TargetGroupArn": t.target_group_arn}
            item["Weight"] = 1 if t.weight is None else t.weight
            tgs.append(item)
        sticky: dict[str, Any] = {"Enabled": a.forward.stickiness_enabled}
        if a.forward.stickiness_enabled and a.forward.stickiness_duration is not None:
            sticky["DurationSeconds"] = a.forward.stickiness_duration
        out["ForwardConfig"] = {"TargetGroups": tgs, "TargetGroupStickinessConfig": sticky}
    if a.redirect is not None:
        r = a.redirect
        out["RedirectConfig"] = {
            "Protocol": r.protocol,
            "Port": r.port,
            "Host": r.host,
            "Path": r.path,
            "Query": r.query,
            "StatusCode": r.status_code,
        }
    if a.fixed_response is not None:
        fr: dict[str, Any] = {"StatusCode": a.fixed_response.status_code}
        if a.fixed_response.content_type is not None:
            fr["ContentType"] = a.fixed_response.content_type
        if a.fixed_response.message_body is not None:
            fr["MessageBody"] = a.fixed_response.message_body
        out["FixedResponseConfig"] = fr
    if a.oidc is not None:
        out["AuthenticateOidcConfig"] = auth.oidc_json(a.oidc)
    if a.cognito is not None:
        out["AuthenticateCognitoConfig"] = auth.cognito_json(a.cognito)
    return out


def condition(c: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"Field": c.field}
    key = CONDITION_CONFIGS[c.field]
    if c.field == "query-string":
        out[key] = {
            "Values": [
                {"Value": q.value, **({"Key": q.key} if q.key is not None else {})} for q in c.query
            ]
        }
        return out
    cfg: dict[str, Any] = {}
    if c.http_header_name is not None:
        cfg["HttpHeaderName"] = c.http_header_name
    if c.regex_values:
        cfg["RegexValues"] = list(c.regex_values)
    else:
        cfg["Values"] = list(c.values)
    if c.legacy:
        out["Values"] = list(c.values)
    out[key] = cfg
    return out


def transform(t: Transform) -> dict[str, Any]:
    key = "UrlRewriteConfig" if t.type == "url-rewrite" else "HostHeaderRewriteConfig"
    return {
        "Type": t.type,
        key: {"Rewrites": [{"Regex": r.regex, "Replace": r.replace} for r in t.rewrites]},
    }


def rule(r: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "RuleArn": r.arn,
        "Priority": str(r.priority),
        "Conditions": [condition(c) for c in r.conditions],
        "Actions": [action(a) for a in r.actions],
        "IsDefault": False,
    }
    if r.transforms:
        out["Transforms"] = [transform(t) for t in r.transforms]
    return out


def default_rule(lis: Listener) -> dict[str, Any]:
    return {
        "RuleArn": lis.default_rule_arn,
        "Priority": "default",
        "Conditions": [],
        "Actions": [action(a) for a in lis.default_actions],
        "IsDefault": True,
    }


def attributes(attrs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in attrs]


def tags(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs]


__all__ = [
    "action",
    "attributes",
    "condition",
    "default_rule",
    "health_check",
    "listener",
    "load_balancer",
    "rule",
    "tags",
    "target_group",
    "transform",
]
