"""The layout's own keys (layout-spec.md, version 1) as shapes in botocore's format.

Writing the layout schema as data in the same format as AWS's service models lets one walker
(``emulator.model.shapes``) check both, and lets layout keys borrow AWS's own constraints by
reference: ``elbv2:Port`` (1-65535), ``elbv2:RulePriority`` (1-50000), the health-check ranges,
the fixed-response and redirect fields, ``ecs:DeploymentCircuitBreaker``. A reference without a
prefix names a shape in this table. Local additions to the format: type ``scalar`` (any single
value, kept as a string), type ``any`` (checked later), ``coerce: False`` (a string that must be
written as one), and ``hints`` (explanations for keys people put in the wrong place).
"""

from __future__ import annotations

from typing import Any


def _s(*names: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(names)}


def _struct(members: dict[str, str], required: tuple[str, ...] = (), **extra: Any) -> Any:
    return {
        "type": "structure",
        "members": {k: {"shape": v} for k, v in members.items()},
        "required": list(required),
        **extra,
    }


def _list(member: str, **extra: Any) -> dict[str, Any]:
    return {"type": "list", "member": {"shape": member}, **extra}


def _int(lo: int | None = None, hi: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "integer"}
    if lo is not None:
        out["min"] = lo
    if hi is not None:
        out["max"] = hi
    return out


_DEFAULT_RULE = "the default rule has no conditions or transforms; use a rule with a priority"

SHAPES: dict[str, Any] = {
    "String": {"type": "string"},
    "StrictString": {"type": "string", "coerce": False},
    "Boolean": {"type": "boolean"},
    "Integer": {"type": "integer"},
    "Scalar": {"type": "scalar"},
    "Any": {"type": "any"},
    "StringList": _list("String"),
    "ScalarMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Scalar"}},
    "Layout": _struct(
        {
            "version": "Integer",
            "name": "String",
            "region": "String",
            "accountId": "StrictString",
            "cluster": "String",
            "vpc": "Vpc",
            "taskDefinitions": "TaskDefinitionList",
            "images": "Images",
            "services": "ServiceList",
            "targetGroups": "TargetGroupList",
            "loadBalancers": "LoadBalancerList",
            "cdn": "CdnList",
            "headers": "Headers",
            "cloudMap": "CloudMap",
            "secrets": "Secrets",
            "credentials": "Credentials",
        },
        ("version", "name"),
    ),
    "Vpc": _struct({"cidr": "String", "subnets": "SubnetList"}),
    "SubnetList": _list("Subnet", min=1),
    "Subnet": _struct({"name": "String", "cidr": "String", "public": "Boolean"}, ("name",)),
    "TaskDefinitionList": _list("Any"),
    "TaskDefinitionFile": _struct(
        {"file": "String"},
        ("file",),
        hints={"family": "a task definition is either inline or a {file: PATH} reference"},
    ),
    "Images": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Image"}},
    "Image": _struct(
        {"build": "String", "dockerfile": "String", "args": "ScalarMap"},
        ("build",),
    ),
    "ServiceList": _list("Service"),
    "Service": _struct(
        {
            "serviceName": "String",
            "taskDefinition": "String",
            "desiredCount": "Count",
            "subnets": "StringList",
            "networkConfiguration": "ecs:NetworkConfiguration",
            "loadBalancers": "ServiceLoadBalancerList",
            "healthCheckGracePeriodSeconds": "Count",
            "deploymentConfiguration": "DeploymentConfiguration",
            "schedulingStrategy": "ecs:SchedulingStrategy",
            "serviceConnectConfiguration": "ecs:ServiceConnectConfiguration",
            "serviceRegistries": "ecs:ServiceRegistries",
        },
        ("serviceName", "taskDefinition"),
    ),
    "CloudMap": _struct({"namespaces": "CloudMapNamespaceList", "services": "CloudMapServiceList"}),
    "CloudMapNamespaceList": _list("CloudMapNamespace"),
    "CloudMapNamespace": _struct({"arn": "String", "name": "String"}, ("arn", "name")),
    "CloudMapServiceList": _list("CloudMapService"),
    "CloudMapService": _struct(
        {"arn": "String", "name": "String", "namespace": "String"}, ("arn", "name", "namespace")
    ),
    "Count": _int(0, 2147483647),
    "ServiceLoadBalancerList": _list("ServiceLoadBalancer"),
    "ServiceLoadBalancer": _struct(
        {"targetGroup": "String", "containerName": "String", "containerPort": "PortNumber"},
        ("targetGroup", "containerName", "containerPort"),
    ),
    "PortNumber": _int(1, 65535),
    "DeploymentConfiguration": _struct(
        {
            "minimumHealthyPercent": "Percent",
            "maximumPercent": "Count",
            "deploymentCircuitBreaker": "ecs:DeploymentCircuitBreaker",
        }
    ),
    "Percent": _int(0, 100),
    "TargetGroupList": _list("TargetGroup"),
    "TargetGroup": _struct(
        {
            "name": "String",
            "protocol": "elbv2:ProtocolEnum",
            "port": "elbv2:Port",
            "targetType": "elbv2:TargetTypeEnum",
            "healthCheckEnabled": "Boolean",
            "healthCheckPath": "elbv2:Path",
            "healthCheckPort": "String",
            "healthCheckProtocol": "elbv2:ProtocolEnum",
            "healthCheckIntervalSeconds": "elbv2:HealthCheckIntervalSeconds",
            "healthCheckTimeoutSeconds": "elbv2:HealthCheckTimeoutSeconds",
            "healthyThresholdCount": "elbv2:HealthCheckThresholdCount",
            "unhealthyThresholdCount": "elbv2:HealthCheckThresholdCount",
            "matcher": "String",
            "deregistrationDelay": "DeregistrationDelay",
            "stickiness": "TargetGroupStickiness",
            "attributes": "ScalarMap",
        },
        ("name",),
    ),
    "DeregistrationDelay": _int(0, 3600),
    "TargetGroupStickiness": _struct(
        {
            "enabled": "Boolean",
            "type": "StickinessType",
            "durationSeconds": "StickinessSeconds",
            "cookieName": "String",
        }
    ),
    "StickinessType": _s("lb_cookie", "app_cookie"),
    "StickinessSeconds": _int(1, 604800),
    "LoadBalancerList": _list("LoadBalancer"),
    "LoadBalancer": _struct(
        {
            "name": "String",
            "scheme": "elbv2:LoadBalancerSchemeEnum",
            "subnets": "StringList",
            "attributes": "ScalarMap",
            "listeners": "ListenerList",
        },
        ("name",),
    ),
    "ListenerList": _list("Listener"),
    "Listener": _struct(
        {
            "port": "elbv2:Port",
            "protocol": "ListenerProtocol",
            "publish": "Scalar",
            "defaultActions": "DefaultActionList",
            "rules": "RuleList",
        },
        ("port", "defaultActions"),
        hints={"conditions": _DEFAULT_RULE, "transforms": _DEFAULT_RULE},
    ),
    "ListenerProtocol": _s("HTTP", "HTTPS"),
    "DefaultActionList": _list("DefaultAction", min=1),
    "RuleList": _list("Rule"),
    "Rule": _struct(
        {
            "priority": "elbv2:RulePriority",
            "conditions": "ConditionList",
            "actions": "ActionList",
            "transforms": "TransformList",
        },
        ("priority", "conditions", "actions"),
    ),
    "ConditionList": _list("Condition", min=1),
    "Condition": _struct(
        {
            "field": "ConditionField",
            "values": "Any",
            "regexValues": "StringList",
            "httpHeaderName": "String",
        },
        ("field",),
    ),
    "ConditionField": _s(
        "host-header",
        "path-pattern",
        "http-header",
        "http-request-method",
        "query-string",
        "source-ip",
    ),
    "QueryStringValues": _list("QueryStringValue"),
    "QueryStringValue": _struct({"key": "String", "value": "String"}, ("value",)),
    "ActionList": _list("Action", min=1),
    "Action": _struct(
        {
            "type": "elbv2:ActionTypeEnum",
            "targetGroup": "String",
            "forwardConfig": "ForwardConfig",
            "redirectConfig": "RedirectConfig",
            "statusCode": "elbv2:FixedResponseActionStatusCode",
            "contentType": "ContentType",
            "messageBody": "elbv2:FixedResponseActionMessage",
        },
        ("type",),
        hints={
            "conditions": "conditions belong to the rule, next to its actions",
            "fixedResponseConfig": "write statusCode, contentType, messageBody on the action",
        },
    ),
    "ForwardConfig": _struct(
        {"targetGroups": "WeightedTargetGroupList", "targetGroupStickinessConfig": "TgSticky"},
        ("targetGroups",),
    ),
    "WeightedTargetGroupList": _list("WeightedTargetGroup", min=1),
    "WeightedTargetGroup": _struct({"targetGroup": "String", "weight": "Weight"}, ("targetGroup",)),
    "Weight": _int(0, 999),
    "TgSticky": _struct({"enabled": "Boolean", "durationSeconds": "StickinessSeconds"}),
    "RedirectConfig": _struct(
        {
            "protocol": "elbv2:RedirectActionProtocol",
            "host": "elbv2:RedirectActionHost",
            "port": "String",
            "path": "elbv2:RedirectActionPath",
            "query": "elbv2:RedirectActionQuery",
            "statusCode": "elbv2:RedirectActionStatusCodeEnum",
        },
        ("statusCode",),
    ),
    "ContentType": _s(
        "text/plain", "text/css", "text/html", "application/javascript", "application/json"
    ),
    "TransformList": _list("Transform"),
    "Transform": _struct(
        {
            "type": "elbv2:TransformTypeEnum",
            "hostHeaderRewriteConfig": "RewriteConfig",
            "urlRewriteConfig": "RewriteConfig",
        },
        ("type",),
    ),
    "RewriteConfig": _struct({"rewrites": "RewriteList"}, ("rewrites",)),
    "RewriteList": _list("Rewrite", min=1, max=1),
    "Rewrite": _struct({"regex": "RewriteText", "replace": "ReplaceText"}, ("regex", "replace")),
    "RewriteText": {"type": "string", "min": 1, "max": 1024},
    "ReplaceText": {"type": "string", "min": 0, "max": 1024},
    "CdnList": _list("Cdn"),
    "Cdn": _struct(
        {
            "domainName": "String",
            "origin": "String",
            "originProtocol": "WebProtocol",
            "publish": "Scalar",
            "viewerProtocol": "WebProtocol",
        },
        ("domainName", "origin"),
    ),
    "WebProtocol": _s("http", "https"),
    "Headers": _struct({"translate": "Boolean"}),
    "Secrets": _struct({"sources": "SecretSourceList"}),
    "SecretSourceList": _list("SecretSource"),
    "SecretSource": _struct(
        {
            "type": "SecretSourceType",
            "path": "String",
            "url": "String",
            "profile": "String",
            "region": "String",
        },
        ("type",),
    ),
    "SecretSourceType": _s("file", "endpoint", "localstack", "aws"),
    "Credentials": _struct({"source": "CredentialSource", "profile": "String", "region": "String"}),
    "CredentialSource": _s("local", "session", "assume-role"),
}
SHAPES["DefaultAction"] = {**SHAPES["Action"], "hints": {"conditions": _DEFAULT_RULE}}
