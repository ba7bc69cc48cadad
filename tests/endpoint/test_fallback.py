"""Services ecsdev does not implement, answered by the embedded moto backend in the same
endpoint, in the endpoint's account: IAM, SSM, Secrets Manager, S3."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def test_iam_create_role_cli(aws: Any) -> None:
    role = aws.ok(
        "iam",
        "create-role",
        "--role-name",
        "exec-role",
        "--assume-role-policy-document",
        TRUST,
    )["Role"]
    assert role["Arn"] == "arn:aws:iam::000000000000:role/exec-role"
    got = aws.ok("iam", "get-role", "--role-name", "exec-role")["Role"]
    assert got["RoleName"] == "exec-role"
    aws.fails("iam", "get-role", "--role-name", "nope", code="NoSuchEntity")


def test_ssm_parameters_cli(aws: Any) -> None:
    aws.ok(
        "ssm", "put-parameter", "--name", "/app/db", "--value", "s3cr3t", "--type", "SecureString"
    )
    got = aws.ok("ssm", "get-parameter", "--name", "/app/db", "--with-decryption")["Parameter"]
    assert got["Value"] == "s3cr3t"
    assert got["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/app/db"
    aws.fails("ssm", "get-parameter", "--name", "/app/none", code="ParameterNotFound")


def test_ssm_parameters_are_regional(aws: Any) -> None:
    aws.ok(
        "ssm",
        "put-parameter",
        "--name",
        "/regional",
        "--value",
        "x",
        "--type",
        "String",
        region="eu-west-1",
    )
    aws.fails("ssm", "get-parameter", "--name", "/regional", code="ParameterNotFound")


def test_secretsmanager_cli(aws: Any) -> None:
    created = aws.ok(
        "secretsmanager", "create-secret", "--name", "db-pass", "--secret-string", "pw"
    )
    assert created["ARN"].startswith(
        "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-pass-"
    )
    value = aws.ok("secretsmanager", "get-secret-value", "--secret-id", "db-pass")
    assert value["SecretString"] == "pw"


def test_s3_boto3(client: Any) -> None:
    s3 = client("s3")
    s3.create_bucket(Bucket="ecsdev-fallback")
    s3.put_object(Bucket="ecsdev-fallback", Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket="ecsdev-fallback", Key="a/b.txt")["Body"].read() == b"hello"


def test_fallback_requests_are_logged(aws: Any, endpoint: Any) -> None:
    aws.ok("iam", "list-roles")
    assert any("iam.ListRoles 200" in ln for ln in endpoint.log().splitlines())


def test_classic_elb_is_not_elbv2(client: Any) -> None:
    # ELB (2012-06-01) and ELBv2 (2015-12-01) share the signing name elasticloadbalancing;
    # the Version field sends classic ELB to moto
    assert client("elb").describe_load_balancers()["LoadBalancerDescriptions"] == []


def test_servicediscovery_and_kms(client: Any) -> None:
    ns = client("servicediscovery").create_http_namespace(Name="local")
    assert ns["OperationId"]
    key = client("kms").create_key(Description="k")["KeyMetadata"]
    assert key["Arn"].startswith("arn:aws:kms:us-east-1:000000000000:key/")


def test_what_nobody_emulates_is_a_clear_error(aws: Any) -> None:
    # codeartifact (REST JSON) has no moto backend; the client gets a parseable error
    res = aws("codeartifact", "list-domains")
    assert res.code == 255
    assert "(NotImplemented) when calling the ListDomains operation" in res.err
    assert "ecsdev does not emulate" in res.err


def test_a_change_to_ecsdevs_own_resources_that_it_does_not_emulate_says_so(
    client: Any, aws: Any
) -> None:
    """The fallback does not know ecsdev's VPCs or load balancers: a change it would refuse
    with "does not exist" is refused as not emulated, naming the resource; reads, and
    changes that only carry such ids inside their data, still go to the fallback."""
    ec2 = client("ec2", region="sa-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    res = aws(
        "ec2", "create-flow-logs", "--resource-ids", vpc, "--resource-type", "VPC",
        "--traffic-type", "ALL", "--log-destination-type", "s3",
        "--log-destination", "arn:aws:s3:::flow-logs", region="sa-east-1",
    )  # fmt: skip
    assert res.code == 255, res.err
    assert "(UnsupportedOperation)" in res.err
    assert (
        f"ec2.CreateFlowLogs is not emulated by ecsdev for its own resources, and {vpc}" in res.err
    )
    flows = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc]}])
    assert flows["FlowLogs"] == []  # a read: the fallback's answer
    group = ec2.create_security_group(GroupName="lt", Description="lt", VpcId=vpc)["GroupId"]
    template = ec2.create_launch_template(
        LaunchTemplateName="ecs-hosts", LaunchTemplateData={"SecurityGroupIds": [group]}
    )["LaunchTemplate"]
    assert template["LaunchTemplateName"] == "ecs-hosts"  # the fallback keeps it as given
    elb = client("elbv2", region="sa-east-1")
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.60.{i}.0/24", AvailabilityZone=f"sa-east-1{z}")[
            "Subnet"
        ]["SubnetId"]
        for i, z in ((1, "a"), (2, "b"))
    ]
    lb = elb.create_load_balancer(Name="mine", Subnets=subnets)["LoadBalancers"][0]
    res = aws(
        "elbv2", "modify-ip-pools", "--load-balancer-arn", lb["LoadBalancerArn"],
        "--remove-ipam-pools", "ipv4", region="sa-east-1",
    )  # fmt: skip
    assert res.code == 255 and "(OperationNotPermitted)" in res.err, res.err
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])


def test_an_ecs_change_ecsdev_does_not_emulate_on_its_cluster_says_so(client: Any) -> None:
    ecs = client("ecs")
    arn = ecs.create_cluster(clusterName="attrs")["cluster"]["clusterArn"]
    attribute = {"name": "stack", "value": "blue", "targetType": "container-instance"}
    try:
        ecs.put_attributes(cluster="attrs", attributes=[{**attribute, "targetId": "i-1"}])
    except ClientError as e:
        err = e.response["Error"]
    else:
        raise AssertionError("PutAttributes on ecsdev's cluster was answered")
    assert err["Code"] == "UnsupportedFeatureException"
    assert err["Message"].endswith(f"and {arn} is one of them")
