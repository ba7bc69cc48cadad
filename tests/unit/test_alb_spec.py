"""The ALB part of a layout as the store keeps it (emulator.alb.spec), where the stack is
reached (emulator.alb.endpoints), and the proxy container's ports and networks
(emulator.alb.proxy), all without Docker."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from emulator.alb import AlbError
from emulator.alb.endpoints import listener_urls
from emulator.alb.nginx import AlbParts
from emulator.alb.proxy import DEFAULT_BRIDGE, home_networks, parse_publish, published
from emulator.alb.spec import (
    instance_id,
    layout_of,
    load_balancer_arn,
    record,
    stable_id,
    target_group_arn,
)
from emulator.arns import Account
from emulator.model.layout import Layout, Listener, LoadBalancer, Subnet, Vpc
from emulator.model.loader import load_layout
from emulator.runtime.base import PublishedPort

LAYOUTS = sorted((Path(__file__).resolve().parents[2] / "layouts").glob("*/ecsdev.yaml"))


@pytest.mark.parametrize("path", LAYOUTS, ids=lambda p: p.parent.name)
def test_record_round_trips_through_json(path: Path) -> None:
    layout = load_layout(path)
    data = record(layout)
    assert data is not None, "every example has a load balancer"
    back = layout_of(json.loads(json.dumps(data)))
    assert back == dataclasses.replace(layout, task_definitions=(), images=(), services=())
    for lb in layout.load_balancers:
        assert AlbParts.of(back, lb.name) == AlbParts.of(layout, lb.name)


def test_no_load_balancer_records_nothing_and_garbage_is_refused() -> None:
    assert record(Layout("x", "x.yaml")) is None
    with pytest.raises(AlbError, match="ecsdev up"):
        layout_of({"name": "x"})  # no source


def test_arns_are_aws_shaped_and_stable() -> None:
    acct = Account("us-west-2", "123456789012")
    arn = target_group_arn(acct, "stack", "alpha")
    assert re.fullmatch(
        r"arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/alpha/[0-9a-f]{16}", arn
    )
    assert arn == target_group_arn(acct, "stack", "alpha")
    assert arn != target_group_arn(acct, "other", "alpha")
    assert load_balancer_arn(acct, "stack", "edge").split("/")[1:3] == ["app", "edge"]
    assert stable_id("a", "b", "c", 8) == stable_id("a", "b", "c")[:8]
    assert re.fullmatch(r"i-[0-9a-f]{17}", instance_id("stack"))


def test_listener_urls_match_what_is_published() -> None:
    layout = load_layout(Path(LAYOUTS[0]).parent.parent / "alpha-bravo" / "ecsdev.yaml")
    assert listener_urls(layout) == [
        "http://127.0.0.1:8000/ (edge listener 80)",
        "http://127.0.0.1:8443/ (cdn d1phq4yrkrmw68.cloudfront.net -> edge)",
    ]
    ports = published(AlbParts.of(layout, "edge"))
    assert ports == (
        PublishedPort(80, "tcp", "127.0.0.1", 8000),
        PublishedPort(18443, "tcp", "127.0.0.1", 8443),
    )


def test_publish_forms() -> None:
    assert parse_publish(None, 80) == ("127.0.0.1", 80)
    assert parse_publish("8080", 80) == ("127.0.0.1", 8080)
    assert parse_publish("127.0.0.2:9000", 80) == ("127.0.0.2", 9000)
    assert parse_publish("[::1]:9000", 80) == ("::1", 9000)
    lb = LoadBalancer("lb", listeners=(Listener(443, "HTTPS", "0.0.0.0:8443"),))
    assert listener_urls(Layout("x", "x.yaml", load_balancers=(lb,))) == [
        "http://127.0.0.1:8443/ (lb listener 443)"
    ]


def test_proxy_publishes_from_a_public_subnet_or_from_dockers_bridge() -> None:
    vpc = Vpc(subnets=(Subnet("priv", public=False), Subnet("pub"), Subnet("pub2")))

    def nets(*subnets: str) -> list[str]:
        lb = LoadBalancer("lb", subnets=subnets)
        return home_networks(Layout("s", "s.yaml", vpc=vpc, load_balancers=(lb,)), "lb")

    assert nets("priv", "pub") == ["s-pub", "s-priv"]
    assert nets("pub2", "pub") == ["s-pub2", "s-pub"]
    assert nets("priv") == [DEFAULT_BRIDGE, "s-priv"]
    assert nets() == [DEFAULT_BRIDGE, "s-priv"]  # no subnets: the VPC's first
