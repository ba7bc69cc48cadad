"""The ec2 protocol through real clients with fake handlers: ``Name.N`` lists with
``locationName``/``queryName`` rules (``VpcId.1``, ``Filter.1.Value.1``), ``<item>`` lists
and lower-case element names in responses, timestamps and booleans, and EC2's error
envelope (``<Response><Errors><Error>``), ``MissingParameter`` for a missing member."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from tests.endpoint.conftest import aws_for, client_for

SEEN: list[Request] = []
STARTED = dt.datetime(2026, 12, 6, 4, 5, 6, tzinfo=dt.UTC)


def describe_vpcs(req: Request) -> dict[str, Any]:
    SEEN.append(req)
    ids = req.params.get("VpcIds") or ["vpc-default"]
    if "vpc-missing" in ids:
        raise ApiError("InvalidVpcID.NotFound", "The vpc ID 'vpc-missing' does not exist")
    return {
        "Vpcs": [
            {
                "VpcId": v,
                "CidrBlock": "172.31.0.0/16",
                "IsDefault": v == "vpc-default",
                "State": "available",
                "Tags": [{"Key": "Name", "Value": v}],
                "CidrBlockAssociationSet": [
                    {
                        "AssociationId": "a-1",
                        "CidrBlock": "172.31.0.0/16",
                        "CidrBlockState": {"State": "associated"},
                    }
                ],
            }
            for v in ids
        ]
    }


def create_snapshot(req: Request) -> dict[str, Any]:
    return {
        "SnapshotId": "snap-1",
        "VolumeId": req.params["VolumeId"],
        "StartTime": STARTED,
        "Encrypted": True,
        "VolumeSize": 8,
        "State": "pending",
    }


def delete_vpc(req: Request) -> dict[str, Any]:
    return {}


EC2 = ServiceHandlers(
    "ec2",
    {"DescribeVpcs": describe_vpcs, "CreateSnapshot": create_snapshot, "DeleteVpc": delete_vpc},
)


@pytest.fixture
def url(inprocess: Any) -> Any:
    with inprocess({"ec2": EC2}) as u:
        yield u


def test_lists_filters_and_items(url: str) -> None:
    ec2 = client_for(url, "ec2", region="eu-central-1")
    vpcs = ec2.describe_vpcs(
        VpcIds=["vpc-1", "vpc-2"],
        Filters=[
            {"Name": "tag:Name", "Values": ["a", "b"]},
            {"Name": "state", "Values": ["available"]},
        ],
    )["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == ["vpc-1", "vpc-2"]
    assert vpcs[0]["IsDefault"] is False and vpcs[0]["Tags"] == [{"Key": "Name", "Value": "vpc-1"}]
    assert vpcs[0]["CidrBlockAssociationSet"][0]["CidrBlockState"] == {"State": "associated"}
    req = SEEN[-1]
    assert req.region == "eu-central-1"
    assert req.params["VpcIds"] == ["vpc-1", "vpc-2"]
    assert req.params["Filters"] == [
        {"Name": "tag:Name", "Values": ["a", "b"]},
        {"Name": "state", "Values": ["available"]},
    ]


def test_timestamps_and_booleans(url: str) -> None:
    snap = client_for(url, "ec2").create_snapshot(VolumeId="vol-1")
    assert snap["StartTime"] == STARTED and snap["Encrypted"] is True and snap["VolumeSize"] == 8


def test_error_envelope(url: str) -> None:
    with pytest.raises(ClientError) as e:
        client_for(url, "ec2").describe_vpcs(VpcIds=["vpc-missing"])
    err = e.value.response["Error"]
    assert err["Code"] == "InvalidVpcID.NotFound"
    assert err["Message"] == "The vpc ID 'vpc-missing' does not exist"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    res = aws_for(url)("ec2", "describe-vpcs", "--vpc-ids", "vpc-missing")
    assert res.code == 255
    assert "(InvalidVpcID.NotFound) when calling the DescribeVpcs operation" in res.err


def test_missing_parameter(url: str) -> None:
    raw = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"
    ).client(
        "ec2",
        endpoint_url=url,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as e:
        raw.delete_vpc()
    err = e.value.response["Error"]
    assert (err["Code"], err["Message"]) == (
        "MissingParameter",
        "The request must contain the parameter VpcId",
    )


def test_cli_describe(url: str) -> None:
    out = aws_for(url)("ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true")
    assert out.code == 0, out.err
    assert (
        out.json["Vpcs"][0]["VpcId"] == "vpc-default" and out.json["Vpcs"][0]["IsDefault"] is True
    )
    assert SEEN[-1].params["Filters"] == [{"Name": "is-default", "Values": ["true"]}]
