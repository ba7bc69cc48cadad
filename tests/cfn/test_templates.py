"""Templates written for the tests, translated into the typed Layout: a VPC with public and
private subnets and a NAT, a path-routed multi-service stack, a parent with nested VPC,
cluster, load-balancer and service stacks, and parameters, conditions, mappings and imports
across two templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.cfn import load_templates, looks_like_template
from emulator.discovery.config import discovery
from emulator.discovery.plan import endpoints
from emulator.errors import LayoutError
from emulator.events import Collector

HERE = Path(__file__).parent / "templates"
NESTED = HERE / "nested"
BUCKET = {"https://s3.amazonaws.com/acme-templates": str(NESTED / "bucket")}


def _messages(c: Collector) -> list[str]:
    return [e.message for e in c.events]


def test_vpc_with_nat_single_service() -> None:
    c = Collector()
    layout = load_templates([HERE / "web.yaml"], warn=c)
    assert layout.name == "web"
    assert layout.cluster == "web-cluster"  # !Sub "${AWS::StackName}-cluster"
    assert [(s.name, s.public) for s in layout.vpc.subnets] == [
        ("PublicA", True),  # 0.0.0.0/0 -> internet gateway
        ("PrivateA", False),  # 0.0.0.0/0 -> NAT gateway
    ]
    (svc,) = layout.services
    assert svc.task_definition == "web" and svc.desired_count == 2  # Number default
    assert svc.subnets == ("PrivateA",)
    assert svc.deployment_configuration.circuit_breaker.rollback is True
    (tg,) = layout.target_groups
    assert svc.load_balancers[0].target_group == tg.name
    assert (tg.target_type, tg.health_check_path, tg.matcher, tg.deregistration_delay) == (
        "ip",
        "/health",
        "200-299",
        5,
    )
    assert len(tg.name) <= 32 and tg.name.startswith("web-WebTargets-")
    (lb,) = layout.load_balancers
    assert lb.subnets == ("PublicA",)
    assert lb.attribute("idle_timeout.timeout_seconds", "") == "30"
    (ls,) = lb.listeners
    assert ls.port == 80 and ls.default_actions[0].target_groups[0].target_group == tg.name
    assert ls.publish is not None and ls.publish.startswith("127.0.0.1:")
    (td,) = layout.task_definitions
    (app,) = td.container_definitions
    env = dict(app.environment)
    assert env["LB_DNS"].startswith(lb.name) and env["LB_DNS"].endswith(".elb.amazonaws.com")
    assert app.log_configuration is not None
    assert app.log_configuration["options"]["awslogs-group"] == "/ecs/web/web"
    assert td.execution_role_arn is not None
    assert td.execution_role_arn.startswith("arn:aws:iam::000000000000:role/web-ExecutionRole-")
    warnings = _messages(c)
    assert any("Resources.ExecutionRole: AWS::IAM::Role is not emulated" in w for w in warnings)
    assert any("Resources.PrivateA: routes out through a NAT gateway" in w for w in warnings)
    # each not-emulated resource is listed once
    assert sum("AWS::IAM::Role is not emulated" in w for w in warnings) == 1


def test_a_grpc_target_group_is_said_to_be_served_over_http1(tmp_path: Path) -> None:
    text = (HERE / "web.yaml").read_text()
    marker = "      Protocol: HTTP\n      TargetType: ip\n"
    assert text.count(marker) == 1
    path = tmp_path / "web.yaml"
    path.write_text(text.replace(marker, marker + "      ProtocolVersion: GRPC\n"))
    c = Collector()
    load_templates([path], warn=c)
    said = [m for m in _messages(c) if "is not served locally" in m]
    assert len(said) == 1, _messages(c)
    assert "ProtocolVersion" in said[0] and "protocol version GRPC" in said[0]
    c = Collector()
    load_templates([HERE / "web.yaml"], warn=c)  # HTTP1 by default: nothing to say
    assert not any("is not served locally" in m for m in _messages(c))


def test_names_are_stable_and_stack_name_changes_them() -> None:
    a = load_templates([HERE / "web.yaml"], remember_ports=False)
    b = load_templates([HERE / "web.yaml"], remember_ports=False)
    other = load_templates([HERE / "web.yaml"], stack_name="Staging", remember_ports=False)
    assert a.services[0].name == b.services[0].name
    assert other.name == "staging" and other.cluster == "Staging-cluster"
    assert other.services[0].name.startswith("Staging-WebService-")


def test_parameter_given_and_invalid() -> None:
    layout = load_templates([HERE / "web.yaml"], parameters={"DesiredCount": "3", "ImageTag": "v2"})
    assert layout.services[0].desired_count == 3
    assert layout.task_definitions[0].container_definitions[0].image == "ecsdev/echo:v2"
    with pytest.raises(LayoutError) as e:
        load_templates([HERE / "web.yaml"], parameters={"DesiredCount": "0", "Nope": "1"})
    text = str(e.value)
    assert "web.yaml:7: Parameters.DesiredCount: 0 is outside DesiredCount's range" in text
    assert "--parameter: Nope: no template given declares this parameter" in text


def test_path_routed_services_json() -> None:
    layout = load_templates([HERE / "paths.json"])
    assert [s.name for s in layout.services] == ["alpha", "bravo"]
    assert [t.name for t in layout.target_groups] == ["paths-alpha", "paths-bravo"]
    (ls,) = layout.load_balancers[0].listeners
    assert ls.default_actions[0].status_code == "404"
    alpha, bravo, old = ls.rules
    assert (alpha.priority, alpha.conditions[0].values) == (10, ("/alpha/*",))
    assert [c.field for c in bravo.conditions] == ["path-pattern", "http-request-method"]
    assert [(w.target_group, w.weight) for w in bravo.actions[0].target_groups] == [
        ("paths-bravo", 90),
        ("paths-alpha", 10),
    ]
    assert old.conditions[1].values == (("v", "1"),)
    assert old.actions[0].redirect == {"path": "/alpha/#{path}", "statusCode": "HTTP_301"}
    hc = layout.task_definitions[0].container_definitions[0].health_check
    assert hc is not None and hc.interval == 5


def test_nested_stacks() -> None:
    layout = load_templates(
        [NESTED / "parent.yaml"],
        parameters={"TemplatesDir": str(NESTED.resolve())},
        template_urls=BUCKET,
    )
    assert [(s.name, s.public) for s in layout.vpc.subnets] == [
        ("PublicOne", True),
        ("PublicTwo", True),
        ("PrivateOne", False),
    ]
    assert layout.cluster.startswith("parent-Cluster-")  # nested stack name as CFN forms it
    assert [(s.name, s.desired_count, s.subnets) for s in layout.services] == [
        ("alpha", 1, ("PrivateOne",)),
        ("bravo", 1, ("PrivateOne",)),
    ]
    (lb,) = layout.load_balancers
    assert lb.subnets == ("PublicOne", "PublicTwo")  # a list passed down as a string
    rules = lb.listeners[0].rules
    assert [(r.priority, r.conditions[0].values) for r in rules] == [
        (10, ("/alpha/*",)),
        (20, ("/bravo/*",)),
    ]
    env = dict(layout.task_definitions[0].container_definitions[0].environment)
    assert env["PATH_PREFIX"] == "/alpha"
    assert env["STACK"].startswith("parent-Alpha-")  # the child's AWS::StackName
    prod = load_templates(
        [NESTED / "parent.yaml"],
        parameters={"TemplatesDir": str(NESTED.resolve()), "Environment": "prod"},
        template_urls=BUCKET,
    )
    assert [s.desired_count for s in prod.services] == [2, 2]  # Fn::If in the children


def test_nested_stack_errors_name_what_to_fix(tmp_path: Path) -> None:
    with pytest.raises(LayoutError) as e:
        load_templates([NESTED / "parent.yaml"])
    text = str(e.value)
    assert "parent.yaml:8: Parameters.TemplatesDir: required parameter 'TemplatesDir'" in text
    assert (
        "parent.yaml:24: Resources.Edge.Properties.TemplateURL: "
        "https://s3.amazonaws.com/acme-templates/ecs/lb.yaml is not a local file: "
        "map it with --template-url" in text
    )
    with pytest.raises(LayoutError) as e:
        load_templates(
            [NESTED / "parent.yaml"],
            parameters={"TemplatesDir": str(tmp_path)},
            template_urls=BUCKET,
        )
    assert "Resources.Cluster.Properties.TemplateURL: no such template: file://" in str(e.value)


def test_imports_parameters_conditions_mappings() -> None:
    files = [HERE / "imports" / "network.yaml", HERE / "imports" / "app.yaml"]
    c = Collector()
    dev = load_templates(files, stack_name="shop", warn=c)
    assert dev.name == "shop" and dev.cluster == "shared"  # imported from network
    (svc,) = dev.services  # Canary's Condition is false
    assert (svc.desired_count, svc.subnets, svc.health_check_grace_period_seconds) == (
        1,
        ("Public",),
        0,
    )
    (td,) = dev.task_definitions
    assert td.family == "app-dev" and td.memory == "256"
    env = dict(td.container_definitions[0].environment)
    assert env["ENV"] == "dev" and "PROD" not in env and env["USER_DATA"] == "aGk="
    assert env["BANNER"] == "hello"  # secret from the template's SSM parameter
    assert len(env["DB_PASSWORD"]) == 32  # a generated secret's JSON key
    assert not td.container_definitions[0].secrets
    rule = dev.load_balancers[0].listeners[0].rules[0]
    assert rule.conditions[0].field == "host-header"
    assert rule.actions[0].target_groups[0].target_group == dev.target_groups[0].name
    prod = load_templates(files, stack_name="shop", parameters={"Env": "prod"})
    assert [(s.name, s.desired_count) for s in prod.services] == [("app", 3), ("canary", 1)]
    assert prod.services[0].health_check_grace_period_seconds == 30
    assert dict(prod.task_definitions[0].container_definitions[0].environment)["PROD"] == "yes"
    own = load_templates(files, parameters={"Subnets": "subnet-0abc,subnet-0def"})
    assert own.services[0].subnets == ("subnet-0abc", "subnet-0def")  # existing subnets
    with pytest.raises(LayoutError) as e:
        load_templates([files[1]])
    assert "no template given exports 'app-VpcId'" not in str(e.value)
    assert "no template given exports 'network-VpcId'" in str(e.value)


def test_every_problem_at_once_located() -> None:
    with pytest.raises(LayoutError) as e:
        load_templates([HERE / "broken.yaml"])
    lines = str(e.value).splitlines()
    f = str(HERE / "broken.yaml")
    assert lines == [
        f"{f}:3: Parameters.Required: required parameter 'Required' has no value "
        "(pass --parameter Required=VALUE or give it a Default)",
        f"{f}:13: Resources.Task.Properties.ContainerDefinitions[0].Memory: expected an "
        "integer, got the string 'lots'",
        f'{f}:17: Resources.Targets.Properties.VpcId["Fn::ImportValue"]: no template given '
        "exports 'missing-vpc' (add the template that exports it: --with-template network.yaml)",
        f"{f}:20: Resources.WebService.DependsOn: DependsOn names 'NoSuchThing', which is not "
        "a resource here",
        f'{f}:23: Resources.WebService.Properties.DesiredCount["Fn::If"][0]: no condition '
        "'NoSuchCondition' in Conditions (conditions: none)",
        f'{f}:32: Resources.Other.Properties.ServiceName["Fn::GetAtt"]: '
        "AWS::ElasticLoadBalancingV2::TargetGroup has no attribute 'Nickname' (it has: "
        "TargetGroupArn, TargetGroupName, TargetGroupFullName, LoadBalancerArns)",
        f"{f}:33: Resources.Other.Properties.Cluster.Ref: 'Missing' is not a parameter, "
        "resource or pseudo parameter of this template (parameters: Required, Port)",
    ]


def test_layout_checks_point_into_the_template(tmp_path: Path) -> None:
    text = (HERE / "web.yaml").read_text()
    bad = text.replace(
        "{ContainerName: app, ContainerPort: 8080,", "{ContainerName: app, ContainerPort: 9090,"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    with pytest.raises(LayoutError) as e:
        load_templates([path])
    line = next(n for n, s in enumerate(bad.splitlines(), 1) if "ContainerPort: 9090" in s)
    assert (
        f"{path}:{line}: Resources.WebService.Properties.LoadBalancers[0].ContainerPort: "
        "9090 is not a port of container 'app'"
    ) in str(e.value)
    path.write_text(text.replace("Essential: true", "Essential: true\n          Imagine: 1"))
    with pytest.raises(LayoutError) as e:
        load_templates([path])
    assert "Resources.TaskDef.Properties.ContainerDefinitions[0].Imagine: unknown key" in str(
        e.value
    )


def test_yaml_syntax_and_short_tag_errors(tmp_path: Path) -> None:
    bad = tmp_path / "t.yaml"
    bad.write_text("Resources:\n  A:\n    Type: AWS::ECS::Cluster\n    Properties: !Bogus x\n")
    with pytest.raises(LayoutError) as e:
        load_templates([bad])
    assert (
        str(e.value)
        == f"{bad}:4: Resources.A.Properties: unknown tag !Bogus (not a CloudFormation function)"
    )
    bad.write_text("Resources: [\n")
    with pytest.raises(LayoutError) as e:
        load_templates([bad])
    assert f"{bad}:2: YAML syntax error" in str(e.value)


def test_looks_like_template() -> None:
    assert looks_like_template(HERE / "web.yaml")
    assert looks_like_template(HERE / "paths.json")
    assert looks_like_template(NESTED / "cluster.yaml")
    layouts = Path(__file__).resolve().parents[2] / "layouts"
    assert not any(looks_like_template(p) for p in layouts.rglob("*.yaml"))
    assert not any(looks_like_template(p) for p in layouts.rglob("*.json"))


def test_service_connect_and_cloud_map_names_come_from_the_template() -> None:
    c = Collector()
    layout = load_templates([HERE / "connect.yaml"], warn=c)
    (svc,) = layout.services
    assert (svc.name, svc.task_definition, svc.subnets) == ("api", "api", ("public",))
    assert [s.name for s in layout.vpc.subnets] == ["public"]  # the layout's default VPC
    names = discovery(svc.raw, layout.cloud_map)
    eps = endpoints(names, layout.task_definition("api"))
    assert {(e.names, e.port, e.container_port) for e in eps} == {
        (("api",), 80, 8080),  # the client alias, in front of the container's port
        (("api.internal",), 8080, 8080),  # the Cloud Map service in the template's namespace
    }
    assert not any("ServiceConnectConfiguration" in w for w in _messages(c))


def test_references_to_resources_not_emulated_resolve_to_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "db.yaml"
    path.write_text(
        """
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties: {Engine: postgres, DBInstanceClass: db.t3.micro}
  Key: {Type: AWS::KMS::Key}
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: ecsdev/echo:latest
          Memory: 64
          Environment:
            - {Name: DB_HOST, Value: !GetAtt Db.Endpoint.Address}
            - {Name: DB_PORT, Value: !GetAtt Db.Endpoint.Port}
            - {Name: KEY, Value: !Ref Key}
            - {Name: KEY_ARN, Value: !GetAtt Key.Arn}
"""
    )
    c = Collector()
    layout = load_templates([path], warn=c, remember_ports=False)
    env = dict(layout.task_definitions[0].container_definitions[0].environment)
    assert env["DB_HOST"].endswith(".us-east-1.rds.amazonaws.com")
    assert env["DB_PORT"].isdigit()
    assert len(env["KEY"]) == 36 and env["KEY_ARN"].startswith(
        "arn:aws:kms:us-east-1:000000000000:"
    )
    listed = [m for m in _messages(c) if "is not emulated" in m]
    assert len(listed) == 2
    assert "Resources.Db: AWS::RDS::DBInstance is not emulated" in listed[0]
    assert "Resources.Key: AWS::KMS::Key is not emulated" in listed[1]


def test_layout_document_loads_as_the_same_layout(tmp_path: Path) -> None:
    import yaml

    from emulator.model.loader import load_layout

    doc: dict[str, object] = {}
    layout = load_templates([HERE / "paths.json"], document=doc, remember_ports=False)
    out = tmp_path / "ecsdev.yaml"
    out.write_text(yaml.safe_dump(doc))
    again = load_layout(out)
    assert again.services == layout.services
    assert again.target_groups == layout.target_groups
    assert again.load_balancers == layout.load_balancers
    assert again.task_definitions == layout.task_definitions
