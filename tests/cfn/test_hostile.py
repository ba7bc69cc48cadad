"""Hostile or broken templates get located problems, never a traceback (nor an "internal
error"): wrong types in every place the translation reads, cycles, unreadable nested
templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.cfn import load_templates
from emulator.errors import LayoutError

CASES = [
    "Resources: []",
    "Resources: {A: 1}",
    "Resources: {A: {Type: AWS::ECS::Service, Properties: [1]}}",
    "Resources: {A: {Type: AWS::ECS::Service, Properties: {NetworkConfiguration: [1], LoadBalancers: {a: 1}, DeploymentConfiguration: [2]}}}",
    "Resources: {A: {Type: AWS::ECS::TaskDefinition, Properties: {ContainerDefinitions: {x: 1}}}}",
    "Resources: {A: {Type: AWS::ECS::TaskDefinition, Properties: {ContainerDefinitions: [1, null, {Secrets: {a: 1}}]}}}",
    "Resources: {A: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {LoadBalancerArn: [1]}}}",
    "Resources: {L: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: {Subnets: x, LoadBalancerAttributes: 5}}, A: {Type: AWS::ElasticLoadBalancingV2::Listener, Properties: {LoadBalancerArn: !Ref L, DefaultActions: [1, {Type: forward, ForwardConfig: {TargetGroups: [1]}}]}}}",
    "Resources: {L: {Type: AWS::ElasticLoadBalancingV2::TargetGroup, Properties: {Matcher: 5, TargetGroupAttributes: [1, {Key: [1]}], Port: [1]}}}",
    "Parameters: [1]\nResources: {A: {Type: AWS::ECS::Cluster}}",
    "Parameters: {P: {Type: Number, Default: x, MinValue: y}}\nResources: {A: {Type: AWS::ECS::Cluster}}",
    "Parameters: {P: {Type: String, AllowedPattern: '['}}\nResources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Ref P}}}",
    "Conditions: [1]\nResources: {A: {Type: AWS::ECS::Cluster, Condition: C}}",
    "Conditions: {C: !Equals [1]}\nResources: {A: {Type: AWS::ECS::Cluster, Condition: C}}",
    "Conditions: {C: !Condition C}\nResources: {A: {Type: AWS::ECS::Cluster, Condition: C}}",
    "Outputs: [1]\nResources: {A: {Type: AWS::ECS::Cluster}}",
    "Outputs: {O: {Value: 1, Export: {Name: [1]}}}\nResources: {A: {Type: AWS::ECS::Cluster}}",
    "Mappings: {M: 1}\nResources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !FindInMap [M, a, b]}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Sub [x, 1]}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Select [x, [1]]}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Cidr [x, 1, 2]}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Ref A}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !GetAtt B.Arn}}, B: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !GetAtt A.Arn}}}",
    "Resources: {A: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: /etc/passwd}}}",
    "Resources: {A: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: /dev/zero}}}",
    "Resources: {A: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: [1]}}}",
    "Resources: {A: {Type: AWS::CloudFormation::Stack, Properties: {TemplateURL: t.yaml, Parameters: [1]}}}",
    "Resources: {A: {Type: AWS::EC2::Subnet, Properties: {}}, R: {Type: AWS::EC2::Route, Properties: {RouteTableId: [1]}}, S: {Type: AWS::EC2::SubnetRouteTableAssociation, Properties: 5}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, DependsOn: [[1]]}}",
    "Resources: {A: {Type: 5}}",
    "Resources: {A: {Type: AWS::SecretsManager::Secret, Properties: {GenerateSecretString: {SecretStringTemplate: '[1]', GenerateStringKey: k}}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !GetAtt [A]}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: {'Fn::If': [C, 1]}}}}",
    "Resources: {R: {Type: AWS::ElasticLoadBalancingV2::ListenerRule, Properties: {ListenerArn: x, Conditions: 5, Actions: 3}}}",
    "Resources: {A: {Type: AWS::ECS::Cluster, Properties: {ClusterName: !Join [',', 5]}}}",
    "[1, 2]",
    "",
    "x: !Ref",
    '{"Resources": {"A": {"Type": "AWS::ECS::Cluster", "Properties": {"ClusterName": {"Fn::Sub": 1}}}}}',
]


@pytest.mark.parametrize("text", CASES)
def test_hostile_template_is_refused_with_problems(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    try:
        load_templates([path], remember_ports=False)
    except LayoutError as e:
        assert e.problems
        assert "internal error" not in str(e)
        assert all(p.file for p in e.problems)
