"""The awsJson1_1 protocol (ECS, Logs) through real clients, with fake handlers: nested
structures, lists, maps, timestamps and booleans both ways; errors in JSON's envelope;
model violations; strict mode; and operations no handler implements going to moto."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from tests.endpoint.conftest import FAKE_KEY, FAKE_SECRET, aws_for, client_for

SEEN: list[Request] = []


def register(req: Request) -> dict[str, Any]:
    SEEN.append(req)
    p = req.params
    return {
        "taskDefinition": {
            "taskDefinitionArn": f"arn:aws:ecs:{req.region}:{req.account_id}:task-definition/{p['family']}:1",
            "family": p["family"],
            "revision": 1,
            "containerDefinitions": p["containerDefinitions"],
            "registeredAt": dt.datetime(2026, 12, 6, 1, 2, 3, 500000, tzinfo=dt.UTC),
            "requiresCompatibilities": p.get("requiresCompatibilities", []),
        },
        "tags": p.get("tags", []),
    }


def describe_clusters(req: Request) -> dict[str, Any]:
    names = req.params.get("clusters", ["default"])
    if "missing" in names:
        raise ApiError("ClusterNotFoundException", "Cluster not found.")
    return {"clusters": [{"clusterName": n, "status": "ACTIVE"} for n in names], "failures": []}


def bad_shape(req: Request) -> dict[str, Any]:
    return {"cluster": {"clusterName": "c", "notAMember": 1}}


def crash(req: Request) -> dict[str, Any]:
    raise RuntimeError("boom")


def docker_down(req: Request) -> dict[str, Any]:
    from emulator.errors import DockerUnavailable

    raise DockerUnavailable("Docker is not reachable at unix:///var/run/docker.sock")


ECS = ServiceHandlers(
    "ecs",
    {
        "RegisterTaskDefinition": register,
        "DescribeClusters": describe_clusters,
        "CreateCluster": bad_shape,
        "DeleteCluster": crash,
        "RunTask": docker_down,
    },
)

CONTAINERS = [
    {
        "name": "web",
        "image": "nginx:1.27",
        "essential": True,
        "cpu": 256,
        "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
        "dockerLabels": {"team": "a", "tier": "web"},
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/g"}},
        "readonlyRootFilesystem": False,
    }
]


@pytest.fixture
def url(inprocess: Any) -> Any:
    with inprocess({"ecs": ECS}) as u:
        yield u


def test_round_trip_nested_lists_maps_timestamps_booleans(url: str) -> None:
    ecs = client_for(url, "ecs", region="eu-west-1")
    out = ecs.register_task_definition(
        family="web",
        containerDefinitions=CONTAINERS,
        tags=[{"key": "k", "value": "v"}],
        requiresCompatibilities=["FARGATE"],
    )
    td = out["taskDefinition"]
    assert td["taskDefinitionArn"] == "arn:aws:ecs:eu-west-1:000000000000:task-definition/web:1"
    assert td["containerDefinitions"] == CONTAINERS
    assert td["registeredAt"] == dt.datetime(2026, 12, 6, 1, 2, 3, 500000, tzinfo=dt.UTC)
    assert out["tags"] == [{"key": "k", "value": "v"}]
    req = SEEN[-1]
    assert (req.service, req.operation, req.region) == (
        "ecs",
        "RegisterTaskDefinition",
        "eu-west-1",
    )
    assert req.access_key == FAKE_KEY and FAKE_SECRET not in repr(req)


def test_error_envelope_boto3(url: str) -> None:
    with pytest.raises(ClientError) as e:
        client_for(url, "ecs").describe_clusters(clusters=["missing"])
    assert e.value.response["Error"]["Code"] == "ClusterNotFoundException"
    assert e.value.response["Error"]["Message"] == "Cluster not found."
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_error_envelope_cli(url: str) -> None:
    res = aws_for(url)("ecs", "describe-clusters", "--clusters", "missing")
    assert res.code == 255  # awscli v1 (PyPI); v2 exits 254
    assert (
        "An error occurred (ClusterNotFoundException) when calling the DescribeClusters "
        "operation: Cluster not found." in res.err
    )
    ok = aws_for(url)("ecs", "describe-clusters", "--clusters", "a", "b")
    assert ok.code == 0 and [c["clusterName"] for c in ok.json["clusters"]] == ["a", "b"]


def test_model_violation_is_invalid_parameter(url: str) -> None:
    ecs = client_for(url, "ecs")
    unchecked = ecs.__class__  # same client class, validation off below
    del unchecked
    import boto3

    raw = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"
    ).client(
        "ecs",
        endpoint_url=url,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as e:
        raw.register_task_definition(containerDefinitions=CONTAINERS)
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidParameterException"
    assert err["Message"] == (
        "1 validation error detected: Value null at 'family' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_strict_mode_rejects_unknown_member(url: str) -> None:
    with pytest.raises(ClientError) as e:
        client_for(url, "ecs").create_cluster(clusterName="c")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "notAMember" in e.value.response["Error"]["Message"]


def test_handler_crash_is_internal_failure(url: str) -> None:
    with pytest.raises(ClientError) as e:
        client_for(url, "ecs").delete_cluster(cluster="c")
    assert e.value.response["Error"]["Code"] == "InternalFailure"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_unhandled_operation_goes_to_fallback(url: str) -> None:
    # ListClusters has no handler here: moto's in-memory ECS answers it
    assert client_for(url, "ecs").list_clusters()["clusterArns"] == []


def test_nested_violations_are_located_as_aws_does(url: str) -> None:
    import boto3

    raw = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"
    ).client(
        "ecs",
        endpoint_url=url,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as e:
        raw.register_task_definition(
            family="f",
            containerDefinitions=[{"name": "a"}, {"image": "x", "cpu": "many"}],
            inferenceAccelerators=[
                {"deviceName": "a", "deviceType": "t"},
                {"deviceName": "b"},
            ],
        )
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidParameterException"
    assert err["Message"].startswith("2 validation errors detected: ")
    assert (
        "Value null at 'inferenceAccelerators.2.member.deviceType' failed to satisfy "
        "constraint: Member must not be null" in err["Message"]
    )
    assert (
        "Value 'many' at 'containerDefinitions.2.member.cpu' failed to satisfy constraint: "
        "Member must be of type integer" in err["Message"]
    )


def test_engine_error_is_internal_failure_with_its_message(url: str) -> None:
    with pytest.raises(ClientError) as e:
        client_for(url, "ecs").run_task(taskDefinition="web")
    err = e.value.response["Error"]
    assert err["Code"] == "InternalFailure"
    assert err["Message"] == "Docker is not reachable at unix:///var/run/docker.sock"
