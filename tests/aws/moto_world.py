"""The account the AWS-source tests browse, created through the real AWS API (boto3 against
moto's server), so the source under test reads exactly what AWS would return.

    vpc 10.0.0.0/16 "main": public subnets (route to an internet gateway) in a and b,
    private subnets in a and b; security groups alb (80 from anywhere) and app (8080
    from alb). Cluster "demo": services web (2 tasks, FARGATE, behind web-tg) and worker
    (1 task); task definitions web:1, web:2 (new image, env, secret, cpu/memory, port,
    health check, awslogs) and worker:1. One web task stopped. ALB "demo-alb": listener
    80 with rules (host -> fixed 403, path /api/* -> api-tg, redirect) and default
    forward to web-tg; web-tg holds the web tasks' IPs. Log group /ecs/web with a stream
    per web task.
"""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import boto3

from ecsdev.sources.aws import AwsSource, boto3_factory
from ecsdev.sources.views import SourceInfo

REGION = "us-east-1"


@dataclass
class World:
    url: str
    vpc_id: str = ""
    public_subnets: list[str] = field(default_factory=list)
    private_subnets: list[str] = field(default_factory=list)
    alb_sg: str = ""
    app_sg: str = ""
    cluster: str = "demo"
    web_td: list[str] = field(default_factory=list)
    worker_td: str = ""
    web_tasks: list[str] = field(default_factory=list)
    stopped_task: str = ""
    worker_task: str = ""
    lb_arn: str = ""
    listener_arn: str = ""
    web_tg: str = ""
    api_tg: str = ""
    web_ips: dict[str, str] = field(default_factory=dict)


def clients(url: str) -> dict[str, Any]:
    return {
        name: boto3.client(name, region_name=REGION, endpoint_url=url)
        for name in ("ec2", "ecs", "elbv2", "logs")
    }


def web_container(image: str, *, env: dict[str, str], port: int, memory: int) -> dict[str, Any]:
    return {
        "name": "web",
        "image": image,
        "essential": True,
        "memory": memory,
        "portMappings": [{"containerPort": port, "protocol": "tcp"}],
        "environment": [{"name": k, "value": v} for k, v in env.items()],
        "secrets": [
            {
                "name": "DB_PASSWORD",
                "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
            }
        ],
        "command": ["serve", "--port", str(port)],
        "healthCheck": {
            "command": ["CMD-SHELL", f"curl -f localhost:{port}/health"],
            "interval": 10,
        },
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/web",
                "awslogs-region": REGION,
                "awslogs-stream-prefix": "ecs",
            },
        },
    }


def _network(world: World) -> None:
    ec2 = clients(world.url)["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "main"}])
    world.vpc_id = vpc
    # awsvpc tasks get an ENI with a private DNS name, as in most real VPCs (moto needs it).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for i, az in enumerate(("a", "b")):
        pub = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{i + 1}.0/24", AvailabilityZone=f"{REGION}{az}"
        )
        pub_id = pub["Subnet"]["SubnetId"]
        ec2.create_tags(Resources=[pub_id], Tags=[{"Key": "Name", "Value": f"public-{az}"}])
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=pub_id)
        world.public_subnets.append(pub_id)
        priv = ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.0.{i + 11}.0/24", AvailabilityZone=f"{REGION}{az}"
        )
        world.private_subnets.append(priv["Subnet"]["SubnetId"])
    world.alb_sg = ec2.create_security_group(GroupName="alb", Description="ALB", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=world.alb_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}],
            }
        ],
    )
    world.app_sg = ec2.create_security_group(GroupName="app", Description="App tasks", VpcId=vpc)[
        "GroupId"
    ]
    ec2.authorize_security_group_ingress(
        GroupId=world.app_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8080,
                "ToPort": 8080,
                "UserIdGroupPairs": [{"GroupId": world.alb_sg}],
            }
        ],
    )


def _ecs(world: World) -> None:
    c = clients(world.url)
    ecs = c["ecs"]
    ecs.create_cluster(clusterName=world.cluster)
    common = {"networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"]}
    for image, env, port, cpu, memory in (
        ("nginx:1.25", {"MODE": "prod", "WORKERS": "2"}, 8080, "256", 512),
        ("nginx:1.27", {"MODE": "prod", "WORKERS": "4", "FEATURE_X": "on"}, 8081, "512", 1024),
    ):
        td = ecs.register_task_definition(
            family="web",
            cpu=cpu,
            memory=str(memory),
            containerDefinitions=[web_container(image, env=env, port=port, memory=memory)],
            **common,
        )
        world.web_td.append(td["taskDefinition"]["taskDefinitionArn"])
    world.worker_td = ecs.register_task_definition(
        family="worker",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "worker", "image": "busybox", "memory": 256, "essential": True}
        ],
        **common,
    )["taskDefinition"]["taskDefinitionArn"]
    awsvpc = {
        "awsvpcConfiguration": {
            "subnets": world.private_subnets[:1],
            "securityGroups": [world.app_sg],
        }
    }
    ecs.create_service(
        cluster=world.cluster,
        serviceName="web",
        taskDefinition=world.web_td[1],
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=awsvpc,
        loadBalancers=[
            {"targetGroupArn": world.web_tg, "containerName": "web", "containerPort": 8081}
        ],
    )
    ecs.create_service(
        cluster=world.cluster,
        serviceName="worker",
        taskDefinition=world.worker_td,
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=awsvpc,
    )
    run = {"cluster": world.cluster, "launchType": "FARGATE", "networkConfiguration": awsvpc}
    tasks = ecs.run_task(taskDefinition=world.web_td[1], count=3, group="service:web", **run)[
        "tasks"
    ]
    world.web_tasks = [t["taskArn"] for t in tasks]
    world.worker_task = ecs.run_task(
        taskDefinition=world.worker_td, count=1, group="service:worker", **run
    )["tasks"][0]["taskArn"]
    world.stopped_task = world.web_tasks.pop()
    ecs.stop_task(
        cluster=world.cluster, task=world.stopped_task, reason="Essential container in task exited"
    )
    for t in ecs.describe_tasks(cluster=world.cluster, tasks=world.web_tasks)["tasks"]:
        details = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}
        world.web_ips[t["taskArn"]] = details["privateIPv4Address"]


def _elb(world: World) -> None:
    elbv2 = clients(world.url)["elbv2"]
    lb = elbv2.create_load_balancer(
        Name="demo-alb",
        Subnets=world.public_subnets,
        SecurityGroups=[world.alb_sg],
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    world.lb_arn = lb["LoadBalancerArn"]
    hc = {"HealthCheckPath": "/health", "HealthCheckProtocol": "HTTP"}
    world.web_tg = elbv2.create_target_group(
        Name="web-tg", Protocol="HTTP", Port=8081, VpcId=world.vpc_id, TargetType="ip", **hc
    )["TargetGroups"][0]["TargetGroupArn"]
    world.api_tg = elbv2.create_target_group(
        Name="api-tg", Protocol="HTTP", Port=9000, VpcId=world.vpc_id, TargetType="ip", **hc
    )["TargetGroups"][0]["TargetGroupArn"]
    world.listener_arn = elbv2.create_listener(
        LoadBalancerArn=world.lb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": world.web_tg}],
    )["Listeners"][0]["ListenerArn"]
    elbv2.create_rule(
        ListenerArn=world.listener_arn,
        Priority=20,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": world.api_tg}],
    )
    elbv2.create_rule(
        ListenerArn=world.listener_arn,
        Priority=5,
        Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["admin.example.com"]}}
        ],
        Actions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {
                    "StatusCode": "403",
                    "ContentType": "text/plain",
                    "MessageBody": "no",
                },
            }
        ],
    )
    elbv2.create_rule(
        ListenerArn=world.listener_arn,
        Priority=30,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/old/*"]}}],
        Actions=[
            {
                "Type": "redirect",
                "RedirectConfig": {
                    "Protocol": "HTTPS",
                    "Port": "443",
                    "Path": "/new/#{path}",
                    "StatusCode": "HTTP_301",
                },
            }
        ],
    )


def _targets_and_logs(world: World) -> None:
    c = clients(world.url)
    c["elbv2"].register_targets(
        TargetGroupArn=world.web_tg,
        Targets=[{"Id": ip, "Port": 8081} for ip in world.web_ips.values()],
    )
    logs = c["logs"]
    logs.create_log_group(logGroupName="/ecs/web")
    for n, arn in enumerate(world.web_tasks):
        task_id = arn.rsplit("/", 1)[-1]
        stream = f"ecs/web/{task_id}"
        logs.create_log_stream(logGroupName="/ecs/web", logStreamName=stream)
        logs.put_log_events(
            logGroupName="/ecs/web",
            logStreamName=stream,
            logEvents=[
                {"timestamp": now_ms() - 60_000 + n * 10 + i * 100, "message": f"task{n} line {i}"}
                for i in range(5)
            ],
        )


def now_ms() -> int:
    """CloudWatch refuses events older than 14 days, so test events are recent."""
    return int(time.time() * 1000)


def freeze_task_states(url: str) -> None:
    """moto advances a task's lastStatus (RUNNING -> ... -> STOPPED) each time it is read;
    make running tasks stay RUNNING, as in ECS, through moto's state-manager API."""
    body = {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 10**9}}
    request = urllib.request.Request(
        f"{url}/moto-api/state-manager/set-transition",
        data=json.dumps(body).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        resp.read()


def populate(url: str) -> World:
    freeze_task_states(url)
    world = World(url)
    _network(world)
    _elb(world)
    _ecs(world)
    _targets_and_logs(world)
    return world


def make_source(url: str, *, writable: bool = False, production: bool = False) -> AwsSource:
    info = SourceInfo(
        name="aws:test",
        kind="aws",
        region="us-east-1",
        profile=None,
        endpoint_url=url,
        production=production,
        writable=writable,
    )
    return AwsSource(info, boto3_factory(None, url))
