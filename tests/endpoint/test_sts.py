"""STS through the endpoint: who the caller is, for boto3 and the AWS CLI."""

from __future__ import annotations

from typing import Any


def test_get_caller_identity_boto3(client: Any) -> None:
    ident = client("sts").get_caller_identity()
    assert ident["Account"] == "000000000000"
    assert ident["Arn"] == "arn:aws:iam::000000000000:root"
    assert ident["UserId"] == "000000000000"


def test_get_caller_identity_cli(aws: Any) -> None:
    out = aws.ok("sts", "get-caller-identity")
    assert out == {
        "UserId": "000000000000",
        "Account": "000000000000",
        "Arn": "arn:aws:iam::000000000000:root",
    }


def test_caller_identity_in_any_region(client: Any) -> None:
    assert client("sts", region="eu-west-3").get_caller_identity()["Account"] == "000000000000"


def test_request_log_has_one_line_per_request(client: Any, endpoint: Any) -> None:
    client("sts").get_caller_identity()
    lines = [ln for ln in endpoint.log().splitlines() if "sts.GetCallerIdentity 200" in ln]
    assert lines and "POST" in lines[-1] and lines[-1].endswith("ms")
    assert "AKIA" not in endpoint.log()


def test_assume_role_is_answered_by_the_fallback(client: Any) -> None:
    creds = client("sts").assume_role(
        RoleArn="arn:aws:iam::000000000000:role/deployer", RoleSessionName="ci"
    )
    assert creds["Credentials"]["AccessKeyId"]
    assert creds["Credentials"]["SessionToken"]
    assert creds["AssumedRoleUser"]["Arn"].endswith(":assumed-role/deployer/ci")


def test_unsigned_form_request_is_routed_by_action(endpoint: Any) -> None:
    import urllib.request

    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    req = urllib.request.Request(
        endpoint.url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<GetCallerIdentityResponse')
    assert 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"' in text
    assert "<Arn>arn:aws:iam::000000000000:root</Arn>" in text
    assert "<ResponseMetadata><RequestId>" in text


def test_get_with_query_string(endpoint: Any) -> None:
    import urllib.request

    url = endpoint.url + "/?Action=GetCallerIdentity&Version=2011-06-15"
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert "<Account>000000000000</Account>" in resp.read().decode()


def test_health(endpoint: Any) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(endpoint.url + "/_ecsdev/health", timeout=10) as resp:
        health = json.loads(resp.read())
    assert health["status"] == "running" and health["account"] == "000000000000"
    assert "sts" in health["services"]
