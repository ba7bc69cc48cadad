"""Security groups and rules through boto3 and the AWS CLI: what Terraform's
``aws_security_group`` and ``aws_vpc_security_group_*_rule`` create and read back, and every
error EC2 sends about them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

REGION = "eu-south-1"


def _err(e: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return str(e.value.response["Error"]["Code"]), str(e.value.response["Error"]["Message"])


@pytest.fixture
def ec2(client: Any) -> Any:
    return client("ec2", region=REGION)


@pytest.fixture
def vpc_id(ec2: Any) -> str:
    return str(ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"])


def test_group_reads_back_as_terraform_expects(ec2: Any, vpc_id: str) -> None:
    made = ec2.create_security_group(
        GroupName="web",
        Description="web tier",
        VpcId=vpc_id,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "web"}]}
        ],
    )
    gid = made["GroupId"]
    assert gid.startswith("sg-") and len(gid) == 20
    assert made["SecurityGroupArn"] == f"arn:aws:ec2:{REGION}:000000000000:security-group/{gid}"
    assert made["Tags"] == [{"Key": "Name", "Value": "web"}]
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [
                    {"CidrIp": "10.0.0.0/8", "Description": "inside"},
                    {"CidrIp": "192.168.0.0/16"},
                ],
            },
            {
                "IpProtocol": "udp",
                "FromPort": 53,
                "ToPort": 53,
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
        ],
    )
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert g["GroupName"] == "web" and g["Description"] == "web tier" and g["VpcId"] == vpc_id
    assert g["IpPermissions"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "UserIdGroupPairs": [],
            "IpRanges": [
                {"CidrIp": "10.0.0.0/8", "Description": "inside"},
                {"CidrIp": "192.168.0.0/16"},
            ],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        },
        {
            "IpProtocol": "udp",
            "FromPort": 53,
            "ToPort": 53,
            "UserIdGroupPairs": [],
            "IpRanges": [],
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            "PrefixListIds": [],
        },
    ]
    # AWS's default egress rule: all traffic anywhere
    assert g["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [],
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]


def test_rules_by_id_and_revoke(ec2: Any, vpc_id: str) -> None:
    gid = ec2.create_security_group(GroupName="rules", Description="d", VpcId=vpc_id)["GroupId"]
    other = ec2.create_security_group(GroupName="lb", Description="d", VpcId=vpc_id)["GroupId"]
    made = ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": other, "Description": "from lb"}],
            }
        ],
    )
    assert made["Return"] is True
    rule = made["SecurityGroupRules"][0]
    assert rule["ReferencedGroupInfo"] == {"GroupId": other, "UserId": "000000000000"}
    assert rule["IsEgress"] is False and rule["Description"] == "from lb"
    listed = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [gid]}])[
        "SecurityGroupRules"
    ]
    assert {r["SecurityGroupRuleId"] for r in listed} >= {rule["SecurityGroupRuleId"]}
    egress = [r for r in listed if r["IsEgress"]]
    assert [(r["IpProtocol"], r["FromPort"], r["ToPort"], r["CidrIpv4"]) for r in egress] == [
        ("-1", -1, -1, "0.0.0.0/0")
    ]
    # the referenced group cannot go while a rule names it
    with pytest.raises(ClientError) as e:
        ec2.delete_security_group(GroupId=other)
    assert _err(e) == ("DependencyViolation", f"resource {other} has a dependent object")
    revoked = ec2.revoke_security_group_ingress(
        GroupId=gid, SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]]
    )
    assert revoked["Return"] is True
    assert revoked["RevokedSecurityGroupRules"][0]["ReferencedGroupId"] == other
    ec2.delete_security_group(GroupId=other)
    # egress revoked by its permission; then nothing goes out
    ec2.revoke_security_group_egress(
        GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert g["IpPermissions"] == [] and g["IpPermissionsEgress"] == []
    ec2.authorize_security_group_egress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 5432,
                "ToPort": 5432,
                "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
            }
        ],
    )
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert g["IpPermissionsEgress"][0]["FromPort"] == 5432


def test_rule_errors(ec2: Any, vpc_id: str) -> None:
    gid = ec2.create_security_group(GroupName="errs", Description="d", VpcId=vpc_id)["GroupId"]
    perm = {
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
    }
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
    with pytest.raises(ClientError) as e:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
    assert _err(e) == (
        "InvalidPermission.Duplicate",
        'the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists',
    )
    missing = dict(perm, FromPort=23, ToPort=23)
    with pytest.raises(ClientError) as e:
        ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[missing])
    assert _err(e)[0] == "InvalidPermission.NotFound"
    # one known and one unknown: the known one goes, the unknown one is reported
    out = ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[perm, missing])
    assert out["UnknownIpPermissions"][0]["FromPort"] == 23
    assert len(out["RevokedSecurityGroupRules"]) == 1
    with pytest.raises(ClientError) as e:
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 1,
                    "ToPort": 2,
                    "UserIdGroupPairs": [{"GroupId": "sg-0123456789abcdef0"}],
                }
            ],
        )
    assert _err(e) == (
        "InvalidGroup.NotFound",
        "The security group 'sg-0123456789abcdef0' does not exist",
    )
    with pytest.raises(ClientError) as e:
        ec2.authorize_security_group_ingress(GroupId="sg-0123456789abcdef0", IpPermissions=[perm])
    assert _err(e)[0] == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.revoke_security_group_ingress(
            GroupId=gid, SecurityGroupRuleIds=["sgr-0123456789abcdef0"]
        )
    assert _err(e)[0] == "InvalidSecurityGroupRuleId.NotFound"


def test_group_errors(ec2: Any, vpc_id: str) -> None:
    ec2.create_security_group(GroupName="dup", Description="d", VpcId=vpc_id)
    with pytest.raises(ClientError) as e:
        ec2.create_security_group(GroupName="dup", Description="d", VpcId=vpc_id)
    assert _err(e) == (
        "InvalidGroup.Duplicate",
        f"The security group 'dup' already exists for VPC '{vpc_id}'",
    )
    with pytest.raises(ClientError) as e:
        ec2.create_security_group(GroupName="default", Description="d", VpcId=vpc_id)
    assert _err(e)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        ec2.create_security_group(GroupName="x", Description="d", VpcId="vpc-0123456789abcdef0")
    assert _err(e)[0] == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.describe_security_groups(GroupIds=["sg-0123456789abcdef0"])
    assert _err(e) == (
        "InvalidGroup.NotFound",
        "The security group 'sg-0123456789abcdef0' does not exist",
    )
    with pytest.raises(ClientError) as e:
        ec2.delete_security_group(GroupId="sg-0123456789abcdef0")
    assert _err(e)[0] == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as e:
        ec2.describe_security_groups(GroupNames=["no-such-group"])
    code, message = _err(e)
    assert code == "InvalidGroup.NotFound" and "does not exist in default VPC" in message
    default = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    with pytest.raises(ClientError) as e:
        ec2.delete_security_group(GroupId=default)
    assert _err(e) == (
        "CannotDelete",
        f'the specified group: "{default}" name: "default" cannot be deleted by a user',
    )


def test_default_vpc_group_by_name_and_filters(ec2: Any) -> None:
    gid = ec2.create_security_group(GroupName="named-in-default", Description="d")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupName="named-in-default", IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    by_perm = ec2.describe_security_groups(
        Filters=[
            {"Name": "ip-permission.from-port", "Values": ["80"]},
            {"Name": "ip-permission.cidr", "Values": ["0.0.0.0/0"]},
            {"Name": "group-name", "Values": ["named-in-*"]},
        ]
    )["SecurityGroups"]
    assert [g["GroupId"] for g in by_perm] == [gid]
    out = ec2.delete_security_group(GroupName="named-in-default")
    assert out["Return"] is True and out["GroupId"] == gid


def test_groups_with_the_cli(aws: Any, vpc_id: str) -> None:
    gid = aws.ok(
        "ec2",
        "create-security-group",
        "--group-name",
        "cli",
        "--description",
        "from the cli",
        "--vpc-id",
        vpc_id,
        region=REGION,
    )["GroupId"]
    aws.ok(
        "ec2",
        "authorize-security-group-ingress",
        "--group-id",
        gid,
        "--protocol",
        "tcp",
        "--port",
        "8080",
        "--cidr",
        "10.0.0.0/16",
        region=REGION,
    )
    out = aws.ok("ec2", "describe-security-groups", "--group-ids", gid, region=REGION)
    perms = out["SecurityGroups"][0]["IpPermissions"]
    assert perms[0]["FromPort"] == 8080 and perms[0]["IpRanges"] == [{"CidrIp": "10.0.0.0/16"}]
    aws.fails(
        "ec2",
        "authorize-security-group-ingress",
        "--group-id",
        gid,
        "--protocol",
        "tcp",
        "--port",
        "8080",
        "--cidr",
        "10.0.0.0/16",
        code="InvalidPermission.Duplicate",
        region=REGION,
    )
    aws.ok("ec2", "delete-security-group", "--group-id", gid, region=REGION)
    aws.fails(
        "ec2",
        "describe-security-groups",
        "--group-ids",
        gid,
        code="InvalidGroup.NotFound",
        region=REGION,
    )
