"""NAT gateways and VPC endpoints in ecsdev's own VPCs, through boto3 (with its waiters) and
the AWS CLI: what Terraform's VPC module makes for private subnets, read back, tagged and
deleted, and the errors EC2 sends about them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

REGION = "eu-west-3"
FAST = {"Delay": 1, "MaxAttempts": 10}


def _err(e: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return str(e.value.response["Error"]["Code"]), str(e.value.response["Error"]["Message"])


@pytest.fixture
def ec2(client: Any) -> Any:
    return client("ec2", region=REGION)


def _network(ec2: Any) -> tuple[str, str, str, str]:
    """A VPC, a public and a private subnet, and the private subnet's route table."""
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.2.0/24")["Subnet"]["SubnetId"]
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=private)
    return vpc, public, private, rtb


def test_a_nat_gateway_for_private_subnets_as_terraform_makes_it(ec2: Any, aws: Any) -> None:
    vpc, public, _private, rtb = _network(ec2)
    eip = ec2.allocate_address(Domain="vpc")  # the embedded backend's Elastic IP
    made = ec2.create_nat_gateway(
        SubnetId=public,
        AllocationId=eip["AllocationId"],
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "a"}]}],
    )["NatGateway"]
    nat = made["NatGatewayId"]
    assert nat.startswith("nat-") and made["VpcId"] == vpc and made["SubnetId"] == public
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat], WaiterConfig=FAST)
    (got,) = ec2.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc]}])["NatGateways"]
    (address,) = got["NatGatewayAddresses"]
    assert (address["AllocationId"], address["PublicIp"]) == (
        eip["AllocationId"],
        eip["PublicIp"],
    )
    assert address["PrivateIp"].startswith("10.40.1.") and address["NetworkInterfaceId"]
    assert got["State"] == "available" and got["ConnectivityType"] == "public"
    assert got["Tags"] == [{"Key": "Name", "Value": "a"}]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.create_tags(Resources=[nat], Tags=[{"Key": "tier", "Value": "edge"}])
    listed = aws.ok("ec2", "describe-nat-gateways", "--nat-gateway-ids", nat, region=REGION)[
        "NatGateways"
    ]
    assert {"Key": "tier", "Value": "edge"} in listed[0]["Tags"]
    # a private NAT gateway needs no Elastic IP; a public one does, and a real one
    inner = ec2.create_nat_gateway(SubnetId=public, ConnectivityType="private")["NatGateway"]
    assert "PublicIp" not in inner["NatGatewayAddresses"][0]
    with pytest.raises(ClientError) as e:
        ec2.create_nat_gateway(SubnetId=public, AllocationId="eipalloc-00000000000000000")
    assert _err(e)[0] == "InvalidAllocationID.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.create_nat_gateway(SubnetId="subnet-00000000000000000", ConnectivityType="private")
    assert _err(e) == (
        "InvalidSubnetID.NotFound",
        "The subnet ID 'subnet-00000000000000000' does not exist",
    )
    with pytest.raises(ClientError) as e:
        ec2.delete_subnet(SubnetId=public)  # its NAT gateways are still there
    assert _err(e)[0] == "DependencyViolation"
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat], WaiterConfig=FAST)
    with pytest.raises(ClientError) as e:
        ec2.describe_nat_gateways(NatGatewayIds=["nat-00000000000000000"])
    assert _err(e)[0] == "NatGatewayNotFound"


def test_gateway_and_interface_endpoints_are_kept_and_changed(ec2: Any) -> None:
    vpc, _public, private, rtb = _network(ec2)
    group = ec2.create_security_group(GroupName="endpoints", Description="e", VpcId=vpc)
    s3 = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", RouteTableIds=[rtb]
    )["VpcEndpoint"]
    assert (s3["VpcEndpointType"], s3["State"], s3["RouteTableIds"]) == (
        "Gateway",
        "available",
        [rtb],
    )
    policy = json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*"}]})
    ecr = ec2.create_vpc_endpoint(
        VpcId=vpc,
        VpcEndpointType="Interface",
        ServiceName=f"com.amazonaws.{REGION}.ecr.dkr",
        SubnetIds=[private],
        SecurityGroupIds=[group["GroupId"]],
        PolicyDocument=policy,
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "k", "Value": "v"}]}],
    )["VpcEndpoint"]
    assert ecr["PrivateDnsEnabled"] is True and ecr["Groups"] == [{"GroupId": group["GroupId"]}]
    assert json.loads(ecr["PolicyDocument"]) == json.loads(policy)
    found = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "service-name", "Values": [f"com.amazonaws.{REGION}.ecr.dkr"]}]
    )["VpcEndpoints"]
    assert [x["VpcEndpointId"] for x in found] == [ecr["VpcEndpointId"]]
    assert found[0]["Tags"] == [{"Key": "k", "Value": "v"}]
    ec2.modify_vpc_endpoint(VpcEndpointId=s3["VpcEndpointId"], RemoveRouteTableIds=[rtb])
    (now,) = ec2.describe_vpc_endpoints(VpcEndpointIds=[s3["VpcEndpointId"]])["VpcEndpoints"]
    assert now["RouteTableIds"] == []
    with pytest.raises(ClientError) as e:
        ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName="com.amazonaws.x.s3", RouteTableIds=["rtb-00000000000000000"]
        )
    assert _err(e)[0] == "InvalidRouteTableID.NotFound"
    gone = ec2.delete_vpc_endpoints(VpcEndpointIds=[s3["VpcEndpointId"], "vpce-00000000000000000"])
    assert [u["ResourceId"] for u in gone["Unsuccessful"]] == ["vpce-00000000000000000"]
    left = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    assert [x["VpcEndpointId"] for x in left["VpcEndpoints"]] == [ecr["VpcEndpointId"]]
