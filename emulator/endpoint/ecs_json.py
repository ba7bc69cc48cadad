"""ECS's JSON, made in one place: services, deployments and clusters as DescribeServices,
ListServiceDeployments and DescribeClusters return them.

Why this exists: the engine keeps typed records (``ServiceState``, ``ServiceRecord``,
``ServiceSpec``); AWS clients, ``ecsdev ... --json`` and the dashboard read ECS's shapes. The
functions here are the only translation; timestamps are aware ``datetime`` values (the wire
layer writes epoch seconds, ``dumps`` writes ISO 8601 as the AWS CLI prints them).
"""

from __future__ import annotations

from typing import Any

from emulator.discovery.config import registries_json, service_connect_json
from emulator.endpoint.jsontime import dumps, plain, when
from emulator.model.layout import DeploymentConfiguration
from emulator.scheduler.state import Deployment, ServiceRecord
from emulator.services import ServiceOptions, ServiceSpec, ServiceState


def deployment_configuration_json(c: DeploymentConfiguration) -> dict[str, Any]:
    return {
        "deploymentCircuitBreaker": {
            "enable": c.circuit_breaker.enable,
            "rollback": c.circuit_breaker.rollback,
        },
        "maximumPercent": c.maximum_percent,
        "minimumHealthyPercent": c.minimum_healthy_percent,
    }


def _network_json(spec: ServiceSpec | None) -> dict[str, Any] | None:
    if spec is None or spec.awsvpc is None:
        return None
    v = spec.awsvpc
    return {
        "awsvpcConfiguration": {
            "subnets": list(v.subnets),
            "securityGroups": list(v.security_groups),
            "assignPublicIp": v.assign_public_ip,
        }
    }


def capacity_json(spec: ServiceSpec | None) -> dict[str, Any]:
    """Where a service's tasks run: its capacity provider strategy, else its launch type."""
    strategy = spec.options.capacity_provider_strategy if spec is not None else ()
    if strategy:
        return {
            "capacityProviderStrategy": [
                {"capacityProvider": i.provider, "weight": i.weight, "base": i.base}
                for i in strategy
            ]
        }
    return {"launchType": spec.launch_type if spec and spec.launch_type else "FARGATE"}


def _deployment_json(
    d: Deployment, state: ServiceState, spec: ServiceSpec | None
) -> dict[str, Any]:
    c = state.counts.of(d.id)
    out: dict[str, Any] = {
        "id": d.id,
        "status": d.status,
        "taskDefinition": d.task_definition,
        "desiredCount": d.desired_count,
        "pendingCount": c.pending,
        "runningCount": c.running,
        "failedTasks": d.failed_tasks,
        "createdAt": when(d.created_at),
        "updatedAt": when(d.updated_at),
        **capacity_json(spec),
        "rolloutState": d.rollout_state,
        "rolloutStateReason": d.rollout_state_reason,
    }
    if spec is not None and (net := _network_json(spec)) is not None:
        out["networkConfiguration"] = net
    sc = service_connect_json(spec.discovery) if spec and d.status == "PRIMARY" else None
    if sc is not None:
        out["serviceConnectConfiguration"] = sc
    return out


def service_json(state: ServiceState) -> dict[str, Any]:
    """A DescribeServices ``services[]`` entry."""
    record: ServiceRecord = state.record
    spec = state.spec
    opts = spec.options if spec is not None else ServiceOptions()
    out: dict[str, Any] = {}
    if record.service_arn:
        out["serviceArn"] = record.service_arn
    out["serviceName"] = record.name
    if record.cluster_arn:
        out["clusterArn"] = record.cluster_arn
    out["loadBalancers"] = [
        {
            **({"targetGroupArn": lb.target_group_arn} if lb.target_group_arn else {}),
            "containerName": lb.container_name,
            "containerPort": lb.container_port,
        }
        for lb in (spec.load_balancers if spec else ())
    ]
    out["serviceRegistries"] = registries_json(spec.discovery) if spec else []
    out.update(
        {
            "status": state.status,
            "desiredCount": record.desired_count,
            "runningCount": state.counts.total.running,
            "pendingCount": state.counts.total.pending,
            **capacity_json(spec),
            "taskDefinition": record.task_definition,
            "deploymentConfiguration": deployment_configuration_json(
                record.deployment_configuration
            ),
            "deployments": [_deployment_json(d, state, spec) for d in record.deployments],
            "events": [
                {"id": e.id, "createdAt": when(e.created_at), "message": e.message}
                for e in (state.events or record.events)
            ],
            "createdAt": when(record.created_at),
            "placementConstraints": [],
            "placementStrategy": [],
            "schedulingStrategy": "REPLICA",
            "deploymentController": {"type": "ECS"},
            "createdBy": (spec.created_by if spec and spec.created_by else None),
            "enableECSManagedTags": opts.enable_ecs_managed_tags,
            "propagateTags": opts.propagate_tags,
            "enableExecuteCommand": opts.enable_execute_command,
            "availabilityZoneRebalancing": opts.availability_zone_rebalancing,
        }
    )
    if opts.platform_version:
        out["platformVersion"] = opts.platform_version
    if out["createdBy"] is None:
        del out["createdBy"]
    if spec is not None and (net := _network_json(spec)) is not None:
        out["networkConfiguration"] = net
    if spec is not None and spec.tags:
        out["tags"] = [{"key": k, "value": v} for k, v in spec.tags]
    if record.has_load_balancer or record.health_check_grace_period_seconds:
        out["healthCheckGracePeriodSeconds"] = record.health_check_grace_period_seconds
    return out


def services_json(states: list[ServiceState]) -> list[dict[str, Any]]:
    return [service_json(s) for s in states]


__all__ = ["dumps", "plain", "service_json", "services_json", "when"]
