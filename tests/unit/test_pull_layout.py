"""``ecsdev pull``'s translation from API records to a layout, and ``run-task --from-aws``'s
overrides, on records written by hand: the cases moto's world does not hold (weighted
forwards, a default action to another service, network load balancers, daemons)."""

from __future__ import annotations

from typing import Any

import pytest

from ecsdev.cli.fromaws import apply_overrides
from ecsdev.cli.pulllayout import Pulled, draft_layout, stack_name, subnet_names
from ecsdev.sources.netviews import SubnetView
from emulator.errors import UsageError

ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333"
TG = {n: f"{ARN}:targetgroup/{n}/0123456789abcdef" for n in ("blue", "green", "other", "nlb")}
LB = f"{ARN}:loadbalancer/app/edge/0123456789abcdef"


def _tg(name: str, protocol: str = "HTTP") -> dict[str, Any]:
    return {
        "TargetGroupArn": TG[name],
        "TargetGroupName": name,
        "Protocol": protocol,
        "Port": 80,
        "TargetType": "ip",
        "HealthCheckPath": "/",
        "Attributes": {"deregistration_delay.timeout_seconds": "10", "made.up": "1"},
    }


def _pulled(service: dict[str, Any], default_tg: str) -> Pulled:
    fwd = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": TG["blue"], "Weight": 90},
                {"TargetGroupArn": TG["green"], "Weight": 10},
            ],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60},
        },
    }
    rules = [
        {"Priority": "default", "IsDefault": True, "Actions": [
            {"Type": "forward", "TargetGroupArn": TG[default_tg]}]},
        {"Priority": "7", "Conditions": [{"Field": "path-pattern", "Values": ["/a*"]}],
         "Actions": [{"Type": "authenticate-oidc", "Order": 1}, {**fwd, "Order": 2}]},
    ]  # fmt: skip
    lb = {
        "LoadBalancerArn": LB,
        "LoadBalancerName": "edge",
        "Type": "application",
        "Scheme": "internal",
        "AvailabilityZones": [{"SubnetId": "subnet-1"}],
        "Attributes": {"idle_timeout.timeout_seconds": "60", "made.up": "x"},
        "Listeners": [{"Port": 443, "Protocol": "HTTPS", "Rules": rules}],
    }
    td = {"taskDefinition": {"family": "app", "revision": 9, "containerDefinitions": []}}
    return Pulled(
        service,
        td,
        [_tg("blue"), _tg("green"), _tg("nlb", "TCP")],  # the service's own
        [lb],
        [SubnetView("subnet-1", "vpc-1", "10.0.0.0/24", "a", True, name="bad name!")],
    )


def _service(**extra: Any) -> dict[str, Any]:
    return {
        "serviceArn": "arn:aws:ecs:eu-west-1:111122223333:service/prod/app",
        "clusterArn": "arn:aws:ecs:eu-west-1:111122223333:cluster/prod",
        "serviceName": "App_Service",
        "desiredCount": 2,
        "loadBalancers": [
            {"targetGroupArn": TG[n], "containerName": "app", "containerPort": 80}
            for n in ("blue", "green", "nlb")
        ],
        **extra,
    }


def test_weighted_forwards_sticky_and_what_is_left_out() -> None:
    draft = draft_layout(_pulled(_service(), "other"), name="app", max_count=3)
    doc = draft.layout
    assert doc["region"] == "eu-west-1" and doc["accountId"] == "111122223333"
    assert doc["cluster"] == "prod" and doc["vpc"]["subnets"] == [
        {"name": "subnet-1", "public": True}
    ]
    assert doc["taskDefinitions"] == [{"file": "taskdefs/app-9.json"}]
    assert [tg["name"] for tg in doc["targetGroups"]] == ["blue", "green"]
    assert doc["targetGroups"][0]["attributes"] == {"deregistration_delay.timeout_seconds": "10"}
    (lb,) = doc["loadBalancers"]
    assert lb["attributes"] == {"idle_timeout.timeout_seconds": "60"}
    (ls,) = lb["listeners"]
    assert ls["protocol"] == "HTTPS" and ls["defaultActions"][0]["statusCode"] == "503"
    (rule,) = ls["rules"]
    assert rule["actions"] == [
        {
            "type": "forward",
            "forwardConfig": {
                "targetGroups": [
                    {"targetGroup": "blue", "weight": 90},
                    {"targetGroup": "green", "weight": 10},
                ],
                "targetGroupStickinessConfig": {"enabled": True, "durationSeconds": 60},
            },
        }
    ]
    assert [e["targetGroup"] for e in doc["services"][0]["loadBalancers"]] == ["blue", "green"]
    notes = "\n".join(draft.notes)
    assert "authenticate-oidc is not emulated" in notes
    assert "target group nlb (TCP, ip targets)" in notes
    assert "the default action forwards to another service's target group" in notes
    assert "capped" not in notes


def test_daemons_keep_their_strategy_and_counts_are_capped() -> None:
    daemon = draft_layout(
        _pulled(_service(schedulingStrategy="DAEMON"), "blue"), name="a", max_count=1
    )
    assert daemon.layout["services"][0]["schedulingStrategy"] == "DAEMON"
    assert "desiredCount" not in daemon.layout["services"][0]
    capped = draft_layout(_pulled(_service(), "blue"), name="a", max_count=1)
    assert capped.layout["services"][0]["desiredCount"] == 1
    assert any("desiredCount 2 of service App_Service is capped at 1" in n for n in capped.notes)


def test_names() -> None:
    assert stack_name("App_Service.v2") == "app-service-v2"
    assert stack_name("___") == "pulled" and len(stack_name("x" * 80)) == 32
    subnets = [
        SubnetView("subnet-1", "v", "", "a", True, name="web"),
        SubnetView("subnet-2", "v", "", "b", False, name="web"),
    ]
    assert subnet_names(subnets) == {"subnet-1": "web", "subnet-2": "subnet-2"}


def test_overrides_apply_as_ecs_applies_them() -> None:
    td = {
        "cpu": "256",
        "containerDefinitions": [
            {
                "name": "app",
                "command": ["serve"],
                "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/one.env"}],
            },
            {"name": "side", "command": ["x"]},
        ],
    }
    notes: list[str] = []
    out = apply_overrides(
        td,
        {
            "containerOverrides": [
                {
                    "name": "app",
                    "command": ["migrate"],
                    "environment": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}],
                    "environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/two.env"}],
                    "memory": 900,
                }
            ],
            "cpu": "1024",
            "taskRoleArn": "arn:aws:iam::1:role/r",
        },
        notes.append,
    )
    app, side = out["containerDefinitions"]
    assert app["command"] == ["migrate"] and app["memory"] == 900
    assert app["environment"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "two"},
        {"name": "C", "value": "3"},
    ]
    assert len(app["environmentFiles"]) == 2 and side == {"name": "side", "command": ["x"]}
    assert out["cpu"] == "1024" and out["taskRoleArn"] == "arn:aws:iam::1:role/r"
    assert td["cpu"] == "256"  # the original is untouched
    assert notes and "two" not in notes[0]  # names only, never values
    with pytest.raises(UsageError, match="'ghost'"):
        apply_overrides(td, {"containerOverrides": [{"name": "ghost"}]}, notes.append)


def test_subnets_ec2_does_not_know_are_kept_by_name() -> None:
    """ecsdev's own endpoint names a load balancer's subnets by the layout's names."""
    pulled = _pulled(_service(), "blue")
    pulled.load_balancers[0]["Scheme"] = "internet-facing"
    pulled.load_balancers[0]["AvailabilityZones"] = [{"SubnetId": "public-a"}]
    pulled.unknown_subnets = ["public-a"]
    draft = draft_layout(pulled, name="a", max_count=3)
    assert {"name": "public-a", "public": True} in draft.layout["vpc"]["subnets"]
    assert draft.layout["loadBalancers"][0]["subnets"] == ["public-a"]
    assert "subnet public-a could not be described; taken as public" in draft.notes
