"""Where a template's listeners are published: the listener's own port when free, another
free port otherwise (two load balancers on one port), pins with --publish, and choices
remembered across loads; a network load balancer is listed, not refused."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from emulator.cfn import load_templates
from emulator.errors import LayoutError
from emulator.events import Collector

HERE = Path(__file__).parent / "templates"


def test_listener_ports_published_free_or_pinned(tmp_path: Path) -> None:
    doc = json.loads((HERE / "paths.json").read_text())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        doc["Resources"]["Listener"]["Properties"]["Port"] = port
        path = tmp_path / "busy.json"
        path.write_text(json.dumps(doc))
        layout = load_templates([path], remember_ports=False)
        published = layout.load_balancers[0].listeners[0].publish
        assert published is not None and published.startswith("127.0.0.1:")
        assert published != f"127.0.0.1:{port}"  # taken: another free port
        pins = {f"Alb:{port}": 18123}
        pinned = load_templates([path], publish_pins=pins, remember_ports=False)
        assert pinned.load_balancers[0].listeners[0].publish == "127.0.0.1:18123"
        with pytest.raises(LayoutError) as e:
            load_templates([path], publish_pins={"Nope:80": 1}, remember_ports=False)
        assert "--publish: Nope:80: no such listener" in str(e.value)
    free = load_templates([HERE / "paths.json"])
    assert free.load_balancers[0].listeners[0].publish == "127.0.0.1:8080" or not _free(8080)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


TWO_ALBS = """
Resources:
  Cluster: {Type: AWS::ECS::Cluster}
  Public: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer}
  Admin: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: {Scheme: internal}}
  PublicHttp:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Public
      Port: PORT
      Protocol: HTTP
      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "200"}}]
  AdminHttp:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Admin
      Port: PORT
      Protocol: HTTP
      DefaultActions: [{Type: fixed-response, FixedResponseConfig: {StatusCode: "403"}}]
"""


def test_two_load_balancers_on_one_port_and_remembered_choices(tmp_path: Path) -> None:
    port = _free_port()
    path = tmp_path / "two-albs.yaml"
    path.write_text(TWO_ALBS.replace("PORT", str(port)))
    first = load_templates([path], stack_name="two-albs")
    public, admin = (lb.listeners[0].publish for lb in first.load_balancers)
    assert public == f"127.0.0.1:{port}"  # free: the listener's own port
    assert admin is not None and admin != public  # taken by the first: another free port
    with socket.socket() as busy:  # the stack's own proxy holds the ports on a second `up`
        busy.bind(("127.0.0.1", port))
        again = load_templates([path], stack_name="two-albs")
    assert [lb.listeners[0].publish for lb in again.load_balancers] == [public, admin]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_network_load_balancer_is_listed_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "nlb.yaml"
    path.write_text(
        TWO_ALBS.replace("PORT", "80").replace(
            "Admin: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: {Scheme: internal}}",
            "Admin: {Type: AWS::ElasticLoadBalancingV2::LoadBalancer, Properties: {Type: network}}",
        )
    )
    c = Collector()
    layout = load_templates([path], warn=c, remember_ports=False)
    assert len(layout.load_balancers) == 1
    assert any(
        "Resources.Admin.Properties.Type: network load balancers are not emulated" in m
        for m in (e.message for e in c.events)
    )
