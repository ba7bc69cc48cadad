"""A rendered template created on moto's CloudFormation server (127.0.0.1 only, dummy
credentials): the ECS and ELBv2 resources it makes are described and compared with the
layout."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from emulator.cfn.render import render_template
from emulator.model.loader import load_layout

LAYOUT = Path(__file__).resolve().parents[2] / "layouts" / "alpha-bravo" / "ecsdev.yaml"


@pytest.fixture
def moto_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    # moto's backends are shared by every moto in this process (tests/aws make one too)
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
    try:
        yield url
    finally:
        server.stop()


def test_rendered_template_creates_the_layouts_resources(moto_url: str) -> None:
    layout = load_layout(LAYOUT)
    cf: Any = boto3.client("cloudformation", endpoint_url=moto_url)
    cf.create_stack(
        StackName=layout.name, TemplateBody=render_template(layout), Capabilities=["CAPABILITY_IAM"]
    )
    stack = cf.describe_stacks(StackName=layout.name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    ecs: Any = boto3.client("ecs", endpoint_url=moto_url)
    arns = ecs.list_services(cluster=layout.cluster)["serviceArns"]
    described = ecs.describe_services(cluster=layout.cluster, services=arns)["services"]
    assert {
        (s["serviceName"], s["desiredCount"], s["taskDefinition"].rsplit("/", 1)[1].split(":")[0])
        for s in described
    } == {(s.name, s.desired_count, s.task_definition.split(":")[0]) for s in layout.services}
    elb: Any = boto3.client("elbv2", endpoint_url=moto_url)
    groups = elb.describe_target_groups()["TargetGroups"]
    assert {(t["TargetGroupName"], t["Port"], t["HealthCheckPath"]) for t in groups} == {
        (t.name, t.port, t.health_check_path) for t in layout.target_groups
    }
    (lb,) = elb.describe_load_balancers()["LoadBalancers"]
    assert lb["LoadBalancerName"] == layout.load_balancers[0].name
    (listener,) = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    got = {
        (r["Priority"], tuple(c["Field"] for c in r["Conditions"]), r["Actions"][0]["Type"])
        for r in rules
    }
    want = {
        (str(r.priority), tuple(c.field for c in r.conditions), r.actions[0].type)
        for r in layout.load_balancers[0].listeners[0].rules
    }
    want.add(("default", (), layout.load_balancers[0].listeners[0].default_actions[0].type))
    assert got == want
