"""The settings that infrastructure code sets around ECS clusters and the account: cluster
settings (Container Insights), configuration, capacity providers, and account settings.

Why this exists: Terraform's ``aws_ecs_cluster`` and ``aws_ecs_cluster_capacity_providers``, the
CDK and CloudFormation set and read these back; locally they change nothing about how tasks
run (this machine is the capacity), so they are kept and answered exactly as given, and the
answer never drifts from what was set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.clusters import Cluster
from emulator.endpoint.ecs_world import EcsWorld

MANAGED = ("FARGATE", "FARGATE_SPOT")
ACCOUNT_DEFAULTS = {
    "serviceLongArnFormat": "enabled",
    "taskLongArnFormat": "enabled",
    "containerInstanceLongArnFormat": "enabled",
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
    "fargateFIPSMode": "disabled",
    "tagResourceAuthorization": "on",
    "fargateTaskRetirementWaitPeriod": "7",
    "guardDutyActivate": "off",
    "defaultLogDriverMode": "blocking",
}


@dataclass(frozen=True, slots=True)
class AccountSetting:
    name: str
    value: str


def cluster_extras(world: EcsWorld, c: Cluster) -> dict[str, Any]:
    """What CreateCluster/UpdateCluster/PutClusterCapacityProviders set, as given."""
    meta = world.clusters.store(c.stack).get("stack") or {}
    out: dict[str, Any] = {
        "settings": meta.get("settings") or [{"name": "containerInsights", "value": "disabled"}],
        "capacityProviders": meta.get("capacityProviders") or [],
        "defaultCapacityProviderStrategy": meta.get("defaultCapacityProviderStrategy") or [],
    }
    if meta.get("configuration"):
        out["configuration"] = meta["configuration"]
    if meta.get("serviceConnectDefaults"):
        out["serviceConnectDefaults"] = meta["serviceConnectDefaults"]
    return out


def remember(world: EcsWorld, c: Cluster, params: Any, keys: tuple[str, ...]) -> None:
    given = {k: params[k] for k in keys if params.get(k) is not None}
    if "capacityProviders" in given:
        unknown = [p for p in given["capacityProviders"] if p not in MANAGED]
        if unknown:
            raise ApiError(
                "InvalidParameterException",
                f"The specified capacity provider {unknown[0]} does not exist. Locally only "
                "FARGATE and FARGATE_SPOT exist (this machine is the capacity).",
            )
    if "settings" in given:  # one entry per name, the latest wins
        merged = {s["name"]: s for s in cluster_extras(world, c)["settings"]}
        merged.update({s["name"]: s for s in given["settings"]})
        given["settings"] = list(merged.values())

    def change(meta: object) -> object:
        d = dict(meta) if isinstance(meta, dict) else {}
        d.update(given)
        return d

    world.clusters.store(c.stack).update("stack", change)


def _answer(world: EcsWorld, req: Request, c: Cluster) -> dict[str, Any]:
    from emulator.endpoint.ecs import cluster_json

    found = world.clusters.get(req.region, c.name)
    return {"cluster": cluster_json(world, found)}


def update_cluster(world: EcsWorld, req: Request) -> dict[str, Any]:
    c = world.clusters.get(req.region, req.params["cluster"])
    remember(world, c, req.params, ("settings", "configuration", "serviceConnectDefaults"))
    return _answer(world, req, c)


def update_cluster_settings(world: EcsWorld, req: Request) -> dict[str, Any]:
    c = world.clusters.get(req.region, req.params["cluster"])
    remember(world, c, req.params, ("settings",))
    return _answer(world, req, c)


def put_cluster_capacity_providers(world: EcsWorld, req: Request) -> dict[str, Any]:
    c = world.clusters.get(req.region, req.params["cluster"])
    remember(world, c, req.params, ("capacityProviders", "defaultCapacityProviderStrategy"))
    return _answer(world, req, c)


def describe_capacity_providers(world: EcsWorld, req: Request) -> dict[str, Any]:
    wanted = [r.rsplit("/", 1)[-1] for r in req.params.get("capacityProviders") or MANAGED]
    found: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for name in wanted:
        if name in MANAGED:
            found.append(
                {
                    "capacityProviderArn": f"arn:aws:ecs:{req.region}:{req.account_id}:"
                    f"capacity-provider/{name}",
                    "name": name,
                    "status": "ACTIVE",
                    "tags": [],
                }
            )
        else:
            failures.append(
                {
                    "arn": f"arn:aws:ecs:{req.region}:{req.account_id}:capacity-provider/{name}",
                    "reason": "MISSING",
                }
            )
    return {"capacityProviders": found, "failures": failures}


def _settings(world: EcsWorld, req: Request) -> dict[str, str]:
    mine = {s.name: s.value for s in world.resources.list(AccountSetting, req.region)}
    return ACCOUNT_DEFAULTS | mine


def list_account_settings(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    principal = p.get("principalArn") or f"arn:aws:iam::{req.account_id}:root"
    rows = [
        {"name": k, "value": v, "principalArn": principal, "type": "user"}
        for k, v in sorted(_settings(world, req).items())
        if (not p.get("name") or p["name"] == k) and (not p.get("value") or p["value"] == v)
    ]
    return {"settings": rows}


def put_account_setting(world: EcsWorld, req: Request) -> dict[str, Any]:
    name, value = req.params["name"], req.params["value"]
    if name not in ACCOUNT_DEFAULTS:
        raise ApiError("InvalidParameterException", f"{name} is not a valid account setting.")
    with world.resources.transaction() as tx:
        tx.put(AccountSetting(name, value), req.region, name)
    principal = req.params.get("principalArn") or f"arn:aws:iam::{req.account_id}:root"
    return {"setting": {"name": name, "value": value, "principalArn": principal, "type": "user"}}


OPERATIONS = {
    "UpdateCluster": update_cluster,
    "UpdateClusterSettings": update_cluster_settings,
    "PutClusterCapacityProviders": put_cluster_capacity_providers,
    "DescribeCapacityProviders": describe_capacity_providers,
    "ListAccountSettings": list_account_settings,
    "PutAccountSetting": put_account_setting,
    "PutAccountSettingDefault": put_account_setting,
}
