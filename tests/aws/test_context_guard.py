"""Read-only follows the account, not the name it is reached by (issue 13, defects 5, 7 and
10), against moto's server: LocalStack on the endpoint of a read-only AWS context, a second
profile for a production account, ``accounts:`` in the config; the CLI line of a change
names no profile that does not exist; what the user passed beats a running local stack."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from ecsdev.sources.base import ScaleService, Source, Unsupported
from ecsdev.sources.config import UserConfig, parse_config
from ecsdev.sources.contexts import ContextCatalog
from emulator.errors import UsageError
from tests.aws.moto_world import World
from tests.aws.test_contexts import LocalStack

CREDENTIALS = """
[prod]
aws_access_key_id = AKIAPRODEXAMPLE00001
aws_secret_access_key = secret

[prod-admin]
aws_access_key_id = AKIAPRODADMINEXAMPL2
aws_secret_access_key = secret2

[prod-copy]
aws_access_key_id = AKIAPRODEXAMPLE00001
aws_secret_access_key = secret
"""


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    creds = tmp_path / "aws-credentials"
    creds.write_text(CREDENTIALS)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)


def test_localstack_on_the_endpoint_of_a_read_only_context_is_read_only(
    moto_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # localstack-client honours it too
    catalog = ContextCatalog(UserConfig())  # no --write: AWS contexts are read-only
    first = catalog.open(catalog.initial())
    assert not first.info.writable
    localstack = catalog.open(catalog.find("localstack"))
    assert localstack.info.endpoint_url == moto_url
    assert not localstack.info.writable
    with pytest.raises(Unsupported):
        localstack.apply(ScaleService("demo", "web", 0))
    with_write = ContextCatalog(UserConfig(), write=True)
    assert with_write.open(with_write.find("localstack")).info.writable


def test_a_second_profile_for_a_production_account_is_read_only(
    moto_url: str, world: World, profiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    config = parse_config({"profiles": {"prod": {"production": True}}})
    catalog = ContextCatalog(config, write=True)
    same_keys = catalog.find("prod-copy")
    assert not catalog.writable(same_keys)  # same endpoint and credentials as prod
    admin = catalog.open(catalog.find("prod-admin"))  # other keys, same account (moto's)
    assert admin.info.production and not admin.info.writable
    with pytest.raises(Unsupported, match="production"):
        admin.apply(ScaleService("demo", "web", 0))
    unmarked = ContextCatalog(parse_config({}), write=True)
    assert unmarked.open(unmarked.find("prod-admin")).info.writable


def test_accounts_in_the_config_protect_every_profile(
    moto_url: str, world: World, profiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    config = parse_config({"accounts": {"123456789012": {"read_only": True}}})
    catalog = ContextCatalog(config, write=True)
    for name in ("prod", "prod-admin", "localstack"):
        source = catalog.open(catalog.find(name))
        assert not source.info.writable, name
        assert not source.info.production
    with pytest.raises(UsageError, match="12-digit"):
        parse_config({"accounts": {"prod": {"read_only": True}}})


def test_cli_line_names_no_profile_that_does_not_exist(
    moto_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)  # credentials from the environment
    catalog = ContextCatalog(UserConfig(), write=True)
    source = catalog.open(catalog.initial())
    assert source.info.profile == "default"
    cli = source.preview(ScaleService("demo", "web", 2)).cli
    assert "--profile" not in cli
    assert cli.startswith("aws ecs update-service --cluster demo --service web")


def test_cli_line_names_a_profile_from_the_config(
    moto_url: str, world: World, profiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    catalog = ContextCatalog(UserConfig(), write=True)
    source = catalog.open(catalog.find("prod-admin"))
    assert "--profile prod-admin" in source.preview(ScaleService("demo", "web", 2)).cli


def test_what_the_user_passed_beats_a_running_stack(
    profiles: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = ContextCatalog(UserConfig(), lambda: [cast(Source, LocalStack())])
    assert catalog.initial().name == "local:demo"  # nothing passed: the running stack
    assert catalog.initial(profile="prod-admin").name == "aws:prod-admin"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    first = catalog.initial()
    assert first.kind == "aws" and first.endpoint_url == "http://127.0.0.1:1"
