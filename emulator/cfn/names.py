"""Physical names, Ref values and Fn::GetAtt attributes of the resources a template declares.

CloudFormation gives every resource a physical ID (a generated name, an ARN, ``vpc-…``) that
other resources reach with Ref and Fn::GetAtt. Locally they must be well formed and stable
across runs (a restart must find the same services), so they are derived from the stack name
and the logical ID, as CloudFormation's own generated names are (``stack-LogicalId-SUFFIX``),
with a suffix that is a hash instead of random. Resources that are not emulated get the same
treatment, so that a reference to an IAM role or a KMS key still resolves.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

_NOT_NAME = re.compile(r"[^A-Za-z0-9-]+")


@dataclass(frozen=True)
class Env:
    """Where a stack runs: its name and the pseudo parameters derived from it."""

    stack_name: str
    region: str = "us-east-1"
    account: str = "000000000000"

    @property
    def stack_id(self) -> str:
        return arn(self, "cloudformation", f"stack/{self.stack_name}/{uuid_like(self.stack_name)}")


def digest(*parts: str, n: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def uuid_like(seed: str) -> str:
    h = digest(seed, n=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def arn(env: Env, service: str, resource: str, region: bool = True) -> str:
    return f"arn:aws:{service}:{env.region if region else ''}:{env.account}:{resource}"


def generated(env: Env, lid: str, limit: int = 255) -> str:
    """``stack-LogicalId-SUFFIX`` within ``limit`` characters, as CloudFormation names."""
    suffix = digest(env.stack_name, lid).upper()
    stack = _NOT_NAME.sub("-", env.stack_name).strip("-")
    logical = _NOT_NAME.sub("-", lid).strip("-")
    room = limit - len(suffix) - 2
    if room < 2:
        return suffix[:limit]
    stack_part = stack[: max(1, room // 2)] if len(stack) + len(logical) > room else stack
    logical_part = logical[: room - len(stack_part)]
    return f"{stack_part}-{logical_part}-{suffix}".replace("--", "-")


def elb_name(env: Env, lid: str, given: Any) -> str:
    """A load-balancer or target-group name (at most 32 characters)."""
    if isinstance(given, str) and given:
        return given
    return generated(env, lid, 32)


def ecs_name(env: Env, lid: str, given: Any) -> str:
    return given if isinstance(given, str) and given else generated(env, lid, 255)


_ID_PREFIX = {
    "AWS::EC2::VPC": "vpc",
    "AWS::EC2::Subnet": "subnet",
    "AWS::EC2::SecurityGroup": "sg",
    "AWS::EC2::InternetGateway": "igw",
    "AWS::EC2::NatGateway": "nat",
    "AWS::EC2::RouteTable": "rtb",
    "AWS::EC2::Route": "r-rtb",
    "AWS::EC2::SubnetRouteTableAssociation": "rtbassoc",
    "AWS::EC2::VPCGatewayAttachment": "IGW|vpc",
    "AWS::EC2::SecurityGroupIngress": "sgr",
    "AWS::EC2::SecurityGroupEgress": "sgr",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "ns",
    "AWS::ServiceDiscovery::PublicDnsNamespace": "ns",
    "AWS::ServiceDiscovery::HttpNamespace": "ns",
    "AWS::ServiceDiscovery::Service": "srv",
}


def ec2_id(env: Env, rtype: str, lid: str) -> str:
    return f"{_ID_PREFIX[rtype]}-{digest(env.stack_name, lid, n=17)}"


def _elb(env: Env, kind: str, name: str, lid: str) -> str:
    return arn(env, "elasticloadbalancing", f"{kind}/{name}/{digest(env.stack_name, lid, n=16)}")


def physical(env: Env, rtype: str, lid: str, props: dict[str, Any]) -> dict[str, Any]:
    """``{"Ref": value, attribute: value, ...}`` for one resource with evaluated ``props``."""
    if rtype in _ID_PREFIX:
        rid = ec2_id(env, rtype, lid)
        out: dict[str, Any] = {"Ref": rid, "Id": rid, "Arn": arn(env, "ec2", rid)}
        if rtype == "AWS::EC2::VPC":
            cidr = props.get("CidrBlock", "10.0.0.0/16")
            out |= {
                "VpcId": rid,
                "CidrBlock": cidr,
                "CidrBlockAssociations": [f"vpc-cidr-assoc-{rid[4:]}"],
                "DefaultSecurityGroup": ec2_id(env, "AWS::EC2::SecurityGroup", lid + "Default"),
                "DefaultNetworkAcl": f"acl-{rid[4:]}",
                "Ipv6CidrBlocks": [],
            }
        elif rtype == "AWS::EC2::Subnet":
            out |= {
                "SubnetId": rid,
                "VpcId": props.get("VpcId"),
                "AvailabilityZone": props.get("AvailabilityZone", env.region + "a"),
                "CidrBlock": props.get("CidrBlock"),
                "Ipv6CidrBlocks": [],
            }
        elif rtype == "AWS::EC2::SecurityGroup":
            out |= {"GroupId": rid, "VpcId": props.get("VpcId")}
        elif rtype == "AWS::EC2::InternetGateway":
            out["InternetGatewayId"] = rid
        elif rtype == "AWS::EC2::RouteTable":
            out["RouteTableId"] = rid
        elif rtype == "AWS::ServiceDiscovery::Service":
            out["Name"] = props.get("Name", lid)
        return out
    if rtype == "AWS::EC2::EIP":
        ip = "198.51.100." + str(int(digest(env.stack_name, lid, n=4), 16) % 250 + 1)
        return {"Ref": ip, "PublicIp": ip, "AllocationId": f"eipalloc-{digest(lid, n=17)}"}
    if rtype == "AWS::ECS::Cluster":
        name = ecs_name(env, lid, props.get("ClusterName"))
        return {"Ref": name, "Arn": arn(env, "ecs", f"cluster/{name}")}
    if rtype == "AWS::ECS::TaskDefinition":
        family = ecs_name(env, lid, props.get("Family"))
        td = arn(env, "ecs", f"task-definition/{family}:1")
        return {"Ref": td, "TaskDefinitionArn": td, "Family": family}
    if rtype == "AWS::ECS::Service":
        name = ecs_name(env, lid, props.get("ServiceName"))
        cluster = str(props.get("Cluster") or "default").rsplit("/", 1)[-1]
        svc = arn(env, "ecs", f"service/{cluster}/{name}")
        return {"Ref": svc, "ServiceArn": svc, "Name": name}
    if rtype == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        name = elb_name(env, lid, props.get("Name"))
        full = f"app/{name}/{digest(env.stack_name, lid, n=16)}"
        dns = f"{name}-{int(digest(lid, n=8), 16) % 10**10}.{env.region}.elb.amazonaws.com"
        if props.get("Scheme") == "internal":
            dns = "internal-" + dns
        lb = arn(env, "elasticloadbalancing", f"loadbalancer/{full}")
        return {
            "Ref": lb,
            "LoadBalancerArn": lb,
            "DNSName": dns,
            "LoadBalancerFullName": full,
            "LoadBalancerName": name,
            "CanonicalHostedZoneID": "Z35SXDOTRQ7X7K",
            "SecurityGroups": props.get("SecurityGroups", []),
        }
    if rtype == "AWS::ElasticLoadBalancingV2::TargetGroup":
        name = elb_name(env, lid, props.get("Name"))
        tg = _elb(env, "targetgroup", name, lid)
        return {
            "Ref": tg,
            "TargetGroupArn": tg,
            "TargetGroupName": name,
            "TargetGroupFullName": tg.split(":", 5)[5],
            "LoadBalancerArns": [],
        }
    if rtype == "AWS::ElasticLoadBalancingV2::Listener":
        ls = _elb(env, "listener/app", lid, lid)
        return {"Ref": ls, "ListenerArn": ls}
    if rtype == "AWS::ElasticLoadBalancingV2::ListenerRule":
        rule = _elb(env, "listener-rule/app", lid, lid)
        return {"Ref": rule, "RuleArn": rule}
    if rtype == "AWS::Logs::LogGroup":
        name = props.get("LogGroupName") or generated(env, lid, 512)
        return {"Ref": name, "Arn": arn(env, "logs", f"log-group:{name}:*")}
    if rtype == "AWS::SSM::Parameter":
        name = props.get("Name") or generated(env, lid, 512)
        return {"Ref": name, "Type": props.get("Type", "String"), "Value": props.get("Value", "")}
    if rtype == "AWS::SecretsManager::Secret":
        name = props.get("Name") or generated(env, lid, 256)
        secret = arn(env, "secretsmanager", f"secret:{name}-{digest(lid, n=6)}")
        return {"Ref": secret, "Id": secret}
    return placeholder(env, rtype, lid, props)


def attribute(env: Env, rtype: str, lid: str, attr: str) -> str:
    """Any other attribute of a resource that is not emulated: a host name for addresses and
    endpoints (``Endpoint.Address`` of a database), a port for ports, else a stand-in ID."""
    parts = rtype.split("::")
    service = parts[1].lower() if len(parts) > 2 else "aws"
    host = (
        f"{generated(env, lid, 63).lower()}.{digest(lid, n=8)}.{env.region}.{service}.amazonaws.com"
    )
    last = attr.rsplit(".", 1)[-1]
    if last.endswith(("Address", "DNSName", "Endpoint", "Host", "Hostname")):
        return host
    if last.endswith(("Url", "URL")):
        return f"https://{host}/"
    if last.endswith("Port"):
        return str(1024 + int(digest(lid, attr, n=4), 16) % 60000)
    return f"{generated(env, lid, 64)}-{attr.replace('.', '-')}"


def placeholder(env: Env, rtype: str, lid: str, props: dict[str, Any]) -> dict[str, Any]:
    """Well-formed values for a resource that is not emulated (IAM, KMS, Lambda …)."""
    parts = rtype.split("::")
    service = parts[1].lower() if len(parts) > 2 else "cloudformation"
    kind = parts[-1].lower()
    name = generated(env, lid, 64)
    global_service = service in ("iam", "cloudfront", "route53")
    resource = f"{kind}/{name}"
    value = arn(env, service, resource, region=not global_service)
    ref = name if service in ("iam", "logs", "ssm", "sqs", "sns") else value
    if rtype == "AWS::KMS::Key":
        ref = uuid_like(env.stack_name + lid)
    return {"Ref": ref, "Arn": value, "Id": ref, "Name": name}
