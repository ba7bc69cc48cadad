"""The ECS part of a rendered template: Fargate task definitions (AWS's camelCase as
CloudFormation's PascalCase, by botocore's shapes), their log groups and execution role, and
the services with their networking, load balancers and deployment configuration."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from emulator.model.shapes import service_shapes

if TYPE_CHECKING:
    from .render import Renderer

_WORD = re.compile(r"[^A-Za-z0-9]+")
_CFN_NAMES = {
    "efsVolumeConfiguration": "EFSVolumeConfiguration",
    "fsxWindowsFileServerVolumeConfiguration": "FSxWindowsFileServerVolumeConfiguration",
}
EXECUTION_POLICY = (
    "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
)


def logical(prefix: str, name: str) -> str:
    """A logical ID from a layout name (``alpha-web`` -> ``TargetGroupAlphaWeb``)."""
    return prefix + "".join(w[:1].upper() + w[1:] for w in _WORD.split(name) if w)


def to_cfn(value: Any, shape_name: str) -> Any:
    """RegisterTaskDefinition input (camelCase) as CloudFormation properties (PascalCase)."""
    shapes = service_shapes("ecs")
    shape = shapes.get(shape_name, {})
    kind = shape.get("type")
    if kind == "structure" and isinstance(value, dict):
        members = shape.get("members", {})
        out = {}
        for k, v in value.items():
            sub = members.get(k, {}).get("shape", "")
            name = (
                "ProxyConfigurationProperties"
                if (shape_name, k) == ("ProxyConfiguration", "properties")
                else _CFN_NAMES.get(k, k[:1].upper() + k[1:])
            )
            out[name] = to_cfn(v, sub)
        return out
    if kind == "list" and isinstance(value, list):
        return [to_cfn(v, shape["member"]["shape"]) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: to_cfn(v, shape["value"]["shape"]) for k, v in value.items()}
    return value


def task_definitions(self: Renderer) -> dict[str, str]:
    built = {b.tag: b for b in self.layout.images}
    latest = {td.family: td for td in self.layout.task_definitions}
    if len(latest) < len(self.layout.task_definitions):
        self.notes.append("a family with several revisions in the layout renders its last")
    ids: dict[str, str] = {}
    for family, td in latest.items():
        tid = logical("TaskDefinition", family)
        ids[family] = tid
        props = to_cfn(dict(td.raw), "RegisterTaskDefinitionRequest")
        if td.network_mode == "awsvpc":
            props.setdefault("RequiresCompatibilities", ["FARGATE"])
            if "Cpu" not in props or "Memory" not in props:
                props.setdefault("Cpu", "256")
                props.setdefault("Memory", "512")
                self.notes.append(
                    f"task definition {family}: Fargate needs task-level cpu "
                    "and memory; 256/512 were set"
                )
        needs_role = False
        for c in props.get("ContainerDefinitions", []):
            image = c.get("Image")
            if image in built:
                param = logical("Image", image)
                self.params[param] = {
                    "Type": "String",
                    "Default": image,
                    "Description": f"{image}, built locally from {built[image].context}: "
                    "push it to a registry and give its URI",
                }
                c["Image"] = {"Ref": param}
            logs = c.get("LogConfiguration") or {}
            if logs.get("LogDriver") == "awslogs":
                needs_role = True
                group = (logs.get("Options") or {}).get("awslogs-group")
                if group:
                    self.res.setdefault(
                        logical("LogGroup", group),
                        {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": group}},
                    )
                    logs["Options"]["awslogs-region"] = {"Ref": "AWS::Region"}
            if c.get("Secrets"):
                needs_role = True
        if needs_role and "ExecutionRoleArn" not in props:
            _execution_role(self)
            props["ExecutionRoleArn"] = {"Fn::GetAtt": ["ExecutionRole", "Arn"]}
        self.res[tid] = {"Type": "AWS::ECS::TaskDefinition", "Properties": props}
    return ids


def _execution_role(self: Renderer) -> None:
    self.res.setdefault(
        "ExecutionRole",
        {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "ManagedPolicyArns": [{"Fn::Sub": EXECUTION_POLICY}],
            },
        },
    )


def services(self: Renderer, families: dict[str, str]) -> None:
    if any(s.load_balancers for s in self.layout.services):
        self.res["ServiceSecurityGroup"] = {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "services, reached by the load balancers",
                "VpcId": {"Ref": "Vpc"},
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 0,
                        "ToPort": 65535,
                        "SourceSecurityGroupId": {
                            "Ref": logical("LoadBalancer", lb.name) + "SecurityGroup"
                        },
                    }
                    for lb in self.layout.load_balancers
                ],
            },
        }
    for svc in self.layout.services:
        family = svc.task_definition.split(":")[0]
        td = self.layout.task_definition(family)
        dc = svc.deployment_configuration
        props: dict[str, Any] = {
            "ServiceName": svc.name,
            "Cluster": {"Ref": "Cluster"},
            "TaskDefinition": {"Ref": families[family]},
            "SchedulingStrategy": svc.scheduling_strategy,
            "DeploymentConfiguration": {
                "MinimumHealthyPercent": dc.minimum_healthy_percent,
                "MaximumPercent": dc.maximum_percent,
                "DeploymentCircuitBreaker": {
                    "Enable": dc.circuit_breaker.enable,
                    "Rollback": dc.circuit_breaker.rollback,
                },
            },
        }
        if svc.scheduling_strategy == "REPLICA":
            props["DesiredCount"] = svc.desired_count
        if td.network_mode == "awsvpc":
            subnets = list(svc.subnets) or [self.layout.vpc.subnets[0].name]
            public = all(self.layout.vpc.subnet(s).public for s in subnets)
            props["LaunchType"] = "FARGATE"
            vpc_config: dict[str, Any] = {
                "Subnets": [{"Ref": self.subnet_ids[s]} for s in subnets],
                "AssignPublicIp": "ENABLED" if public else "DISABLED",
            }
            if "ServiceSecurityGroup" in self.res:
                vpc_config["SecurityGroups"] = [{"Ref": "ServiceSecurityGroup"}]
            props["NetworkConfiguration"] = {"AwsvpcConfiguration": vpc_config}
        else:
            props["LaunchType"] = "EC2"
            self.notes.append(
                f"service {svc.name}: {td.network_mode} network mode needs EC2 "
                "container instances in the cluster (not rendered)"
            )
        depends: list[str] = []
        if svc.load_balancers:
            props["HealthCheckGracePeriodSeconds"] = svc.health_check_grace_period_seconds
            props["LoadBalancers"] = [
                {
                    "ContainerName": lb.container_name,
                    "ContainerPort": lb.container_port,
                    "TargetGroupArn": {"Ref": self.tg_ids[lb.target_group]},
                }
                for lb in svc.load_balancers
            ]
            for lb in svc.load_balancers:
                depends += self.listener_ids.get(lb.target_group, [])
        from .render_discovery import discovery_props

        props.update(discovery_props(self, svc, td))
        entry: dict[str, Any] = {"Type": "AWS::ECS::Service", "Properties": props}
        if depends:
            entry["DependsOn"] = sorted(set(depends))
        self.res[logical("Service", svc.name)] = entry
