"""The endpoint's journal of SSM and Secrets Manager writes, without a server: what is kept,
that a line cut short by a kill is skipped, and that a replay into a fresh moto makes the same
secret ARN and version IDs (a unique account keeps moto's process-wide backends apart)."""

from __future__ import annotations

import json
import secrets
import stat
from pathlib import Path
from typing import Any

from emulator.endpoint.motojournal import Journal, journaled, region_of


def _call(app: Any, target: str, body: dict[str, Any], account: str) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    service = "ssm" if target.startswith("AmazonSSM.") else "secretsmanager"
    env = EnvironBuilder(
        path="/",
        method="POST",
        headers=[
            ("X-Amz-Target", target),
            (
                "Authorization",
                f"AWS4-HMAC-SHA256 Credential=K/20260101/eu-west-1/{service}/"
                "aws4_request, SignedHeaders=host, Signature=0",
            ),  # fmt: skip
            ("X-Moto-Account-Id", account),
        ],
        content_type="application/x-amz-json-1.1",
        data=json.dumps(body),
    ).get_environ()
    out: dict[str, Any] = json.loads(b"".join(app(env, lambda *a, **k: None)) or b"{}")
    return out


def test_which_calls_are_kept() -> None:
    assert journaled("AmazonSSM.PutParameter") and journaled("secretsmanager.CreateSecret")
    assert not journaled("AmazonSSM.GetParameters") and not journaled("secretsmanager.ListSecrets")
    assert not journaled("")
    scope = "AWS4-HMAC-SHA256 Credential=AK/20260101/eu-west-1/ssm/aws4_request, Signature=x"
    assert region_of(scope) == "eu-west-1" and region_of("") == "us-east-1"


def test_replay_makes_the_same_secret_and_skips_a_cut_line(tmp_path: Path) -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    account = "1" + str(secrets.randbelow(10**11)).zfill(11)
    journal = Journal(tmp_path / "moto", tmp_path)
    first = DomainDispatcherApplication(create_backend_app)
    body = {"Name": "prod/db", "SecretString": '{"password": "pw-1"}'}
    made = _call(first, "secretsmanager.CreateSecret", body, account)
    journal.record("secretsmanager.CreateSecret", "eu-west-1", account,
                   json.dumps(body).encode(), json.dumps(made).encode())  # fmt: skip
    put = {"Name": "/app/x", "Value": "v", "Type": "SecureString"}
    _call(first, "AmazonSSM.PutParameter", put, account)
    journal.record("AmazonSSM.PutParameter", "eu-west-1", account, json.dumps(put).encode(), b"{}")
    with open(journal.path, "ab") as f:
        f.write(b'{"target": "AmazonSSM.PutParam')  # a kill -9 in the middle of a write
    assert len(journal.entries()) == 2
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "moto").stat().st_mode) == 0o700
    # the same process's moto already holds them: replay into another account's view of it
    moved = [
        json.loads(json.dumps(e).replace(account, str(int(account) + 1))) for e in journal.entries()
    ]
    other = Journal(tmp_path / "other", tmp_path)
    other.path.write_text("".join(json.dumps(e) + "\n" for e in moved))
    second = DomainDispatcherApplication(create_backend_app)
    assert other.replay(second) == 2
    got = _call(
        second, "secretsmanager.GetSecretValue", {"SecretId": "prod/db"}, moved[0]["account"]
    )
    assert got["VersionId"] == made["VersionId"]
    assert got["ARN"].endswith(made["ARN"][-6:])  # the suffix moto made the first time
    param = _call(second, "AmazonSSM.GetParameter", {"Name": "/app/x", "WithDecryption": True},
                  moved[0]["account"])  # fmt: skip
    assert param["Parameter"]["Value"] == "v"
