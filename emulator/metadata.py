"""The ECS task metadata endpoint v4, in ECS's JSON shape (aws-semantics D5).

awsvpc tasks get ``ECS_CONTAINER_METADATA_URI_V4=http://127.0.0.1:51679/v4/<container>``:
the pause container, which owns the task's network namespace, serves what this module
builds (emulator/images/pause/pause.c, a static binary). Fields that do not apply are
omitted, not null, and timestamps are RFC 3339, as the agent does. ``encode`` lays the
document out so that the pause server routes without a JSON parser: line 1 the task's JSON,
then each container's name and its JSON on a line each, every line ending in a newline (a
file without its final newline is still being written).
"""

from __future__ import annotations

import json
from typing import Any

METADATA_PORT = 51679
METADATA_PATH = "/ecsdev/metadata.json"


def uri(container: str) -> str:
    return f"http://127.0.0.1:{METADATA_PORT}/v4/{container}"


def task_metadata(
    task: dict[str, Any], family: str, revision: str, az: str = "local-1a"
) -> dict[str, Any]:
    """The v4 task JSON from a DescribeTasks-shaped task of the engine."""
    ip = None
    for att in task.get("attachments") or []:
        for d in att.get("details") or []:
            if d.get("name") == "privateIPv4Address":
                ip = d.get("value")
    containers = []
    for c in task.get("containers") or []:
        item: dict[str, Any] = {
            "DockerId": c.get("runtimeId", ""),
            "Name": c["name"],
            "DockerName": c.get("dockerName", c["name"]),
            "Image": c.get("image", ""),
            "Labels": {
                "com.amazonaws.ecs.cluster": task.get("clusterArn", "").rsplit("/", 1)[-1],
                "com.amazonaws.ecs.container-name": c["name"],
                "com.amazonaws.ecs.task-arn": task["taskArn"],
                "com.amazonaws.ecs.task-definition-family": family,
                "com.amazonaws.ecs.task-definition-version": revision,
            },
            "DesiredStatus": task.get("desiredStatus", "RUNNING"),
            "KnownStatus": c.get("lastStatus", "PENDING"),
            "Type": "NORMAL",
            "ContainerARN": c.get("containerArn", ""),
        }
        if c.get("exitCode") is not None:
            item["ExitCode"] = c["exitCode"]
        if c.get("healthStatus") and c["healthStatus"] != "UNKNOWN":
            item["Health"] = {"status": c["healthStatus"]}
        if ip:
            item["Networks"] = [{"NetworkMode": "awsvpc", "IPv4Addresses": [ip]}]
        containers.append(item)
    out: dict[str, Any] = {
        "Cluster": task.get("clusterArn", ""),
        "TaskARN": task["taskArn"],
        "Family": family,
        "Revision": revision,
        "DesiredStatus": task.get("desiredStatus", "RUNNING"),
        "KnownStatus": task.get("lastStatus", "PENDING"),
        "AvailabilityZone": az,
        "LaunchType": task.get("launchType", "FARGATE"),
        "Containers": containers,
    }
    for src, dst in (
        ("createdAt", "PullStartedAt"),
        ("startedAt", "ExecutionStartedAt"),
        ("stoppedAt", "ExecutionStoppedAt"),
    ):
        if task.get(src):
            out[dst] = task[src]
    return out


def encode(doc: dict[str, Any]) -> bytes:
    """The metadata file the pause container serves (see the module's docstring)."""
    lines = [json.dumps(doc)]
    for c in doc.get("Containers") or []:
        name = str(c.get("Name", ""))
        if name and "\n" not in name:
            lines += [name, json.dumps(c)]
    return ("\n".join(lines) + "\n").encode()


def decode(data: bytes) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The task's JSON and each container's, from ``encode``'s file (for tests and tools)."""
    lines = data.decode().split("\n")
    names, docs = lines[1:-1:2], lines[2::2]
    return json.loads(lines[0]), {n: json.loads(d) for n, d in zip(names, docs, strict=False)}
