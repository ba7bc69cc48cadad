"""A real task's awslogs output, read back with ``aws logs get-log-events`` and
``filter-log-events``: while it runs (from Docker) and after it stopped (from what the
engine kept), under the group and stream ECS names; placed in a default subnet, so the
subnet's Docker network comes from the EC2 side (``subnet_network``)."""

from __future__ import annotations

import contextlib
import secrets
import time
from typing import Any

import pytest

from emulator import labels as L
from emulator.errors import EcsdevError
from emulator.runtime.docker import DockerRuntime

pytestmark = pytest.mark.docker

REGION = "ca-central-1"
FAST = {"Delay": 1, "MaxAttempts": 90}


def _messages(aws: Any, group: str, stream: str) -> list[str]:
    out = aws.ok(
        "logs",
        "get-log-events",
        "--log-group-name",
        group,
        "--log-stream-name",
        stream,
        "--start-from-head",
        region=REGION,
    )
    return [e["message"] for e in out["events"]]


def test_task_output_through_get_log_events(client: Any, aws: Any) -> None:
    ecs, ec2 = client("ecs", region=REGION), client("ec2", region=REGION)
    tag = secrets.token_hex(4)
    group, cluster = f"/ecs/logs-{tag}", f"logs-{tag}"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=f"logs-{tag}",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "app",
                "image": "ecsdev/base:bookworm",
                "essential": True,
                "command": ["sh", "-c", "echo hello from the task; echo ERROR oops; sleep 4"],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": group,
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": "ecs",
                        "awslogs-create-group": "true",
                    },
                },
            }
        ],
    )
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ][0]["SubnetId"]
    task = ecs.run_task(
        cluster=cluster,
        taskDefinition=f"logs-{tag}",
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}},
    )["tasks"][0]
    arn = task["taskArn"]
    stream = f"ecs/app/{arn.rsplit('/', 1)[-1]}"
    try:
        # while it runs: read from Docker
        deadline = time.monotonic() + 30
        seen: list[str] = []
        while time.monotonic() < deadline and len(seen) < 2:
            res = aws(
                "logs",
                "get-log-events",
                "--log-group-name",
                group,
                "--log-stream-name",
                stream,
                "--start-from-head",
                region=REGION,
            )
            seen = (
                [e["message"] for e in (res.json or {}).get("events", [])] if res.code == 0 else []
            )
            time.sleep(0.5)
        assert seen == ["hello from the task", "ERROR oops"]
        # the task's ENI, as the dashboard looks it up
        running = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
        details = {d["name"]: d["value"] for d in running["attachments"][0]["details"]}
        enis = ec2.describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])[
            "NetworkInterfaces"
        ]
        assert [(e["SubnetId"], e["PrivateIpAddress"], e["Status"]) for e in enis] == [
            (subnet, details["privateIPv4Address"], "in-use")
        ]
        assert [g["GroupName"] for g in enis[0]["Groups"]] == ["default"]
        ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig=FAST)
        # after it stopped: from what the engine kept
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if _messages(aws, group, stream) == ["hello from the task", "ERROR oops"]:
                break
            time.sleep(0.5)
        assert _messages(aws, group, stream) == ["hello from the task", "ERROR oops"]
        found = aws.ok(
            "logs",
            "filter-log-events",
            "--log-group-name",
            group,
            "--filter-pattern",
            "ERROR",
            region=REGION,
        )
        assert [(e["logStreamName"], e["message"]) for e in found["events"]] == [
            (stream, "ERROR oops")
        ]
        streams = aws.ok("logs", "describe-log-streams", "--log-group-name", group, region=REGION)
        assert [s["logStreamName"] for s in streams["logStreams"]] == [stream]
        desc = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
        assert desc["lastStatus"] == "STOPPED"
    finally:
        rt = DockerRuntime()
        for c in rt.list_containers({L.TASK_ARN: arn}):
            rt.remove(c.id)
        for n in rt.list_networks({L.SUBNET: subnet}):
            with contextlib.suppress(EcsdevError):  # another test's task may still use it
                rt.remove_network(n.id)
