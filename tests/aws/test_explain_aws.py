"""``ecsdev explain`` of an AWS task, read-only, against moto's server: the task as
DescribeTasks shows it, its task definition (which names its awslogs stream) and the last
lines of that stream in CloudWatch Logs, explained by the same code as a local task."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.aws.moto_world import World, clients, now_ms


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecsdev", *args], capture_output=True, text=True, timeout=60
    )


def test_explain_an_aws_task_from_describe_tasks_its_definition_and_cloudwatch(
    moto_url: str, world: World
) -> None:
    c: dict[str, Any] = clients(moto_url)
    ecs, logs = c["ecs"], c["logs"]
    ecs.create_cluster(clusterName="why")
    td = ecs.register_task_definition(
        family="why",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "app",
                "image": "busybox",
                "memory": 128,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": "/ecs/why",
                        "awslogs-region": "us-east-1",
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    net = {
        "awsvpcConfiguration": {
            "subnets": world.private_subnets[:1],
            "securityGroups": [world.app_sg],
        }
    }
    arn = ecs.run_task(
        cluster="why", taskDefinition=td, launchType="FARGATE", networkConfiguration=net
    )["tasks"][0]["taskArn"]
    logs.create_log_group(logGroupName="/ecs/why")
    stream = f"ecs/app/{arn.rsplit('/', 1)[1]}"
    logs.create_log_stream(logGroupName="/ecs/why", logStreamName=stream)
    logs.put_log_events(
        logGroupName="/ecs/why",
        logStreamName=stream,
        logEvents=[
            {"timestamp": now_ms() - 1000, "message": "starting"},
            {"timestamp": now_ms() - 500, "message": "\x1b]0;pwned\x07fatal: config missing"},
        ],
    )
    ecs.stop_task(cluster="why", task=arn, reason="Task stopped by user")

    res = _run("explain", "--endpoint-url", moto_url, "--region", "us-east-1", arn, "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)["tasks"][0]
    assert doc["taskArn"] == arn
    assert doc["stoppedReason"] == "Task stopped by user"
    assert doc["stopCode"] is None  # moto's StopTask sets none (ECS: UserInitiated)
    assert doc["explanation"]["key"] == "task.unknown"
    app = doc["containers"][0]
    assert app["name"] == "app"
    assert "  | starting" in app["evidence"]
    assert "  | fatal: config missing" in app["evidence"]  # control sequences stripped

    piped = _run("explain", "--endpoint-url", moto_url, arn)  # the region from the ARN
    assert piped.returncode == 0, piped.stderr
    assert "\x1b" not in piped.stdout
    header, *records = piped.stdout.splitlines()
    assert header.split() == ["TASK", "SUBJECT", "WHAT", "TEXT"]
    assert all(line.startswith(arn.rsplit("/", 1)[1]) for line in records)
    assert any(line.split()[1:3] == ["app", "evidence"] and "fatal" in line for line in records)


def test_an_aws_task_needs_its_arn() -> None:
    res = _run("explain", "--region", "us-east-1")
    assert res.returncode == 2
    assert "needs its ARN" in res.stderr
