"""Internet gateways and route tables through boto3 and the AWS CLI: the public-subnet
recipe infrastructure code builds (gateway, attachment, table, route, association), read
back, and every error EC2 sends about them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

REGION = "eu-central-2"


def _err(e: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return str(e.value.response["Error"]["Code"]), str(e.value.response["Error"]["Message"])


@pytest.fixture
def ec2(client: Any) -> Any:
    return client("ec2", region=REGION)


def test_public_subnet_recipe(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    sn = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway(
        TagSpecifications=[
            {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}
        ]
    )["InternetGateway"]
    assert igw["Attachments"] == [] and igw["Tags"] == [{"Key": "Name", "Value": "gw"}]
    gid = igw["InternetGatewayId"]
    assert gid.startswith("igw-") and len(gid) == 21
    ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    got = ec2.describe_internet_gateways(InternetGatewayIds=[gid])["InternetGateways"][0]
    assert got["Attachments"] == [{"State": "available", "VpcId": vpc}]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]
    rid = rtb["RouteTableId"]
    assert rtb["Associations"] == [] and rtb["VpcId"] == vpc
    assert rtb["Routes"] == [
        {
            "DestinationCidrBlock": "10.30.0.0/16",
            "GatewayId": "local",
            "Origin": "CreateRouteTable",
            "State": "active",
        }
    ]
    assert ec2.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)[
        "Return"
    ]
    assoc = ec2.associate_route_table(RouteTableId=rid, SubnetId=sn)
    assert assoc["AssociationId"].startswith("rtbassoc-")
    assert assoc["AssociationState"] == {"State": "associated"}
    found = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [sn]}])[
        "RouteTables"
    ]
    assert [t["RouteTableId"] for t in found] == [rid]
    t = found[0]
    assert t["Associations"] == [
        {
            "Main": False,
            "RouteTableAssociationId": assoc["AssociationId"],
            "RouteTableId": rid,
            "SubnetId": sn,
            "AssociationState": {"State": "associated"},
        }
    ]
    assert {r["DestinationCidrBlock"]: r.get("GatewayId") for r in t["Routes"]} == {
        "10.30.0.0/16": "local",
        "0.0.0.0/0": gid,
    }
    # the way back down, in the order Terraform destroys
    with pytest.raises(ClientError) as e:
        ec2.delete_route_table(RouteTableId=rid)
    assert _err(e) == (
        "DependencyViolation",
        f"The routeTable '{rid}' has dependencies and cannot be deleted.",
    )
    with pytest.raises(ClientError) as e:
        ec2.delete_internet_gateway(InternetGatewayId=gid)
    assert _err(e)[0] == "DependencyViolation"
    with pytest.raises(ClientError) as e:
        ec2.delete_vpc(VpcId=vpc)
    assert _err(e)[0] == "DependencyViolation"
    ec2.disassociate_route_table(AssociationId=assoc["AssociationId"])
    ec2.delete_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0")
    ec2.delete_route_table(RouteTableId=rid)
    ec2.detach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=gid)
    ec2.delete_subnet(SubnetId=sn)
    ec2.delete_vpc(VpcId=vpc)


def test_gateway_errors(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.32.0.0/16")["Vpc"]["VpcId"]
    gid = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    missing = "igw-0123456789abcdef0"
    for call in (
        lambda: ec2.describe_internet_gateways(InternetGatewayIds=[missing]),
        lambda: ec2.attach_internet_gateway(InternetGatewayId=missing, VpcId=vpc),
        lambda: ec2.delete_internet_gateway(InternetGatewayId=missing),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert _err(e) == (
            "InvalidInternetGatewayID.NotFound",
            f"The internetGateway ID '{missing}' does not exist",
        )
    with pytest.raises(ClientError) as e:
        ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId="vpc-0123456789abcdef0")
    assert _err(e)[0] == "InvalidVpcID.NotFound"
    ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    with pytest.raises(ClientError) as e:
        ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=other)
    assert _err(e) == (
        "Resource.AlreadyAssociated",
        f"resource {gid} is already attached to network {vpc}",
    )
    with pytest.raises(ClientError) as e:
        ec2.detach_internet_gateway(InternetGatewayId=gid, VpcId=other)
    assert _err(e) == ("Gateway.NotAttached", f"resource {gid} is not attached to network {other}")
    # a route to a gateway of another VPC
    rid = ec2.create_route_table(VpcId=other)["RouteTable"]["RouteTableId"]
    with pytest.raises(ClientError) as e:
        ec2.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
    assert _err(e)[0] == "InvalidParameterValue"


def test_route_table_errors(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.33.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.34.0.0/16")["Vpc"]["VpcId"]
    gid = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=vpc)
    rid = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
    with pytest.raises(ClientError) as e:
        ec2.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
    assert _err(e) == ("RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.")
    with pytest.raises(ClientError) as e:
        ec2.delete_route(RouteTableId=rid, DestinationCidrBlock="1.2.3.0/24")
    assert _err(e) == (
        "InvalidRoute.NotFound",
        f"no route with destination-cidr-block 1.2.3.0/24 in route table {rid}",
    )
    with pytest.raises(ClientError) as e:
        ec2.delete_route(RouteTableId=rid, DestinationCidrBlock="10.33.0.0/16")
    assert _err(e)[0] == "InvalidParameterValue"
    missing = "rtb-0123456789abcdef0"
    for call in (
        lambda: ec2.describe_route_tables(RouteTableIds=[missing]),
        lambda: ec2.delete_route_table(RouteTableId=missing),
        lambda: ec2.create_route(
            RouteTableId=missing, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid
        ),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert _err(e) == (
            "InvalidRouteTableID.NotFound",
            f"The routeTable ID '{missing}' does not exist",
        )
    foreign = ec2.create_subnet(VpcId=other, CidrBlock="10.34.0.0/24")["Subnet"]["SubnetId"]
    with pytest.raises(ClientError) as e:
        ec2.associate_route_table(RouteTableId=rid, SubnetId=foreign)
    assert _err(e)[0] == "InvalidParameterValue"
    mine = ec2.create_subnet(VpcId=vpc, CidrBlock="10.33.0.0/24")["Subnet"]["SubnetId"]
    ec2.associate_route_table(RouteTableId=rid, SubnetId=mine)
    with pytest.raises(ClientError) as e:
        ec2.associate_route_table(RouteTableId=rid, SubnetId=mine)
    assert _err(e)[0] == "Resource.AlreadyAssociated"
    with pytest.raises(ClientError) as e:
        ec2.disassociate_route_table(AssociationId="rtbassoc-0123456789abcdef0")
    assert _err(e)[0] == "InvalidAssociationID.NotFound"
    main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"][0]
    main_assoc = main["Associations"][0]["RouteTableAssociationId"]
    with pytest.raises(ClientError) as e:
        ec2.disassociate_route_table(AssociationId=main_assoc)
    assert _err(e)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        ec2.delete_route_table(RouteTableId=main["RouteTableId"])
    assert _err(e)[0] == "DependencyViolation"
    # the main association moves to another table (aws_main_route_table_association)
    moved = ec2.replace_route_table_association(AssociationId=main_assoc, RouteTableId=rid)
    now_main = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in now_main] == [rid]
    assert moved["NewAssociationId"] in {
        a["RouteTableAssociationId"] for a in now_main[0]["Associations"]
    }


def test_routes_with_the_cli(aws: Any) -> None:
    vpc = aws.ok("ec2", "create-vpc", "--cidr-block", "10.35.0.0/16", region=REGION)["Vpc"]["VpcId"]
    gid = aws.ok("ec2", "create-internet-gateway", region=REGION)["InternetGateway"][
        "InternetGatewayId"
    ]
    aws.ok(
        "ec2",
        "attach-internet-gateway",
        "--internet-gateway-id",
        gid,
        "--vpc-id",
        vpc,
        region=REGION,
    )
    rid = aws.ok("ec2", "create-route-table", "--vpc-id", vpc, region=REGION)["RouteTable"][
        "RouteTableId"
    ]
    out = aws.ok(
        "ec2",
        "create-route",
        "--route-table-id",
        rid,
        "--destination-cidr-block",
        "0.0.0.0/0",
        "--gateway-id",
        gid,
        region=REGION,
    )
    assert out == {"Return": True}
    tables = aws.ok("ec2", "describe-route-tables", "--route-table-ids", rid, region=REGION)
    assert [r.get("GatewayId") for r in tables["RouteTables"][0]["Routes"]] == ["local", gid]
    aws.fails(
        "ec2",
        "detach-internet-gateway",
        "--internet-gateway-id",
        gid,
        "--vpc-id",
        "vpc-0123456789abcdef0",
        code="Gateway.NotAttached",
        region=REGION,
    )


def test_replace_route_and_tag_pages(ec2: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.36.0.0/16")["Vpc"]["VpcId"]
    old = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=old, VpcId=vpc)
    rid = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=old)
    ec2.detach_internet_gateway(InternetGatewayId=old, VpcId=vpc)
    new = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=new, VpcId=vpc)
    ec2.replace_route(RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=new)
    routes = ec2.describe_route_tables(RouteTableIds=[rid])["RouteTables"][0]["Routes"]
    assert [r.get("GatewayId") for r in routes] == ["local", new]
    with pytest.raises(ClientError) as e:
        ec2.replace_route(RouteTableId=rid, DestinationCidrBlock="1.0.0.0/8", GatewayId=new)
    assert _err(e)[0] == "InvalidRoute.NotFound"
    ec2.create_tags(
        Resources=[rid, new, vpc], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(3)]
    )
    flt = [{"Name": "resource-id", "Values": [rid, new, vpc]}]
    first = ec2.describe_tags(Filters=flt, MaxResults=5)
    rest = ec2.describe_tags(Filters=flt, MaxResults=5, NextToken=first["NextToken"])
    assert len(first["Tags"]) == 5 and len(rest["Tags"]) == 4 and "NextToken" not in rest
    kinds = {t["ResourceType"] for t in first["Tags"] + rest["Tags"]}
    assert kinds == {"route-table", "internet-gateway", "vpc"}
