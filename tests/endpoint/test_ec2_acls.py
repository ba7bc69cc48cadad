"""Network ACLs through boto3 and the AWS CLI, as Terraform's VPC module uses them: the
default ACL's rules replaced and tagged (``aws_default_network_acl``), a dedicated ACL for
public subnets with its rules and associations (``aws_network_acl``), moved back and deleted,
and the errors EC2 sends."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

REGION = "ap-south-2"


def _err(e: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return str(e.value.response["Error"]["Code"]), str(e.value.response["Error"]["Message"])


@pytest.fixture
def ec2(client: Any) -> Any:
    return client("ec2", region=REGION)


def _acls(ec2: Any, vpc: str) -> dict[str, Any]:
    found = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    return {a["NetworkAclId"]: a for a in found["NetworkAcls"]}


def _association(ec2: Any, subnet: str) -> str:
    (a,) = ec2.describe_network_acls(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet]}]
    )["NetworkAcls"]
    return next(x["NetworkAclAssociationId"] for x in a["Associations"] if x["SubnetId"] == subnet)


def test_the_vpc_modules_acls_are_kept_changed_and_removed(ec2: Any, aws: Any) -> None:
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.2.0/24")["Subnet"]["SubnetId"]
    (default,) = _acls(ec2, vpc).values()
    dacl = default["NetworkAclId"]
    assert default["IsDefault"] is True
    assert {x["SubnetId"] for x in default["Associations"]} == {public, private}
    # aws_default_network_acl: its rules replaced by the configured ones, then tagged
    for egress in (False, True):
        ec2.delete_network_acl_entry(NetworkAclId=dacl, RuleNumber=100, Egress=egress)
        ec2.create_network_acl_entry(
            NetworkAclId=dacl,
            RuleNumber=100,
            Protocol="-1",
            RuleAction="allow",
            Egress=egress,
            CidrBlock="10.0.0.0/8",
        )
    ec2.create_tags(Resources=[dacl], Tags=[{"Key": "Name", "Value": "main-default"}])
    kept = _acls(ec2, vpc)[dacl]
    assert kept["Tags"] == [{"Key": "Name", "Value": "main-default"}]
    assert {(e["RuleNumber"], e["Egress"], e.get("CidrBlock")) for e in kept["Entries"]} == {
        (100, False, "10.0.0.0/8"),
        (100, True, "10.0.0.0/8"),
        (32767, False, "0.0.0.0/0"),
        (32767, True, "0.0.0.0/0"),
    }
    # aws_network_acl for the public subnet: made, given rules, associated
    made = ec2.create_network_acl(
        VpcId=vpc,
        TagSpecifications=[
            {"ResourceType": "network-acl", "Tags": [{"Key": "tier", "Value": "pub"}]}
        ],
    )["NetworkAcl"]
    pacl = made["NetworkAclId"]
    assert made["IsDefault"] is False and made["Associations"] == []
    assert [e["RuleAction"] for e in made["Entries"]] == ["deny", "deny"]  # only the * rules
    ec2.create_network_acl_entry(
        NetworkAclId=pacl,
        RuleNumber=110,
        Protocol="6",
        RuleAction="allow",
        Egress=False,
        CidrBlock="0.0.0.0/0",
        PortRange={"From": 443, "To": 443},
    )
    with pytest.raises(ClientError) as e:
        ec2.create_network_acl_entry(
            NetworkAclId=pacl, RuleNumber=110, Protocol="-1", RuleAction="deny", Egress=False,
            CidrBlock="0.0.0.0/0",
        )  # fmt: skip
    assert _err(e)[0] == "NetworkAclEntryAlreadyExists"
    ec2.replace_network_acl_entry(
        NetworkAclId=pacl, RuleNumber=110, Protocol="6", RuleAction="allow", Egress=False,
        CidrBlock="0.0.0.0/0", PortRange={"From": 80, "To": 443},
    )  # fmt: skip
    new_assoc = ec2.replace_network_acl_association(
        AssociationId=_association(ec2, public), NetworkAclId=pacl
    )["NewAssociationId"]
    now = _acls(ec2, vpc)
    assert [x["SubnetId"] for x in now[pacl]["Associations"]] == [public]
    assert now[pacl]["Associations"][0]["NetworkAclAssociationId"] == new_assoc
    assert [x["SubnetId"] for x in now[dacl]["Associations"]] == [private]
    rule = next(x for x in now[pacl]["Entries"] if x["RuleNumber"] == 110)
    assert rule["PortRange"] == {"From": 80, "To": 443}
    shown = aws.ok("ec2", "describe-network-acls", "--network-acl-ids", pacl, region=REGION)
    assert shown["NetworkAcls"][0]["Tags"] == [{"Key": "tier", "Value": "pub"}]
    # what EC2 refuses
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl(NetworkAclId=pacl)
    assert _err(e) == (
        "DependencyViolation",
        f"The networkAcl '{pacl}' has dependencies and cannot be deleted.",
    )
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl(NetworkAclId=dacl)
    assert _err(e)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        ec2.delete_network_acl_entry(NetworkAclId=pacl, RuleNumber=120, Egress=False)
    assert _err(e)[0] == "InvalidNetworkAclEntry.NotFound"
    # removed as Terraform removes it: the subnet back to the default ACL, then the ACL
    ec2.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=dacl)
    ec2.delete_network_acl(NetworkAclId=pacl)
    assert set(_acls(ec2, vpc)) == {dacl}
    for sn in (public, private):
        ec2.delete_subnet(SubnetId=sn)
    ec2.delete_vpc(VpcId=vpc)
    with pytest.raises(ClientError) as e:
        ec2.describe_network_acls(NetworkAclIds=[dacl])
    assert _err(e)[0] == "InvalidNetworkAclID.NotFound"
