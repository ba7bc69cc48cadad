"""The account ``ecsdev pull`` and ``run-task --from-aws`` read in the tests, made through the
real AWS API (boto3 against moto's server), in a region of its own (eu-north-1) so the
dashboard's world in us-east-1 is untouched.

    vpc 10.7.0.0/16: public-a, public-b (a route table with 0.0.0.0/0 to an internet
    gateway), private-a (the main table, no route out). Cluster "pull":
      web     desiredCount 5, awsvpc in private-a, ecsdev/echo:latest on 8080, behind web-tg
      broken  images no Docker can pull (a registry that refuses, an ECR repository),
              secrets from SSM and Secrets Manager
      job     a task run with overrides (command, environment, taskRoleArn), then stopped
    ALB "pull-alb" in public-a/b, listener 80: default forward to web-tg; rules: 5 host
    admin.example.com -> fixed 403, 10 /api/* -> web-tg, 20 host other.example.com ->
    other-tg (another service's), 30 header + query string -> web-tg.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3

from .moto_world import freeze_task_states

REGION = "eu-north-1"
ECR_IMAGE = f"123456789012.dkr.ecr.{REGION}.amazonaws.com/broken:1"
REFUSED_IMAGE = "127.0.0.1:1/nothing:here"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:db-AbCdEf"
PARAM_ARN = f"arn:aws:ssm:{REGION}:123456789012:parameter/app/token"
ROLE = "arn:aws:iam::123456789012:role/job-override"


@dataclass
class PullWorld:
    url: str
    cluster: str = "pull"
    public: list[str] = field(default_factory=list)
    private: str = ""
    web_tg: str = ""
    job_task: str = ""


def _clients(url: str) -> dict[str, Any]:
    return {
        n: boto3.client(n, region_name=REGION, endpoint_url=url) for n in ("ec2", "ecs", "elbv2")
    }


def _network(c: dict[str, Any], w: PullWorld) -> str:
    ec2 = c["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for i, az in enumerate("ab"):
        sid = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"{REGION}{az}"
        )["Subnet"]["SubnetId"]
        ec2.create_tags(Resources=[sid], Tags=[{"Key": "Name", "Value": f"public-{az}"}])
        ec2.associate_route_table(RouteTableId=rt, SubnetId=sid)
        w.public.append(sid)
    w.private = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.7.10.0/24", AvailabilityZone=f"{REGION}a"
    )["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[w.private], Tags=[{"Key": "Name", "Value": "private-a"}])
    return str(vpc)


def _elb(c: dict[str, Any], w: PullWorld, vpc: str) -> None:
    elb = c["elbv2"]
    lb = elb.create_load_balancer(Name="pull-alb", Subnets=w.public, Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]

    def tg(name: str) -> str:
        arn = elb.create_target_group(
            Name=name,
            Protocol="HTTP",
            Port=8080,
            VpcId=vpc,
            TargetType="ip",
            HealthCheckPath="/health",
            HealthCheckIntervalSeconds=5,
            HealthCheckTimeoutSeconds=2,
            HealthyThresholdCount=2,
            UnhealthyThresholdCount=2,
            Matcher={"HttpCode": "200-299"},
        )["TargetGroups"][0]["TargetGroupArn"]
        elb.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}],
        )
        return str(arn)

    w.web_tg, other = tg("web-tg"), tg("other-tg")
    ls = elb.create_listener(
        LoadBalancerArn=lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": w.web_tg}],
    )["Listeners"][0]["ListenerArn"]

    def rule(priority: int, conditions: list[Any], action: dict[str, Any]) -> None:
        elb.create_rule(ListenerArn=ls, Priority=priority, Conditions=conditions, Actions=[action])

    host = "HostHeaderConfig"
    fixed = {"StatusCode": "403", "ContentType": "text/plain", "MessageBody": "no"}
    rule(5, [{"Field": "host-header", host: {"Values": ["admin.example.com"]}}],
         {"Type": "fixed-response", "FixedResponseConfig": fixed})  # fmt: skip
    rule(10, [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
         {"Type": "forward", "TargetGroupArn": w.web_tg})  # fmt: skip
    rule(20, [{"Field": "host-header", host: {"Values": ["other.example.com"]}}],
         {"Type": "forward", "TargetGroupArn": other})  # fmt: skip
    rule(
        30,
        [
            {
                "Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["1"]},
            },
            {
                "Field": "query-string",
                "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]},
            },
        ],
        {"Type": "forward", "TargetGroupArn": w.web_tg},
    )


def _ecs(c: dict[str, Any], w: PullWorld) -> None:
    ecs = c["ecs"]
    ecs.create_cluster(clusterName=w.cluster)
    fargate = {"networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"]}
    echo = {
        "name": "app",
        "image": "ecsdev/echo:latest",
        "essential": True,
        "memory": 256,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "environment": [{"name": "PORT", "value": "8080"}, {"name": "GREETING", "value": "hi"}],
    }
    ecs.register_task_definition(
        family="web", cpu="256", memory="512", containerDefinitions=[echo], **fargate
    )
    web = ecs.register_task_definition(  # revision 2: the one the service runs
        family="web", cpu="256", memory="512", containerDefinitions=[echo], **fargate
    )["taskDefinition"]["taskDefinitionArn"]
    broken = ecs.register_task_definition(
        family="broken",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "app",
                "image": ECR_IMAGE,
                "secrets": [
                    {"name": "DB_PASSWORD", "valueFrom": SECRET_ARN},
                    {"name": "TOKEN", "valueFrom": PARAM_ARN},
                ],
            },
            {"name": "side", "image": REFUSED_IMAGE, "essential": False},
        ],
        **fargate,
    )["taskDefinition"]["taskDefinitionArn"]
    job = ecs.register_task_definition(
        family="job", cpu="256", memory="512", containerDefinitions=[echo], **fargate
    )["taskDefinition"]["taskDefinitionArn"]
    sg = c["ec2"].describe_security_groups()["SecurityGroups"][0]["GroupId"]
    net = {"awsvpcConfiguration": {"subnets": [w.private], "securityGroups": [sg]}}
    ecs.create_service(
        cluster=w.cluster,
        serviceName="web",
        taskDefinition=web,
        desiredCount=5,
        launchType="FARGATE",
        networkConfiguration=net,
        healthCheckGracePeriodSeconds=0,
        loadBalancers=[{"targetGroupArn": w.web_tg, "containerName": "app", "containerPort": 8080}],
    )
    ecs.create_service(
        cluster=w.cluster,
        serviceName="broken",
        taskDefinition=broken,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=net,
    )
    overrides = {
        "containerOverrides": [
            {
                "name": "app",
                "command": [
                    "sh",
                    "-c",
                    "trap 'exit 0' TERM; echo override; while :; do sleep 1; done",
                ],
                "environment": [{"name": "GREETING", "value": "from-override"}],
            }
        ],
        "taskRoleArn": ROLE,
    }
    task = ecs.run_task(
        cluster=w.cluster,
        taskDefinition=job,
        launchType="FARGATE",
        networkConfiguration=net,
        overrides=overrides,
    )["tasks"][0]
    w.job_task = task["taskArn"]
    ecs.stop_task(cluster=w.cluster, task=w.job_task, reason="Essential container in task exited")


def populate_pull_world(url: str) -> PullWorld:
    freeze_task_states(url)
    w = PullWorld(url)
    c = _clients(url)
    vpc = _network(c, w)
    _elb(c, w, vpc)
    _ecs(c, w)
    return w
