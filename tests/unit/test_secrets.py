"""Secrets as ECS reads them: every reference form, the local secrets file, the order of
sources, and ECS's stopped-reason text; no Docker, no endpoint (a fake source stands in for
the remote ones, a real file for the file source)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emulator.secrets.config import SourceSpec, default_sources, from_record, record
from emulator.secrets.refs import BadReference, SecretRef, json_key, parse
from emulator.secrets.resolve import PREFIX, Resolver, SecretUnavailable, not_found
from emulator.secrets.sources import FileSource, SourceUnavailable

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf"


@pytest.mark.parametrize(
    ("value_from", "service", "secret_id", "region", "name", "key", "stage", "vid"),
    [
        ("/app/db", "ssm", "/app/db", "us-east-1", "/app/db", "", "", ""),
        ("app-db", "ssm", "app-db", "us-east-1", "app-db", "", "", ""),
        (
            "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db",
            "ssm",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db",
            "eu-west-1",
            "/app/db",
            "",
            "",
            "",
        ),
        (
            "arn:aws:ssm:eu-west-1:123456789012:parameter/flat",
            "ssm",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/flat",
            "eu-west-1",
            "flat",
            "",
            "",
            "",
        ),
        (ARN, "secretsmanager", ARN, "eu-west-1", "prod/db", "", "", ""),
        (ARN + "::", "secretsmanager", ARN, "eu-west-1", "prod/db", "", "", ""),
        (ARN + ":password::", "secretsmanager", ARN, "eu-west-1", "prod/db", "password", "", ""),
        (
            ARN + ":password:AWSPREVIOUS:",
            "secretsmanager",
            ARN,
            "eu-west-1",
            "prod/db",
            "password",
            "AWSPREVIOUS",
            "",
        ),  # fmt: skip
        (
            ARN + "::AWSCURRENT:",
            "secretsmanager",
            ARN,
            "eu-west-1",
            "prod/db",
            "",
            "AWSCURRENT",
            "",
        ),  # fmt: skip
        (
            ARN + ":::" + "0" * 32,
            "secretsmanager",
            ARN,
            "eu-west-1",
            "prod/db",
            "",
            "",
            "0" * 32,
        ),  # fmt: skip
        (  # a partial ARN: the name alone, no AWS suffix
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key:token::",
            "secretsmanager",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-key",
            "eu-west-1",
            "api-key",
            "token",
            "",
            "",
        ),
        (
            "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
            "ssm",
            "arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x",
            "cn-north-1",
            "x",
            "",
            "",
            "",
        ),
    ],
)
def test_every_reference_form(
    value_from: str,
    service: str,
    secret_id: str,
    region: str,
    name: str,
    key: str,
    stage: str,
    vid: str,
) -> None:
    ref = parse(value_from, "us-east-1")
    assert (ref.service, ref.secret_id, ref.region, ref.name) == (service, secret_id, region, name)
    assert (ref.json_key, ref.version_stage, ref.version_id) == (key, stage, vid)


def test_registry_credentials_take_a_secret_name() -> None:
    ref = parse("dockerhub-creds", "us-west-2", registry=True)
    assert (ref.service, ref.secret_id, ref.region) == (
        "secretsmanager",
        "dockerhub-creds",
        "us-west-2",
    )


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "arn:aws:s3:::bucket/key",
        "arn:aws:ssm:us-east-1:1:document/x",
        "arn:aws:secretsmanager:us-east-1:1:secret:",
        ARN + ":a:b:c:d",
    ],
)
def test_bad_references(bad: str) -> None:
    with pytest.raises(BadReference):
        parse(bad, "us-east-1")


def test_json_key() -> None:
    ref = parse(ARN + ":password::", "us-east-1")
    doc = json.dumps({"password": "pw", "port": 5432, "nested": {"a": 1}})
    assert json_key(ref, doc) == "pw"
    assert json_key(parse(ARN + ":port::", "x"), doc) == "5432"
    assert json_key(parse(ARN + ":nested::", "x"), doc) == '{"a": 1}'
    assert json_key(parse(ARN + ":missing::", "x"), doc) is None
    assert json_key(ref, "not json") is None
    assert json_key(parse(ARN, "x"), "plain") == "plain"


def test_file_source_keys_values_and_files(tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text("from-a-file\n")
    f = tmp_path / "secrets.yaml"
    f.write_text(
        "/app/db: by-name\n"
        f"'{ARN}':\n  username: app\n  password: pw\n"
        "api-token: {file: token.txt}\n"
        "arn:aws:ssm:us-east-1:1:parameter/exact: exact-arn\n"
        "port: 5432\n"
    )
    src = FileSource(f)
    assert src.lookup(parse("/app/db", "us-east-1")) == "by-name"
    # an ARN of another account and region finds the entry by the parameter's name
    assert src.lookup(parse("arn:aws:ssm:eu-west-1:9:parameter/app/db", "x")) == "by-name"
    assert src.lookup(parse("app/db", "us-east-1")) == "by-name"
    assert json.loads(src.lookup(parse(ARN + ":password::", "x")) or "") == {
        "username": "app",
        "password": "pw",
    }
    # a full ARN with another suffix finds the entry of the secret's name
    other = "arn:aws:secretsmanager:us-east-1:1:secret:api-token-XyZ123"
    assert src.lookup(parse(other, "x")) == "from-a-file"
    assert src.lookup(parse("arn:aws:ssm:us-east-1:1:parameter/exact", "x")) == "exact-arn"
    assert src.lookup(parse("port", "x")) == "5432"
    assert src.lookup(parse("/nothing", "x")) is None


def test_file_source_errors_never_quote_the_file(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("a: [unclosed hunter2\n")
    with pytest.raises(SourceUnavailable) as e:
        FileSource(f).lookup(parse("a", "x"))
    assert "hunter2" not in e.value.message and "line" in e.value.message
    assert FileSource(tmp_path / "none.yaml", required=False).lookup(parse("a", "x")) is None
    with pytest.raises(SourceUnavailable):
        FileSource(tmp_path / "none.yaml").lookup(parse("a", "x"))


class Fake:
    def __init__(self, label: str, values: dict[str, str], down: str = "") -> None:
        self.label, self.values, self.down, self.asked = label, values, down, 0

    def lookup(self, ref: SecretRef) -> str | None:
        self.asked += 1
        if self.down:
            raise SourceUnavailable(f"{self.label} unreachable", self.down)
        return self.values.get(ref.name)


def test_sources_are_tried_in_order_and_once_per_reference() -> None:
    first, second = Fake("one", {"/a": "1"}), Fake("two", {"/a": "2", "/b": "B"})
    r = Resolver([first, second], "us-east-1")
    assert r.value("/a") == ("1", "one")
    assert r.value("/b") == ("B", "two")
    assert r.value("/a") == ("1", "one")
    assert (first.asked, second.asked) == (2, 1)


def test_an_unreachable_source_is_passed_over() -> None:
    r = Resolver([Fake("down", {}, down="AccessDeniedException"), Fake("up", {"/a": "1"})], "x")
    assert r.value("/a") == ("1", "up")


def test_ecs_text_when_no_source_has_it() -> None:
    r = Resolver([Fake("one", {}), Fake("two", {})], "us-east-1")
    with pytest.raises(SecretUnavailable) as e:
        r.value("/app/missing")
    assert e.value.message == (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
        "retrieval failed: unable to retrieve secrets from ssm: service call has been retried "
        "1 time(s): invalid ssm parameters: /app/missing"
    )
    assert "one: not there" in e.value.hint and "two: not there" in e.value.hint
    with pytest.raises(SecretUnavailable) as e:
        r.value(ARN + ":password::")
    assert e.value.message == (
        PREFIX + "unable to retrieve secret from asm: service call has been retried 1 time(s): "
        f"failed to fetch secret {ARN} from secrets manager: ResourceNotFoundException: "
        "Secrets Manager can't find the specified secret."
    )


def test_ecs_text_for_a_missing_json_key_names_the_key_not_the_value() -> None:
    r = Resolver([Fake("one", {"prod/db": json.dumps({"user": "hunter2"})})], "x")
    with pytest.raises(SecretUnavailable) as e:
        r.value(ARN + ":password::")
    assert e.value.message.endswith("did not contain json key password")
    assert "hunter2" not in str(e.value)


def test_an_access_error_is_named_by_its_code() -> None:
    r = Resolver([Fake("aws", {}, down="AccessDeniedException")], "x")
    with pytest.raises(SecretUnavailable) as e:
        r.value(ARN)
    assert e.value.message == not_found(parse(ARN, "x"), "AccessDeniedException")
    assert e.value.message.endswith("from secrets manager: AccessDeniedException")


def test_stored_sources_round_trip_and_defaults(tmp_path: Path) -> None:
    specs = (
        SourceSpec("file", (("path", "/x/s.yaml"),)),
        SourceSpec("endpoint"),
        SourceSpec("aws", (("profile", "dev"),)),
    )
    assert from_record(record(specs)) == specs
    assert from_record(None) is None and record(()) is None
    assert [s.type for s in default_sources(tmp_path)] == ["file", "endpoint"]
    assert [s.label for s in specs] == [
        "secrets file /x/s.yaml",
        "the local endpoint",
        "AWS profile dev",
    ]


def test_prefetch_asks_once_and_reports_the_first_missing_in_order() -> None:
    src = Fake("one", {"/a": "1", "/b": "2"})
    r = Resolver([src], "x")
    r.prefetch([("/a", False), ("/b", False), ("/a", False)])
    assert (r.value("/a"), r.value("/b"), src.asked) == (("1", "one"), ("2", "one"), 2)
    with pytest.raises(SecretUnavailable) as e:
        Resolver([src], "x").prefetch([("/a", False), ("/m1", False), ("/m2", False)])
    assert e.value.message.endswith("invalid ssm parameters: /m1")


def test_layout_sources_are_checked_with_paths(tmp_path: Path) -> None:
    from emulator.errors import LayoutError
    from emulator.events import Collector
    from emulator.model.loader import load_layout

    (tmp_path / "open.yaml").write_text("a: b\n")
    (tmp_path / "open.yaml").chmod(0o644)
    (tmp_path / "ecsdev.yaml").write_text(
        "version: 1\nname: s\nsecrets:\n  sources:\n"
        "    - {type: file, path: open.yaml}\n"
        "    - {type: localstack, url: http://127.0.0.1:4566}\n"
    )
    sink = Collector()
    layout = load_layout(tmp_path / "ecsdev.yaml", sink)
    assert [s.type for s in layout.secret_sources] == ["file", "localstack"]
    assert layout.secret_sources[0].option("path") == str(tmp_path / "open.yaml")
    assert any("open.yaml can be read by other users" in m for m in sink.messages("warning"))
    (tmp_path / "ecsdev.yaml").write_text(
        "version: 1\nname: s\nsecrets:\n  sources:\n"
        "    - {type: file}\n    - {type: aws, url: x}\n    - {type: vault}\n"
    )
    with pytest.raises(LayoutError) as e:
        load_layout(tmp_path / "ecsdev.yaml")
    text = str(e.value)
    assert "secrets.sources[0]: a file source needs a path" in text
    assert "secrets.sources[1].url: not an option of type aws" in text
    assert "secrets.sources[2].type: 'vault' is not one of" in text


def test_the_secrets_command_names_sources_never_values(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ecsdev.cli import cli

    (tmp_path / "s.yaml").write_text("/app/db: value-4b1e\n")
    (tmp_path / "s.yaml").chmod(0o600)
    (tmp_path / "ecsdev.yaml").write_text(
        "version: 1\nname: seccli\nsecrets:\n  sources: [{type: file, path: s.yaml}]\n"
        "taskDefinitions:\n  - family: app\n    containerDefinitions:\n"
        "      - name: app\n        image: ecsdev/echo\n        memory: 64\n"
        "        secrets: [{name: DB, valueFrom: /app/db}, {name: GONE, valueFrom: /app/gone}]\n"
    )
    res = CliRunner().invoke(cli, ["secrets", "-f", str(tmp_path / "ecsdev.yaml"), "--json"])
    assert res.exit_code == 1 and "value-4b1e" not in res.output
    rows = json.loads(res.stdout)["secrets"]
    assert [(r["name"], r["source"]) for r in rows] == [
        ("DB", f"secrets file {tmp_path / 's.yaml'}"),
        ("GONE", None),
    ]
    assert rows[1]["stoppedReason"].endswith("invalid ssm parameters: /app/gone")
