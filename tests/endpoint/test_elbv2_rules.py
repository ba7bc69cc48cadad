"""ELBv2 listeners, rules and targets through the endpoint (boto3 and the AWS CLI): what AWS
answers and fills in, the checks a layout gets, and every error AWS gives; the waiters that
poll DescribeTargetHealth. Load balancers made here are deleted again (their nginx too)."""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.endpoint.test_elbv2 import default_vpc, error, make_tg, subnets, uniq  # noqa: F401 (autouse fixture)

FIXED = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}


@pytest.fixture
def elb(client: Any) -> Iterator[Any]:
    c = client("elbv2")
    yield c
    for lb in c.describe_load_balancers()["LoadBalancers"]:
        if lb["LoadBalancerName"].startswith("lr-"):
            c.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])


@pytest.fixture
def lb(elb: Any) -> str:
    arn: str = elb.create_load_balancer(Name=uniq("lr"), Subnets=subnets())["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    return arn


def listener(elb: Any, lb: str, port: int = 0, actions: list[Any] | None = None) -> dict[str, Any]:
    port = port or 20000 + uuid.uuid4().int % 20000
    out: dict[str, Any] = elb.create_listener(
        LoadBalancerArn=lb, Protocol="HTTP", Port=port, DefaultActions=actions or [FIXED]
    )["Listeners"][0]
    return out


def test_listener_forwards_as_aws_answers_it(elb: Any, lb: str) -> None:
    tg = make_tg(elb)["TargetGroupArn"]
    lis = listener(elb, lb, actions=[{"Type": "forward", "TargetGroupArn": tg}])
    assert lis["ListenerArn"].startswith(lb.replace(":loadbalancer/", ":listener/") + "/")
    assert lis["DefaultActions"] == [
        {
            "Type": "forward",
            "TargetGroupArn": tg,
            "Order": 1,
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": tg, "Weight": 1}],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == [lis]
    assert elb.describe_target_groups(TargetGroupArns=[tg])["TargetGroups"][0][
        "LoadBalancerArns"
    ] == [lb]
    assert [
        t["TargetGroupArn"] for t in elb.describe_target_groups(LoadBalancerArn=lb)["TargetGroups"]
    ] == [tg]
    # the same listener again is the same listener; another on its port is refused
    again = listener(elb, lb, lis["Port"], [{"Type": "forward", "TargetGroupArn": tg}])
    assert again["ListenerArn"] == lis["ListenerArn"]
    with pytest.raises(ClientError) as exc:
        listener(elb, lb, lis["Port"])
    assert error(exc) == (
        "DuplicateListener",
        f"A listener already exists on this port for this load balancer '{lb}'",
    )
    with pytest.raises(ClientError) as exc:
        elb.delete_target_group(TargetGroupArn=tg)
    assert error(exc) == (
        "ResourceInUse",
        f"Target group '{tg}' is currently in use by a listener or a rule",
    )


def test_listener_errors(elb: Any, lb: str) -> None:
    missing_tg = make_tg(elb)["TargetGroupArn"].rsplit("/", 1)[0] + "/0000000000000000"
    with pytest.raises(ClientError) as exc:
        listener(elb, lb, actions=[{"Type": "forward", "TargetGroupArn": missing_tg}])
    assert error(exc) == ("TargetGroupNotFound", f"Target groups '{missing_tg}' not found")
    with pytest.raises(ClientError) as exc:
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=81, DefaultActions=[FIXED])
    assert error(exc) == ("ValidationError", "Listener protocol 'TCP' must be one of 'HTTPS, HTTP'")
    with pytest.raises(ClientError) as exc:
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, DefaultActions=[FIXED])
    assert error(exc) == ("ValidationError", "A certificate must be specified for HTTPS listeners")
    cert = "arn:aws:acm:us-east-1:000000000000:certificate/0b1c2d3e"
    https = elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=20000 + uuid.uuid4().int % 20000,
        Certificates=[{"CertificateArn": cert}],
        DefaultActions=[FIXED],
    )["Listeners"][0]
    assert https["Certificates"] == [{"CertificateArn": cert}]
    assert https["SslPolicy"] == "ELBSecurityPolicy-2016-08"
    gone = lb.rsplit("/", 1)[0] + "/0000000000000000"
    with pytest.raises(ClientError) as exc:
        listener(elb, gone)
    assert error(exc) == ("LoadBalancerNotFound", f"Load balancer '{gone}' not found")
    with pytest.raises(ClientError) as exc:
        elb.describe_listeners()
    assert error(exc) == (
        "ValidationError",
        "You must specify either listener ARNs or a load balancer ARN",
    )
    lis = listener(elb, lb)["ListenerArn"]
    elb.delete_listener(ListenerArn=lis)
    calls: list[Callable[[], Any]] = [
        lambda: elb.delete_listener(ListenerArn=lis),
        lambda: elb.create_rule(ListenerArn=lis, Priority=1, Conditions=[], Actions=[FIXED]),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("ListenerNotFound", f"Listener '{lis}' not found")
    with pytest.raises(ClientError) as exc:
        elb.describe_listeners(ListenerArns=[lis])
    assert error(exc) == ("ListenerNotFound", "One or more listeners not found")


def test_a_target_group_serves_one_load_balancer(elb: Any, lb: str) -> None:
    tg = make_tg(elb)["TargetGroupArn"]
    listener(elb, lb, actions=[{"Type": "forward", "TargetGroupArn": tg}])
    other = elb.create_load_balancer(Name=uniq("lr"), Subnets=subnets())["LoadBalancers"][0]
    with pytest.raises(ClientError) as exc:
        listener(elb, other["LoadBalancerArn"], actions=[{"Type": "forward", "TargetGroupArn": tg}])
    assert error(exc) == (
        "TargetGroupAssociationLimit",
        f"The following target groups cannot be associated with more than one load balancer: {tg}",
    )


def test_rules_priorities_and_the_default_rule(elb: Any, lb: str) -> None:
    lis = listener(elb, lb)["ListenerArn"]
    api, web = make_tg(elb)["TargetGroupArn"], make_tg(elb)["TargetGroupArn"]
    r1 = elb.create_rule(
        ListenerArn=lis,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
        Actions=[{"Type": "forward", "TargetGroupArn": api}],
    )["Rules"][0]
    assert r1["Priority"] == "10" and r1["IsDefault"] is False
    assert r1["Conditions"] == [
        {
            "Field": "path-pattern",
            "Values": ["/api/*"],
            "PathPatternConfig": {"Values": ["/api/*"]},
        }
    ]
    r2 = elb.create_rule(
        ListenerArn=lis,
        Priority=20,
        Conditions=[
            {"Field": "host-header", "HostHeaderConfig": {"Values": ["*.example.com"]}},
            {
                "Field": "http-header",
                "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["dev"]},
            },
        ],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": web, "Weight": 80},
                        {"TargetGroupArn": api, "Weight": 20},
                    ],
                    "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60},
                },
            }
        ],
    )["Rules"][0]
    with pytest.raises(ClientError) as exc:
        elb.create_rule(
            ListenerArn=lis,
            Priority=10,
            Conditions=[{"Field": "path-pattern", "Values": ["/x"]}],
            Actions=[FIXED],
        )
    assert error(exc) == ("PriorityInUse", "Priority '10' is currently in use")
    rules = elb.describe_rules(ListenerArn=lis)["Rules"]
    assert [r["Priority"] for r in rules] == ["10", "20", "default"]
    default = rules[-1]
    assert default["IsDefault"] is True and default["Conditions"] == []
    assert default["Actions"][0]["FixedResponseConfig"] == {"StatusCode": "404"}
    # swap the two rules' priorities in one call
    swapped = elb.set_rule_priorities(
        RulePriorities=[
            {"RuleArn": r1["RuleArn"], "Priority": 20},
            {"RuleArn": r2["RuleArn"], "Priority": 10},
        ]
    )["Rules"]
    assert {r["RuleArn"]: r["Priority"] for r in swapped} == {
        r1["RuleArn"]: "20",
        r2["RuleArn"]: "10",
    }
    modified = elb.modify_rule(
        RuleArn=r1["RuleArn"],
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/v2/*"]}}],
    )["Rules"][0]
    assert modified["Conditions"] == [
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/v2/*"]}}
    ]
    refused: list[tuple[Callable[[], Any], str]] = [
        (lambda: elb.delete_rule(RuleArn=default["RuleArn"]), "deleted"),
        (lambda: elb.modify_rule(RuleArn=default["RuleArn"], Actions=[FIXED]), "modified"),
    ]
    for call, verb in refused:
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == (
            "OperationNotPermitted",
            f"Default rule '{default['RuleArn']}' cannot be {verb}",
        )
    elb.delete_rule(RuleArn=r1["RuleArn"])
    with pytest.raises(ClientError) as exc:
        elb.delete_rule(RuleArn=r1["RuleArn"])
    assert error(exc) == ("RuleNotFound", f"Rule '{r1['RuleArn']}' not found")
    with pytest.raises(ClientError) as exc:
        elb.describe_rules(RuleArns=[r1["RuleArn"]])
    assert error(exc) == ("RuleNotFound", "One or more rules not found")
    with pytest.raises(ClientError) as exc:
        elb.set_rule_priorities(
            RulePriorities=[
                {"RuleArn": r2["RuleArn"], "Priority": 5},
                {"RuleArn": default["RuleArn"], "Priority": 5},
            ]
        )
    assert error(exc) == ("ValidationError", "Priority '5' was provided multiple times")


@pytest.mark.parametrize(
    ("conditions", "actions", "transforms", "needle"),
    [
        ([{"Field": "path-pattern", "Values": ["/a b"]}], [FIXED], None, "path condition"),
        ([{"Field": "host-header", "Values": ["localhost"]}], [FIXED], None, "'.'"),
        ([{"Field": "query-param", "Values": ["x"]}], [FIXED], None, "Condition field"),
        (
            [{"Field": "path-pattern", "Values": ["/x"]}],
            [{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301"}}],
            None,
            "would redirect to itself",
        ),
        (
            [{"Field": "path-pattern", "Values": ["/x"]}],
            [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "302"}}],
            None,
            "Fixed response status code",
        ),
        (
            [{"Field": "path-pattern", "Values": ["/x"]}],
            [FIXED],
            [
                {
                    "Type": "url-rewrite",
                    "UrlRewriteConfig": {"Rewrites": [{"Regex": "^/(?=x)", "Replace": "/"}]},
                }
            ],
            "lookaround",
        ),
        ([], [FIXED], None, "at least one condition"),
    ],
)
def test_rules_get_the_checks_a_layout_gets(
    elb: Any,
    lb: str,
    conditions: list[Any],
    actions: list[Any],
    transforms: list[Any] | None,
    needle: str,
) -> None:
    lis = listener(elb, lb)["ListenerArn"]
    extra = {"Transforms": transforms} if transforms else {}
    with pytest.raises(ClientError) as exc:
        elb.create_rule(
            ListenerArn=lis, Priority=1, Conditions=conditions, Actions=actions, **extra
        )
    code, message = error(exc)
    assert code == "ValidationError" and needle in message, message


def test_redirects_transforms_and_tags_on_rules(elb: Any, lb: str, aws: Any) -> None:
    lis = listener(elb, lb)["ListenerArn"]
    redirect = {
        "Protocol": "HTTPS",
        "Port": "443",
        "Host": "#{host}",
        "Path": "/#{path}",
        "Query": "#{query}",
        "StatusCode": "HTTP_301",
    }
    out = aws.ok(
        "elbv2",
        "create-rule",
        "--listener-arn",
        lis,
        "--priority",
        "5",
        "--conditions",
        '[{"Field":"path-pattern","PathPatternConfig":{"Values":["/old/*"]}}]',
        "--actions",
        '[{"Type":"redirect","RedirectConfig":{"Protocol":"HTTPS","Port":"443",'
        '"StatusCode":"HTTP_301"}}]',
        "--transforms",
        '[{"Type":"url-rewrite","UrlRewriteConfig":{"Rewrites":[{"Regex":"^/old/(.*)$",'
        '"Replace":"/new/$1"}]}}]',
        "--tags",
        "Key=owner,Value=web",
    )
    rule = out["Rules"][0]
    assert rule["Actions"][0]["RedirectConfig"] == redirect
    assert rule["Transforms"] == [
        {
            "Type": "url-rewrite",
            "UrlRewriteConfig": {"Rewrites": [{"Regex": "^/old/(.*)$", "Replace": "/new/$1"}]},
        }
    ]
    tags = elb.describe_tags(ResourceArns=[rule["RuleArn"], lis])["TagDescriptions"]
    assert tags == [
        {"ResourceArn": rule["RuleArn"], "Tags": [{"Key": "owner", "Value": "web"}]},
        {"ResourceArn": lis, "Tags": []},
    ]
    reset = elb.modify_rule(RuleArn=rule["RuleArn"], ResetTransforms=True)["Rules"][0]
    assert "Transforms" not in reset


def test_modify_listener_moves_port_and_actions(elb: Any, lb: str) -> None:
    lis = listener(elb, lb)
    arn = lis["ListenerArn"]
    assert elb.describe_listener_attributes(ListenerArn=arn)["Attributes"] == [
        {"Key": "routing.http.response.server.enabled", "Value": "true"}
    ]
    hsts = "routing.http.response.strict_transport_security.header_value"
    got = elb.modify_listener_attributes(
        ListenerArn=arn, Attributes=[{"Key": hsts, "Value": "max-age=31536000"}]
    )["Attributes"]
    assert {"Key": hsts, "Value": "max-age=31536000"} in got
    with pytest.raises(ClientError) as exc:
        elb.modify_listener_attributes(ListenerArn=arn, Attributes=[{"Key": "x.y", "Value": "1"}])
    assert error(exc) == ("ValidationError", "Listener attribute key 'x.y' is not recognized")
    tg = make_tg(elb)["TargetGroupArn"]
    port = lis["Port"] + 1
    moved = elb.modify_listener(
        ListenerArn=lis["ListenerArn"],
        Port=port,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Listeners"][0]
    assert moved["Port"] == port and moved["DefaultActions"][0]["TargetGroupArn"] == tg


# -- targets --------------------------------------------------------------------------------------


@pytest.fixture
def http_ok() -> Iterator[int]:
    """A local HTTP server answering 200: what an ``instance`` target on this machine is."""

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield int(server.server_address[1])
    server.shutdown()


def wait(elb: Any, name: str, **kw: Any) -> None:
    elb.get_waiter(name).wait(**kw, WaiterConfig={"Delay": 1, "MaxAttempts": 30})


def test_targets_through_their_states_and_the_waiters(elb: Any, lb: str, http_ok: int) -> None:
    tg = make_tg(elb, HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2)["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "2"}],
    )
    target = {"Id": "i-0123456789abcdef0", "Port": http_ok}
    elb.register_targets(TargetGroupArn=tg, Targets=[target])
    health: Callable[[], list[Any]] = lambda: elb.describe_target_health(TargetGroupArn=tg)[  # noqa: E731
        "TargetHealthDescriptions"
    ]
    assert health() == [
        {
            "Target": target,
            "HealthCheckPort": str(http_ok),
            "TargetHealth": {
                "State": "unused",
                "Reason": "Target.NotInUse",
                "Description": "Target group is not configured to receive traffic from the "
                "load balancer",
            },
        }
    ]
    listener(elb, lb, actions=[{"Type": "forward", "TargetGroupArn": tg}])
    wait(elb, "target_in_service", TargetGroupArn=tg, Targets=[target])
    assert health()[0]["TargetHealth"] == {"State": "healthy"}
    unknown = {"Id": "i-0fffffffffffffff0", "Port": http_ok}
    assert elb.describe_target_health(TargetGroupArn=tg, Targets=[unknown])[
        "TargetHealthDescriptions"
    ][0]["TargetHealth"] == {
        "State": "unused",
        "Reason": "Target.NotRegistered",
        "Description": "Target is not registered to the target group",
    }
    elb.deregister_targets(TargetGroupArn=tg, Targets=[target])
    assert health()[0]["TargetHealth"]["State"] == "draining"
    wait(elb, "target_deregistered", TargetGroupArn=tg, Targets=[target])
    assert health() == []
    with pytest.raises(ClientError) as exc:
        elb.deregister_targets(TargetGroupArn=tg, Targets=[unknown])
    assert error(exc)[0] == "InvalidTarget"


def test_unhealthy_target_says_why(elb: Any, lb: str) -> None:
    tg = make_tg(elb, HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=2)["TargetGroupArn"]
    listener(elb, lb, actions=[{"Type": "forward", "TargetGroupArn": tg}])
    target = {"Id": "i-0123456789abcdef1", "Port": 1}  # nothing listens on port 1
    elb.register_targets(TargetGroupArn=tg, Targets=[target])
    first = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"][0]
    assert first["TargetHealth"]["State"] in ("initial", "unhealthy")
    assert first["TargetHealth"]["Reason"] in (
        "Elb.InitialHealthChecking",
        "Target.FailedHealthChecks",
    )


OIDC = {
    "Issuer": "https://idp.example.com",
    "AuthorizationEndpoint": "https://idp.example.com/authorize",
    "TokenEndpoint": "https://idp.example.com/token",
    "UserInfoEndpoint": "https://idp.example.com/userinfo",
    "ClientId": "ecsdev-client",
    "ClientSecret": "never-kept-5f1d9c",
    "AuthenticationRequestExtraParams": {"prompt": "login"},
}


def test_authentication_actions_are_kept_read_back_and_not_enforced(
    elb: Any, lb: str, endpoint: Any
) -> None:
    tg = make_tg(elb)["TargetGroupArn"]
    forward = {"Type": "forward", "TargetGroupArn": tg, "Order": 2}
    port = 20000 + uuid.uuid4().int % 20000
    lis = elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=port,
        Certificates=[{"CertificateArn": "arn:aws:acm:us-east-1:000000000000:certificate/x"}],
        DefaultActions=[
            {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": OIDC},
            forward,
        ],
    )["Listeners"][0]
    oidc = lis["DefaultActions"][0]
    assert (oidc["Type"], oidc["Order"], lis["DefaultActions"][1]["Type"]) == (
        "authenticate-oidc",
        1,
        "forward",
    )
    want = {k: v for k, v in OIDC.items() if k != "ClientSecret"} | {
        "SessionCookieName": "AWSELBAuthSessionCookie",  # what AWS fills in
        "Scope": "openid",
        "SessionTimeout": 604800,
        "OnUnauthenticatedRequest": "authenticate",
    }
    assert oidc["AuthenticateOidcConfig"] == want  # the secret is never read back
    assert elb.describe_listeners(ListenerArns=[lis["ListenerArn"]])["Listeners"] == [lis]
    cognito = {
        "UserPoolArn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc",
        "UserPoolClientId": "client",
        "UserPoolDomain": "login.example",
        "OnUnauthenticatedRequest": "deny",
        "SessionTimeout": 3600,
    }
    rule = elb.create_rule(
        ListenerArn=lis["ListenerArn"],
        Priority=5,
        Conditions=[{"Field": "path-pattern", "Values": ["/admin/*"]}],
        Actions=[
            {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": cognito},
            forward,
        ],
    )["Rules"][0]
    assert rule["Actions"][0]["AuthenticateCognitoConfig"] == cognito | {
        "SessionCookieName": "AWSELBAuthSessionCookie",
        "Scope": "openid",
    }
    said = [x for x in endpoint.log().splitlines() if "is not enforced locally" in x]
    assert any(f"listener {port}: authenticate-oidc" in x for x in said), said
    assert any(f"listener {port} rule 5: authenticate-cognito" in x for x in said), said
    kept = b"".join(p.read_bytes() for p in endpoint.state_dir.rglob("*") if p.is_file())
    assert OIDC["ClientSecret"].encode() not in kept  # neither stored nor logged
    # what AWS refuses: authentication on HTTP, or as a rule's last action
    oidc_action = {"Type": "authenticate-oidc", "Order": 1, "AuthenticateOidcConfig": OIDC}
    with pytest.raises(ClientError) as exc:
        listener(elb, lb, actions=[oidc_action, forward])
    assert error(exc)[0] == "ValidationError" and "only on HTTPS listeners" in error(exc)[1]
    with pytest.raises(ClientError) as exc:
        elb.modify_listener(ListenerArn=lis["ListenerArn"], DefaultActions=[oidc_action])
    assert "must be followed by a forward, redirect or fixed-response" in error(exc)[1]
    too_long = OIDC | {"SessionTimeout": 604801}
    with pytest.raises(ClientError) as exc:
        elb.modify_listener(
            ListenerArn=lis["ListenerArn"],
            DefaultActions=[{**oidc_action, "AuthenticateOidcConfig": too_long}, forward],
        )
    assert error(exc) == (
        "ValidationError",
        "Session timeout '604801' must be between 1 and 604800 seconds",
    )


def test_a_secure_listener_keeps_more_certificates(elb: Any, lb: str) -> None:
    cert = "arn:aws:acm:us-east-1:000000000000:certificate/{}".format
    lis = elb.create_listener(
        LoadBalancerArn=lb,
        Protocol="HTTPS",
        Port=20000 + uuid.uuid4().int % 20000,
        Certificates=[{"CertificateArn": cert("default")}],
        DefaultActions=[FIXED],
    )["Listeners"][0]["ListenerArn"]
    for name in ("api", "www", "api"):  # the same one twice is kept once
        elb.add_listener_certificates(
            ListenerArn=lis, Certificates=[{"CertificateArn": cert(name)}]
        )
    listed = elb.describe_listener_certificates(ListenerArn=lis)["Certificates"]
    assert listed == [
        {"CertificateArn": cert("default"), "IsDefault": True},
        {"CertificateArn": cert("api"), "IsDefault": False},
        {"CertificateArn": cert("www"), "IsDefault": False},
    ]
    page = elb.describe_listener_certificates(ListenerArn=lis, PageSize=2)
    assert len(page["Certificates"]) == 2 and page["NextMarker"]
    # DescribeListeners still shows the default one alone
    shown = elb.describe_listeners(ListenerArns=[lis])["Listeners"][0]["Certificates"]
    assert shown == [{"CertificateArn": cert("default")}]
    elb.remove_listener_certificates(
        ListenerArn=lis, Certificates=[{"CertificateArn": cert("api")}]
    )
    listed = elb.describe_listener_certificates(ListenerArn=lis)["Certificates"]
    assert [c["CertificateArn"] for c in listed] == [cert("default"), cert("www")]
    with pytest.raises(ClientError) as exc:
        elb.remove_listener_certificates(
            ListenerArn=lis, Certificates=[{"CertificateArn": cert("default")}]
        )
    assert error(exc)[0] == "OperationNotPermitted"
    plain = listener(elb, lb)["ListenerArn"]
    with pytest.raises(ClientError) as exc:
        elb.add_listener_certificates(
            ListenerArn=plain, Certificates=[{"CertificateArn": cert("x")}]
        )
    assert error(exc) == (
        "ValidationError",
        "Certificates are supported only on secure listeners, not HTTP",
    )
    elb.delete_listener(ListenerArn=lis)
    with pytest.raises(ClientError) as exc:
        elb.describe_listener_certificates(ListenerArn=lis)
    assert error(exc)[0] == "ListenerNotFound"
