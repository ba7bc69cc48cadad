"""AwsSource reads clusters, services, tasks and task definitions from a real AWS-API
endpoint (moto's server) and returns the right views with the fewest calls."""

from __future__ import annotations

import math

import boto3

from ecsdev.sources.aws import AwsSource
from ecsdev.sources.tddiff import diff_task_definitions
from tests.aws.moto_world import REGION, World, make_source


def test_clusters(source: AwsSource, world: World) -> None:
    clusters = source.list_clusters()
    demo = next(c for c in clusters if c.name == "demo")  # other tests add clusters of their own
    assert demo.status == "ACTIVE"
    assert [c.name for c in clusters] == sorted(c.name for c in clusters)
    assert source.api_calls["ecs:DescribeClusters"] == 1


def test_services_with_deployments_and_load_balancers(source: AwsSource, world: World) -> None:
    services = {s.name: s for batch in source.iter_services("demo") for s in batch}
    assert set(services) == {"web", "worker"}
    web = services["web"]
    assert (web.desired, web.cluster, web.revision, web.launch_type) == (
        2,
        "demo",
        "web:2",
        "FARGATE",
    )
    assert web.deployments[0].status == "PRIMARY"
    assert web.rollout_state in ("IN_PROGRESS", "COMPLETED")
    assert web.load_balancers[0].target_group_arn == world.web_tg
    assert web.load_balancers[0].container_port == 8081
    assert web.subnets == (world.private_subnets[0],)
    assert web.security_groups == (world.app_sg,)
    assert source.api_calls["ecs:DescribeServices"] == 1


def test_describe_service(source: AwsSource) -> None:
    assert source.describe_service("demo", "worker").desired == 1


def test_tasks_of_a_service_running_and_stopped(source: AwsSource, world: World) -> None:
    tasks = {t.arn: t for batch in source.iter_tasks("demo", "web") for t in batch}
    assert set(tasks) == {*world.web_tasks, world.stopped_task}
    running = tasks[world.web_tasks[0]]
    assert running.last_status == "RUNNING"
    assert running.service == "web"
    assert running.revision == "web:2"
    assert running.ip == world.web_ips[running.arn]
    assert running.subnet_id == world.private_subnets[0]
    assert running.eni_id and running.eni_id.startswith("eni-")
    assert running.containers[0].name == "web"
    assert running.containers[0].image == "nginx:1.27"
    stopped = tasks[world.stopped_task]
    assert stopped.last_status == "STOPPED"
    assert stopped.stopped_reason == "Essential container in task exited"
    # one ListTasks page per status and one DescribeTasks per page of up to 100
    assert source.api_calls["ecs:ListTasks"] == 2
    assert source.api_calls["ecs:DescribeTasks"] == 2


def test_running_only_and_whole_cluster(source: AwsSource, world: World) -> None:
    running = [t for b in source.iter_tasks("demo", stopped=False) for t in b]
    assert {t.arn for t in running} >= {*world.web_tasks, world.worker_task}
    assert all(t.desired_status == "RUNNING" for t in running)


def test_describe_task(source: AwsSource, world: World) -> None:
    task = source.describe_task("demo", world.worker_task)
    assert task.service == "worker"
    assert task.short_id == task.id[:8]


def test_task_definition_secrets_are_names_and_references(source: AwsSource, world: World) -> None:
    td = source.task_definition(world.web_td[1])
    web = td.containers[0]
    assert (td.family, td.revision, td.cpu, td.memory, td.network_mode) == (
        "web",
        2,
        "512",
        "1024",
        "awsvpc",
    )
    assert dict(web.environment) == {"MODE": "prod", "WORKERS": "4", "FEATURE_X": "on"}
    assert [(s.name, s.value_from) for s in web.secrets] == [
        ("DB_PASSWORD", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf")
    ]
    assert web.health_check is not None and web.health_check.interval == 10
    assert web.log is not None and web.log.option("awslogs-group") == "/ecs/web"
    assert [str(p) for p in web.ports] == ["8081/tcp"]
    # an exact revision never changes: the second read is served from the cache
    source.task_definition(world.web_td[1])
    assert source.api_calls["ecs:DescribeTaskDefinition"] == 1


def test_revisions_newest_first_and_exact_family(source: AwsSource, world: World) -> None:
    assert source.list_task_definitions("web") == [world.web_td[1], world.web_td[0]]
    assert {"web", "worker"} <= set(source.list_task_definition_families())


def test_diff_of_two_revisions(source: AwsSource, world: World) -> None:
    old, new = (source.task_definition(a) for a in world.web_td)
    lines = {(d.scope, d.field): d for d in diff_task_definitions(old, new)}
    assert lines[("container web", "image")].old == "nginx:1.25"
    assert lines[("container web", "image")].new == "nginx:1.27"
    assert lines[("task", "cpu")].new == "512"
    assert lines[("container web", "env FEATURE_X")].kind == "added"
    assert lines[("container web", "env WORKERS")].kind == "changed"
    assert lines[("container web", "ports")].new == "8081/tcp"
    assert lines[("container web", "command")].new == "serve --port 8081"
    assert ("container web", "secret DB_PASSWORD") not in lines  # unchanged
    assert ("container web", "env MODE") not in lines


def test_batches_are_the_fewest_calls(moto_url: str, world: World) -> None:
    """25 services -> 3 DescribeServices; 150 tasks -> 2 DescribeTasks."""
    ecs = boto3.client("ecs", region_name=REGION, endpoint_url=moto_url)
    ecs.create_cluster(clusterName="batch")
    for i in range(25):
        ecs.create_service(
            cluster="batch", serviceName=f"s{i:02}", taskDefinition=world.worker_td, desiredCount=0
        )
    net = {
        "awsvpcConfiguration": {
            "subnets": world.private_subnets[:1],
            "securityGroups": [world.app_sg],
        }
    }
    for _ in range(3):
        ecs.run_task(
            cluster="batch",
            taskDefinition=world.worker_td,
            count=50,
            launchType="FARGATE",
            networkConfiguration=net,
        )

    source = make_source(moto_url)
    try:
        batches = list(source.iter_services("batch"))
        assert sum(len(b) for b in batches) == 25
        assert source.api_calls["ecs:DescribeServices"] == math.ceil(25 / 10)
        tasks = [t for b in source.iter_tasks("batch", stopped=False) for t in b]
        assert len(tasks) == 150
        assert source.api_calls["ecs:DescribeTasks"] == math.ceil(150 / 100)
    finally:
        source.close()
