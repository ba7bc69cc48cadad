"""Secrets at task start, on the real engine through the endpoint: a service's task reads an
SSM parameter and a Secrets Manager json-key from the endpoint's own SSM and Secrets Manager,
comes up with both values in its environment, and neither value is anywhere else ecsdev writes
(the state directory, the endpoint's and controller's logs, events, DescribeTasks and
DescribeServices, ``ecsdev ps/events --json``); a missing secret stops the task with ECS's
stop code and text, and nothing of it starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint.conftest import EndpointProcess
from tests.endpoint.test_ecs_flow import FAST, Client, td

pytestmark = pytest.mark.docker

PASSWORD = "pw-" + uuid.uuid4().hex  # values no file could hold by chance
HOST = "host-" + uuid.uuid4().hex
PREFIX = (
    "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
    "retrieval failed: "
)


def _cli(endpoint: EndpointProcess, *args: str) -> str:
    out = subprocess.run(
        [str(Path(sys.executable).with_name("ecsdev")), *args],
        env={**os.environ, "ECSDEV_STATE_DIR": str(endpoint.state_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout + out.stderr


def _holders(root: Path, *values: str) -> list[str]:
    """Files under ``root`` holding any of ``values`` (the endpoint's journal of SSM and
    Secrets Manager writes is where they belong, as AWS keeps them)."""
    found = []
    for p in root.rglob("*"):
        if p.is_file() and p.name != "journal.jsonl":
            data = p.read_bytes()
            found += [str(p) for v in values if v.encode() in data]
    return found


def test_secrets_reach_the_environment_and_nothing_else(
    client: Client, endpoint: EndpointProcess
) -> None:
    ecs, ssm, sm = client("ecs"), client("ssm"), client("secretsmanager")
    tag = uuid.uuid4().hex[:8]
    cluster, family = f"sec-{tag}", f"sec-{tag}"
    ssm.put_parameter(Name=f"/{tag}/db-host", Value=HOST, Type="SecureString")
    arn = sm.create_secret(Name=f"{tag}/db", SecretString=json.dumps({"password": PASSWORD}))["ARN"]
    ecs.create_cluster(clusterName=cluster)
    secrets = [
        {"name": "DB_HOST", "valueFrom": f"/{tag}/db-host"},
        {"name": "DB_PASSWORD", "valueFrom": f"{arn}:password::"},
    ]
    ecs.register_task_definition(**td(family, secrets=secrets))
    ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=family, desiredCount=1)
    deadline = time.monotonic() + 30
    while not (arns := ecs.list_tasks(cluster=cluster, serviceName="web")["taskArns"]):
        assert time.monotonic() < deadline, "the service started no task"
        time.sleep(0.3)
    ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=arns, WaiterConfig=FAST)
    (cid,) = subprocess.run(
        [
            "docker",
            "ps",
            "-q",
            "--filter",
            f"label=ecsdev.task-arn={arns[0]}",
            "--filter",
            "label=ecsdev.container-name=app",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        check=True,  # fmt: skip
    ).stdout.split()
    env = subprocess.run(
        ["docker", "exec", cid, "env"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert f"DB_HOST={HOST}" in env and f"DB_PASSWORD={PASSWORD}" in env

    # a missing parameter and a missing json key: TaskFailedToStart, ECS's text, nothing made
    ecs.register_task_definition(
        **td(f"{family}-bad", secrets=[{"name": "X", "valueFrom": f"/{tag}/missing"}])
    )
    (bad,) = ecs.run_task(cluster=cluster, taskDefinition=f"{family}-bad")["tasks"]
    assert (bad["lastStatus"], bad["stopCode"]) == ("STOPPED", "TaskFailedToStart")
    assert bad["stoppedReason"] == (
        PREFIX + "unable to retrieve secrets from ssm: service call has been retried 1 time(s): "
        f"invalid ssm parameters: /{tag}/missing"
    )
    ecs.register_task_definition(
        **td(f"{family}-key", secrets=[{"name": "X", "valueFrom": f"{arn}:user::"}])
    )
    (nokey,) = ecs.run_task(cluster=cluster, taskDefinition=f"{family}-key")["tasks"]
    assert nokey["stoppedReason"] == (
        PREFIX + "unable to retrieve secret from asm: service call has been retried 1 time(s): "
        "retrieved secret from Secrets Manager did not contain json key user"
    )
    made = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=ecsdev.task-arn={bad['taskArn']}"],
        capture_output=True,
        text=True,
        check=True,  # fmt: skip
    ).stdout.split()
    assert made == []

    # the values are nowhere else
    outputs: list[Any] = [
        ecs.describe_tasks(cluster=cluster, tasks=arns + [bad["taskArn"], nokey["taskArn"]]),
        ecs.describe_services(cluster=cluster, services=["web"]),
        ecs.describe_task_definition(taskDefinition=family),
        _cli(endpoint, "ps", "-a", "--stack", cluster, "--json"),
        _cli(endpoint, "events", "--stack", cluster, "--json"),
    ]
    text = json.dumps(outputs, default=str)
    assert HOST not in text and PASSWORD not in text
    assert "secrets: DB_HOST (the local endpoint), DB_PASSWORD (the local endpoint)" in text
    assert _holders(endpoint.state_dir, HOST, PASSWORD) == []
    ecs.update_service(cluster=cluster, service="web", desiredCount=0)
    ecs.delete_service(cluster=cluster, service="web", force=True)
