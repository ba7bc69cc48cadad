"""A real AWS-API endpoint for the source tests: moto's server on 127.0.0.1, populated once
per session with a small but complete account (VPC, subnets, security groups, an ECS
cluster with services, task definitions and tasks, an ALB with listeners, rules and
target groups, and CloudWatch log events).

Every test runs with dummy credentials, no AWS profile and no config files of the
developer's, and a socket guard refuses any connection that is not to 127.0.0.1, so a
mistake can never reach a real account.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from ecsdev.sources.aws import AwsSource
from tests.aws.moto_world import World, make_source, populate

_AWS_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ECS",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "LOCALSTACK_HOST",
    "USE_SSL",
)


def _dummy_aws_env(mp: pytest.MonkeyPatch, tmp: Path) -> None:
    for var in _AWS_VARS:
        mp.delenv(var, raising=False)
    mp.setenv("AWS_ACCESS_KEY_ID", "testing")
    mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    mp.setenv("AWS_SESSION_TOKEN", "testing")
    mp.setenv("AWS_SECURITY_TOKEN", "testing")
    mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
    mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
    mp.setenv("AWS_CONFIG_FILE", str(tmp / "aws-config"))
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp / "aws-credentials"))


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise AssertionError(f"test tried to reach {host}: only 127.0.0.1 is allowed")
    return _real_connect(self, address)


@pytest.fixture(scope="session")
def _session_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        _dummy_aws_env(mp, tmp_path_factory.mktemp("aws"))
        yield


@pytest.fixture(autouse=True)
def aws_env(_session_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and no profile, for every test (re-applied after other fixtures),
    and a guard that refuses any address but loopback while an AWS test runs (undone after
    each test, so the real-engine tests may reach containers on their own networks)."""
    _dummy_aws_env(monkeypatch, tmp_path)
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(scope="session")
def moto_url(_session_env: None) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def world(moto_url: str) -> World:
    return populate(moto_url)


@pytest.fixture
def source(moto_url: str, world: World) -> Iterator[AwsSource]:
    s = make_source(moto_url)
    yield s
    s.close()


@pytest.fixture
def writable_source(moto_url: str, world: World) -> Iterator[AwsSource]:
    s = make_source(moto_url, writable=True)
    yield s
    s.close()


@pytest.fixture
def localstack_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point localstack-client's LOCALSTACK_HOST at the moto server."""
    hostport = moto_url.removeprefix("http://")
    monkeypatch.setenv("LOCALSTACK_HOST", hostport)
    assert "AWS_ENDPOINT_URL" not in os.environ
    return hostport
