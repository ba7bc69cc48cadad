"""The credential sources of the layer above against moto's server: the task's role assumed
with a profile (the session named after the task), the user's own session, and errors that
name the call and AWS's code, never a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsdev.sources.rolecreds import assume_role, session
from emulator.agent.creds import CredentialRequest
from emulator.errors import AwsAccessError

ROLE = "arn:aws:iam::123456789012:role/orders-task"


def profile_files(tmp_path: Path, moto_url: str) -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(f"[profile dev]\nregion = eu-west-1\nendpoint_url = {moto_url}\n")
    keys = tmp_path / "credentials"
    keys.write_text("[dev]\naws_access_key_id = AKIADEVEXAMPLE\naws_secret_access_key = x\n")
    return {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(keys)}


def test_assume_role_with_a_profile(tmp_path: Path, moto_url: str) -> None:
    import boto3

    src = assume_role({"profile": "dev", **profile_files(tmp_path, moto_url)})
    got = src.fetch(CredentialRequest(ROLE, "c0ffee", "us-east-1"))
    assert got.access_key_id.startswith("ASIA") and got.token
    sts = boto3.client(
        "sts",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=got.access_key_id,
        aws_secret_access_key=got.secret_access_key,
        aws_session_token=got.token,
    )
    assert sts.get_caller_identity()["Arn"].endswith(":assumed-role/orders-task/c0ffee")
    with pytest.raises(AwsAccessError, match="no taskRoleArn"):
        src.fetch(CredentialRequest("", "c0ffee", "us-east-1"))


def test_the_users_own_session_from_long_term_keys(tmp_path: Path, moto_url: str) -> None:
    got = session({"profile": "dev", **profile_files(tmp_path, moto_url)}).fetch(
        CredentialRequest("", "t", "us-east-1")
    )
    assert got.token and got.access_key_id != "AKIADEVEXAMPLE"


def test_a_missing_profile_is_named(tmp_path: Path, moto_url: str) -> None:
    src = assume_role({"profile": "nope", **profile_files(tmp_path, moto_url)})
    with pytest.raises(AwsAccessError) as e:
        src.fetch(CredentialRequest(ROLE, "t", "us-east-1"))
    assert "sts:AssumeRole with AWS profile nope" in e.value.message
