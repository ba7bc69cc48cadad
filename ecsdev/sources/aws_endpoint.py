"""Clients for ecsdev's own AWS endpoint (``ecsdev serve``), behind the ``local`` context.

Why this exists: the dashboard reads the emulator through its endpoint with the same
``AwsSource`` that reads AWS, so the clients must reach the endpoint whatever the user's AWS
set-up says. They use fixed fake credentials (the endpoint accepts any) and ignore the AWS
config files, ``AWS_PROFILE`` and ``AWS_ENDPOINT_URL``: a profile for real AWS never leaks its
keys to the emulator, and a missing or broken profile never stops the local view.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

FAKE_ACCESS_KEY = "test"
FAKE_SECRET_KEY = "test"
DEFAULT_REGION = "us-east-1"


def endpoint_session() -> boto3.session.Session:
    """A boto3 session with the fake credentials and no profile or config file."""
    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    core.set_config_variable("config_file", os.devnull)
    core.set_config_variable("credentials_file", os.devnull)
    core.set_credentials(FAKE_ACCESS_KEY, FAKE_SECRET_KEY)
    return boto3.session.Session(botocore_session=core, region_name=DEFAULT_REGION)


def endpoint_factory(url: str) -> Callable[[str, str | None, Config], Any]:
    """Clients on ``url`` from one session (made on first use)."""
    sessions: list[boto3.session.Session] = []

    def make(service: str, region: str | None, config: Config) -> Any:
        if not sessions:
            sessions.append(endpoint_session())
        session: Any = sessions[0]  # the stubs' overloads want a literal service name
        return session.client(
            service, region_name=region or DEFAULT_REGION, endpoint_url=url, config=config
        )

    return make
