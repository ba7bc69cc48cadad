"""The whole life of a stack with the AWS CLI alone, as a user drives AWS: cluster, task
definition, target group, load balancer, listener and rule, a service behind it, waiting for
it, requests through the listener, a rolling update, a stopped task replaced, its logs, and
everything deleted again. Each answer is checked against botocore's shapes (strict mode)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.endpoint.conftest import AwsCli, EndpointProcess

pytestmark = pytest.mark.docker
T = TypeVar("T")


def get(url: str, timeout: float = 60) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def until(read: Callable[[], T], ok: Callable[[T], bool], timeout: float = 90) -> T:
    deadline = time.monotonic() + timeout
    while not ok(value := read()):
        assert time.monotonic() < deadline, f"still {value!r} after {timeout}s"
        time.sleep(1)
    return value


def test_a_stack_from_create_cluster_to_delete_with_the_aws_cli(
    aws: AwsCli, endpoint: EndpointProcess, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    cluster, family, name = f"cli-{tag}", f"cli-web-{tag}", f"cli-{tag}"
    aws.ok("ecs", "create-cluster", "--cluster-name", cluster)

    def register(version: str) -> str:
        doc = {
            "family": family,
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": "ecsdev/echo:latest",
                    "memory": 128,
                    "essential": True,
                    "portMappings": [{"containerPort": 8080}],
                    "environment": [{"name": "VERSION", "value": version}],
                    "stopTimeout": 2,
                    "logConfiguration": {
                        "logDriver": "awslogs",
                        "options": {
                            "awslogs-group": f"/ecs/{name}",
                            "awslogs-region": "us-east-1",
                            "awslogs-stream-prefix": "web",
                            "awslogs-create-group": "true",
                        },
                    },
                }
            ],
        }
        path = tmp_path / f"td-{version}.json"
        path.write_text(json.dumps(doc))
        out = aws.ok("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
        return str(out["taskDefinition"]["taskDefinitionArn"])

    first = register("1")
    vpc = aws.ok("ec2", "describe-vpcs", "--filters", "Name=isDefault,Values=true")["Vpcs"][0]
    subnets = [
        s["SubnetId"]
        for s in aws.ok(
            "ec2", "describe-subnets", "--filters", f"Name=vpc-id,Values={vpc['VpcId']}"
        )["Subnets"]
    ]
    tg = aws.ok(
        "elbv2", "create-target-group", "--name", name, "--protocol", "HTTP", "--port", "8080",
        "--vpc-id", vpc["VpcId"], "--target-type", "instance", "--health-check-path", "/health",
        "--health-check-interval-seconds", "5", "--health-check-timeout-seconds", "2",
        "--healthy-threshold-count", "2",
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    aws.ok(
        "elbv2", "modify-target-group-attributes", "--target-group-arn", tg,
        "--attributes", "Key=deregistration_delay.timeout_seconds,Value=2",
    )  # fmt: skip
    lb = aws.ok("elbv2", "create-load-balancer", "--name", name, "--subnets", *subnets[:2])
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    assert lb["LoadBalancers"][0]["DNSName"].endswith(".localhost")
    port = str(22000 + uuid.uuid4().int % 8000)
    listener = aws.ok(
        "elbv2", "create-listener", "--load-balancer-arn", lb_arn, "--protocol", "HTTP",
        "--port", port, "--default-actions",
        "Type=fixed-response,FixedResponseConfig={StatusCode=404,ContentType=text/plain,MessageBody=no route}",
    )["Listeners"][0]["ListenerArn"]  # fmt: skip
    aws.ok(
        "elbv2", "create-rule", "--listener-arn", listener, "--priority", "10",
        "--conditions", "Field=path-pattern,Values=/app/*",
        "--actions", f"Type=forward,TargetGroupArn={tg}",
    )  # fmt: skip
    aws.ok(
        "ecs", "create-service", "--cluster", cluster, "--service-name", "web",
        "--task-definition", family, "--desired-count", "2", "--launch-type", "EC2",
        "--load-balancers", f"targetGroupArn={tg},containerName=app,containerPort=8080",
    )  # fmt: skip
    wait = aws("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "web")
    assert wait.code == 0, wait.err
    assert aws("elbv2", "wait", "target-in-service", "--target-group-arn", tg).code == 0
    assert aws("elbv2", "wait", "load-balancer-available", "--load-balancer-arns", lb_arn).code == 0
    url = f"http://127.0.0.1:{port}"
    status, body = get(f"{url}/app/hello")
    assert status == 200 and "/app/hello" in body
    assert get(f"{url}/elsewhere")[0] == 404  # the listener's default action
    # ecsdev sees the same cluster and says where its listener answers
    ps = subprocess.run(
        [str(Path(sys.executable).with_name("ecsdev")), "ps", "--stack", cluster],
        env={**os.environ, "ECSDEV_STATE_DIR": str(endpoint.state_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ps.returncode == 0, ps.stderr
    assert f"listener {port} at http://127.0.0.1:{port}/" in ps.stderr
    assert ps.stdout.count("RUNNING") >= 2
    health = aws.ok("elbv2", "describe-target-health", "--target-group-arn", tg)
    assert [d["TargetHealth"]["State"] for d in health["TargetHealthDescriptions"]] == [
        "healthy",
        "healthy",
    ]

    # a rolling update to a new revision
    second = register("2")
    aws.ok("ecs", "update-service", "--cluster", cluster, "--service", "web",
           "--task-definition", family)  # fmt: skip
    assert (
        aws("ecs", "wait", "services-stable", "--cluster", cluster, "--services", "web").code == 0
    )
    svc = aws.ok("ecs", "describe-services", "--cluster", cluster, "--services", "web")["services"][
        0
    ]
    assert [d["taskDefinition"] for d in svc["deployments"]] == [second] and first != second

    # a stopped task is replaced
    tasks = aws.ok("ecs", "list-tasks", "--cluster", cluster, "--service-name", "web")["taskArns"]
    assert len(tasks) == 2
    aws.ok("ecs", "stop-task", "--cluster", cluster, "--task", tasks[0], "--reason", "chaos")
    deadline = time.monotonic() + 90
    while True:
        now = aws.ok("ecs", "list-tasks", "--cluster", cluster, "--service-name", "web")["taskArns"]
        if len(now) == 2 and tasks[0] not in now:
            break
        assert time.monotonic() < deadline, "the stopped task was not replaced"
        time.sleep(1)
    (stopped,) = aws.ok("ecs", "describe-tasks", "--cluster", cluster, "--tasks", tasks[0])["tasks"]
    assert (stopped["stopCode"], stopped["stoppedReason"]) == ("UserInitiated", "chaos")

    # its logs, under the group and stream ECS uses
    stream = f"web/app/{tasks[0].rsplit('/', 1)[1]}"
    events: list[Any] = []
    while not events and time.monotonic() < deadline + 30:
        events = aws.ok("logs", "get-log-events", "--log-group-name", f"/ecs/{name}",
                        "--log-stream-name", stream, "--start-from-head")["events"]  # fmt: skip
        time.sleep(0.5)
    assert events, "no log events for the stopped task"

    # and everything deleted
    aws.ok("ecs", "delete-service", "--cluster", cluster, "--service", "web", "--force")
    assert (
        aws("ecs", "wait", "services-inactive", "--cluster", cluster, "--services", "web").code == 0
    )
    aws.ok("elbv2", "delete-load-balancer", "--load-balancer-arn", lb_arn)
    aws.ok("elbv2", "delete-target-group", "--target-group-arn", tg)
    deadline = time.monotonic() + 60
    while aws.ok("ecs", "list-tasks", "--cluster", cluster)["taskArns"]:
        assert time.monotonic() < deadline, "tasks still running after delete-service"
        time.sleep(1)
    aws.ok("ecs", "delete-cluster", "--cluster", cluster)
    gone = aws.ok("ecs", "describe-clusters", "--clusters", cluster)["clusters"]
    assert gone[0]["status"] == "INACTIVE"
