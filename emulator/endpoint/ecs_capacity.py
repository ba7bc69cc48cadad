"""ECS capacity providers: FARGATE and FARGATE_SPOT, and Auto Scaling group providers through
Create/Update/Delete/DescribeCapacityProvider(s).

Why this exists: Terraform and CloudFormation for clusters on EC2 make an
``aws_ecs_capacity_provider`` for the cluster's Auto Scaling group, associate it with the
cluster and name it in services' strategies. Locally this machine is the capacity, so a
provider changes nothing about where tasks run; it is kept and read back exactly (with ECS's
defaults), can be associated with clusters and named in strategies, and cannot be deleted
while a cluster uses it. Managed Instances providers are not emulated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.ecs_world import EcsWorld

MANAGED = ("FARGATE", "FARGATE_SPOT")
RESERVED_PREFIXES = ("aws", "ecs", "fargate")


@dataclass(frozen=True, slots=True)
class ManagedScaling:
    status: str | None = None
    target_capacity: int | None = None
    minimum_scaling_step_size: int | None = None
    maximum_scaling_step_size: int | None = None
    instance_warmup_period: int | None = None


@dataclass(frozen=True, slots=True)
class CapacityProvider:
    """An Auto Scaling group provider, by name in its region."""

    name: str
    arn: str
    auto_scaling_group_arn: str
    scaling: ManagedScaling | None = None
    termination_protection: str = "DISABLED"
    draining: str = "ENABLED"
    tags: tuple[tuple[str, str], ...] = ()
    created_at: float = 0.0


_SCALING = (
    ("status", "status"),
    ("targetCapacity", "target_capacity"),
    ("minimumScalingStepSize", "minimum_scaling_step_size"),
    ("maximumScalingStepSize", "maximum_scaling_step_size"),
    ("instanceWarmupPeriod", "instance_warmup_period"),
)


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def _scaling(raw: Any, before: ManagedScaling | None = None) -> ManagedScaling | None:
    if raw is None:
        return before
    target = raw.get("targetCapacity")
    if target is not None and not 1 <= int(target) <= 100:
        raise _invalid("The managed scaling target capacity must be between 1 and 100.")
    return ManagedScaling(**{field: raw.get(key) for key, field in _SCALING})


def known(world: EcsWorld, region: str) -> set[str]:
    """The providers a cluster can be associated with in ``region``."""
    return {*MANAGED, *(p.name for p in world.resources.list(CapacityProvider, region))}


def _arn(req: Request, name: str) -> str:
    return f"arn:aws:ecs:{req.region}:{req.account_id}:capacity-provider/{name}"


def provider_json(p: CapacityProvider, update_status: str = "") -> dict[str, Any]:
    asg: dict[str, Any] = {
        "autoScalingGroupArn": p.auto_scaling_group_arn,
        "managedTerminationProtection": p.termination_protection,
        "managedDraining": p.draining,
    }
    if p.scaling is not None:
        scaling = {k: getattr(p.scaling, f) for k, f in _SCALING}
        asg["managedScaling"] = {k: v for k, v in scaling.items() if v is not None}
    out: dict[str, Any] = {
        "capacityProviderArn": p.arn,
        "name": p.name,
        "status": "ACTIVE",
        "autoScalingGroupProvider": asg,
        "tags": [{"key": k, "value": v} for k, v in p.tags],
        "type": "EC2_AUTOSCALING",
    }
    if update_status:
        out["updateStatus"] = update_status
    return out


def create_capacity_provider(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    name = str(p["name"])
    if name.lower().startswith(RESERVED_PREFIXES):
        raise _invalid(
            "The capacity provider name cannot begin with 'aws', 'ecs' or 'fargate'. "
            "Specify a different name and try again."
        )
    asg = p.get("autoScalingGroupProvider")
    if not asg:
        raise _invalid(
            "Only Auto Scaling group capacity providers are emulated; "
            "specify autoScalingGroupProvider."
        )
    provider = CapacityProvider(
        name=name,
        arn=_arn(req, name),
        auto_scaling_group_arn=str(asg["autoScalingGroupArn"]),
        scaling=_scaling(asg.get("managedScaling")),
        termination_protection=str(asg.get("managedTerminationProtection") or "DISABLED"),
        draining=str(asg.get("managedDraining") or "ENABLED"),
        tags=tuple((str(t["key"]), str(t.get("value", ""))) for t in p.get("tags") or ()),
        created_at=time.time(),
    )
    with world.resources.transaction() as tx:
        if tx.get(CapacityProvider, req.region, name) is not None:
            raise _invalid(f"The specified capacity provider {name} already exists.")
        tx.put(provider, req.region, name)
    return {"capacityProvider": provider_json(provider)}


def _existing(reader: Any, req: Request, ref: str) -> CapacityProvider:
    name = ref.rsplit("/", 1)[-1]
    found: CapacityProvider | None = reader.get(CapacityProvider, req.region, name)
    if found is None:
        raise _invalid(f"The specified capacity provider {name} does not exist.")
    return found


def update_capacity_provider(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    asg = p.get("autoScalingGroupProvider") or {}
    with world.resources.transaction() as tx:
        old = _existing(tx, req, str(p["name"]))
        new = replace(
            old,
            scaling=_scaling(asg.get("managedScaling"), old.scaling),
            termination_protection=str(
                asg.get("managedTerminationProtection") or old.termination_protection
            ),
            draining=str(asg.get("managedDraining") or old.draining),
        )
        tx.put(new, req.region, new.name)
    return {"capacityProvider": provider_json(new, "UPDATE_COMPLETE")}


def delete_capacity_provider(world: EcsWorld, req: Request) -> dict[str, Any]:
    from emulator.endpoint.ecs_settings import cluster_extras

    provider = _existing(world.resources, req, str(req.params["capacityProvider"]))
    for c in world.clusters.all(req.region):
        if provider.name in cluster_extras(world, c)["capacityProviders"]:
            raise ApiError(
                "ResourceInUseException",
                f"The specified capacity provider is in use by cluster {c.name}. Remove it "
                "from the cluster (PutClusterCapacityProviders) and try again.",
            )
    with world.resources.transaction() as tx:
        tx.delete(CapacityProvider, req.region, provider.name)
    return {"capacityProvider": provider_json(provider, "DELETE_IN_PROGRESS")}


def describe_capacity_providers(world: EcsWorld, req: Request) -> dict[str, Any]:
    mine = {p.name: p for p in world.resources.list(CapacityProvider, req.region)}
    asked = req.params.get("capacityProviders")
    wanted = [r.rsplit("/", 1)[-1] for r in asked] if asked else [*MANAGED, *mine]
    found: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for name in wanted:
        if name in MANAGED:
            found.append(
                {
                    "capacityProviderArn": _arn(req, name),
                    "name": name,
                    "status": "ACTIVE",
                    "tags": [],
                    "type": name,
                }
            )
        elif name in mine:
            found.append(provider_json(mine[name]))
        else:
            failures.append({"arn": _arn(req, name), "reason": "MISSING"})
    return {"capacityProviders": found, "failures": failures}


OPERATIONS = {
    "CreateCapacityProvider": create_capacity_provider,
    "UpdateCapacityProvider": update_capacity_provider,
    "DeleteCapacityProvider": delete_capacity_provider,
    "DescribeCapacityProviders": describe_capacity_providers,
}

__all__ = ["MANAGED", "OPERATIONS", "CapacityProvider", "known"]
