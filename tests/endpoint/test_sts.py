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
