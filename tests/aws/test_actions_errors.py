"""Changes only when writable (never on production), previewed as the exact API call;
ECS Exec needs the Session Manager plugin; every botocore failure becomes an
AwsAccessError naming the call; throttling is retried with back-off."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from ecsdev.sources.aws import AwsSource, boto3_factory
from ecsdev.sources.base import Capability, ForceDeployment, ScaleService, StopTask, Unsupported
from ecsdev.sources.views import SourceInfo
from emulator.errors import AwsAccessError, EcsdevError
from tests.aws.moto_world import REGION, World, make_source


@pytest.fixture(scope="module")
def ops(moto_url: str, world: World) -> dict[str, str]:
    """A cluster of its own, so changes do not disturb the other tests' world."""
    ecs = boto3.client("ecs", region_name=REGION, endpoint_url=moto_url)
    ecs.create_cluster(clusterName="ops")
    ecs.create_service(
        cluster="ops", serviceName="api", taskDefinition=world.worker_td, desiredCount=1
    )
    net = {
        "awsvpcConfiguration": {
            "subnets": world.private_subnets[:1],
            "securityGroups": [world.app_sg],
        }
    }
    task = ecs.run_task(
        cluster="ops",
        taskDefinition=world.worker_td,
        launchType="FARGATE",
        networkConfiguration=net,
        group="service:api",
    )["tasks"][0]["taskArn"]
    return {"task": task}


def test_read_only_by_default(source: AwsSource, ops: dict[str, str]) -> None:
    assert Capability.SCALE_SERVICE not in source.capabilities()
    assert Capability.LOGS in source.capabilities()
    with pytest.raises(Unsupported, match="read-only") as err:
        source.apply(ScaleService("ops", "api", 3))
    assert "--write" in err.value.hint
    assert source.api_calls["ecs:UpdateService"] == 0


def test_production_stays_read_only_even_when_writable(moto_url: str, ops: dict[str, str]) -> None:
    prod = make_source(moto_url, writable=True, production=True)
    with pytest.raises(Unsupported, match="production"):
        prod.apply(StopTask("ops", ops["task"]))
    prod.close()


def test_preview_is_the_exact_call(writable_source: AwsSource) -> None:
    call = writable_source.preview(ScaleService("ops", "api", 3))
    assert str(call) == "ecs:UpdateService(cluster='ops', service='api', desiredCount=3)"
    assert call.cli.startswith(
        "aws ecs update-service --cluster ops --service api --desired-count 3 --region us-east-1"
    )
    stop = writable_source.preview(StopTask("ops", "arn:task/ops/abc", "why"))
    assert stop.operation == "StopTask" and "--reason why" in stop.cli
    assert "--force-new-deployment" in writable_source.preview(ForceDeployment("ops", "api")).cli


def test_scale_deploy_and_stop(writable_source: AwsSource, ops: dict[str, str]) -> None:
    assert "desired count set to 3" in writable_source.apply(ScaleService("ops", "api", 3))
    assert writable_source.describe_service("ops", "api").desired == 3
    assert "new deployment" in writable_source.apply(ForceDeployment("ops", "api"))
    assert writable_source.apply(StopTask("ops", ops["task"])).startswith("Stopping task")
    assert writable_source.describe_task("ops", ops["task"]).desired_status == "STOPPED"


def test_exec_needs_the_session_manager_plugin(
    writable_source: AwsSource, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = dataclasses.replace(
        writable_source.describe_task("demo", world.web_tasks[0]), exec_enabled=True
    )
    monkeypatch.setattr(
        shutil,
        "which",
        lambda name: None if name == "session-manager-plugin" else f"/usr/bin/{name}",
    )
    with pytest.raises(EcsdevError, match="session-manager-plugin") as err:
        writable_source.exec_command(task, "web", "/bin/sh")
    assert "install" in err.value.hint
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    plan = writable_source.exec_command(task, "web", "/bin/sh")
    assert plan.argv[:3] == ("aws", "ecs", "execute-command")
    assert "--interactive" in plan.argv and task.arn in plan.argv
    with pytest.raises(EcsdevError, match="not enabled"):
        writable_source.exec_command(
            dataclasses.replace(task, exec_enabled=False), "web", "/bin/sh"
        )


def test_client_error_names_the_call(source: AwsSource) -> None:
    with pytest.raises(
        AwsAccessError, match=r"ecs:ListServices failed: .*(ClusterNotFound|not found)"
    ):
        list(source.iter_services("no-such-cluster"))


def test_nothing_listening(unused_port: int) -> None:
    info = SourceInfo(
        "localstack", "localstack", "us-east-1", endpoint_url=f"http://127.0.0.1:{unused_port}"
    )
    source = AwsSource(info, boto3_factory(None, f"http://127.0.0.1:{unused_port}"), max_attempts=1)
    with pytest.raises(AwsAccessError, match="nothing answers") as err:
        source.list_clusters()
    assert "LocalStack" in err.value.hint
    source.close()


def test_no_credentials_never_shows_secrets(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(var)
    source = make_source(moto_url)
    with pytest.raises(AwsAccessError, match="no AWS credentials") as err:
        source.list_clusters()
    assert "aws sso login" in err.value.hint
    source.close()


def test_unknown_profile(moto_url: str) -> None:
    info = SourceInfo("aws:nope", "aws", "us-east-1", profile="nope")
    source = AwsSource(info, boto3_factory("nope", moto_url))
    with pytest.raises(AwsAccessError, match="not in your AWS config"):
        source.list_clusters()
    source.close()


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def test_throttling_is_retried_with_back_off(source: AwsSource, world: World) -> None:
    attempts: list[str] = []

    def throttle_twice(request: Any, **_: Any) -> AWSResponse | None:
        attempts.append(request.url)
        if len(attempts) > 2:
            return None
        body = b'{"__type":"ThrottlingException","message":"Rate exceeded"}'
        return AWSResponse(request.url, 400, {"x-amzn-requestid": "x"}, _Raw(body))

    source.ecs.meta.events.register("before-send.ecs.DescribeClusters", throttle_twice)
    assert "demo" in [c.name for c in source.list_clusters()]
    assert len(attempts) == 3  # two throttled attempts, then the one that succeeded
    assert source.api_calls["ecs:DescribeClusters"] == 1  # one API call, retried


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
