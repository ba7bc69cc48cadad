"""The ``local`` context: the emulator through its endpoint, read by the same AwsSource that
reads AWS. Here the endpoint is moto's server (no Docker): the catalog opens ``local`` at
start-up where a running local stack used to be chosen, asks the CLI's callable where the
endpoint is (starting it only when opened), and reads it with fake credentials, writable,
whatever the user's AWS profile and ``--write`` say."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from ecsdev.sources.aws import AwsSource
from ecsdev.sources.base import Capability, ScaleService, Source
from ecsdev.sources.config import UserConfig, parse_config
from ecsdev.sources.contexts import ContextCatalog
from ecsdev.tui import open_first
from emulator.errors import EcsdevError, UsageError
from tests.aws.moto_world import World
from tests.aws.test_contexts import LocalStack


def stacks() -> list[Source]:
    """The CLI's other callable: one running stack, ``local:demo``."""
    return [cast(Source, LocalStack())]


class FakeEndpoint:
    """The CLI's callable: not running until asked to start, then at ``url``."""

    def __init__(self, url: str, running: bool = False) -> None:
        self.url = url
        self.running = running
        self.calls: list[bool] = []

    def __call__(self, *, start: bool) -> str | None:
        self.calls.append(start)
        if start:
            self.running = True
        return self.url if self.running else None


def test_local_is_the_start_up_context_and_reads_the_endpoint(moto_url: str, world: World) -> None:
    endpoint = FakeEndpoint(moto_url)
    catalog = ContextCatalog(UserConfig(), stacks, local_endpoint=endpoint)
    first = catalog.initial()
    assert (first.name, first.kind, first.region, first.direct) == (
        "local",
        "local",
        "us-east-1",
        False,
    )
    assert endpoint.calls == [False]  # choosing never starts the endpoint
    assert first.endpoint_url is None  # not running yet: open starts it
    source = catalog.open(first)
    assert endpoint.calls[-1] is True
    assert isinstance(source, AwsSource)
    assert source.info.name == "local" and source.info.endpoint_url == moto_url
    assert source.info.writable and Capability.SCALE_SERVICE in source.capabilities()
    assert "demo" in [c.name for c in source.list_clusters()]
    services = {s.name: s for batch in source.iter_services("demo") for s in batch}
    assert {"web", "worker"} <= set(services) and services["web"].desired == 2
    assert f"--endpoint-url {moto_url}" in source.preview(ScaleService("demo", "web", 1)).cli
    source.close()


def test_listing_and_switching(moto_url: str, world: World) -> None:
    endpoint = FakeEndpoint(moto_url, running=True)
    catalog = ContextCatalog(UserConfig(), stacks, local_endpoint=endpoint)
    contexts = catalog.contexts()
    names = [c.name for c in contexts]
    assert names[:3] == ["local", "local:demo", "localstack"]
    assert contexts[0].endpoint_url == moto_url  # running: its URL is listed
    assert contexts[1].direct and contexts[1].kind_label == "local (direct)"
    assert contexts[0].kind_label == "local"
    assert catalog.find("local").name == "local"  # the endpoint, not a stack's short name
    assert isinstance(catalog.open(catalog.find("local:demo")), LocalStack)  # still works
    assert "local" in [c.name for c in catalog.api_contexts()]
    other = catalog.open(catalog.find("local"), "eu-west-1")  # --region
    assert other.info.region == "eu-west-1" and other.list_clusters() == []
    other.close()


def test_running_endpoint_is_chosen_without_any_stack(moto_url: str, world: World) -> None:
    assert ContextCatalog(UserConfig(), lambda: []).initial().name == "aws:default"
    catalog = ContextCatalog(UserConfig(), lambda: [], local_endpoint=FakeEndpoint(moto_url))
    assert catalog.initial().name == "aws:default"  # no stack, no endpoint: AWS as before
    running = FakeEndpoint(moto_url, running=True)
    catalog = ContextCatalog(UserConfig(), lambda: [], local_endpoint=running)
    assert catalog.initial().name == "local"
    without = ContextCatalog(UserConfig(), stacks)  # no endpoint passed
    assert without.initial().name == "local:demo"
    with pytest.raises(UsageError, match="no context named 'local'"):
        without.find("local")


def test_what_the_user_passed_wins(
    moto_url: str, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = FakeEndpoint(moto_url, running=True)
    catalog = ContextCatalog(UserConfig(), stacks, local_endpoint=endpoint)
    assert catalog.initial(context="localstack").name == "localstack"
    assert catalog.initial(context="local:demo").name == "local:demo"
    assert catalog.initial(profile="default").name == "aws:default"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    assert catalog.initial().name == "aws:default"
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_PROFILE", "default")
    assert catalog.initial().name == "aws:default"


def test_fake_credentials_whatever_the_profile_and_write_gate(
    moto_url: str, world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A profile that does not exist, another endpoint in AWS_ENDPOINT_URL and no --write:
    ``local`` still reaches its endpoint, writable; production profiles stay read-only."""
    monkeypatch.setenv("AWS_PROFILE", "missing-profile")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    config = parse_config({"profiles": {"missing-profile": {"production": True}}})
    catalog = ContextCatalog(config, local_endpoint=FakeEndpoint(moto_url, running=True))
    local = catalog.find("local")
    assert catalog.writable(local)
    assert not catalog.writable(catalog.profile_context("missing-profile"))
    source: Source = catalog.open(local)
    assert source.info.writable and "demo" in [c.name for c in source.list_clusters()]
    source.close()


def test_the_cli_callable_starts_the_endpoint_only_when_opened(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``ecsdev dash``'s callable: the running endpoint's URL as is; none running, None
    when only asked, else ``daemon.start`` (as ``ecsdev serve -d``), said on stderr."""
    from ecsdev.cli.dash import local_endpoint
    from emulator.endpoint import daemon

    state: dict[str, object] = {}
    started: list[bool] = []

    def start() -> tuple[dict[str, object], bool]:
        started.append(True)
        state.update(url="http://127.0.0.1:4566", pid=1)
        return dict(state), True

    monkeypatch.setattr(daemon, "running", lambda: dict(state) if state else None)
    monkeypatch.setattr(daemon, "start", start)
    assert local_endpoint(start=False) is None and not started
    assert local_endpoint(start=True) == "http://127.0.0.1:4566" and started == [True]
    err = capsys.readouterr().err
    assert "Starting the ecsdev endpoint in the background" in err
    assert "ecsdev endpoint on http://127.0.0.1:4566 (stop it with: ecsdev serve --stop)" in err
    assert local_endpoint(start=True) == "http://127.0.0.1:4566" and started == [True]
    assert capsys.readouterr().err == ""  # already running: used silently


class BrokenEndpoint(FakeEndpoint):
    def __call__(self, *, start: bool) -> str | None:
        if start:
            raise EcsdevError("the endpoint exited with 1 before answering")
        return None


def test_a_stack_opens_directly_when_the_endpoint_cannot_start(
    capsys: pytest.CaptureFixture[str],
) -> None:
    catalog = ContextCatalog(UserConfig(), stacks, local_endpoint=BrokenEndpoint(""))
    source = open_first(catalog, None, None, None)
    assert isinstance(source, LocalStack)  # what opened before the endpoint existed
    assert "opening local:demo directly" in capsys.readouterr().err
    with pytest.raises(EcsdevError, match="exited with 1"):
        open_first(catalog, "local", None, None)  # asked for by name: the error, as is
