"""CDK apps synthesized with the real AWS CDK (installed from npm; see cdk.py), translated into
the typed Layout: an ApplicationLoadBalancedFargateService, and two services behind one ALB
with path rules and a Docker image asset."""

from __future__ import annotations

from pathlib import Path

from emulator.cfn import load_templates, looks_like_template
from emulator.events import Collector


def test_application_load_balanced_fargate_service(cdk_single: Path) -> None:
    assert looks_like_template(cdk_single)
    c = Collector()
    layout = load_templates([cdk_single], warn=c, remember_ports=False)
    assert (layout.name, layout.region, layout.account_id) == (
        "echosingle",
        "us-east-1",  # the stack's environment, from the manifest
        "123456789012",
    )
    publics = [s.name for s in layout.vpc.subnets if s.public]
    privates = [s.name for s in layout.vpc.subnets if not s.public]
    assert len(publics) == 2 and len(privates) == 2  # the pattern's VPC: 2 AZs, NAT egress
    (svc,) = layout.services
    assert svc.desired_count == 2 and set(svc.subnets) == set(privates)
    assert svc.deployment_configuration.minimum_healthy_percent == 50  # the CDK's default
    (tg,) = layout.target_groups
    assert (tg.target_type, tg.health_check_path, tg.health_check_interval_seconds) == (
        "ip",
        "/health",
        5,
    )
    assert svc.load_balancers[0].target_group == tg.name
    assert (svc.load_balancers[0].container_name, svc.load_balancers[0].container_port) == (
        "web",
        8080,
    )
    (lb,) = layout.load_balancers
    assert set(lb.subnets) == set(publics) and lb.scheme == "internet-facing"
    (ls,) = lb.listeners
    assert ls.port == 80 and ls.default_actions[0].target_groups[0].target_group == tg.name
    (td,) = layout.task_definitions
    assert svc.task_definition == td.family
    assert td.container_definitions[0].image == "ecsdev/echo:latest"
    logs = td.container_definitions[0].log_configuration
    assert logs is not None  # the log group is a nested stack's (a file asset of the assembly)
    group = logs["options"]["awslogs-group"]
    assert group.startswith("EchoSingle-SharedNestedStack") and "-WebLogs" in group
    warned = "\n".join(e.message for e in c.events)
    assert "AWS::IAM::Role is not emulated" in warned
    assert "EchoSingle.template.json:" in warned


def test_two_services_path_rules_and_image_asset(cdk_two: Path) -> None:
    layout = load_templates([cdk_two], remember_ports=False)
    assert layout.name == "twoservices"
    (asset,) = layout.images
    assert Path(asset.context).parent == cdk_two.resolve()
    assert Path(asset.context).name.startswith("asset.")
    assert (Path(asset.context) / "Dockerfile").is_file()
    images = {t.family: t.container_definitions[0].image for t in layout.task_definitions}
    alpha_family = next(f for f in images if "alpha" in f)
    bravo_family = next(f for f in images if "bravo" in f)
    assert images[alpha_family] == asset.tag  # built locally, not pulled from ECR
    assert images[bravo_family] == "ecsdev/echo:latest"
    by_family = {s.task_definition: s for s in layout.services}
    assert set(by_family) == {alpha_family, bravo_family}
    (lb,) = layout.load_balancers
    (ls,) = lb.listeners
    assert ls.default_actions[0].status_code == "404"
    routes = {
        r.conditions[0].values[0]: r.actions[0].target_groups[0].target_group for r in ls.rules
    }
    assert set(routes) == {"/alpha/*", "/bravo/*"}
    assert routes["/alpha/*"] == by_family[alpha_family].load_balancers[0].target_group
    assert routes["/bravo/*"] == by_family[bravo_family].load_balancers[0].target_group
    alpha = layout.task_definition(alpha_family).container_definitions[0]
    assert dict(alpha.environment) == {"SERVICE": "alpha"}
    assert alpha.log_configuration is not None
    opts = alpha.log_configuration["options"]
    assert opts["awslogs-stream-prefix"] == "alpha" and opts["awslogs-region"] == "us-east-1"
    assert opts["awslogs-group"].startswith("TwoServices-alphaTaskappLogGroup")
    assert {tg.deregistration_delay for tg in layout.target_groups} == {5}
