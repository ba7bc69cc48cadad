"""ELBv2 records become the stand-in's own layout objects and back (no Docker, no server):
every kind of condition, action and transform the API takes compiles to nginx, names and
ARNs are kept, and an ``ecsdev up`` stack's load balancers read back as the same records."""

from __future__ import annotations

from dataclasses import replace

import pytest

from emulator.alb import spec
from emulator.alb.nginx import AlbParts, listens, render
from emulator.endpoint import elbv2_auth as auth
from emulator.endpoint import elbv2_layout as EL
from emulator.endpoint.api import ApiError
from emulator.endpoint.elbv2_records import (
    Action,
    Condition,
    FixedResponseConfig,
    ForwardConfig,
    HealthCheck,
    Listener,
    LoadBalancer,
    Matcher,
    QueryValue,
    RedirectConfig,
    Rewrite,
    Rule,
    TargetGroup,
    Transform,
    WeightedTargetGroup,
)
from emulator.endpoint.elbv2_world import of_layout

BASE = "arn:aws:elasticloadbalancing:us-east-1:000000000000"
LB_ARN = f"{BASE}:loadbalancer/app/front/0123456789abcdef"
WEB = f"{BASE}:targetgroup/web/1111111111111111"
API = f"{BASE}:targetgroup/api/2222222222222222"
LIS = f"{BASE}:listener/app/front/0123456789abcdef/3333333333333333"


def records() -> tuple[LoadBalancer, Listener, list[Rule], list[TargetGroup]]:
    lb = LoadBalancer(LB_ARN, "front", "front-1.us-east-1.elb.localhost")
    groups = [
        TargetGroup(
            WEB,
            "web",
            target_type="ip",
            port=8080,
            health_check=HealthCheck(path="/health", matcher=Matcher(http_code="200-299")),
            attributes=(
                ("deregistration_delay.timeout_seconds", "5"),
                ("stickiness.enabled", "true"),
            ),
        ),
        TargetGroup(API, "api", target_type="ip", port=9000),
    ]
    forward = Action("forward", 1, WEB, ForwardConfig((WeightedTargetGroup(WEB, 1),)))
    lis = Listener(LIS, LB_ARN, 80, default_actions=(forward,), publish="127.0.0.1:18080")
    rules = [
        Rule(
            f"{LIS}/r1".replace(":listener/", ":listener-rule/"),
            LIS,
            10,
            (
                Condition("path-pattern", ("/api/*",)),
                Condition("http-header", ("dev",), http_header_name="X-Env"),
                Condition("query-string", query=(QueryValue("1", "debug"),)),
            ),
            (
                Action(
                    "forward",
                    1,
                    None,
                    ForwardConfig(
                        (WeightedTargetGroup(API, 80), WeightedTargetGroup(WEB, 20)), True, 60
                    ),
                ),
            ),
            (Transform("url-rewrite", (Rewrite("^/api/(.*)$", "/$1"),)),),
        ),
        Rule(
            f"{LIS}/r2".replace(":listener/", ":listener-rule/"),
            LIS,
            20,
            (Condition("host-header", regex_values=("^old\\.example\\.com$",)),),
            (Action("redirect", 1, redirect=RedirectConfig("HTTP_302", host="new.example.com")),),
        ),
        Rule(
            f"{LIS}/r3".replace(":listener/", ":listener-rule/"),
            LIS,
            30,
            (
                Condition("http-request-method", ("DELETE",)),
                Condition("source-ip", ("10.0.0.0/8",)),
            ),
            (
                Action(
                    "fixed-response",
                    1,
                    fixed_response=FixedResponseConfig("403", "text/plain", "no"),
                ),
            ),
        ),
    ]
    return lb, lis, rules, groups


def test_api_records_compile_to_the_stand_ins_nginx() -> None:
    lb, lis, rules, groups = records()
    names = {g.arn: g.name for g in groups}
    model = EL.layout(
        "api-stack",
        "us-east-1",
        "000000000000",
        "c",
        [EL.load_balancer(lb, [(lis, rules)], names)],
        groups,
    )
    parts = AlbParts.of(model, "front")
    conf = render(
        parts, {"web": [("10.0.0.5", 8080, "healthy")], "api": [("10.0.0.6", 9000, "healthy")]}
    )
    assert "10.0.0.5:8080" in conf and "10.0.0.6:9000" in conf
    assert [(x.container_port, x.publish) for x in listens(parts)] == [(80, "127.0.0.1:18080")]
    web = model.target_group("web")
    assert (web.arn, web.deregistration_delay, web.health_check_path, web.matcher) == (
        WEB,
        5,
        "/health",
        "200-299",
    )
    assert web.stickiness == {
        "enabled": True,
        "type": "lb_cookie",
        "durationSeconds": 86400,
        "cookieName": None,
    }
    assert model.load_balancers[0].arn == LB_ARN
    assert spec.target_group_arn(model.account, "api-stack", web) == WEB  # its own ARN
    assert spec.load_balancer_arn(model.account, "api-stack", model.load_balancers[0]) == LB_ARN


def test_a_layout_stack_reads_back_as_the_same_records() -> None:
    lb, lis, rules, groups = records()
    names = {g.arn: g.name for g in groups}
    model = EL.layout(
        "api-stack",
        "us-east-1",
        "000000000000",
        "c",
        [EL.load_balancer(lb, [(lis, rules)], names)],
        groups,
    )
    world = of_layout("api-stack", model)
    (back_lis,) = world.records[Listener]
    assert back_lis.load_balancer_arn == LB_ARN and back_lis.publish == "127.0.0.1:18080"
    assert back_lis.default_actions == lis.default_actions
    back = sorted(world.records[Rule], key=lambda r: r.priority)
    assert [r.priority for r in back] == [10, 20, 30]
    for mine, theirs in zip(rules, back, strict=True):
        assert theirs.conditions == mine.conditions
        assert theirs.actions == mine.actions
        assert theirs.transforms == mine.transforms
    assert {g.arn for g in world.records[TargetGroup]} == {WEB, API}


def test_authentication_actions_are_left_out_of_what_the_stand_in_runs() -> None:
    lb, lis, rules, groups = records()
    oidc = auth.oidc_of(
        {
            "Issuer": "https://idp",
            "AuthorizationEndpoint": "https://idp/a",
            "TokenEndpoint": "https://idp/t",
            "UserInfoEndpoint": "https://idp/u",
            "ClientId": "c",
        }
    )
    cognito = auth.cognito_of(
        {"UserPoolArn": "arn:pool", "UserPoolClientId": "c", "UserPoolDomain": "d"}
    )
    forward = lis.default_actions[0]
    lis = replace(
        lis, protocol="HTTPS", default_actions=(Action("authenticate-oidc", 1, oidc=oidc), forward)
    )
    rules = [
        replace(r, actions=(Action("authenticate-cognito", 1, cognito=cognito), *r.actions))
        for r in rules
    ]
    names = {g.arn: g.name for g in groups}
    projected = EL.load_balancer(lb, [(lis, rules)], names)
    (listener,) = projected.listeners
    assert [a.type for a in listener.default_actions] == ["forward"]
    assert all("authenticate" not in a.type for r in listener.rules for a in r.actions)
    assert [len(r.actions) for r in listener.rules] == [len(r.actions) - 1 for r in rules]
    with pytest.raises(ApiError) as exc:
        auth.oidc_of({"Issuer": "https://idp"})
    assert (
        exc.value.message
        == "'AuthorizationEndpoint' must be specified for an 'authenticate-oidc' action"
    )
