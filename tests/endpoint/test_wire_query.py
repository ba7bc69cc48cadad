"""The awsQuery protocol (ELBv2, STS, IAM, SNS, SimpleDB) through real clients with fake
handlers: ``member.N`` lists, ``entry.N`` maps, flattened lists, nested structures,
timestamps and booleans in XML; the ``ErrorResponse`` envelope with the model's wire codes
(``TargetGroupNotFoundException`` is sent as ``TargetGroupNotFound``); ``ValidationError``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from tests.endpoint.conftest import aws_for, client_for

CREATED = dt.datetime(2026, 12, 6, 3, 4, 5, 678000, tzinfo=dt.UTC)
SEEN: list[Request] = []


def create_target_group(req: Request) -> dict[str, Any]:
    SEEN.append(req)
    p = req.params
    return {
        "TargetGroups": [
            {
                "TargetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/"
                + p["Name"]
                + "/0123456789abcdef",
                "TargetGroupName": p["Name"],
                "Protocol": p.get("Protocol", "HTTP"),
                "Port": p["Port"],
                "HealthCheckEnabled": p.get("HealthCheckEnabled", True),
                "HealthCheckIntervalSeconds": 30,
                "Matcher": p.get("Matcher", {"HttpCode": "200"}),
                "LoadBalancerArns": [],
                "TargetType": p.get("TargetType", "ip"),
            }
        ]
    }


def create_load_balancer(req: Request) -> dict[str, Any]:
    SEEN.append(req)
    return {
        "LoadBalancers": [
            {
                "LoadBalancerName": req.params["Name"],
                "CreatedTime": CREATED,
                "AvailabilityZones": [
                    {"ZoneName": "us-east-1a", "SubnetId": s} for s in req.params["Subnets"]
                ],
                "SecurityGroups": req.params.get("SecurityGroups", []),
                "State": {"Code": "provisioning"},
            }
        ]
    }


def describe_tags(req: Request) -> dict[str, Any]:
    return {
        "TagDescriptions": [
            {"ResourceArn": arn, "Tags": [{"Key": "k", "Value": arn[-3:]}]}
            for arn in req.params["ResourceArns"]
        ]
    }


def describe_target_health(req: Request) -> dict[str, Any]:
    raise ApiError("TargetGroupNotFoundException", "One or more target groups not found")


def modify_attributes(req: Request) -> dict[str, Any]:
    return {"Attributes": req.params["Attributes"]}


ELBV2 = ServiceHandlers(
    "elbv2",
    {
        "CreateTargetGroup": create_target_group,
        "CreateLoadBalancer": create_load_balancer,
        "DescribeTags": describe_tags,
        "DescribeTargetHealth": describe_target_health,
        "ModifyLoadBalancerAttributes": modify_attributes,
        "DeleteLoadBalancer": lambda req: {},
    },
)


def create_topic(req: Request) -> dict[str, Any]:
    SEEN.append(req)
    return {"TopicArn": f"arn:aws:sns:{req.region}:{req.account_id}:{req.params['Name']}"}


def get_topic_attributes(req: Request) -> dict[str, Any]:
    return {"Attributes": {"DisplayName": "shown", "Policy": '{"a": "<&>"}'}}


SNS = ServiceHandlers(
    "sns", {"CreateTopic": create_topic, "GetTopicAttributes": get_topic_attributes}
)


def sdb_put(req: Request) -> dict[str, Any]:
    SEEN.append(req)
    return {}


def sdb_get(req: Request) -> dict[str, Any]:
    return {"Attributes": [{"Name": "a", "Value": "1"}, {"Name": "b", "Value": "2"}]}


SDB = ServiceHandlers("sdb", {"PutAttributes": sdb_put, "GetAttributes": sdb_get})


@pytest.fixture
def url(inprocess: Any) -> Any:
    with inprocess({"elbv2": ELBV2, "sns": SNS, "sdb": SDB}) as u:
        yield u


def test_round_trip_lists_structures_booleans(url: str) -> None:
    elbv2 = client_for(url, "elbv2")
    out = elbv2.create_target_group(
        Name="web",
        Protocol="HTTP",
        Port=8080,
        VpcId="vpc-1",
        HealthCheckEnabled=False,
        Matcher={"HttpCode": "200-299"},
        TargetType="ip",
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
    )
    tg = out["TargetGroups"][0]
    assert tg["TargetGroupName"] == "web" and tg["Port"] == 8080
    assert tg["HealthCheckEnabled"] is False and tg["Matcher"] == {"HttpCode": "200-299"}
    assert tg["LoadBalancerArns"] == []
    p = SEEN[-1].params
    assert p["Tags"] == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert p["Port"] == 8080 and p["HealthCheckEnabled"] is False


def test_timestamps_and_nested_lists(url: str) -> None:
    lb = client_for(url, "elbv2").create_load_balancer(
        Name="alb", Subnets=["subnet-a", "subnet-b"], SecurityGroups=["sg-1"]
    )["LoadBalancers"][0]
    assert lb["CreatedTime"] == CREATED
    assert [z["SubnetId"] for z in lb["AvailabilityZones"]] == ["subnet-a", "subnet-b"]
    assert lb["State"] == {"Code": "provisioning"}
    tags = client_for(url, "elbv2").describe_tags(ResourceArns=["arn:1", "arn:22"])
    assert [t["Tags"][0]["Value"] for t in tags["TagDescriptions"]] == ["n:1", ":22"]


def test_empty_list_input(url: str) -> None:
    out = client_for(url, "elbv2").modify_load_balancer_attributes(
        LoadBalancerArn="arn", Attributes=[]
    )
    assert out["Attributes"] == []


def test_maps_both_ways(url: str) -> None:
    sns = client_for(url, "sns", region="ap-south-1")
    arn = sns.create_topic(Name="t", Attributes={"DisplayName": "x", "FifoTopic": "false"})
    assert arn["TopicArn"] == "arn:aws:sns:ap-south-1:000000000000:t"
    assert SEEN[-1].params["Attributes"] == {"DisplayName": "x", "FifoTopic": "false"}
    attrs = sns.get_topic_attributes(TopicArn=arn["TopicArn"])["Attributes"]
    assert attrs == {"DisplayName": "shown", "Policy": '{"a": "<&>"}'}


def test_flattened_lists_both_ways(url: str) -> None:
    sdb = client_for(url, "sdb")
    sdb.put_attributes(
        DomainName="d",
        ItemName="i",
        Attributes=[{"Name": "a", "Value": "1", "Replace": True}, {"Name": "b", "Value": "2"}],
    )
    assert SEEN[-1].params["Attributes"] == [
        {"Name": "a", "Value": "1", "Replace": True},
        {"Name": "b", "Value": "2"},
    ]
    got = sdb.get_attributes(DomainName="d", ItemName="i")["Attributes"]
    assert got == [{"Name": "a", "Value": "1"}, {"Name": "b", "Value": "2"}]


def test_error_envelope_uses_the_models_wire_code(url: str) -> None:
    with pytest.raises(ClientError) as e:
        client_for(url, "elbv2").describe_target_health(TargetGroupArn="arn:nope")
    err = e.value.response["Error"]
    assert (err["Code"], err["Type"]) == ("TargetGroupNotFound", "Sender")
    assert err["Message"] == "One or more target groups not found"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    res = aws_for(url)("elbv2", "describe-target-health", "--target-group-arn", "arn:nope")
    assert res.code == 255
    assert (
        "(TargetGroupNotFound) when calling the DescribeTargetHealth operation: One or more target groups not found"
        in res.err
    )


def test_model_violation_is_validation_error(url: str) -> None:
    raw = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"
    ).client(
        "elbv2",
        endpoint_url=url,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as e:
        raw.create_target_group(Port=80)
    err = e.value.response["Error"]
    assert err["Code"] == "ValidationError"
    assert err["Message"] == (
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
        "Member must not be null"
    )
    with pytest.raises(ClientError) as e:
        raw.create_target_group(Name="n", Port="eighty")
    assert e.value.response["Error"]["Code"] == "ValidationError"


def test_output_without_members(url: str) -> None:
    resp = client_for(url, "elbv2").delete_load_balancer(LoadBalancerArn="arn")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert resp["ResponseMetadata"]["RequestId"]


def test_cli_round_trip(url: str) -> None:
    res = aws_for(url)(
        "elbv2",
        "create-target-group",
        "--name",
        "cli",
        "--protocol",
        "HTTP",
        "--port",
        "80",
        "--vpc-id",
        "vpc-1",
        "--no-health-check-enabled",
    )
    assert res.code == 0, res.err
    tg = res.json["TargetGroups"][0]
    assert tg["TargetGroupName"] == "cli" and tg["HealthCheckEnabled"] is False
