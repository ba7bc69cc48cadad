"""ECS service operations: Create/Update/Describe/List/DeleteService and the deployment calls.

Why this exists: infrastructure code manages services through these calls and waits on
``aws ecs wait services-stable``. Each write is one transaction on the service's spec in its
stack (compare-and-swap of its generation); the stack's controller runs the scheduler of
``ecsdev up``, and a describe right after a write already shows the deployment the controller
will make (same ID), so a waiter never reads a state from before the write.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from emulator.discovery.config import Discovery
from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.clusters import Cluster
from emulator.endpoint.ecs_discovery import discovery_of
from emulator.endpoint.ecs_json import service_json
from emulator.endpoint.ecs_settings import service_strategy
from emulator.endpoint.ecs_tasks import check_network
from emulator.endpoint.ecs_world import EcsWorld
from emulator.endpoint.jsontime import when
from emulator.endpoint.paging import page
from emulator.errors import DockerUnavailable, NotFound
from emulator.model.layout import CircuitBreaker, DeploymentConfiguration
from emulator.services import (
    AwsvpcSettings,
    ServiceOptions,
    ServiceSpec,
    ServiceState,
    SpecConflict,
    SpecLoadBalancer,
    SubnetPlacement,
    describe_services,
    load_spec,
    save_spec,
    service_names,
    update_spec,
)


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def _deployment_configuration(
    p: Any, before: DeploymentConfiguration | None = None
) -> DeploymentConfiguration:
    base = before or DeploymentConfiguration()
    d = p.get("deploymentConfiguration")
    if not d:
        return base
    cb = d.get("deploymentCircuitBreaker")
    out = DeploymentConfiguration(
        minimum_healthy_percent=int(d.get("minimumHealthyPercent", base.minimum_healthy_percent)),
        maximum_percent=int(d.get("maximumPercent", base.maximum_percent)),
        circuit_breaker=CircuitBreaker(bool(cb["enable"]), bool(cb["rollback"]))
        if cb
        else base.circuit_breaker,
    )
    if out.maximum_percent < 100 or out.minimum_healthy_percent > out.maximum_percent:
        raise _invalid(
            "The maximumPercent must be at least 100 and at least the minimumHealthyPercent."
        )
    return out


def _network(
    world: EcsWorld, req: Request, cluster: Cluster, p: Any
) -> tuple[tuple[SubnetPlacement, ...], AwsvpcSettings | None]:
    v = (p.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    if not v:
        return (), None
    world.check_security_groups(req, p)
    placements = []
    for subnet in v.get("subnets") or ():
        pl = world.placement(req, cluster, subnet)
        placements.append(SubnetPlacement(pl.network or "", pl.subnet or subnet))
    settings = AwsvpcSettings(
        tuple(v.get("subnets") or ()),
        tuple(v.get("securityGroups") or ()),
        v.get("assignPublicIp") or "DISABLED",
    )
    return tuple(placements), settings


def _load_balancers(world: EcsWorld, req: Request, p: Any) -> tuple[SpecLoadBalancer, ...]:
    out = []
    for lb in p.get("loadBalancers") or ():
        arn = lb.get("targetGroupArn")
        if not arn:
            raise _invalid("Classic load balancers are not supported; give a targetGroupArn.")
        tg = world.target_group(req, arn)
        if not lb.get("containerName") or lb.get("containerPort") is None:
            raise _invalid("containerName and containerPort must be specified.")
        out.append(SpecLoadBalancer(tg.name, lb["containerName"], int(lb["containerPort"]), arn))
    return tuple(out)


def _options(p: Any, before: ServiceOptions | None = None) -> ServiceOptions:
    o = before or ServiceOptions()
    return ServiceOptions(
        availability_zone_rebalancing=p.get("availabilityZoneRebalancing")
        or o.availability_zone_rebalancing,
        propagate_tags=p.get("propagateTags") or o.propagate_tags,
        enable_ecs_managed_tags=bool(p.get("enableECSManagedTags", o.enable_ecs_managed_tags)),
        enable_execute_command=bool(p.get("enableExecuteCommand", o.enable_execute_command)),
        platform_version=p.get("platformVersion") or o.platform_version,
    )


def _state(world: EcsWorld, cluster: Cluster, name: str) -> ServiceState | None:
    store = world.clusters.store(cluster.stack)
    try:
        states = describe_services(world.clusters.runtime(), store, world.observe(cluster), {name})
    except DockerUnavailable:
        states = describe_services(None, store, {}, {name})
    return next((s for s in states if s.record.name == name), None)


def _answer(world: EcsWorld, cluster: Cluster, name: str) -> dict[str, Any]:
    state = _state(world, cluster, name)
    if state is None:
        raise ApiError("ServiceNotFoundException", "Service not found.")
    return {"service": service_json(state)}


def create_service(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"), default_on_demand=True)
    name = p["serviceName"]
    if (p.get("schedulingStrategy") or "REPLICA") != "REPLICA":
        raise _invalid("Only the REPLICA scheduling strategy is emulated.")
    if (p.get("deploymentController") or {}).get("type", "ECS") != "ECS":
        raise _invalid("Only the ECS (rolling update) deployment controller is emulated.")
    if not p.get("taskDefinition"):
        raise _invalid("TaskDefinition must be specified.")
    rec = world.taskdefs.get(req.region, p["taskDefinition"], "TaskDefinition not found.")
    check_network(rec.model.network_mode, p)
    desired = int(p.get("desiredCount") or 0)
    store = world.clusters.store(cluster.stack)
    old = load_spec(store, name)
    if old is not None and old.active:
        raise _invalid("Creation of service was not idempotent.")
    placements, awsvpc = _network(world, req, cluster, p)
    strategy = service_strategy(world, cluster, p, creating=True) or ()
    spec = ServiceSpec(
        name=name,
        task_definition=rec.arn,
        desired_count=desired,
        deployment_configuration=_deployment_configuration(p),
        health_check_grace_period_seconds=int(p.get("healthCheckGracePeriodSeconds") or 0),
        placements=placements,
        load_balancers=_load_balancers(world, req, p),
        launch_type=p.get("launchType") or ("FARGATE" if awsvpc else "EC2"),
        awsvpc=awsvpc,
        tags=tuple((t["key"], t.get("value", "")) for t in p.get("tags") or ()),
        created_at=time.time(),
        created_by="arn:aws:iam::000000000000:root",
        options=replace(_options(p), capacity_provider_strategy=strategy),
        discovery=discovery_of(req, p, store=store, td=rec.model) or Discovery(),
    )
    world.import_definition(cluster, rec)
    try:
        with store.exclusive():  # not in the middle of an `ecsdev up` or `down` of the stack
            if old is not None:  # a deleted service of that name: a new service, a new record
                store.delete_service(name)
            save_spec(store, spec, expected=old.generation if old else 0)
    except SpecConflict as e:
        raise _invalid("Creation of service was not idempotent.") from e
    world.project_load_balancers(req)
    _ensure(world, cluster)
    return _answer(world, cluster, name)


def _ensure(world: EcsWorld, cluster: Cluster) -> None:
    try:
        world.clusters.ensure_controller(cluster)
    except OSError as e:
        raise ApiError(
            "ServerException", f"the cluster's controller did not start: {e}", 500
        ) from e


def update_service(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    name = p["service"].rsplit("/", 1)[-1]
    store = world.clusters.store(cluster.stack)
    spec = load_spec(store, name)
    if spec is None or not spec.active:
        raise ApiError("ServiceNotFoundException", "Service not found.")
    rec = None
    if p.get("taskDefinition"):
        rec = world.taskdefs.get(req.region, p["taskDefinition"], "TaskDefinition not found.")
        world.import_definition(cluster, rec)
    placements, awsvpc = _network(world, req, cluster, p)
    lbs = _load_balancers(world, req, p) if p.get("loadBalancers") is not None else None
    found = discovery_of(req, p, spec.discovery, store)
    strategy = service_strategy(world, cluster, p, creating=False)

    def change(sp: ServiceSpec) -> ServiceSpec:
        if not sp.active:
            raise NotFound(f"no service {name}")
        new = sp
        if rec is not None:
            new = replace(new, task_definition=rec.arn)
        if p.get("desiredCount") is not None:
            new = replace(new, desired_count=int(p["desiredCount"]))
        if p.get("forceNewDeployment"):
            new = replace(new, force_token=new.force_token + 1)
        if p.get("deploymentConfiguration"):
            new = replace(
                new,
                deployment_configuration=_deployment_configuration(p, sp.deployment_configuration),
            )
        if p.get("healthCheckGracePeriodSeconds") is not None:
            new = replace(
                new, health_check_grace_period_seconds=int(p["healthCheckGracePeriodSeconds"])
            )
        if awsvpc is not None:
            new = replace(new, placements=placements, awsvpc=awsvpc)
        if lbs is not None:
            new = replace(new, load_balancers=lbs)
        if found is not None:
            new = replace(new, discovery=found)
        opts = _options(p, sp.options)
        kept = sp.options.capacity_provider_strategy if strategy is None else strategy
        return replace(new, options=replace(opts, capacity_provider_strategy=kept))

    try:
        with store.exclusive():
            update_spec(store, name, change)
    except NotFound as e:
        raise ApiError("ServiceNotFoundException", "Service not found.") from e
    if lbs is not None:
        world.project_load_balancers(req)
    _ensure(world, cluster)
    return _answer(world, cluster, name)


def delete_service(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    name = p["service"].rsplit("/", 1)[-1]
    store = world.clusters.store(cluster.stack)
    spec = load_spec(store, name)
    if spec is None or not spec.active:
        raise ApiError("ServiceNotFoundException", "Service not found.")
    state = _state(world, cluster, name)
    if spec.desired_count > 0 and not p.get("force"):
        raise _invalid("The service cannot be stopped while it is scaled above 0.")
    with store.exclusive():
        update_spec(store, name, lambda sp: replace(sp, active=False, desired_count=0))
    world.project_load_balancers(req)
    _ensure(world, cluster)
    out = _answer(world, cluster, name)
    if state is not None:
        out["service"]["status"] = "DRAINING"
    return out


def describe_services_op(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    names = [s.rsplit("/", 1)[-1] for s in p.get("services") or ()]
    if not names:
        raise _invalid("Services cannot be empty.")
    if len(names) > 10:
        raise _invalid("The services list must contain at most 10 elements.")
    store = world.clusters.store(cluster.stack)
    try:
        states = describe_services(
            world.clusters.runtime(), store, world.observe(cluster), set(names)
        )
    except DockerUnavailable:
        states = describe_services(None, store, {}, set(names))
    by_name = {s.record.name: s for s in states}
    services, failures = [], []
    for ref, name in zip(p.get("services") or (), names, strict=True):
        if name in by_name:
            services.append(service_json(by_name[name]))
        else:
            arn = ref if ref.startswith("arn:") else cluster.account.service_arn(cluster.name, ref)
            failures.append({"arn": arn, "reason": "MISSING"})
    return {"services": services, "failures": failures}


def list_services(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    store = world.clusters.store(cluster.stack)
    arns = []
    for name in service_names(store):
        sp = load_spec(store, name)
        if sp is None or not sp.active:
            continue
        if p.get("launchType") and sp.launch_type and p["launchType"] != sp.launch_type:
            continue
        arns.append(cluster.account.service_arn(cluster.name, name))
    chunk, token = page(arns, p.get("nextToken"), p.get("maxResults"), default=10)
    out: dict[str, Any] = {"serviceArns": chunk}
    if token:
        out["nextToken"] = token
    return out


def _deployment_arn(cluster: Cluster, service: str, deployment_id: str) -> str:
    tail = deployment_id.rsplit("/", 1)[-1]
    return (
        f"arn:aws:ecs:{cluster.region}:{cluster.account_id}:service-deployment/"
        f"{cluster.name}/{service}/{tail}"
    )


def _status(rollout: str, deployment_status: str) -> str:
    if rollout == "COMPLETED":
        return "SUCCESSFUL"
    if rollout == "FAILED":
        return "ROLLBACK_SUCCESSFUL" if deployment_status == "INACTIVE" else "STOPPED"
    return "IN_PROGRESS"


def list_service_deployments(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    name = p["service"].rsplit("/", 1)[-1]
    state = _state(world, cluster, name)
    if state is None:
        raise ApiError("ServiceNotFoundException", "Service not found.")
    record = state.record
    items = []
    for d in record.deployments:
        status = _status(d.rollout_state, d.status)
        if p.get("status") and status not in p["status"]:
            continue
        items.append(
            {
                "serviceDeploymentArn": _deployment_arn(cluster, name, d.id),
                "serviceArn": record.service_arn,
                "clusterArn": record.cluster_arn,
                "startedAt": when(d.created_at),
                "createdAt": when(d.created_at),
                "targetServiceRevisionArn": d.task_definition,
                "status": status,
                **({"finishedAt": when(d.updated_at)} if status != "IN_PROGRESS" else {}),
            }
        )
    chunk, token = page(items, p.get("nextToken"), p.get("maxResults"), default=20)
    out: dict[str, Any] = {"serviceDeployments": chunk}
    if token:
        out["nextToken"] = token
    return out


def describe_service_deployments(world: EcsWorld, req: Request) -> dict[str, Any]:
    found, failures = [], []
    for arn in req.params.get("serviceDeploymentArns") or ():
        parts = arn.split(":service-deployment/", 1)
        bits = parts[1].split("/") if len(parts) == 2 else []
        cluster = world.clusters.find(req.region, bits[0]) if len(bits) == 3 else None
        state = _state(world, cluster, bits[1]) if cluster else None
        dep = None
        if state is not None:
            dep = next((d for d in state.record.deployments if d.id.endswith(bits[2])), None)
        if cluster is None or state is None or dep is None:
            failures.append({"arn": arn, "reason": "MISSING"})
            continue
        counts = state.counts.of(dep.id)
        status = _status(dep.rollout_state, dep.status)
        found.append(
            {
                "serviceDeploymentArn": arn,
                "serviceArn": state.record.service_arn,
                "clusterArn": state.record.cluster_arn,
                "createdAt": when(dep.created_at),
                "startedAt": when(dep.created_at),
                "updatedAt": when(dep.updated_at),
                "targetServiceRevision": {
                    "arn": dep.task_definition,
                    "requestedTaskCount": dep.desired_count,
                    "runningTaskCount": counts.running,
                    "pendingTaskCount": counts.pending,
                },
                "status": status,
                "statusReason": dep.rollout_state_reason,
                "deploymentConfiguration": {
                    "deploymentCircuitBreaker": {
                        "enable": state.record.deployment_configuration.circuit_breaker.enable,
                        "rollback": state.record.deployment_configuration.circuit_breaker.rollback,
                    },
                    "maximumPercent": state.record.deployment_configuration.maximum_percent,
                    "minimumHealthyPercent": state.record.deployment_configuration.minimum_healthy_percent,
                },
                **({"finishedAt": when(dep.updated_at)} if status != "IN_PROGRESS" else {}),
            }
        )
    return {"serviceDeployments": found, "failures": failures}
