"""AWS::ECS::TaskDefinition and AWS::ECS::Service as the layout's task definitions and services.

Task definitions go through ``to_api`` (CloudFormation's PascalCase to RegisterTaskDefinition's
camelCase, by botocore's shapes), so the layout's own task-definition checks judge them as they
judge a pasted task definition. A container secret whose ``ValueFrom`` names an
AWS::SSM::Parameter or AWS::SecretsManager::Secret of the templates becomes an environment
variable with that local value, since nothing is fetched from AWS.
"""

from __future__ import annotations

import json
from typing import Any

from emulator.model.yamlsource import PathT

from .build import Build, boolean, copy, integer, mapping
from .discovery import PROPS, translate_discovery
from .intrinsics import text
from .network import subnet_names
from .origins import to_api
from .resources import Resource

_QUIET_SERVICE_PROPS = frozenset(
    {
        "Cluster",
        "LaunchType",
        "PlatformVersion",
        "PropagateTags",
        "EnableECSManagedTags",
        "Tags",
        "TaskDefinition",
        "ServiceName",
        "DesiredCount",
        "NetworkConfiguration",
        "LoadBalancers",
        "HealthCheckGracePeriodSeconds",
        "DeploymentConfiguration",
        "SchedulingStrategy",
        "EnableExecuteCommand",
        "CapacityProviderStrategy",
        "DeploymentController",
        *PROPS,  # translated by .discovery
    }
)
_UNSUPPORTED: dict[str, str] = {}


def translate_task_definition(build: Build, res: Resource) -> None:
    props = dict(res.props)
    props["Family"] = build.ref(res).rsplit("/", 1)[-1].rsplit(":", 1)[0]
    props.pop("Tags", None)
    index = len(build.section("taskDefinitions"))
    body = to_api(
        props,
        "RegisterTaskDefinitionRequest",
        "ecs",
        build.origins,
        ("taskDefinitions", index),
        res.tpl,
        res.at + ("Properties",),
    )
    build.origins.add(("taskDefinitions", index, "family"), res.tpl, res.at)
    for i, c in enumerate(body.get("containerDefinitions") or []):
        if isinstance(c, dict):
            _container(build, res, c, i)
    build.section("taskDefinitions").append(body)
    build.families[build.ref(res)] = body["family"]


def _container(build: Build, res: Resource, c: dict[str, Any], i: int) -> None:
    image = c.get("image")
    if isinstance(image, str) and image in build.images:
        c["image"] = build.images[image]
    secrets = c.get("secrets")
    if not isinstance(secrets, list):
        return
    kept = []
    for j, s in enumerate(secrets):
        value = _local_secret(build, s.get("valueFrom")) if isinstance(s, dict) else None
        if value is None:
            kept.append(s)
            continue
        c.setdefault("environment", []).append({"name": s.get("name"), "value": value})
        build.warn(
            res,
            ("Properties", "ContainerDefinitions", i, "Secrets", j),
            "set from the template's local value (nothing is fetched from AWS)",
        )
    if kept:
        c["secrets"] = kept
    else:
        del c["secrets"]


def _local_secret(build: Build, value_from: Any) -> str | None:
    if not isinstance(value_from, str):
        return None
    if value_from in build.local_values:
        return build.local_values[value_from]
    name = value_from.split(":parameter", 1)[-1] if ":parameter" in value_from else None
    if name is not None and name in build.local_values:
        return build.local_values[name]
    # arn:aws:secretsmanager:region:acct:secret:NAME-abc123:json-key:version-stage:version-id
    parts = value_from.split(":")
    if len(parts) >= 8 and ":".join(parts[:7]) in build.local_values:
        raw = build.local_values[":".join(parts[:7])]
        try:
            doc = json.loads(raw)
        except ValueError:
            return None
        key = parts[7]
        return text(doc.get(key)) if isinstance(doc, dict) and key in doc else None
    return None


def record_local_values(build: Build, res: Resource) -> None:
    """SSM parameters and secrets of the template, by the names ECS would be given."""
    ref = build.ref(res)
    if res.type == "AWS::SSM::Parameter" and "Value" in res.props:
        build.local_values[ref] = text(res.props["Value"])
        build.local_values[ref.lstrip("/")] = text(res.props["Value"])
        build.local_values["/" + ref.lstrip("/")] = text(res.props["Value"])
    elif res.type == "AWS::SecretsManager::Secret":
        value = res.props.get("SecretString")
        if value is None:
            gen = res.props.get("GenerateSecretString") or {}
            from .names import digest

            password = digest("secret", res.scope.env.stack_name, res.lid, n=32)
            template = gen.get("SecretStringTemplate") if isinstance(gen, dict) else None
            key = gen.get("GenerateStringKey") if isinstance(gen, dict) else None
            if isinstance(template, str) and isinstance(key, str):
                try:
                    doc = json.loads(template)
                    doc[key] = password
                    value = json.dumps(doc)
                except (ValueError, TypeError):
                    value = password
            else:
                value = password
        build.local_values[ref] = text(value)


def translate_service(build: Build, res: Resource) -> None:
    p = res.props
    name = build.ref(res).rsplit("/", 1)[-1]
    svc: dict[str, Any] = {"serviceName": name}
    index = build.put("services", svc, res)
    here: PathT = ("services", index)
    build.field(here + ("serviceName",), res, ("ServiceName",))
    td = p.get("TaskDefinition")
    build.field(here + ("taskDefinition",), res, ("TaskDefinition",))
    if build.missing(td):
        pass  # its problem is reported where it failed
    elif td in build.families:
        svc["taskDefinition"] = build.families[td]
    elif isinstance(td, str) and ":task-definition/" in td:
        build.error(
            res,
            ("Properties", "TaskDefinition"),
            f"{td} is not a task definition of the templates given (only those can run locally)",
        )
    elif isinstance(td, str) and td:
        svc["taskDefinition"] = td  # a family name: the layout checks it exists
    else:
        build.error(res, ("Properties", "TaskDefinition"), "a service needs a TaskDefinition")
    copy(svc, "desiredCount", p, "DesiredCount", build, here, res, integer)
    if "DesiredCount" not in p and p.get("SchedulingStrategy") != "DAEMON":
        svc["desiredCount"] = 1
    copy(
        svc,
        "healthCheckGracePeriodSeconds",
        p,
        "HealthCheckGracePeriodSeconds",
        build,
        here,
        res,
        integer,
    )
    copy(svc, "schedulingStrategy", p, "SchedulingStrategy", build, here, res)
    awsvpc = mapping(mapping(p.get("NetworkConfiguration")).get("AwsvpcConfiguration"))
    if isinstance(awsvpc, dict) and "Subnets" in awsvpc:
        sub: PathT = ("Properties", "NetworkConfiguration", "AwsvpcConfiguration", "Subnets")
        svc["subnets"] = subnet_names(build, awsvpc["Subnets"], res, sub[1:])
        build.field(here + ("subnets",), res, sub[1:])
    lbs: list[dict[str, Any]] = []
    for i, lb in enumerate(p.get("LoadBalancers") or []):
        sub = ("LoadBalancers", i)
        if not isinstance(lb, dict):
            build.error(res, ("Properties",) + sub, "expected a mapping")
            continue
        if "LoadBalancerName" in lb and "TargetGroupArn" not in lb:
            build.error(
                res,
                ("Properties",) + sub + ("LoadBalancerName",),
                "Classic Load Balancers are not emulated; use a target group",
            )
            continue
        entry: dict[str, Any] = {}
        if build.missing(lb.get("TargetGroupArn")):
            continue
        arn = str(lb.get("TargetGroupArn"))
        entry["targetGroup"] = build.target_groups.get(arn, arn)
        if arn not in build.target_groups:
            build.error(
                res,
                ("Properties",) + sub + ("TargetGroupArn",),
                f"{arn!r} is not a target group of the templates given",
            )
        lpath = here + ("loadBalancers", len(lbs))
        build.field(lpath, res, sub)
        build.field(lpath + ("targetGroup",), res, sub + ("TargetGroupArn",))
        copy(entry, "containerName", lb, "ContainerName", build, lpath, res)
        build.field(lpath + ("containerName",), res, sub + ("ContainerName",))
        copy(entry, "containerPort", lb, "ContainerPort", build, lpath, res, integer)
        build.field(lpath + ("containerPort",), res, sub + ("ContainerPort",))
        lbs.append(entry)
    if lbs:
        svc["loadBalancers"] = lbs
    _deployment(build, res, svc, here)
    translate_discovery(build, res, svc, index)
    for key in p:
        if key not in _QUIET_SERVICE_PROPS:
            build.warn(
                res, ("Properties", key), _UNSUPPORTED.get(key, f"{key} is not emulated locally")
            )
    controller = mapping(p.get("DeploymentController")).get("Type", "ECS")
    if controller != "ECS":
        build.warn(
            res,
            ("Properties", "DeploymentController"),
            f"{controller} deployments are not emulated: locally ECS rolling updates run",
        )


def _deployment(build: Build, res: Resource, svc: dict[str, Any], here: PathT) -> None:
    dc = res.props.get("DeploymentConfiguration")
    if not isinstance(dc, dict):
        return
    out: dict[str, Any] = {}
    path = here + ("deploymentConfiguration",)
    build.field(path, res, ("DeploymentConfiguration",))
    for key, prop in (
        ("minimumHealthyPercent", "MinimumHealthyPercent"),
        ("maximumPercent", "MaximumPercent"),
    ):
        if prop in dc:
            out[key] = integer(dc[prop])
            build.field(path + (key,), res, ("DeploymentConfiguration", prop))
    cb = dc.get("DeploymentCircuitBreaker")
    if isinstance(cb, dict):
        out["deploymentCircuitBreaker"] = {
            "enable": boolean(cb.get("Enable", False)),
            "rollback": boolean(cb.get("Rollback", False)),
        }
        build.field(
            path + ("deploymentCircuitBreaker",),
            res,
            ("DeploymentConfiguration", "DeploymentCircuitBreaker"),
        )
    if out:
        svc["deploymentConfiguration"] = out
