"""VPCs, subnets (public or private by their route to an internet gateway), security
groups in words, a task's network, and the load balancer chain down to the task behind a
target."""

from __future__ import annotations

from ecsdev.sources.aws import AwsSource
from tests.aws.moto_world import World


def test_vpcs_and_subnets_public_or_private(source: AwsSource, world: World) -> None:
    vpcs = {v.id: v for v in source.list_vpcs()}
    assert vpcs[world.vpc_id].name == "main"
    assert vpcs[world.vpc_id].cidr == "10.0.0.0/16"
    subnets = {s.id: s for s in source.list_subnets(world.vpc_id)}
    assert set(subnets) == {*world.public_subnets, *world.private_subnets}
    assert all(subnets[s].public for s in world.public_subnets)
    assert not any(subnets[s].public for s in world.private_subnets)
    assert subnets[world.public_subnets[0]].availability_zone == "us-east-1a"
    assert subnets[world.public_subnets[0]].name == "public-a"


def test_security_group_rules_in_words(source: AwsSource, world: World) -> None:
    groups = {g.id: g for g in source.list_security_groups(world.vpc_id)}
    alb, app = groups[world.alb_sg], groups[world.app_sg]
    assert [str(r) for r in alb.inbound] == ["tcp port 80 from 0.0.0.0/0"]
    assert alb.inbound[0].description == "web"
    assert [str(r) for r in app.inbound] == [f"tcp port 8080 from {world.alb_sg}"]
    assert [str(r) for r in app.outbound] == ["all to 0.0.0.0/0"]


def test_task_network(source: AwsSource, world: World) -> None:
    task = source.describe_task("demo", world.web_tasks[0])
    net = source.task_network(task)
    assert net.ip == world.web_ips[task.arn]
    assert net.subnet is not None and net.subnet.id == world.private_subnets[0]
    assert net.subnet.public is False
    assert [g.id for g in net.security_groups] == [world.app_sg]
    assert net.network_mode == "awsvpc"


def test_load_balancer_listeners_rules_in_priority_order(source: AwsSource, world: World) -> None:
    lbs = source.list_load_balancers()
    assert [(lb.name, lb.type, lb.scheme) for lb in lbs] == [
        ("demo-alb", "application", "internet-facing")
    ]
    listeners = source.list_listeners(world.lb_arn)
    assert [(ls.port, ls.protocol, ls.default_actions) for ls in listeners] == [
        (80, "HTTP", ("forward to web-tg",))
    ]
    rules = source.list_rules(world.listener_arn)
    assert [r.priority for r in rules] == ["5", "20", "30", "default"]
    assert rules[0].conditions == ("host matches admin.example.com",)
    assert rules[0].actions == ("respond 403 text/plain 'no'",)
    assert rules[1].conditions == ("path matches /api/*",)
    assert rules[1].actions == ("forward to api-tg",)
    assert rules[1].target_group_arns == (world.api_tg,)
    assert rules[2].actions[0].startswith("redirect 301 to https://#{host}:443/new/#{path}")
    assert rules[3].is_default and rules[3].actions == ("forward to web-tg",)


def test_target_groups_targets_and_the_task_behind_one(source: AwsSource, world: World) -> None:
    tgs = {tg.name: tg for tg in source.list_target_groups(world.lb_arn)}
    assert set(tgs) == {"web-tg", "api-tg"}
    assert tgs["web-tg"].health_check == "HTTP /health"
    assert tgs["web-tg"].target_type == "ip"
    targets = source.target_health(world.web_tg)
    assert {t.id for t in targets} == set(world.web_ips.values())
    assert all(t.state == "healthy" and not t.unhealthy for t in targets)
    # nothing browsed yet: the source searches the clusters' running tasks
    task = source.task_for_target(targets[0])
    assert task is not None and world.web_ips[task.arn] == targets[0].id
    # now indexed: no further ECS calls
    before = source.api_calls["ecs:DescribeTasks"]
    assert source.task_for_target(targets[0]) == task
    assert source.api_calls["ecs:DescribeTasks"] == before
