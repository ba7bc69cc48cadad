"""The local endpoint's SSM parameters and Secrets Manager secrets outlive a kill -9, as AWS
keeps them: same values, same versions, same secret ARNs; the journal that keeps them is
readable by the user only (no Docker needed)."""

from __future__ import annotations

import json
import stat

from tests.endpoint.conftest import OwnEndpoint, client_for


def test_parameters_and_secrets_survive_kill_9(own_endpoint: OwnEndpoint) -> None:
    ep = own_endpoint
    ep.start()
    ssm, sm = client_for(ep.url, "ssm"), client_for(ep.url, "secretsmanager")
    ssm.put_parameter(Name="/app/db-host", Value="db.internal", Type="String")
    ssm.put_parameter(Name="/app/db-password", Value="v1-pw", Type="SecureString")
    ssm.put_parameter(Name="/app/db-password", Value="v2-pw", Type="SecureString", Overwrite=True)
    ssm.put_parameter(Name="/app/gone", Value="x", Type="String")
    ssm.delete_parameter(Name="/app/gone")
    made = sm.create_secret(Name="prod/db", SecretString=json.dumps({"password": "pw-s1-7f3a"}))
    put = sm.put_secret_value(
        SecretId="prod/db", SecretString=json.dumps({"password": "pw-s2-9c1e"})
    )
    eu = client_for(ep.url, "secretsmanager", region="eu-west-1")
    eu_made = eu.create_secret(Name="other", SecretString="eu-value")
    ep.kill()
    ep.start()
    ssm, sm = client_for(ep.url, "ssm"), client_for(ep.url, "secretsmanager")
    got = ssm.get_parameter(Name="/app/db-password", WithDecryption=True)["Parameter"]
    assert (got["Value"], got["Version"]) == ("v2-pw", 2)
    assert ssm.get_parameter(Name="/app/db-host")["Parameter"]["Value"] == "db.internal"
    assert ssm.get_parameters(Names=["/app/gone"])["InvalidParameters"] == ["/app/gone"]
    now = sm.get_secret_value(SecretId=made["ARN"])
    assert (now["ARN"], now["VersionId"]) == (made["ARN"], put["VersionId"])
    assert json.loads(now["SecretString"]) == {"password": "pw-s2-9c1e"}
    before = sm.get_secret_value(SecretId="prod/db", VersionId=made["VersionId"])
    assert json.loads(before["SecretString"]) == {"password": "pw-s1-7f3a"}
    eu = client_for(ep.url, "secretsmanager", region="eu-west-1")
    assert eu.get_secret_value(SecretId=eu_made["ARN"])["SecretString"] == "eu-value"
    folder = ep.state / "endpoint" / "moto"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "journal.jsonl").stat().st_mode) == 0o600
    log = (ep.state / "endpoint.log").read_text()
    assert "v2-pw" not in log and "pw-s2-9c1e" not in log
