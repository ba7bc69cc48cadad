"""ECS's task JSON, made in one place: a ``TaskDescription`` as DescribeTasks, RunTask and
StopTask return it (and as ``ecsdev ps --json`` and the dashboard read it).

Why this exists: the engine keeps tasks as typed records (``emulator.taskview``); this is the
only translation into ECS's shape. Timestamps are aware ``datetime`` values; ``plain`` in
``ecs_json`` turns them into ISO 8601 text for the CLI.
"""

from __future__ import annotations

from typing import Any

from emulator.arns import Account, task_id_of
from emulator.endpoint.jsontime import when
from emulator.taskview import ContainerDescription, TaskDescription


def _account_of(cluster_arn: str) -> tuple[Account, str]:
    parts = cluster_arn.split(":")
    region, account = (parts[3], parts[4]) if len(parts) > 5 else ("us-east-1", "000000000000")
    return Account(region, account), cluster_arn.rsplit("/", 1)[-1]


def _container_json(c: ContainerDescription, t: TaskDescription) -> dict[str, Any]:
    account, cluster = _account_of(t.cluster_arn)
    item: dict[str, Any] = {
        "containerArn": account.container_arn(cluster, t.task_id, c.name),
        "taskArn": t.task_arn,
        "name": c.name,
        "image": c.image,
        "runtimeId": c.runtime_id,
        "lastStatus": c.last_status,
        "healthStatus": c.health_status,
    }
    if c.exit_code is not None:
        item["exitCode"] = c.exit_code
    if c.reason:
        item["reason"] = c.reason
    if c.network_bindings:
        item["networkBindings"] = [
            {
                "bindIP": b.bind_ip,
                "containerPort": b.container_port,
                "hostPort": b.host_port,
                "protocol": b.protocol,
            }
            for b in c.network_bindings
        ]
    if t.private_ip:
        item["networkInterfaces"] = [
            {"attachmentId": f"eni-{t.task_id[:17]}", "privateIpv4Address": t.private_ip}
        ]
    return item


def task_json(t: TaskDescription) -> dict[str, Any]:
    """A DescribeTasks ``tasks[]`` entry."""
    out: dict[str, Any] = {
        "taskArn": t.task_arn,
        "clusterArn": t.cluster_arn,
        "taskDefinitionArn": t.task_definition_arn,
        "lastStatus": t.last_status,
        "desiredStatus": t.desired_status,
        "healthStatus": t.health_status,
        "launchType": t.launch_type,
        "group": t.group,
        "createdAt": when(t.created_at),
        "containers": [_container_json(c, t) for c in t.containers],
        "tags": [],
        "version": 1,
    }
    if t.started_by:
        out["startedBy"] = t.started_by
    if t.started_at is not None:
        out["startedAt"] = when(t.started_at)
    if t.stop_code:
        out["stopCode"] = t.stop_code
    if t.stopped_reason:
        out["stoppedReason"] = t.stopped_reason
    if t.stopping_at is not None:
        out["stoppingAt"] = when(t.stopping_at)
    if t.stopped_at is not None:
        out["stoppedAt"] = when(t.stopped_at)
    if t.private_ip:
        eni = f"eni-{task_id_of(t.task_arn)[:17]}"
        out["attachments"] = [
            {
                "id": f"eni-attach-{t.task_id[:12]}",
                "type": "ElasticNetworkInterface",
                "status": t.attachment_status,
                "details": [
                    {"name": "subnetId", "value": t.subnet or ""},
                    {"name": "networkInterfaceId", "value": eni},
                    {"name": "privateIPv4Address", "value": t.private_ip},
                ],
            }
        ]
    return out
