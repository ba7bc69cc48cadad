"""The ECS API of the endpoint: clusters, task definitions, container instances and tags here;
services and tasks in ``ecs_services`` and ``ecs_tasks``.

Why this exists: it is the table the server routes ``AmazonEC2ContainerServiceV20141113.*``
calls through (``handlers``), and the cluster and registry operations that need nothing but
the store. Clusters are stacks (``clusters``); this machine is every cluster's one container
instance, so the EC2 launch type, bridge and host modes work as on a one-instance cluster.
"""

from __future__ import annotations

import os
import time
from typing import Any

from emulator.alb.spec import instance_id
from emulator.endpoint import ecs_protection as P
from emulator.endpoint import ecs_services as S
from emulator.endpoint import ecs_settings as E
from emulator.endpoint import ecs_tasks as T
from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.clusters import ACTIVE, INACTIVE, Cluster, cluster_name_of
from emulator.endpoint.ecs_taskdefs import (
    ACTIVE as TD_ACTIVE,
)
from emulator.endpoint.ecs_taskdefs import (
    DELETING,
    parse_ref,
    tags_json,
    task_definition_json,
)
from emulator.endpoint.ecs_taskdefs import (
    INACTIVE as TD_INACTIVE,
)
from emulator.endpoint.ecs_world import EcsWorld
from emulator.endpoint.jsontime import when
from emulator.endpoint.paging import page
from emulator.lifecycle import task_status
from emulator.services import load_spec, service_names


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def _tags(p: Any) -> tuple[tuple[str, str], ...]:
    return tuple((t["key"], t.get("value", "")) for t in p.get("tags") or ())


# -- clusters -------------------------------------------------------------------------------------


def cluster_json(world: EcsWorld, c: Cluster, include: list[str] | None = None) -> dict[str, Any]:
    observed = world.observe(c) if c.status == ACTIVE else {}
    store = world.clusters.store(c.stack)
    running = pending = 0
    for t in observed.values():
        st = task_status(t, "RUNNING").last_status
        running += st == "RUNNING"
        pending += st in ("PROVISIONING", "PENDING", "ACTIVATING")
    active = 0
    for name in service_names(store):
        sp = load_spec(store, name)
        active += sp is not None and sp.active
    out: dict[str, Any] = {
        "clusterArn": c.arn,
        "clusterName": c.name,
        "status": c.status,
        "registeredContainerInstancesCount": 1 if c.status == ACTIVE else 0,
        "runningTasksCount": running,
        "pendingTasksCount": pending,
        "activeServicesCount": active,
        "statistics": [],
        **E.cluster_extras(world, c),
    }
    if include and "TAGS" in include or c.tags:
        out["tags"] = tags_json(c.tags)
    return out


def create_cluster(world: EcsWorld, req: Request) -> dict[str, Any]:
    name = req.params.get("clusterName") or "default"
    c = world.clusters.create(req.region, name, _tags(req.params))
    E.remember(
        world,
        c,
        req.params,
        ("settings", "configuration", "capacityProviders", "defaultCapacityProviderStrategy")
        + ("serviceConnectDefaults",),
    )
    return {"cluster": cluster_json(world, c)}


def describe_clusters(world: EcsWorld, req: Request) -> dict[str, Any]:
    refs = list(req.params.get("clusters") or ["default"])
    if len(refs) > 100:
        raise _invalid("The clusters list must contain at most 100 elements.")
    include = list(req.params.get("include") or ())
    clusters, failures = [], []
    for ref in refs:
        c = world.clusters.find(req.region, ref, active=False)
        if c is None:
            arn = ref if ref.startswith("arn:") else req.account.cluster_arn(ref)
            failures.append({"arn": arn, "reason": "MISSING"})
        else:
            clusters.append(cluster_json(world, c, include))
    return {"clusters": clusters, "failures": failures}


def list_clusters(world: EcsWorld, req: Request) -> dict[str, Any]:
    arns = [c.arn for c in world.clusters.all(req.region) if c.status == ACTIVE]
    chunk, token = page(arns, req.params.get("nextToken"), req.params.get("maxResults"))
    return {"clusterArns": chunk, **({"nextToken": token} if token else {})}


def delete_cluster(world: EcsWorld, req: Request) -> dict[str, Any]:
    c = world.clusters.get(req.region, req.params["cluster"])
    store = world.clusters.store(c.stack)
    if c.origin == "layout":
        raise _invalid(
            f"Cluster {c.name} runs the layout stack {c.stack}; take it down with `ecsdev down`."
        )
    if any((sp := load_spec(store, n)) is not None and sp.active for n in service_names(store)):
        raise ApiError(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
        )
    if world.observe(c):
        raise ApiError(
            "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active."
        )
    world.clusters.set_status(c, INACTIVE)
    gone = world.clusters.find(req.region, c.name, active=False)
    assert gone is not None
    return {"cluster": cluster_json(world, gone)}


# -- task definitions -------------------------------------------------------------------------------


def register_task_definition(world: EcsWorld, req: Request) -> dict[str, Any]:
    rec = world.taskdefs.register(req)
    out: dict[str, Any] = {"taskDefinition": task_definition_json(rec)}
    if rec.tags:
        out["tags"] = tags_json(rec.tags)
    return out


def describe_task_definition(world: EcsWorld, req: Request) -> dict[str, Any]:
    rec = world.taskdefs.get(req.region, req.params["taskDefinition"])
    out: dict[str, Any] = {"taskDefinition": task_definition_json(rec)}
    if "TAGS" in (req.params.get("include") or ()):
        out["tags"] = tags_json(rec.tags)
    return out


def deregister_task_definition(world: EcsWorld, req: Request) -> dict[str, Any]:
    ref = req.params["taskDefinition"]
    if parse_ref(ref)[1] is None:
        raise ApiError("ClientException", "Invalid revision number. Number: " + ref.split(":")[-1])
    rec = world.taskdefs.get(req.region, ref, "The specified task definition does not exist.")
    if rec.status == TD_ACTIVE:
        rec = world.taskdefs.set_status(req.region, rec, TD_INACTIVE)
    return {"taskDefinition": task_definition_json(rec)}


def delete_task_definitions(world: EcsWorld, req: Request) -> dict[str, Any]:
    done, failures = [], []
    for ref in req.params.get("taskDefinitions") or ():
        rec = world.taskdefs.find(req.region, ref)
        if rec is None or parse_ref(ref)[1] is None:
            failures.append({"arn": ref, "reason": "The specified task definition does not exist."})
        elif rec.status == TD_ACTIVE:
            failures.append(
                {
                    "arn": rec.arn,
                    "reason": "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
                }
            )
        else:
            done.append(task_definition_json(world.taskdefs.set_status(req.region, rec, DELETING)))
    return {"taskDefinitions": done, "failures": failures}


def list_task_definitions(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    status = p.get("status") or TD_ACTIVE
    recs = [
        r
        for r in world.taskdefs.all(req.region)
        if r.status == status and (not p.get("familyPrefix") or r.family == p["familyPrefix"])
    ]
    arns = [r.arn for r in recs]
    if (p.get("sort") or "ASC") == "DESC":
        arns.reverse()
    chunk, token = page(arns, p.get("nextToken"), p.get("maxResults"))
    return {"taskDefinitionArns": chunk, **({"nextToken": token} if token else {})}


def list_task_definition_families(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    status = p.get("status") or TD_ACTIVE
    fams: dict[str, set[str]] = {}
    for r in world.taskdefs.all(req.region):
        fams.setdefault(r.family, set()).add(r.status)
    names = sorted(
        f
        for f, st in fams.items()
        if (
            status == "ALL"
            or (status == TD_ACTIVE and TD_ACTIVE in st)
            or (status == TD_INACTIVE and TD_ACTIVE not in st)
        )
        and f.startswith(p.get("familyPrefix") or "")
    )
    chunk, token = page(names, p.get("nextToken"), p.get("maxResults"))
    return {"families": chunk, **({"nextToken": token} if token else {})}


# -- the container instance (this machine) ------------------------------------------------------


def _instance_arn(c: Cluster) -> str:
    return (
        f"arn:aws:ecs:{c.region}:{c.account_id}:container-instance/{c.name}/"
        f"{instance_id(c.stack)[2:].ljust(32, '0')[:32]}"
    )


def _resources(world: EcsWorld, c: Cluster) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cpu = (os.cpu_count() or 1) * 1024
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    used_cpu = used_mem = 0
    store = world.clusters.store(c.stack)
    for t in world.observe(c).values():
        found = store.task_definition_by_arn(t.labels.get("ecsdev.task-definition-arn", ""))
        body = found[0] if found else {}
        used_cpu += (
            int(str(body.get("cpu") or 0).split()[0] or 0)
            if str(body.get("cpu") or "0").isdigit()
            else 0
        )
        used_mem += int(body["memory"]) if str(body.get("memory") or "").isdigit() else 0

    def res(c_: int, m: int) -> list[dict[str, Any]]:
        return [
            {"name": "CPU", "type": "INTEGER", "integerValue": c_},
            {"name": "MEMORY", "type": "INTEGER", "integerValue": m},
            {"name": "PORTS", "type": "STRINGSET", "stringSetValue": ["22"]},
        ]

    return res(cpu, mem), res(max(cpu - used_cpu, 0), max(mem - used_mem, 0))


def list_container_instances(world: EcsWorld, req: Request) -> dict[str, Any]:
    c = world.clusters.get(req.region, req.params.get("cluster"))
    return {"containerInstanceArns": [_instance_arn(c)]}


def describe_container_instances(world: EcsWorld, req: Request) -> dict[str, Any]:
    c = world.clusters.get(req.region, req.params.get("cluster"))
    mine = _instance_arn(c)
    found, failures = [], []
    observed = world.observe(c)
    registered, remaining = _resources(world, c)
    for ref in req.params.get("containerInstances") or ():
        if ref not in (mine, mine.rsplit("/", 1)[-1]):
            failures.append({"arn": ref, "reason": "MISSING"})
            continue
        found.append(
            {
                "containerInstanceArn": mine,
                "ec2InstanceId": instance_id(c.stack),
                "version": 1,
                "versionInfo": {"agentVersion": "1.80.0", "dockerVersion": "ecsdev"},
                "remainingResources": remaining,
                "registeredResources": registered,
                "status": "ACTIVE",
                "agentConnected": True,
                "runningTasksCount": len(observed),
                "pendingTasksCount": 0,
                "attributes": [{"name": "ecs.os-type", "value": "linux"}],
                "registeredAt": when(c.created_at or time.time()),
            }
        )
    return {"containerInstances": found, "failures": failures}


# -- tags ---------------------------------------------------------------------------------------


def _tag_target(world: EcsWorld, req: Request, arn: str) -> tuple[str, Any]:
    if ":cluster/" in arn:
        c = world.clusters.find(req.region, cluster_name_of(arn))
        if c is not None:
            return "cluster", c
    elif ":task-definition/" in arn:
        rec = world.taskdefs.find(req.region, arn)
        if rec is not None:
            return "taskdef", rec
    elif ":service/" in arn:
        bits = arn.split(":service/", 1)[1].split("/")
        c = world.clusters.find(req.region, bits[0]) if len(bits) == 2 else None
        sp = load_spec(world.clusters.store(c.stack), bits[1]) if c else None
        if c is not None and sp is not None and sp.active:
            return "service", (c, sp)
    raise (
        _invalid("The specified resource is not valid.")
        if ":" not in arn
        else ApiError("ResourceNotFoundException", "The specified resource could not be found.")
    )


def _current(kind: str, obj: Any) -> dict[str, str]:
    if kind == "cluster":
        return dict(obj.tags)
    if kind == "taskdef":
        return dict(obj.tags)
    return dict(obj[1].tags)


def _write(world: EcsWorld, req: Request, kind: str, obj: Any, tags: dict[str, str]) -> None:
    from dataclasses import replace

    from emulator.services import update_spec

    if kind == "cluster":
        world.clusters.set_tags(obj, tags)
    elif kind == "taskdef":
        world.taskdefs.set_tags(req.region, obj, tuple(tags.items()))
    else:
        c, sp = obj
        update_spec(
            world.clusters.store(c.stack), sp.name, lambda s: replace(s, tags=tuple(tags.items()))
        )


def tag_resource(world: EcsWorld, req: Request) -> dict[str, Any]:
    kind, obj = _tag_target(world, req, req.params["resourceArn"])
    tags = _current(kind, obj) | dict(_tags(req.params))
    _write(world, req, kind, obj, tags)
    return {}


def untag_resource(world: EcsWorld, req: Request) -> dict[str, Any]:
    kind, obj = _tag_target(world, req, req.params["resourceArn"])
    tags = {k: v for k, v in _current(kind, obj).items() if k not in set(req.params["tagKeys"])}
    _write(world, req, kind, obj, tags)
    return {}


def list_tags_for_resource(world: EcsWorld, req: Request) -> dict[str, Any]:
    kind, obj = _tag_target(world, req, req.params["resourceArn"])
    return {"tags": [{"key": k, "value": v} for k, v in _current(kind, obj).items()]}


OPERATIONS = {
    "CreateCluster": create_cluster,
    "DescribeClusters": describe_clusters,
    "ListClusters": list_clusters,
    "DeleteCluster": delete_cluster,
    "RegisterTaskDefinition": register_task_definition,
    "DescribeTaskDefinition": describe_task_definition,
    "DeregisterTaskDefinition": deregister_task_definition,
    "DeleteTaskDefinitions": delete_task_definitions,
    "ListTaskDefinitions": list_task_definitions,
    "ListTaskDefinitionFamilies": list_task_definition_families,
    "ListContainerInstances": list_container_instances,
    "DescribeContainerInstances": describe_container_instances,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
    "CreateService": S.create_service,
    "UpdateService": S.update_service,
    "DeleteService": S.delete_service,
    "DescribeServices": S.describe_services_op,
    "ListServices": S.list_services,
    "ListServiceDeployments": S.list_service_deployments,
    "DescribeServiceDeployments": S.describe_service_deployments,
    **E.OPERATIONS,
    **P.OPERATIONS,
    "RunTask": T.run_task,
    "StopTask": T.stop_task,
    "DescribeTasks": T.describe_tasks,
    "ListTasks": T.list_tasks,
}


def handlers(ctx: Any) -> ServiceHandlers:
    """The ECS operations, bound to one world (the server calls this once)."""
    world = EcsWorld.make(ctx.resources, ctx.account_id, ctx.sink)
    world.revive()  # after a restart: the services' controllers run again
    world.supervise()
    out = ServiceHandlers("ecs")
    for name, fn in OPERATIONS.items():
        out.add(name, (lambda f: lambda req: f(world, req))(fn))
    out.owns = world.own_cluster
    out.unsupported_code = "UnsupportedFeatureException"
    return out
