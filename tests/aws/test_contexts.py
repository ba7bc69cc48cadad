"""Contexts: every AWS profile with its region (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL
respected), LocalStack through localstack-client, local stacks from the CLI's callable;
production profiles from ecsdev's config are never writable."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecsdev.sources.aws import AwsSource
from ecsdev.sources.base import BaseSource, Capability, ScaleService, Source
from ecsdev.sources.config import UserConfig, load_config
from ecsdev.sources.contexts import ContextCatalog
from ecsdev.sources.views import ClusterView, SourceInfo
from emulator.errors import UsageError
from tests.aws.moto_world import World

AWS_CONFIG = """
[default]
region = us-west-2

[profile prod]
region = eu-west-1

[profile dev]
"""


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aws-config"
    path.write_text(AWS_CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    return path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> UserConfig:
    path = tmp_path / "ecsdev.yaml"
    path.write_text("refresh: 2\nprofiles:\n  prod: {production: true}\n")
    monkeypatch.setenv("ECSDEV_CONFIG_FILE", str(path))
    return load_config()


class LocalStack(BaseSource):
    """Stands in for the emulator's LocalSource (written elsewhere)."""

    info = SourceInfo("local:demo", "local", "us-east-1", writable=True)

    def capabilities(self) -> frozenset[Capability]:
        return frozenset()

    def list_clusters(self) -> list[ClusterView]:
        return [ClusterView("arn:local", "demo", "ACTIVE", 1, 1, 0)]


def test_profiles_with_regions_and_production(aws_config: Path, config: UserConfig) -> None:
    catalog = ContextCatalog(config, write=True)
    contexts = {c.name: c for c in catalog.aws_contexts()}
    assert set(contexts) == {"aws:default", "aws:prod", "aws:dev"}
    assert contexts["aws:prod"].region == "eu-west-1"
    assert contexts["aws:default"].region == "us-west-2"
    assert contexts["aws:dev"].region == "us-east-1"  # no region anywhere: the AWS default
    assert contexts["aws:prod"].production
    assert not catalog.writable(contexts["aws:prod"])  # production beats --write
    assert catalog.writable(contexts["aws:dev"])
    assert not ContextCatalog(config).writable(contexts["aws:dev"])  # AWS is read-only by default
    assert ContextCatalog(config).writable(catalog.localstack_context())


def test_environment_beats_the_config(
    aws_config: Path, config: UserConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    catalog = ContextCatalog(config)
    assert {c.region for c in catalog.aws_contexts()} == {"ap-south-1"}
    first = catalog.initial()
    assert first.name == "aws:dev" and first.endpoint_url == "http://127.0.0.1:1"
    assert catalog.localstack_context().endpoint_url == "http://127.0.0.1:1"


def test_initial_choice_and_lookup(aws_config: Path, config: UserConfig) -> None:
    catalog = ContextCatalog(config, lambda: [LocalStack()])
    assert catalog.initial().name == "local:demo"  # no AWS_PROFILE: the running local stack
    assert catalog.initial(profile="prod").name == "aws:prod"
    assert catalog.initial(context="prod").name == "aws:prod"
    assert catalog.initial(context="localstack").kind == "localstack"
    assert catalog.find("demo").name == "local:demo"
    assert isinstance(catalog.open(catalog.find("local:demo")), LocalStack)
    with pytest.raises(UsageError, match="no context named 'nope'") as err:
        catalog.find("nope")
    assert "aws:prod" in err.value.hint
    with pytest.raises(UsageError, match="no AWS profile named 'nope'"):
        catalog.initial(profile="nope")
    assert "eu-west-1" in catalog.regions()


def test_localstack_through_localstack_client(localstack_env: str, world: World) -> None:
    catalog = ContextCatalog(UserConfig())
    ctx = catalog.localstack_context()
    assert ctx.endpoint_url == f"http://{localstack_env}"
    source = catalog.open(ctx)
    assert isinstance(source, AwsSource) and isinstance(source, Source)
    assert source.info.writable and source.info.kind == "localstack"
    assert "demo" in [c.name for c in source.list_clusters()]
    assert (
        f"--endpoint-url http://{localstack_env}"
        in source.preview(ScaleService("demo", "web", 1)).cli
    )
    source.close()


def test_aws_endpoint_url_redirects_a_profile(
    moto_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    catalog = ContextCatalog(UserConfig())
    source = catalog.open(catalog.initial())
    assert source.info.name == "aws:default" and source.info.endpoint_url == moto_url
    assert "demo" in [c.name for c in source.list_clusters()]
    source.close()


def test_bad_config_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("profiles:\n  prod: {production: yes-please}\n")
    with pytest.raises(
        UsageError, match=r"c.yaml: profiles.prod.production: expected true or false"
    ):
        load_config(path)
    path.write_text("refresh: [1]\n")
    with pytest.raises(UsageError, match="refresh"):
        load_config(path)
    assert load_config(tmp_path / "missing.yaml") == UserConfig()
