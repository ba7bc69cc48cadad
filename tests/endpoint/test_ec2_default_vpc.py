"""The default VPC each region has, as AWS makes it, through boto3 and the AWS CLI: one
172.31.0.0/16 VPC, a public /20 per zone (a, b, c), an internet gateway, the main route
table routing 0.0.0.0/0 to it, and the default security group. Made on first use, the same
ids after a restart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.ec2 import ec2_handlers
from emulator.endpoint.ec2_query import Ec2Env
from emulator.endpoint.resources import Resources

REGION = "ap-southeast-2"


def _default_vpc(ec2: Any) -> dict[str, Any]:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    return dict(vpcs[0])


def test_default_vpc_shape(client: Any) -> None:
    vpc = _default_vpc(client("ec2", region=REGION))
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["IsDefault"] is True
    assert vpc["State"] == "available"
    assert vpc["InstanceTenancy"] == "default"
    assert vpc["OwnerId"] == "000000000000"
    assert vpc["VpcId"].startswith("vpc-") and len(vpc["VpcId"]) == 21
    assoc = vpc["CidrBlockAssociationSet"][0]
    assert assoc["CidrBlock"] == "172.31.0.0/16"
    assert assoc["CidrBlockState"] == {"State": "associated"}
    assert "Tags" not in vpc


def test_default_subnets_one_public_slash20_per_zone(client: Any) -> None:
    ec2 = client("ec2", region=REGION)
    vpc_id = _default_vpc(ec2)["VpcId"]
    subnets = ec2.describe_subnets(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "default-for-az", "Values": ["true"]},
        ]
    )["Subnets"]
    by_zone = {s["AvailabilityZone"]: s for s in subnets}
    assert sorted(by_zone) == [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
    assert [by_zone[z]["CidrBlock"] for z in sorted(by_zone)] == [
        "172.31.0.0/20",
        "172.31.16.0/20",
        "172.31.32.0/20",
    ]
    for s in subnets:
        assert s["MapPublicIpOnLaunch"] is True
        assert s["DefaultForAz"] is True
        assert s["AvailableIpAddressCount"] == 4091  # 4096 - AWS's 5 reserved
        assert s["SubnetArn"] == f"arn:aws:ec2:{REGION}:000000000000:subnet/{s['SubnetId']}"
        assert s["AvailabilityZoneId"].startswith("apse2-az")


def test_main_route_table_routes_to_the_attached_internet_gateway(client: Any) -> None:
    ec2 = client("ec2", region=REGION)
    vpc_id = _default_vpc(ec2)["VpcId"]
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    assert len(igws) == 1
    assert igws[0]["Attachments"] == [{"State": "available", "VpcId": vpc_id}]
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert len(tables) == 1
    routes = {r["DestinationCidrBlock"]: r for r in tables[0]["Routes"]}
    assert routes["172.31.0.0/16"]["GatewayId"] == "local"
    assert routes["172.31.0.0/16"]["Origin"] == "CreateRouteTable"
    assert routes["0.0.0.0/0"]["GatewayId"] == igws[0]["InternetGatewayId"]
    assert routes["0.0.0.0/0"]["State"] == "active"
    assert tables[0]["Associations"][0]["Main"] is True


def test_default_security_group(client: Any) -> None:
    ec2 = client("ec2", region=REGION)
    vpc_id = _default_vpc(ec2)["VpcId"]
    groups = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    assert len(groups) == 1
    g = groups[0]
    assert g["Description"] == "default VPC security group"
    assert g["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"GroupId": g["GroupId"], "UserId": "000000000000"}],
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]
    assert g["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    # by name, as EC2 resolves names in the default VPC
    same = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
    assert [x["GroupId"] for x in same] == [g["GroupId"]]


def test_account_attributes_name_the_default_vpc(client: Any) -> None:
    ec2 = client("ec2", region=REGION)
    vpc_id = _default_vpc(ec2)["VpcId"]
    attrs = ec2.describe_account_attributes(AttributeNames=["default-vpc", "supported-platforms"])
    values = {
        a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
        for a in attrs["AccountAttributes"]
    }
    assert values == {"default-vpc": [vpc_id], "supported-platforms": ["VPC"]}


def test_availability_zones(client: Any, aws: Any) -> None:
    zones = client("ec2", region=REGION).describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == [f"{REGION}{x}" for x in "abc"]
    assert zones[0]["ZoneId"] == "apse2-az1" and zones[0]["State"] == "available"
    assert zones[0]["RegionName"] == REGION
    out = aws.ok("ec2", "describe-availability-zones", "--zone-names", "us-east-1b")
    assert [z["ZoneId"] for z in out["AvailabilityZones"]] == ["use1-az2"]
    aws.fails(
        "ec2",
        "describe-availability-zones",
        "--zone-names",
        "us-east-1z",
        code="InvalidParameterValue",
    )


def test_each_region_has_its_own_default_vpc(client: Any, aws: Any) -> None:
    a = _default_vpc(client("ec2", region="eu-west-3"))["VpcId"]
    b = _default_vpc(client("ec2", region="ca-central-1"))["VpcId"]
    assert a != b
    out = aws.ok(
        "ec2", "describe-vpcs", "--filters", "Name=isDefault,Values=true", region="eu-west-3"
    )
    assert [v["VpcId"] for v in out["Vpcs"]] == [a]


def _call(resources: Resources, op: str, params: dict[str, Any]) -> dict[str, Any]:
    return ec2_handlers(Ec2Env(resources))(Request("ec2", op, params, region="sa-east-1"))


def test_default_ids_are_stable_across_restarts_and_wiped_state(tmp_path: Path) -> None:
    first = Resources(tmp_path / "one.db")
    ids = {v["VpcId"] for v in _call(first, "DescribeVpcs", {})["Vpcs"]}
    first.close()
    again = Resources(tmp_path / "one.db")  # the endpoint restarted
    assert {v["VpcId"] for v in _call(again, "DescribeVpcs", {})["Vpcs"]} == ids
    subnets = {s["SubnetId"] for s in _call(again, "DescribeSubnets", {})["Subnets"]}
    assert len(subnets) == 3
    fresh = Resources(tmp_path / "two.db")  # a wiped state directory
    assert {v["VpcId"] for v in _call(fresh, "DescribeVpcs", {})["Vpcs"]} == ids
    assert {s["SubnetId"] for s in _call(fresh, "DescribeSubnets", {})["Subnets"]} == subnets


def test_deleted_default_vpc_stays_deleted(tmp_path: Path) -> None:
    res = Resources(tmp_path / "r.db")
    vpc = _call(res, "DescribeVpcs", {})["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in _call(res, "DescribeSubnets", {})["Subnets"]]
    igw = _call(res, "DescribeInternetGateways", {})["InternetGateways"][0]["InternetGatewayId"]
    for sn in subnets:
        _call(res, "DeleteSubnet", {"SubnetId": sn})
    _call(res, "DetachInternetGateway", {"InternetGatewayId": igw, "VpcId": vpc})
    _call(res, "DeleteInternetGateway", {"InternetGatewayId": igw})
    _call(res, "DeleteVpc", {"VpcId": vpc})
    assert _call(res, "DescribeVpcs", {})["Vpcs"] == []
    attrs = _call(res, "DescribeAccountAttributes", {"AttributeNames": ["default-vpc"]})
    assert attrs["AccountAttributes"][0]["AttributeValues"] == [{"AttributeValue": "none"}]
    with pytest.raises(Exception, match="No default VPC"):
        _call(res, "CreateSecurityGroup", {"GroupName": "g", "Description": "d"})
    # CreateDefaultVpc brings it back, with the same ids
    again = _call(res, "CreateDefaultVpc", {})["Vpc"]
    assert again["VpcId"] == vpc and again["IsDefault"] is True
    assert sorted(s["SubnetId"] for s in _call(res, "DescribeSubnets", {})["Subnets"]) == sorted(
        subnets
    )
    with pytest.raises(ApiError) as e:
        _call(res, "CreateDefaultVpc", {})
    assert e.value.code == "DefaultVpcAlreadyExists"


def test_dry_run(client: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        client("ec2", region=REGION).create_vpc(CidrBlock="10.0.0.0/16", DryRun=True)
    assert e.value.response["Error"]["Code"] == "DryRunOperation"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_default_network_acl_allows_all_and_covers_every_subnet(client: Any) -> None:
    ec2 = client("ec2", region=REGION)
    vpc_id = _default_vpc(ec2)["VpcId"]
    acls = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"]
    assert len(acls) == 1 and acls[0]["IsDefault"] is True
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert {a["SubnetId"] for a in acls[0]["Associations"]} == {s["SubnetId"] for s in subnets}
    rules = {(e["Egress"], e["RuleNumber"], e["RuleAction"]) for e in acls[0]["Entries"]}
    assert rules == {
        (True, 100, "allow"),
        (True, 32767, "deny"),
        (False, 100, "allow"),
        (False, 32767, "deny"),
    }
    with pytest.raises(Exception) as e:
        ec2.describe_network_acls(NetworkAclIds=["acl-0123456789abcdef0"])
    assert "InvalidNetworkAclID.NotFound" in str(e.value)
