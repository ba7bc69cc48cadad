"""A resource with its properties evaluated, the resource types that are emulated, and the
Ref/attribute values of a resource (``names``), shared by the stack evaluation and the
translators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.model.yamlsource import PathT

from . import names
from .source import Template

if TYPE_CHECKING:
    from .stack import StackScope


@dataclass
class Resource:
    """A resource with its properties evaluated; ``ok`` is False when they had problems."""

    lid: str
    type: str
    props: dict[str, Any]
    scope: StackScope
    ok: bool = True

    @property
    def at(self) -> PathT:
        return ("Resources", self.lid)

    @property
    def tpl(self) -> Template:
        return self.scope.tpl


EMULATED = frozenset(
    {
        "AWS::ECS::Cluster",
        "AWS::ECS::TaskDefinition",
        "AWS::ECS::Service",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        "AWS::EC2::VPC",
        "AWS::EC2::Subnet",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::RouteTable",
        "AWS::EC2::Route",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::Logs::LogGroup",
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        "AWS::ServiceDiscovery::PublicDnsNamespace",
        "AWS::ServiceDiscovery::HttpNamespace",
        "AWS::ServiceDiscovery::Service",
        "AWS::SSM::Parameter",
        "AWS::SecretsManager::Secret",
        "AWS::CloudFormation::Stack",
    }
)


def names_of(resource: Resource) -> dict[str, Any]:
    """Ref and attribute values of an evaluated resource."""
    if resource.type == "AWS::CloudFormation::Stack":
        env = names.Env(
            names.generated(resource.scope.env, resource.lid, 128),
            resource.scope.env.region,
            resource.scope.env.account,
        )
        return {"Ref": env.stack_id}
    return names.physical(resource.scope.env, resource.type, resource.lid, resource.props)
