"""VPCs and subnets through boto3 and the AWS CLI: create, read back what was set (with
AWS's defaults, as Terraform does), filter, page, tag, delete, and every error EC2 sends."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

REGION = "eu-north-1"


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def _msg(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Message"])


@pytest.fixture
def ec2(client: Any) -> Any:
    return client("ec2", region=REGION)


def _vpc(ec2: Any, cidr: str, name: str | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"CidrBlock": cidr}
    if name:
        kwargs["TagSpecifications"] = [
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}
        ]
    return dict(ec2.create_vpc(**kwargs)["Vpc"])


def test_create_vpc_reads_back_with_aws_defaults(ec2: Any) -> None:
    made = _vpc(ec2, "10.10.0.0/16", "readback")
    assert made["VpcId"].startswith("vpc-") and len(made["VpcId"]) == 21
    got = ec2.describe_vpcs(VpcIds=[made["VpcId"]])["Vpcs"][0]
    assert got == made
    assert got["CidrBlock"] == "10.10.0.0/16"
    assert got["IsDefault"] is False
    assert got["InstanceTenancy"] == "default"
    assert got["Tags"] == [{"Key": "Name", "Value": "readback"}]
    support = ec2.describe_vpc_attribute(VpcId=made["VpcId"], Attribute="enableDnsSupport")
    hostnames = ec2.describe_vpc_attribute(VpcId=made["VpcId"], Attribute="enableDnsHostnames")
    assert support["EnableDnsSupport"] == {"Value": True}
    assert hostnames["EnableDnsHostnames"] == {"Value": False}
    ec2.modify_vpc_attribute(VpcId=made["VpcId"], EnableDnsHostnames={"Value": True})
    hostnames = ec2.describe_vpc_attribute(VpcId=made["VpcId"], Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": True}
    # every VPC comes with a main route table and a default security group
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [made["VpcId"]]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert [r["DestinationCidrBlock"] for r in main[0]["Routes"]] == ["10.10.0.0/16"]
    sgs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [made["VpcId"]]}])
    assert [g["GroupName"] for g in sgs["SecurityGroups"]] == ["default"]


def test_vpc_filters_by_tag_and_cidr(ec2: Any) -> None:
    a = _vpc(ec2, "10.11.0.0/16", "filter-me")
    _vpc(ec2, "10.12.0.0/16", "not-me")
    by_tag = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["filter-*"]}])["Vpcs"]
    assert [v["VpcId"] for v in by_tag] == [a["VpcId"]]
    by_cidr = ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.11.0.0/16"]}])["Vpcs"]
    assert [v["VpcId"] for v in by_cidr] == [a["VpcId"]]
    with pytest.raises(ClientError) as err:
        ec2.describe_vpcs(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    assert _code(err) == "InvalidParameterValue"
    assert _msg(err) == "The filter 'no-such-filter' is invalid"


def test_vpc_errors(ec2: Any) -> None:
    with pytest.raises(ClientError) as err:
        ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"])
    assert _code(err) == "InvalidVpcID.NotFound"
    assert _msg(err) == "The vpc ID 'vpc-0123456789abcdef0' does not exist"
    with pytest.raises(ClientError) as err:
        ec2.create_vpc(CidrBlock="10.0.0.0/8")
    assert _code(err) == "InvalidVpc.Range"
    assert _msg(err) == "The CIDR '10.0.0.0/8' is invalid."
    with pytest.raises(ClientError) as err:
        ec2.create_vpc(CidrBlock="banana")
    assert _code(err) == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        ec2.delete_vpc(VpcId="vpc-0123456789abcdef0")
    assert _code(err) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as err:
        ec2.describe_vpc_attribute(VpcId="vpc-0123456789abcdef0", Attribute="enableDnsSupport")
    assert _code(err) == "InvalidVpcID.NotFound"


def test_vpc_with_a_subnet_cannot_be_deleted(ec2: Any) -> None:
    vpc = _vpc(ec2, "10.13.0.0/16")
    sn = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.13.1.0/24")["Subnet"]
    with pytest.raises(ClientError) as err:
        ec2.delete_vpc(VpcId=vpc["VpcId"])
    assert _code(err) == "DependencyViolation"
    assert _msg(err) == f"The vpc '{vpc['VpcId']}' has dependencies and cannot be deleted."
    ec2.delete_subnet(SubnetId=sn["SubnetId"])
    ec2.delete_vpc(VpcId=vpc["VpcId"])
    with pytest.raises(ClientError) as err:
        ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])
    assert _code(err) == "InvalidVpcID.NotFound"


def test_subnet_reads_back_with_aws_defaults(ec2: Any) -> None:
    vpc = _vpc(ec2, "10.14.0.0/16")
    made = ec2.create_subnet(
        VpcId=vpc["VpcId"],
        CidrBlock="10.14.2.0/24",
        AvailabilityZone=f"{REGION}b",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "b"}]}],
    )["Subnet"]
    got = ec2.describe_subnets(SubnetIds=[made["SubnetId"]])["Subnets"][0]
    assert got == made
    assert got["AvailabilityZone"] == f"{REGION}b"
    assert got["AvailabilityZoneId"] == "eun1-az2"
    assert got["AvailableIpAddressCount"] == 251
    assert got["MapPublicIpOnLaunch"] is False
    assert got["DefaultForAz"] is False
    assert got["State"] == "available"
    assert got["Tags"] == [{"Key": "Name", "Value": "b"}]
    ec2.modify_subnet_attribute(SubnetId=made["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    again = ec2.describe_subnets(Filters=[{"Name": "tag:Name", "Values": ["b"]}])["Subnets"]
    assert [s["MapPublicIpOnLaunch"] for s in again] == [True]


def test_subnet_errors(ec2: Any) -> None:
    vpc = _vpc(ec2, "10.15.0.0/16")
    ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.15.0.0/24")
    cases = [
        (
            {"CidrBlock": "10.99.0.0/24"},
            "InvalidSubnet.Range",
            "The CIDR '10.99.0.0/24' is invalid.",
        ),
        (
            {"CidrBlock": "10.15.0.128/25"},
            "InvalidSubnet.Conflict",
            "The CIDR '10.15.0.128/25' conflicts with another subnet",
        ),
        (
            {"CidrBlock": "10.15.0.0/29"},
            "InvalidSubnet.Range",
            "The CIDR '10.15.0.0/29' is invalid.",
        ),
    ]
    for extra, code, message in cases:
        with pytest.raises(ClientError) as err:
            ec2.create_subnet(VpcId=vpc["VpcId"], **extra)
        assert (_code(err), _msg(err)) == (code, message)
    with pytest.raises(ClientError) as err:
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.15.9.0/24", AvailabilityZone="mars-1a")
    assert _code(err) == "InvalidParameterValue"
    assert "eu-north-1a, eu-north-1b, eu-north-1c" in _msg(err)
    with pytest.raises(ClientError) as err:
        ec2.create_subnet(VpcId="vpc-0123456789abcdef0", CidrBlock="10.15.9.0/24")
    assert _code(err) == "InvalidVpcID.NotFound"
    for call in (
        lambda: ec2.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"]),
        lambda: ec2.delete_subnet(SubnetId="subnet-0123456789abcdef0"),
    ):
        with pytest.raises(ClientError) as err:
            call()
        assert _code(err) == "InvalidSubnetID.NotFound"
        assert _msg(err) == "The subnet ID 'subnet-0123456789abcdef0' does not exist"


def test_pages_of_subnets(ec2: Any) -> None:
    vpc = _vpc(ec2, "10.16.0.0/16")
    made = [
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=f"10.16.{i}.0/24")["Subnet"]["SubnetId"]
        for i in range(7)
    ]
    flt = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    first = ec2.describe_subnets(Filters=flt, MaxResults=5)
    assert len(first["Subnets"]) == 5 and first["NextToken"]
    second = ec2.describe_subnets(Filters=flt, MaxResults=5, NextToken=first["NextToken"])
    assert "NextToken" not in second
    seen = [s["SubnetId"] for s in first["Subnets"] + second["Subnets"]]
    assert sorted(seen) == sorted(made)
    paged = [
        s["SubnetId"]
        for page in ec2.get_paginator("describe_subnets").paginate(
            Filters=flt, PaginationConfig={"PageSize": 5}
        )
        for s in page["Subnets"]
    ]
    assert sorted(paged) == sorted(made)
    with pytest.raises(ClientError) as err:
        ec2.describe_subnets(MaxResults=2000)
    assert _code(err) == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        ec2.describe_subnets(NextToken="garbage")
    assert _code(err) == "InvalidNextToken"


def test_vpc_and_subnet_with_the_cli(aws: Any) -> None:
    vpc = aws.ok("ec2", "create-vpc", "--cidr-block", "10.17.0.0/16", region=REGION)["Vpc"]
    sn = aws.ok(
        "ec2",
        "create-subnet",
        "--vpc-id",
        vpc["VpcId"],
        "--cidr-block",
        "10.17.1.0/24",
        "--availability-zone",
        f"{REGION}c",
        region=REGION,
    )["Subnet"]
    out = aws.ok(
        "ec2",
        "describe-subnets",
        "--filters",
        f"Name=vpc-id,Values={vpc['VpcId']}",
        region=REGION,
    )
    assert [s["SubnetId"] for s in out["Subnets"]] == [sn["SubnetId"]]
    err = aws.fails(
        "ec2", "delete-vpc", "--vpc-id", vpc["VpcId"], code="DependencyViolation", region=REGION
    )
    assert "has dependencies and cannot be deleted" in err
    aws.ok("ec2", "delete-subnet", "--subnet-id", sn["SubnetId"], region=REGION)
    aws.ok("ec2", "delete-vpc", "--vpc-id", vpc["VpcId"], region=REGION)
    aws.fails(
        "ec2",
        "describe-vpcs",
        "--vpc-ids",
        vpc["VpcId"],
        code="InvalidVpcID.NotFound",
        region=REGION,
    )


def test_tags(ec2: Any) -> None:
    vpc = _vpc(ec2, "10.18.0.0/16")
    sn = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.18.0.0/24")["Subnet"]
    ids = [vpc["VpcId"], sn["SubnetId"]]
    ec2.create_tags(
        Resources=ids, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}]
    )
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": ids}])["Tags"]
    assert {(t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in tags} == {
        (vpc["VpcId"], "vpc", "env", "dev"),
        (vpc["VpcId"], "vpc", "team", "a"),
        (sn["SubnetId"], "subnet", "env", "dev"),
        (sn["SubnetId"], "subnet", "team", "a"),
    }
    # a value given deletes only a matching tag; a key alone deletes it whatever its value
    ec2.delete_tags(Resources=ids, Tags=[{"Key": "env", "Value": "prod"}, {"Key": "team"}])
    got = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Tags"]
    assert got == [{"Key": "env", "Value": "dev"}]
    found = ec2.describe_subnets(
        Filters=[
            {"Name": "tag:env", "Values": ["dev"]},
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
        ]
    )
    assert [s["SubnetId"] for s in found["Subnets"]] == [sn["SubnetId"]]
    with pytest.raises(ClientError) as err:
        ec2.create_tags(Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
    assert _code(err) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as err:
        ec2.create_tags(Resources=[vpc["VpcId"]], Tags=[{"Key": "aws:x", "Value": "b"}])
    assert _code(err) == "InvalidParameterValue"
    with pytest.raises(ClientError) as err:
        ec2.create_vpc(
            CidrBlock="10.19.0.0/16",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "a", "Value": "b"}]}],
        )
    assert _code(err) == "InvalidParameterValue"
