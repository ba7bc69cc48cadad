"""ECS task operations: RunTask, StopTask, DescribeTasks, ListTasks.

Why this exists: these are the calls scripts, CI jobs and ``aws ecs wait tasks-running`` /
``tasks-stopped`` make. RunTask starts real containers through the same ``TaskRunner`` as
``ecsdev run-task``; StopTask records the stop (the stack's controller carries it out, after
the load balancer's deregistration delay for a service task, as ECS does); DescribeTasks reads
Docker and the stopped tasks' records.
"""

from __future__ import annotations

import json
import time
from typing import Any

from emulator import labels as L
from emulator.albstate import drain_seconds
from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.clusters import Cluster
from emulator.endpoint.ecs_world import EcsWorld
from emulator.endpoint.paging import page
from emulator.endpoint.task_json import task_json
from emulator.errors import DockerUnavailable, TaskFailedToStart
from emulator.model.taskdef import parse_task_definition
from emulator.services import SECURITY_GROUPS
from emulator.tasks import Placement
from emulator.taskview import TaskDescription


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def apply_overrides(body: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """RunTask's ``overrides`` on a copy of the registered task definition."""
    out: dict[str, Any] = json.loads(json.dumps(body))
    containers = {c["name"]: c for c in out.get("containerDefinitions", [])}
    for o in overrides.get("containerOverrides") or ():
        c = containers.get(o.get("name", ""))
        if c is None:
            raise _invalid(
                f"Override for container named {o.get('name')} is not a container in the "
                "TaskDefinition."
            )
        for key in ("command", "cpu", "memory", "memoryReservation"):
            if key in o:
                c[key] = o[key]
        if o.get("environment"):
            env = {e["name"]: e.get("value", "") for e in c.get("environment") or ()}
            env.update({e["name"]: e.get("value", "") for e in o["environment"]})
            c["environment"] = [{"name": k, "value": v} for k, v in env.items()]
    for key in ("cpu", "memory", "taskRoleArn", "executionRoleArn"):
        if overrides.get(key):
            out[key] = overrides[key]
    return out


def _subnets(params: Any) -> list[str]:
    net = (params.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return list(net.get("subnets") or ())


def check_network(network_mode: str, params: Any) -> None:
    """ECS's rules between the task definition's network mode and networkConfiguration."""
    net = params.get("networkConfiguration")
    if network_mode == "awsvpc" and not _subnets(params):
        raise _invalid(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified."
        )
    if network_mode != "awsvpc" and net:
        raise _invalid(
            "Network Configuration is not valid for the given networkMode of this task definition."
        )
    if params.get("launchType") == "FARGATE" and network_mode != "awsvpc":
        raise _invalid("Task definition does not support launch_type FARGATE.")


def run_task(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"), default_on_demand=True)
    rec = world.taskdefs.get(req.region, p["taskDefinition"], "TaskDefinition not found.")
    count = int(p.get("count") or 1)
    if not 1 <= count <= 10:
        raise _invalid("count must be between 1 and 10.")
    body = apply_overrides(rec.input, p.get("overrides") or {})
    td = parse_task_definition(body)
    check_network(td.network_mode, p)
    groups = world.check_security_groups(req, p)
    labels = {SECURITY_GROUPS: ",".join(groups)} if groups else {}
    try:
        world.import_definition(cluster, rec)
        subnets = _subnets(p)
        runner = world.runner(cluster)
        arns: list[str] = []
        failures: list[dict[str, Any]] = []
        for i in range(count):
            placement = (
                world.placement(req, cluster, subnets[i % len(subnets)])
                if td.network_mode == "awsvpc"
                else Placement()
            )
            try:
                arns.append(
                    runner.launch(
                        td,
                        rec.arn,
                        rec.revision,
                        base_dir=".",
                        placement=placement,
                        group=p.get("group") or "",
                        started_by=p.get("startedBy") or "",
                        extra_labels=labels,
                    )
                )
            except TaskFailedToStart as e:
                arns.append(e.task_arn)  # recorded as STOPPED with ECS's reason
        world.clusters.ensure_controller(cluster)
        world.changed(cluster)
    except DockerUnavailable as e:
        raise ApiError(
            "ServerException", f"Docker is not reachable: {e.message}", 500, False
        ) from e
    tasks = [task_json(d) for d in _describe(world, cluster, arns)]
    return {"tasks": tasks, "failures": failures}


def _describe(world: EcsWorld, cluster: Cluster, arns: list[str]) -> list[TaskDescription]:
    runner = world.runner(cluster) if arns else None
    observed = world.observe(cluster) if arns else {}
    out = []
    for arn in arns:
        row = world.clusters.store(cluster.stack).task_row(arn) or {}
        if row.get("snapshot") is not None:
            out.append(row["snapshot"])
        elif arn in observed and runner is not None:
            out.append(runner.describe(observed[arn]))
    return out


def task_arn_of(cluster: Cluster, ref: str) -> str:
    return ref if ref.startswith("arn:") else cluster.account.task_arn(cluster.name, ref)


def describe_tasks(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    refs = list(p.get("tasks") or ())
    if not refs:
        raise _invalid("Tasks cannot be empty.")
    if len(refs) > 100:
        raise _invalid("The tasks list must contain at most 100 elements.")
    arns = [task_arn_of(cluster, r) for r in refs]
    found = {d.task_arn: d for d in _describe(world, cluster, arns)}
    tasks = [task_json(found[a]) for a in dict.fromkeys(arns) if a in found]
    failures = [{"arn": a, "reason": "MISSING"} for a in dict.fromkeys(arns) if a not in found]
    return {"tasks": tasks, "failures": failures}


def stop_task(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    arn = task_arn_of(cluster, p["task"])
    store = world.clusters.store(cluster.stack)
    observed = world.observe(cluster)
    row = store.task_row(arn)
    if arn not in observed and (row is None or row.get("snapshot") is None):
        raise _invalid("The referenced task was not found.")
    if arn in observed and (row is None or row.get("snapshot") is None):
        reason = p.get("reason") or "Task stopped by user"
        task = observed[arn]
        service = task.labels.get(L.SERVICE, "")
        drain = drain_seconds(store, service) if service else 0
        store.request_stop(arn, "UserInitiated", reason)
        # the controller stops it (after the targets drained, for a service task)
        store.put(f"stop-after/{arn}", time.time() + drain)
        world.clusters.ensure_controller(cluster)
        world.changed(cluster)
    found = _describe(world, cluster, [arn])
    if not found:
        raise _invalid("The referenced task was not found.")
    return {"task": task_json(found[0])}


def list_tasks(world: EcsWorld, req: Request) -> dict[str, Any]:
    p = req.params
    cluster = world.clusters.get(req.region, p.get("cluster"))
    if p.get("family") and p.get("serviceName"):
        raise _invalid("Family and serviceName cannot both be specified.")
    store = world.clusters.store(cluster.stack)
    want = p.get("desiredStatus") or "RUNNING"
    items: list[tuple[float, str]] = []
    observed = world.observe(cluster)
    statuses = store.desired_statuses(observed)
    for arn, task in observed.items():
        desired = statuses.get(arn, "RUNNING")
        lb = task.labels
        if want == "STOPPED" and desired != "STOPPED":
            continue
        if want in ("RUNNING", "PENDING") and desired != "RUNNING":
            continue
        if not _matches(p, lb.get(L.FAMILY, ""), lb.get(L.SERVICE, ""), lb.get(L.STARTED_BY, "")):
            continue
        if p.get("launchType") and p["launchType"] != (
            "FARGATE" if lb.get(L.NETWORK_MODE) == "awsvpc" else "EC2"
        ):
            continue
        items.append((float(lb.get(L.CREATED_AT) or 0), arn))
    if want == "STOPPED":
        live = {a for _, a in items}
        for d in store.stopped_tasks(1000):
            if d.task_arn in live:
                continue
            family = d.task_definition_arn.rsplit("/", 1)[-1].split(":")[0]
            service = d.group[len("service:") :] if d.group.startswith("service:") else ""
            if _matches(p, family, service, d.started_by or ""):
                items.append((d.created_at, d.task_arn))
    arns = [a for _, a in sorted(items)]
    chunk, token = page(arns, p.get("nextToken"), p.get("maxResults"))
    out: dict[str, Any] = {"taskArns": chunk}
    if token:
        out["nextToken"] = token
    return out


def _matches(p: Any, family: str, service: str, started_by: str) -> bool:
    if p.get("family") and p["family"] != family:
        return False
    if p.get("serviceName") and p["serviceName"].rsplit("/", 1)[-1] != service:
        return False
    return not (p.get("startedBy") and p["startedBy"] != started_by)
