"""ELBv2 load balancers, target groups, attributes, tags and pagination through the endpoint,
with boto3 and the AWS CLI: what AWS answers, what it fills in, and every error it gives."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any
from unittest.mock import ANY

import pytest
from botocore.exceptions import ClientError

NET: dict[str, Any] = {}
"""The region's default VPC and two of its default subnets (EC2 makes them on first use)."""


def subnets() -> list[str]:
    return list(NET["subnets"][:2])


def vpc() -> str:
    return str(NET["vpc"])


@pytest.fixture(autouse=True)
def default_vpc(client: Any) -> None:
    if NET:
        return
    ec2 = client("ec2")
    vid = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0][
        "VpcId"
    ]
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"]
    found.sort(key=lambda s: s["AvailabilityZone"])
    NET.update(
        vpc=vid,
        subnets=[s["SubnetId"] for s in found],
        zones=[s["AvailabilityZone"] for s in found],
    )


def uniq(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


@pytest.fixture
def elb(client: Any) -> Any:
    return client("elbv2")


def make_tg(elb: Any, name: str | None = None, **kw: Any) -> dict[str, Any]:
    args = {"Name": name or uniq("tg"), "Protocol": "HTTP", "Port": 80, "VpcId": vpc()} | kw
    tg: dict[str, Any] = elb.create_target_group(**args)["TargetGroups"][0]
    return tg


def make_lb(elb: Any, name: str | None = None, **kw: Any) -> dict[str, Any]:
    args = {"Name": name or uniq("lb"), "Subnets": subnets()} | kw
    lb: dict[str, Any] = elb.create_load_balancer(**args)["LoadBalancers"][0]
    return lb


# -- target groups --------------------------------------------------------------------------------


def test_target_group_is_answered_with_what_aws_fills_in(elb: Any) -> None:
    name = uniq("web")
    tg = make_tg(elb, name, TargetType="ip")
    assert tg["TargetGroupArn"].startswith(
        f"arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/{name}/"
    )
    expected = {
        "TargetGroupName": name,
        "Protocol": "HTTP",
        "Port": 80,
        "VpcId": vpc(),
        "TargetType": "ip",
        "ProtocolVersion": "HTTP1",
        "IpAddressType": "ipv4",
        "HealthCheckEnabled": True,
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckPath": "/",
        "HealthCheckIntervalSeconds": 30,
        "HealthCheckTimeoutSeconds": 5,
        "HealthyThresholdCount": 5,
        "UnhealthyThresholdCount": 2,
        "Matcher": {"HttpCode": "200"},
        "LoadBalancerArns": [],
    }
    assert {k: tg[k] for k in expected} == expected
    described = elb.describe_target_groups(TargetGroupArns=[tg["TargetGroupArn"]])
    assert described["TargetGroups"] == [tg]
    attrs = {
        a["Key"]: a["Value"]
        for a in elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])[
            "Attributes"
        ]
    }
    assert attrs["deregistration_delay.timeout_seconds"] == "300"
    assert attrs["stickiness.enabled"] == "false"
    assert attrs["stickiness.type"] == "lb_cookie"
    assert attrs["load_balancing.algorithm.type"] == "round_robin"
    assert attrs["slow_start.duration_seconds"] == "0"


def test_grpc_and_lambda_target_groups_get_their_own_defaults(elb: Any) -> None:
    grpc = make_tg(elb, ProtocolVersion="GRPC")
    assert grpc["HealthCheckPath"] == "/AWS.ALB/healthcheck"
    assert grpc["Matcher"] == {"GrpcCode": "12"}
    lam = elb.create_target_group(Name=uniq("fn"), TargetType="lambda")["TargetGroups"][0]
    assert lam["HealthCheckEnabled"] is False
    assert (lam["HealthCheckIntervalSeconds"], lam["HealthCheckTimeoutSeconds"]) == (35, 30)
    assert "Port" not in lam and "VpcId" not in lam and "Protocol" not in lam


def test_a_protocol_version_the_stand_in_does_not_speak_is_said_in_the_serve_log(
    elb: Any, endpoint: Any
) -> None:
    name = uniq("grpc")
    make_tg(elb, name, ProtocolVersion="GRPC")
    make_tg(elb, name, ProtocolVersion="GRPC")  # the same group again: said once
    h2 = make_tg(elb, ProtocolVersion="HTTP2")["TargetGroupName"]
    plain = make_tg(elb)["TargetGroupName"]  # HTTP1, what the stand-in speaks
    said = [x for x in endpoint.log().splitlines() if "is not served locally" in x]
    assert len([x for x in said if f"target group {name}: protocol version GRPC" in x]) == 1
    assert any(f"target group {h2}: protocol version HTTP2" in x for x in said)
    assert not any(plain in x for x in said)


def test_create_target_group_again_is_idempotent_unless_settings_differ(elb: Any) -> None:
    name = uniq("same")
    first = make_tg(elb, name)
    assert make_tg(elb, name)["TargetGroupArn"] == first["TargetGroupArn"]
    with pytest.raises(ClientError) as exc:
        make_tg(elb, name, Port=8080)
    assert error(exc) == (
        "DuplicateTargetGroupName",
        f"A target group with the same name '{name}' exists, but with different settings",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("x" * 33, "Target group name '{n}' cannot be longer than '32' characters"),
        (
            "bad_name",
            "Target group name '{n}' can only contain characters that are alphanumeric "
            "characters or hyphens(-)",
        ),
        ("-edge", "Target group name '{n}' cannot begin or end with '-'"),
    ],
)
def test_target_group_names_are_checked(elb: Any, name: str, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        make_tg(elb, name)
    assert error(exc) == ("ValidationError", message.format(n=name))


def test_target_group_settings_are_checked(elb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        elb.create_target_group(Name=uniq("np"), Protocol="HTTP", VpcId=vpc())
    assert error(exc) == ("ValidationError", "A port must be specified")
    with pytest.raises(ClientError) as exc:
        make_tg(elb, VpcId="vpc-0123456789abcdef0")
    assert error(exc) == ("ValidationError", "The VPC ID 'vpc-0123456789abcdef0' is not found")
    with pytest.raises(ClientError) as exc:
        make_tg(elb, HealthCheckIntervalSeconds=400)
    assert error(exc) == (
        "ValidationError",
        "1 validation error detected: Value '400' at 'healthCheckIntervalSeconds' failed to "
        "satisfy constraint: Member must have value less than or equal to 300",
    )
    with pytest.raises(ClientError) as exc:
        make_tg(elb, TargetType="ip", HealthCheckEnabled=False)
    assert error(exc) == (
        "ValidationError",
        "Health check enabled must be true for target groups with target type 'ip'",
    )
    with pytest.raises(ClientError) as exc:
        make_tg(elb, HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=5)
    assert error(exc)[0] == "ValidationError"
    with pytest.raises(ClientError) as exc:
        make_tg(elb, Matcher={"HttpCode": "600"})
    assert error(exc)[0] == "ValidationError"


def test_modify_target_group_and_its_attributes(elb: Any) -> None:
    arn = make_tg(elb)["TargetGroupArn"]
    tg = elb.modify_target_group(
        TargetGroupArn=arn,
        HealthCheckPath="/healthz",
        HealthCheckIntervalSeconds=10,
        HealthyThresholdCount=2,
        Matcher={"HttpCode": "200-299"},
    )["TargetGroups"][0]
    assert (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"]) == ("/healthz", 10)
    assert (tg["HealthyThresholdCount"], tg["Matcher"]) == (2, {"HttpCode": "200-299"})
    attrs = elb.modify_target_group_attributes(
        TargetGroupArn=arn,
        Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"},
            {"Key": "stickiness.enabled", "Value": "true"},
        ],
    )["Attributes"]
    got = {a["Key"]: a["Value"] for a in attrs}
    assert got["deregistration_delay.timeout_seconds"] == "5"
    assert got["stickiness.enabled"] == "true"
    with pytest.raises(ClientError) as exc:
        elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay", "Value": "5"}]
        )
    assert error(exc) == (
        "ValidationError",
        "Target group attribute key 'deregistration_delay' is not recognized",
    )
    with pytest.raises(ClientError) as exc:
        elb.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "7200"}],
        )
    assert error(exc)[0] == "ValidationError"


def test_unknown_target_groups_are_not_found(elb: Any) -> None:
    missing = (
        "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/nope/0123456789abcdef"
    )
    calls: list[Callable[[], Any]] = [
        lambda: elb.describe_target_groups(TargetGroupArns=[missing]),
        lambda: elb.describe_target_groups(Names=[uniq("nope")]),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert error(exc) == ("TargetGroupNotFound", "One or more target groups not found")
    with pytest.raises(ClientError) as exc:
        elb.describe_target_group_attributes(TargetGroupArn=missing)
    assert error(exc) == ("TargetGroupNotFound", f"Target groups '{missing}' not found")
    with pytest.raises(ClientError) as exc:
        elb.describe_target_health(TargetGroupArn=missing)
    assert error(exc)[0] == "TargetGroupNotFound"
    elb.delete_target_group(TargetGroupArn=missing)  # deleting what is gone succeeds


# -- load balancers -------------------------------------------------------------------------------


def test_load_balancer_is_provisioned_then_available(elb: Any, aws: Any) -> None:
    name = uniq("front")
    lb = make_lb(elb, name)
    assert lb["State"] == {"Code": "provisioning"}
    assert lb["DNSName"].startswith(f"{name}-") and lb["DNSName"].endswith(
        ".us-east-1.elb.localhost"
    )
    assert lb["LoadBalancerArn"].startswith(
        f"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/{name}/"
    )
    assert (lb["Type"], lb["Scheme"], lb["IpAddressType"]) == (
        "application",
        "internet-facing",
        "ipv4",
    )
    assert [(z["SubnetId"], z["ZoneName"]) for z in lb["AvailabilityZones"]] == list(
        zip(subnets(), NET["zones"][:2], strict=True)
    )
    assert lb["VpcId"] == vpc() and len(lb["SecurityGroups"]) == 1  # the VPC's default group
    elb.get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[lb["LoadBalancerArn"]], WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )
    again = elb.describe_load_balancers(Names=[name])["LoadBalancers"][0]
    assert again["State"] == {"Code": "active"}
    waited = aws("elbv2", "wait", "load-balancer-available", "--names", name)
    assert waited.code == 0, waited.err
    internal = make_lb(elb, Scheme="internal")
    assert internal["DNSName"].startswith("internal-")


def test_create_load_balancer_again_is_idempotent_unless_settings_differ(elb: Any) -> None:
    name = uniq("twice")
    first = make_lb(elb, name)
    assert make_lb(elb, name)["LoadBalancerArn"] == first["LoadBalancerArn"]
    with pytest.raises(ClientError) as exc:
        make_lb(elb, name, Scheme="internal")
    assert error(exc) == (
        "DuplicateLoadBalancerName",
        f"A load balancer with the same name '{name}' exists, but with different settings",
    )


def test_load_balancer_input_is_checked(elb: Any) -> None:
    with pytest.raises(ClientError) as exc:
        make_lb(elb, Subnets=subnets()[:1])
    assert error(exc) == (
        "ValidationError",
        "At least two subnets in two different Availability Zones must be specified",
    )
    with pytest.raises(ClientError) as exc:
        make_lb(elb, Subnets=[subnets()[0], "subnet-0123456789abcdef0"])
    assert error(exc) == ("SubnetNotFound", "The subnet ID 'subnet-0123456789abcdef0' is not valid")
    with pytest.raises(ClientError) as exc:
        make_lb(elb, SecurityGroups=["sg-0123456789abcdef0"])
    assert error(exc) == (
        "InvalidSecurityGroup",
        "Security group 'sg-0123456789abcdef0' does not exist",
    )
    with pytest.raises(ClientError) as exc:
        make_lb(elb, "internal-x")
    assert error(exc) == (
        "ValidationError",
        "Load balancer name 'internal-x' cannot begin with 'internal-'",
    )


def test_unknown_load_balancers_are_not_found(elb: Any) -> None:
    name = uniq("ghost")
    with pytest.raises(ClientError) as exc:
        elb.describe_load_balancers(Names=[name])
    assert error(exc) == ("LoadBalancerNotFound", f"Load balancers '[{name}]' not found")
    arn = f"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/{name}/0123456789abcdef"
    with pytest.raises(ClientError) as exc:
        elb.describe_load_balancers(LoadBalancerArns=[arn])
    assert error(exc) == ("LoadBalancerNotFound", "One or more load balancers not found")
    with pytest.raises(ClientError) as exc:
        elb.describe_load_balancer_attributes(LoadBalancerArn=arn)
    assert error(exc) == ("LoadBalancerNotFound", f"Load balancer '{arn}' not found")
    elb.delete_load_balancer(LoadBalancerArn=arn)  # deleting what is gone succeeds


def test_load_balancer_attributes_and_deletion_protection(elb: Any) -> None:
    arn = make_lb(elb)["LoadBalancerArn"]
    attrs = {
        a["Key"]: a["Value"]
        for a in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    }
    assert attrs["idle_timeout.timeout_seconds"] == "60"
    assert attrs["routing.http2.enabled"] == "true"
    assert attrs["routing.http.xff_header_processing.mode"] == "append"
    assert attrs["deletion_protection.enabled"] == "false"
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}]
    )
    with pytest.raises(ClientError) as exc:
        elb.delete_load_balancer(LoadBalancerArn=arn)
    assert error(exc)[0] == "OperationNotPermitted"
    with pytest.raises(ClientError) as exc:
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": "idle_timeout", "Value": "5"}]
        )
    assert error(exc) == (
        "ValidationError",
        "Load balancer attribute key 'idle_timeout' is not recognized",
    )
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}]
    )
    elb.delete_load_balancer(LoadBalancerArn=arn)
    elb.get_waiter("load_balancers_deleted").wait(
        LoadBalancerArns=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )


# -- tags and pages -------------------------------------------------------------------------------


def test_tags_on_load_balancers_and_target_groups(elb: Any) -> None:
    lb = make_lb(elb, Tags=[{"Key": "team", "Value": "web"}])["LoadBalancerArn"]
    tg = make_tg(elb)["TargetGroupArn"]
    elb.add_tags(ResourceArns=[lb, tg], Tags=[{"Key": "env", "Value": "dev"}])
    elb.remove_tags(ResourceArns=[lb], TagKeys=["team"])
    got = {
        d["ResourceArn"]: d["Tags"]
        for d in elb.describe_tags(ResourceArns=[lb, tg])["TagDescriptions"]
    }
    assert got == {lb: [{"Key": "env", "Value": "dev"}], tg: [{"Key": "env", "Value": "dev"}]}
    missing = tg.replace("targetgroup/", "targetgroup/x").rsplit("/", 1)[0] + "/0000000000000000"
    with pytest.raises(ClientError) as exc:
        elb.describe_tags(ResourceArns=[missing])
    assert error(exc)[0] == "TargetGroupNotFound"


def test_describe_pages_with_marker_and_page_size(elb: Any, aws: Any) -> None:
    prefix = uniq("pg")
    arns = [make_tg(elb, f"{prefix}-{i}")["TargetGroupArn"] for i in range(3)]
    first = elb.describe_target_groups(TargetGroupArns=arns, PageSize=2)
    assert len(first["TargetGroups"]) == 2 and first["NextMarker"]
    rest = elb.describe_target_groups(TargetGroupArns=arns, PageSize=2, Marker=first["NextMarker"])
    assert len(rest["TargetGroups"]) == 1 and "NextMarker" not in rest
    names = [t["TargetGroupName"] for t in first["TargetGroups"] + rest["TargetGroups"]]
    assert names == [f"{prefix}-{i}" for i in range(3)]
    paginator = elb.get_paginator("describe_target_groups")
    pages = list(paginator.paginate(TargetGroupArns=arns, PaginationConfig={"PageSize": 1}))
    assert len(pages) == 3
    # the CLI pages by itself (--page-size is the operation's own PageSize here: one page)
    out = aws.ok("elbv2", "describe-target-groups", "--target-group-arns", *arns)
    assert [t["TargetGroupName"] for t in out["TargetGroups"]] == names
    one = aws.ok("elbv2", "describe-target-groups", "--names", *names, "--page-size", "1")
    assert len(one["TargetGroups"]) == 1 and one["NextMarker"]


def test_cli_errors_read_as_aws_s(aws: Any) -> None:
    err = aws.fails(
        "elbv2", "describe-load-balancers", "--names", "no-such-lb-x", code="LoadBalancerNotFound"
    )
    assert "Load balancers '[no-such-lb-x]' not found" in err
    name = uniq("cli")
    aws.ok(
        "elbv2",
        "create-target-group",
        "--name",
        name,
        "--protocol",
        "HTTP",
        "--port",
        "80",
        "--vpc-id",
        vpc(),
    )
    aws.fails(
        "elbv2",
        "create-target-group",
        "--name",
        name,
        "--protocol",
        "HTTP",
        "--port",
        "81",
        "--vpc-id",
        vpc(),
        code="DuplicateTargetGroupName",
    )


# -- one world: the load balancers of `ecsdev up` stacks ------------------------------------------


def test_layout_stacks_load_balancers_read_through_the_api(
    elb: Any, endpoint: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emulator.alb import spec
    from emulator.albstate import APPLIED_KEY, SNAPSHOT_KEY, spec_digest
    from emulator.arns import Account
    from emulator.model import layout as m
    from emulator.store import Store

    stack = uniq("lay")
    layout = m.Layout(
        name=stack,
        source="/somewhere/layout.yaml",
        target_groups=(m.TargetGroup(f"{stack}-web", health_check_path="/health"),),
        load_balancers=(
            m.LoadBalancer(
                f"{stack}-front",
                subnets=("public",),
                listeners=(
                    m.Listener(
                        8080,
                        publish="127.0.0.1:18080",
                        default_actions=(
                            m.Action("forward", (m.WeightedTargetGroup(f"{stack}-web"),)),
                        ),
                        rules=(
                            m.Rule(
                                5,
                                (m.Condition("path-pattern", ("/api/*",)),),
                                (m.Action("fixed-response", status_code="204"),),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )
    lb_arn = spec.load_balancer_arn(Account(), stack, f"{stack}-front")
    tg_arn = spec.target_group_arn(Account(), stack, f"{stack}-web")
    monkeypatch.setenv("ECSDEV_STATE_DIR", str(endpoint.state_dir))
    store = Store(stack)
    meta = {"name": stack, "cluster": stack, "region": "us-east-1", "layout": layout.source}
    store.put("stack", meta | {"accountId": "000000000000"})
    store.put(spec.ALB_KEY, spec.record(layout))
    target = {"Target": {"Id": "10.0.0.7", "Port": 80}, "HealthCheckPort": "80"}
    store.put(
        SNAPSHOT_KEY,
        {"at": 1.0, "targetGroups": {tg_arn: [target | {"TargetHealth": {"State": "healthy"}}]}},
    )
    recorded = json.dumps(spec.record(layout), sort_keys=True)
    store.put(APPLIED_KEY, {"spec": spec_digest(recorded), "at": 2.0})  # nginx runs it
    store.close()

    (lb,) = elb.describe_load_balancers(Names=[f"{stack}-front"])["LoadBalancers"]
    assert (lb["LoadBalancerArn"], lb["State"]) == (lb_arn, {"Code": "active"})
    (lis,) = elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
    assert lis["Port"] == 8080 and lis["DefaultActions"][0]["TargetGroupArn"] == tg_arn
    rules = elb.describe_rules(ListenerArn=lis["ListenerArn"])["Rules"]
    assert [r["Priority"] for r in rules] == ["5", "default"]
    assert rules[0]["Actions"][0]["FixedResponseConfig"] == {"StatusCode": "204"}
    (tg,) = elb.describe_target_groups(LoadBalancerArn=lb_arn)["TargetGroups"]
    assert (tg["TargetGroupArn"], tg["HealthCheckPath"], tg["LoadBalancerArns"]) == (
        tg_arn,
        "/health",
        [lb_arn],
    )
    health = elb.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    assert health == [target | {"TargetHealth": {"State": "healthy"}}]
    with pytest.raises(ClientError) as exc:
        elb.modify_load_balancer_attributes(
            LoadBalancerArn=lb_arn,
            Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "30"}],
        )
    code, message = error(exc)
    assert code == "OperationNotPermitted" and f"'{stack}'" in message


def test_placement_and_capacity_change_in_place_as_terraform_changes_them(
    elb: Any, client: Any
) -> None:
    lb = make_lb(elb)
    arn = lb["LoadBalancerArn"]
    ec2 = client("ec2")
    group = ec2.create_security_group(GroupName=uniq("lb-group"), Description="lb", VpcId=vpc())
    sg = group["GroupId"]
    assert elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[sg])[
        "SecurityGroupIds"
    ] == [sg]
    with pytest.raises(ClientError) as exc:
        elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=["sg-00000000000000000"])
    assert error(exc) == (
        "InvalidSecurityGroup",
        "Security group 'sg-00000000000000000' does not exist",
    )
    moved = list(reversed(NET["subnets"]))[:2]  # two other zones where the VPC has them
    got = elb.set_subnets(LoadBalancerArn=arn, Subnets=moved)
    assert sorted(z["SubnetId"] for z in got["AvailabilityZones"]) == sorted(moved)
    with pytest.raises(ClientError) as exc:
        elb.set_subnets(LoadBalancerArn=arn, Subnets=moved[:1])
    assert error(exc)[0] == "ValidationError"
    assert elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="dualstack") == {
        "IpAddressType": "dualstack",
        "ResponseMetadata": ANY,
    }
    now = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    assert now["SecurityGroups"] == [sg] and now["IpAddressType"] == "dualstack"
    assert sorted(z["SubnetId"] for z in now["AvailabilityZones"]) == sorted(moved)
    # the capacity reservation Terraform reads on every refresh, then sets and resets
    none = elb.describe_capacity_reservation(LoadBalancerArn=arn)
    assert "MinimumLoadBalancerCapacity" not in none and none["CapacityReservationState"] == []
    elb.modify_capacity_reservation(
        LoadBalancerArn=arn, MinimumLoadBalancerCapacity={"CapacityUnits": 100}
    )
    held = elb.describe_capacity_reservation(LoadBalancerArn=arn)
    assert held["MinimumLoadBalancerCapacity"] == {"CapacityUnits": 100}
    assert {s["State"]["Code"] for s in held["CapacityReservationState"]} == {"provisioned"}
    elb.modify_capacity_reservation(LoadBalancerArn=arn, ResetCapacityReservation=True)
    assert "MinimumLoadBalancerCapacity" not in elb.describe_capacity_reservation(
        LoadBalancerArn=arn
    )
    elb.delete_load_balancer(LoadBalancerArn=arn)
    for call in (elb.describe_capacity_reservation, elb.set_ip_address_type):
        with pytest.raises(ClientError) as exc:
            kw = {"IpAddressType": "ipv4"} if call == elb.set_ip_address_type else {}
            call(LoadBalancerArn=arn, **kw)
        assert error(exc)[0] == "LoadBalancerNotFound"
