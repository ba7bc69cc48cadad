"""A layout rendered as a CloudFormation template that deploys it to real ECS: the way back from
the laptop to the distributed engine that layouts stand for.

The template has the VPC and subnets (public ones routed to an internet gateway), security groups
(listener ports open on each load balancer, services open to the load balancers), the ALBs with
their listeners, rules and target groups, the cluster, Fargate task definitions, services with
their deployment configuration, log groups for awslogs, and the execution role that awslogs and
secrets need. Local-only settings (publish, images.build, headers.translate, cdn) are left out
and the header comment says so; images built locally become parameters, to be pushed to a
registry first. Task definitions keep AWS's own shape: their camelCase becomes CloudFormation's
PascalCase by botocore's shapes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

import yaml

from emulator.model.layout import Action, Condition, Layout, Listener, LoadBalancer, TargetGroup

from . import render_ecs
from .render_ecs import logical

_CONFIG = {
    "host-header": "HostHeaderConfig",
    "path-pattern": "PathPatternConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "query-string": "QueryStringConfig",
    "source-ip": "SourceIpConfig",
}
EXECUTION_POLICY = (
    "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
)


class Renderer:
    def __init__(self, layout: Layout, existing_vpc: bool = False) -> None:
        self.layout = layout
        self.existing_vpc = existing_vpc
        self.params: dict[str, Any] = {}
        self.res: dict[str, Any] = {}
        self.outputs: dict[str, Any] = {}
        self.notes: list[str] = []
        self.subnet_ids: dict[str, str] = {}
        self.tg_ids: dict[str, str] = {}
        self.listener_ids: dict[str, list[str]] = {}  # target group -> listeners using it

    def render(self) -> dict[str, Any]:
        self._network()
        if self.existing_vpc:
            self._existing_network()
        self.res["Cluster"] = {
            "Type": "AWS::ECS::Cluster",
            "Properties": {"ClusterName": self.layout.cluster},
        }
        for tg in self.layout.target_groups:
            self._target_group(tg)
        for lb in self.layout.load_balancers:
            self._load_balancer(lb)
        families = render_ecs.task_definitions(self)
        render_ecs.services(self, families)
        doc: dict[str, Any] = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"ecsdev layout {self.layout.name}, rendered for Amazon ECS",
        }
        if self.params:
            doc["Parameters"] = self.params
        doc["Resources"] = self.res
        if self.outputs:
            doc["Outputs"] = self.outputs
        return doc

    # --- network -------------------------------------------------------------------------

    def _network(self) -> None:
        vpc = self.layout.vpc
        self.res["Vpc"] = {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": vpc.cidr or "10.0.0.0/16",
                "EnableDnsSupport": True,
                "EnableDnsHostnames": True,
            },
        }
        self.res["InternetGateway"] = {"Type": "AWS::EC2::InternetGateway"}
        self.res["GatewayAttachment"] = {
            "Type": "AWS::EC2::VPCGatewayAttachment",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "InternetGatewayId": {"Ref": "InternetGateway"},
            },
        }
        self.res["PublicRoutes"] = {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": "Vpc"}},
        }
        self.res["PublicDefaultRoute"] = {
            "Type": "AWS::EC2::Route",
            "DependsOn": "GatewayAttachment",
            "Properties": {
                "RouteTableId": {"Ref": "PublicRoutes"},
                "DestinationCidrBlock": "0.0.0.0/0",
                "GatewayId": {"Ref": "InternetGateway"},
            },
        }
        subnets = list(vpc.subnets)
        extra = []
        for lb in self.layout.load_balancers:  # an ALB needs subnets in two Availability Zones
            if len(lb.subnets or [subnets[0].name]) == 1:
                extra.append(((lb.subnets or (subnets[0].name,))[0], lb.name))
        free = _free_blocks(vpc.cidr or "10.0.0.0/16", [s.cidr for s in subnets if s.cidr])
        index = 0
        for s in subnets:
            self._subnet(s.name, s.cidr or next(free), s.public, index)
            index += 1
        for base, lb_name in extra:
            public = vpc.subnet(base).public
            self._subnet(base + "-b", next(free), public, index)
            self.notes.append(
                f"subnet {base}-b: added so that load balancer {lb_name} spans two "
                "Availability Zones, as an ALB must"
            )
            index += 1
        if any(not s.public for s in subnets):
            self.notes.append(
                "private subnets have no route out, as in the layout: add a NAT "
                "gateway (or VPC endpoints) if their tasks pull images from a registry"
            )

    def _existing_network(self) -> None:
        """Parameters for an existing VPC and subnets instead of creating them: the same
        logical IDs, so every reference stays as it is."""
        for lid in [k for k, v in self.res.items() if v["Type"].startswith("AWS::EC2::")]:
            kind = self.res.pop(lid)["Type"]
            if kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet"):
                ptype = "AWS::EC2::VPC::Id" if kind == "AWS::EC2::VPC" else "AWS::EC2::Subnet::Id"
                what = "the VPC" if kind == "AWS::EC2::VPC" else f"the subnet for {lid[6:]}"
                self.params[lid] = {"Type": ptype, "Description": f"{what} (existing)"}
        self.notes = [n for n in self.notes if "route out" not in n]
        self.notes.append(
            "the VPC and subnets are parameters: public subnets need a route to an "
            "internet gateway, and the load balancers' subnets two Availability Zones"
        )

    def _subnet(self, name: str, block: str, public: bool, i: int) -> None:
        sid = logical("Subnet", name)
        self.subnet_ids[name] = sid
        self.res[sid] = {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "CidrBlock": block,
                "MapPublicIpOnLaunch": public,
                "AvailabilityZone": {"Fn::Select": [i % 2, {"Fn::GetAZs": ""}]},
                "Tags": [{"Key": "Name", "Value": name}],
            },
        }
        if public:
            self.res[sid + "Routes"] = {
                "Type": "AWS::EC2::SubnetRouteTableAssociation",
                "Properties": {"SubnetId": {"Ref": sid}, "RouteTableId": {"Ref": "PublicRoutes"}},
            }

    # --- load balancing ------------------------------------------------------------------

    def _target_group(self, tg: TargetGroup) -> None:
        tid = logical("TargetGroup", tg.name)
        self.tg_ids[tg.name] = tid
        attrs = dict(tg.attributes)
        attrs["deregistration_delay.timeout_seconds"] = str(tg.deregistration_delay)
        props: dict[str, Any] = {
            "Name": tg.name,
            "Port": tg.port,
            "Protocol": tg.protocol,
            "TargetType": tg.target_type,
            "VpcId": {"Ref": "Vpc"},
            "HealthCheckEnabled": tg.health_check_enabled,
            "HealthCheckPath": tg.health_check_path,
            "HealthCheckPort": tg.health_check_port,
            "HealthCheckProtocol": tg.health_check_protocol,
            "HealthCheckIntervalSeconds": tg.health_check_interval_seconds,
            "HealthCheckTimeoutSeconds": tg.health_check_timeout_seconds,
            "HealthyThresholdCount": tg.healthy_threshold_count,
            "UnhealthyThresholdCount": tg.unhealthy_threshold_count,
            "Matcher": {"HttpCode": tg.matcher},
            "TargetGroupAttributes": [{"Key": k, "Value": v} for k, v in sorted(attrs.items())],
        }
        self.res[tid] = {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "Properties": props}

    def _load_balancer(self, lb: LoadBalancer) -> None:
        lid = logical("LoadBalancer", lb.name)
        sg = lid + "SecurityGroup"
        ports = sorted({ls.port for ls in lb.listeners})
        self.res[sg] = {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": f"load balancer {lb.name}",
                "VpcId": {"Ref": "Vpc"},
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "CidrIp": "0.0.0.0/0"}
                    for p in ports
                ],
            },
        }
        subnets = list(lb.subnets or (self.layout.vpc.subnets[0].name,))
        if len(subnets) == 1:
            subnets.append(subnets[0] + "-b")
        self.res[lid] = {
            "Type": "AWS::ElasticLoadBalancingV2::LoadBalancer",
            "Properties": {
                "Name": lb.name,
                "Type": "application",
                "Scheme": lb.scheme,
                "Subnets": [{"Ref": self.subnet_ids[s]} for s in subnets],
                "SecurityGroups": [{"Ref": sg}],
                **(
                    {"LoadBalancerAttributes": [{"Key": k, "Value": v} for k, v in lb.attributes]}
                    if lb.attributes
                    else {}
                ),
            },
            **({} if self.existing_vpc else {"DependsOn": "PublicDefaultRoute"}),
        }
        self.outputs[lid + "Url"] = {"Value": {"Fn::Sub": f"http://${{{lid}.DNSName}}"}}
        for ls in lb.listeners:
            self._listener(lid, ls)

    def _listener(self, lb_id: str, ls: Listener) -> None:
        lid = f"{lb_id}Listener{ls.port}"
        props: dict[str, Any] = {
            "LoadBalancerArn": {"Ref": lb_id},
            "Port": ls.port,
            "Protocol": ls.protocol,
            "DefaultActions": [self._action(a, lid) for a in ls.default_actions],
        }
        if ls.protocol == "HTTPS":
            self.params.setdefault(
                "CertificateArn",
                {"Type": "String", "Description": "ACM certificate for the HTTPS listeners"},
            )
            props["Certificates"] = [{"CertificateArn": {"Ref": "CertificateArn"}}]
        self.res[lid] = {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": props}
        for rule in ls.rules:
            rid = f"{lid}Rule{rule.priority}"
            rprops: dict[str, Any] = {
                "ListenerArn": {"Ref": lid},
                "Priority": rule.priority,
                "Conditions": [self._condition(c) for c in rule.conditions],
                "Actions": [self._action(a, lid) for a in rule.actions],
            }
            if rule.transforms:
                rprops["Transforms"] = [
                    {
                        "Type": t.type,
                        (
                            "UrlRewriteConfig"
                            if t.type == "url-rewrite"
                            else "HostHeaderRewriteConfig"
                        ): {"Rewrites": [{"Regex": t.regex, "Replace": t.replace}]},
                    }
                    for t in rule.transforms
                ]
            self.res[rid] = {
                "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
                "Properties": rprops,
            }

    def _condition(self, c: Condition) -> dict[str, Any]:
        if c.field == "query-string":
            values: list[Any] = [
                {"Key": k, "Value": v} if k is not None else {"Value": v} for k, v in c.values
            ]
        else:
            values = list(c.values)
        config: dict[str, Any] = {"RegexValues" if c.regex else "Values": values}
        if c.field == "http-header":
            config["HttpHeaderName"] = c.http_header_name
        return {"Field": c.field, _CONFIG[c.field]: config}

    def _action(self, a: Action, listener: str) -> dict[str, Any]:
        out: dict[str, Any] = {"Type": a.type}
        if a.type == "forward":
            for w in a.target_groups:
                self.listener_ids.setdefault(w.target_group, []).append(listener)
            if len(a.target_groups) == 1 and a.stickiness_seconds is None:
                out["TargetGroupArn"] = {"Ref": self.tg_ids[a.target_groups[0].target_group]}
            else:
                fwd: dict[str, Any] = {
                    "TargetGroups": [
                        {"TargetGroupArn": {"Ref": self.tg_ids[w.target_group]}, "Weight": w.weight}
                        for w in a.target_groups
                    ]
                }
                if a.stickiness_seconds is not None:
                    fwd["TargetGroupStickinessConfig"] = {
                        "Enabled": True,
                        "DurationSeconds": a.stickiness_seconds,
                    }
                out["ForwardConfig"] = fwd
        elif a.type == "redirect" and a.redirect is not None:
            out["RedirectConfig"] = {k[:1].upper() + k[1:]: v for k, v in a.redirect.items()}
        elif a.type == "fixed-response":
            fixed: dict[str, Any] = {"StatusCode": a.status_code}
            if a.content_type:
                fixed["ContentType"] = a.content_type
            if a.message_body is not None:
                fixed["MessageBody"] = a.message_body
            out["FixedResponseConfig"] = fixed
        return out


def _free_blocks(vpc: str, used: list[str]) -> Iterator[str]:
    """CIDR blocks of the VPC (a quarter of it each, at most /24) that overlap none in use."""
    net = ipaddress.ip_network(vpc)
    taken = [ipaddress.ip_network(u) for u in used]
    prefix = min(max(net.prefixlen + 2, 24), 28) if net.prefixlen < 28 else net.prefixlen
    for block in net.subnets(new_prefix=prefix):
        if not any(block.overlaps(t) for t in taken):
            yield str(block)


def render_template(layout: Layout, existing_vpc: bool = False) -> str:
    """The CloudFormation template (YAML, with a header comment) that deploys ``layout``;
    with ``existing_vpc``, the VPC and subnets are parameters instead of resources."""
    r = Renderer(layout, existing_vpc)
    doc = r.render()
    left_out = []
    for lb in layout.load_balancers:
        for ls in lb.listeners:
            left_out.append(f"publish {ls.publish or ls.port} of {lb.name}:{ls.port} (local only)")
    for b in layout.images:
        left_out.append(
            f"images.{b.tag}.build {b.context}: now the parameter {logical('Image', b.tag)}"
        )
    if layout.headers.translate:
        left_out.append("headers.translate: the ALB sends only its own X-Forwarded-* headers")
    for cdn in layout.cdn:
        left_out.append(f"cdn {cdn.domain_name}: a local CloudFront stand-in, not rendered")
    lines = [f"# Rendered by ecsdev from {layout.source}", "#"]
    if left_out:
        lines.append("# Left out (local-only settings):")
        lines += [f"#   - {x}" for x in left_out]
    if r.notes:
        lines.append("# Notes:")
        lines += [f"#   - {x}" for x in dict.fromkeys(r.notes)]
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=100)
    return "\n".join(lines) + "\n" + body
