"""The boto3 secret sources against moto's server: ``localstack`` (an AWS-compatible URL) and
``aws`` (a profile; here one whose ``endpoint_url`` is moto's, so nothing leaves 127.0.0.1),
reached the way the engine reaches them, through the providers ``ecsdev.providers`` installs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

import ecsdev.providers  # noqa: F401 - installs the kinds below
from emulator.secrets.config import SourceSpec
from emulator.secrets.resolve import Resolver, SecretUnavailable, build_source


@pytest.fixture
def stored(moto_url: str) -> dict[str, str]:
    ssm = boto3.client("ssm", endpoint_url=moto_url, region_name="us-east-1")
    sm = boto3.client("secretsmanager", endpoint_url=moto_url, region_name="us-east-1")
    ssm.put_parameter(Name="/src/api-key", Value="ak-31f0", Type="SecureString", Overwrite=True)
    try:
        arn = sm.create_secret(Name="src/db", SecretString=json.dumps({"password": "pw-8e2d"}))[
            "ARN"
        ]
    except sm.exceptions.ResourceExistsException:
        arn = sm.describe_secret(SecretId="src/db")["ARN"]
    return {"secret": arn}


def test_localstack_kind(moto_url: str, stored: dict[str, str]) -> None:
    src = build_source(SourceSpec("localstack", (("url", moto_url),)))
    r = Resolver([src], "us-east-1")
    assert r.value("/src/api-key") == ("ak-31f0", f"LocalStack {moto_url}")
    assert r.value(stored["secret"] + ":password::")[0] == "pw-8e2d"
    # an ARN from a real account finds LocalStack's copy by the secret's name
    prod = "arn:aws:secretsmanager:us-east-1:123456789012:secret:src/db-AbCdEf:password::"
    assert r.value(prod)[0] == "pw-8e2d"
    with pytest.raises(SecretUnavailable) as e:
        r.value("/src/missing")
    assert e.value.message.endswith("invalid ssm parameters: /src/missing")


def test_aws_kind_uses_the_profile(moto_url: str, stored: dict[str, str], tmp_path: Path) -> None:
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text(
        f"[profile dev]\nregion = us-east-1\nendpoint_url = {moto_url}\n"
        "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    src = build_source(SourceSpec("aws", (("profile", "dev"),)))
    r = Resolver([src], "us-east-1")
    assert r.value(stored["secret"] + ":password::") == ("pw-8e2d", "AWS profile dev")
    with pytest.raises(SecretUnavailable) as e:
        Resolver([build_source(SourceSpec("aws", (("profile", "nobody"),)))], "x").value("/a")
    assert "AWS profile nobody: ProfileNotFound" in e.value.hint
