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
from emulator.endpoint.ecs_capacity import OPERATIONS as CAPACITY_OPERATIONS
from emulator.endpoint.ecs_capacity import known
from emulator.endpoint.ecs_world import EcsWorld
from emulator.servicespec import CapacityProviderItem

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
        have = known(world, c.region)
        unknown = [p for p in given["capacityProviders"] if p not in have]
        if unknown:
            raise ApiError(
                "InvalidParameterException",
                f"The specified capacity provider {unknown[0]} does not exist. Create it "
                "first (CreateCapacityProvider), or use FARGATE or FARGATE_SPOT.",
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


def service_strategy(
    world: EcsWorld, c: Cluster, params: Any, creating: bool
) -> tuple[CapacityProviderItem, ...] | None:
    """A service's capacity provider strategy from Create/UpdateService, checked as ECS
    checks it: not beside a launch type, each provider associated with the cluster, one
    ``base`` at most. A create that names neither takes the cluster's default strategy.
    None where an update leaves the strategy as it was."""
    raw = params.get("capacityProviderStrategy")
    if raw is None and creating and not params.get("launchType"):
        raw = cluster_extras(world, c)["defaultCapacityProviderStrategy"] or None
    if raw is None:
        return None
    if params.get("launchType"):
        raise ApiError(
            "InvalidParameterException",
            "Specifying both a launch type and capacity provider strategy is not supported. "
            "Remove one and try again.",
        )
    items = tuple(
        CapacityProviderItem(
            str(x["capacityProvider"]), int(x.get("weight") or 0), int(x.get("base") or 0)
        )
        for x in raw
    )
    associated = cluster_extras(world, c)["capacityProviders"]
    if any(i.provider not in associated for i in items):
        raise ApiError(
            "InvalidParameterException",
            "The specified capacity provider strategy cannot contain a capacity provider that "
            "is not associated with the cluster. Associate the capacity provider with the "
            "cluster or specify a valid capacity provider and try again.",
        )
    if sum(1 for i in items if i.base) > 1:
        raise ApiError(
            "InvalidParameterException",
            "Only one capacity provider in a capacity provider strategy can have a base value.",
        )
    return items


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
    **CAPACITY_OPERATIONS,
    "ListAccountSettings": list_account_settings,
    "PutAccountSetting": put_account_setting,
    "PutAccountSettingDefault": put_account_setting,
}
