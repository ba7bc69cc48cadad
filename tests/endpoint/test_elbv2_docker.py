"""A load balancer made through the ELBv2 API answers on this machine (real Docker): its
listener's fixed response and redirect come back through the published port, and deleting
it removes its nginx."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from emulator.endpoint.listenerports import listener_addresses
from emulator.endpoint.resources import Resources
from tests.endpoint.test_elbv2 import default_vpc, subnets, uniq, vpc  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.docker


@pytest.fixture
def resources(endpoint: Any) -> Iterator[Resources]:
    res = Resources(endpoint.state_dir / "endpoint" / "resources.db")
    yield res
    res.close()


def get(url: str, timeout: float = 60.0) -> tuple[int, str, dict[str, str]]:
    """The first answer of ``url`` that is not a refused connection."""
    deadline = time.monotonic() + timeout

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    while True:
        try:
            with opener.open(url, timeout=5) as resp:
                return resp.status, resp.read().decode(), dict(resp.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), dict(e.headers)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def test_fixed_response_answers_through_the_published_listener(
    client: Any, resources: Resources, endpoint: Any
) -> None:
    elb = client("elbv2")
    name = uniq("dk")
    lb = elb.create_load_balancer(Name=name, Subnets=subnets())["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    try:
        lis = elb.create_listener(
            LoadBalancerArn=arn,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[
                {
                    "Type": "fixed-response",
                    "FixedResponseConfig": {
                        "StatusCode": "418",
                        "ContentType": "text/plain",
                        "MessageBody": "short and stout",
                    },
                }
            ],
        )["Listeners"][0]
        elb.create_rule(
            ListenerArn=lis["ListenerArn"],
            Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/old"]}],
            Actions=[
                {
                    "Type": "redirect",
                    "RedirectConfig": {"Path": "/new", "StatusCode": "HTTP_302"},
                }
            ],
        )
        elb.get_waiter("load_balancer_available").wait(
            LoadBalancerArns=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 90}
        )
        where = [a for a in listener_addresses(resources) if a["loadBalancer"] == name]
        assert len(where) == 1 and where[0]["port"] == 80
        url = where[0]["url"]
        assert f"load balancer {name}: listener 80 at {url}" in endpoint.log()  # the serve log
        status, body, headers = get(url + "anything")
        assert (status, body) == (418, "short and stout")
        assert headers["Server"] == "awselb/2.0"
        status, _, headers = get(url + "old")
        assert status == 302 and headers["Location"].endswith(":80/new")
    finally:
        elb.delete_load_balancer(LoadBalancerArn=arn)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get(url, timeout=0.5)
        except OSError:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"{url} still answers after the load balancer was deleted")


def test_a_service_behind_a_target_group_answers_through_the_listener(
    client: Any, resources: Resources
) -> None:
    elb, ecs = client("elbv2"), client("ecs")
    tag = uuid.uuid4().hex[:8]
    cluster = f"elbsvc-{tag}"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=f"echo-{tag}",
        networkMode="bridge",
        containerDefinitions=[
            {
                "name": "app",
                "image": "ecsdev/echo:latest",
                "memory": 128,
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "stopTimeout": 2,
            }
        ],
    )
    tg = elb.create_target_group(
        Name=f"echo-{tag}",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc(),
        TargetType="instance",
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}],
    )
    lb = elb.create_load_balancer(Name=f"echo-{tag}", Subnets=subnets())["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    port = 20000 + uuid.uuid4().int % 20000
    try:
        elb.create_listener(
            LoadBalancerArn=arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
        )
        ecs.create_service(
            cluster=cluster,
            serviceName="web",
            taskDefinition=f"echo-{tag}",
            desiredCount=1,
            launchType="EC2",
            loadBalancers=[{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}],
        )
        ecs.get_waiter("services_stable").wait(
            cluster=cluster, services=["web"], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        elb.get_waiter("target_in_service").wait(
            TargetGroupArn=tg, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        (desc,) = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        assert desc["Target"]["Id"].startswith("i-") and desc["TargetHealth"] == {
            "State": "healthy"
        }
        elb.get_waiter("load_balancer_available").wait(
            LoadBalancerArns=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        (where,) = [
            a
            for a in listener_addresses(resources)
            if a["listenerArn"].startswith(arn.replace(":loadbalancer/", ":listener/"))
        ]
        status, body, _ = get(where["url"] + "hello")  # in service: nginx routes to it
        assert status == 200, body
        events = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]["events"]
        assert any(  # the load balancer's own events, as ECS lists them
            e["message"] == f"(service web) registered 1 targets in (target-group {tg})"
            for e in events
        ), [e["message"] for e in events]
    finally:
        ecs.update_service(cluster=cluster, service="web", desiredCount=0)
        ecs.delete_service(cluster=cluster, service="web", force=True)
        elb.delete_load_balancer(LoadBalancerArn=arn)
        elb.delete_target_group(TargetGroupArn=tg)


def test_load_balancers_survive_a_kill_of_the_endpoint(spawn_endpoint: Any) -> None:
    from tests.endpoint.conftest import client_for

    first = spawn_endpoint()
    elb = client_for(first.url, "elbv2")
    ec2 = client_for(first.url, "ec2")
    nets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    arn = elb.create_load_balancer(Name="survivor", Subnets=nets)["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    lis = elb.create_listener(
        LoadBalancerArn=arn,
        Protocol="HTTP",
        Port=20000 + uuid.uuid4().int % 20000,
        DefaultActions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "before"},
            }
        ],
    )["Listeners"][0]
    elb.get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 90}
    )
    res = Resources(first.state_dir / "endpoint" / "resources.db")
    (where,) = listener_addresses(res)
    res.close()
    assert get(where["url"])[:2] == (200, "before")
    first.kill()
    assert get(where["url"])[:2] == (200, "before")  # nginx is a container of its own

    again = spawn_endpoint(first.state_dir)
    elb = client_for(again.url, "elbv2")
    (lb,) = elb.describe_load_balancers(Names=["survivor"])["LoadBalancers"]
    assert (lb["LoadBalancerArn"], lb["State"]) == (arn, {"Code": "active"})
    assert elb.describe_listeners(LoadBalancerArn=arn)["Listeners"] == [lis]
    elb.create_rule(
        ListenerArn=lis["ListenerArn"],
        Priority=1,
        Conditions=[{"Field": "path-pattern", "Values": ["/after"]}],
        Actions=[
            {
                "Type": "fixed-response",
                "FixedResponseConfig": {"StatusCode": "200", "MessageBody": "after"},
            }
        ],
    )
    deadline = time.monotonic() + 30
    while get(where["url"] + "after")[1] != "after":  # the controller reloads nginx
        assert time.monotonic() < deadline, "the rule made after the restart never served"
        time.sleep(0.25)
    elb.delete_load_balancer(LoadBalancerArn=arn)


def test_the_aws_cli_alone_builds_a_load_balancer_that_answers(
    aws: Any, resources: Resources
) -> None:
    name = uniq("cli")
    tg = aws.ok(
        "elbv2",
        "create-target-group",
        "--name",
        name,
        "--protocol",
        "HTTP",
        "--port",
        "8080",
        "--vpc-id",
        vpc(),
        "--target-type",
        "ip",
        "--health-check-path",
        "/health",
    )["TargetGroups"][0]["TargetGroupArn"]
    lb = aws.ok("elbv2", "create-load-balancer", "--name", name, "--subnets", *subnets())[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    try:
        port = str(20000 + uuid.uuid4().int % 20000)
        lis = aws.ok(
            "elbv2",
            "create-listener",
            "--load-balancer-arn",
            lb,
            "--protocol",
            "HTTP",
            "--port",
            port,
            "--default-actions",
            f"Type=forward,TargetGroupArn={tg}",
        )["Listeners"][0]["ListenerArn"]
        aws.ok(
            "elbv2",
            "create-rule",
            "--listener-arn",
            lis,
            "--priority",
            "10",
            "--conditions",
            "Field=path-pattern,Values=/ping",
            "--actions",
            'Type=fixed-response,FixedResponseConfig={StatusCode=200,ContentType=text/plain,MessageBody="pong"}',
        )
        waited = aws("elbv2", "wait", "load-balancer-available", "--load-balancer-arns", lb)
        assert waited.code == 0, waited.err
        (where,) = [a for a in listener_addresses(resources) if a["listenerArn"] == lis]
        assert get(where["url"] + "ping")[:2] == (200, "pong")
        assert get(where["url"] + "other")[0] == 503  # the target group has no targets yet
        health = aws.ok("elbv2", "describe-target-health", "--target-group-arn", tg)
        assert health == {"TargetHealthDescriptions": []}
    finally:
        aws.ok("elbv2", "delete-load-balancer", "--load-balancer-arn", lb)
        aws.ok("elbv2", "delete-target-group", "--target-group-arn", tg)
