"""Credential sources that need boto3: the user's own session, and a task role assumed.

Why this exists: the engine's agent serves each task's role credentials but never calls AWS.
A stack whose layout says ``credentials: {source: session}`` gets the user's own session
from a profile (temporary credentials as they are; long-term keys exchanged for a session
with ``sts:GetSessionToken``); ``source: assume-role`` gets the task's ``taskRoleArn``
assumed with ``sts:AssumeRole`` through the profile, the session named after the task, as
ECS names it. The options carry the profile, the region and where the AWS files and STS
endpoint are (the launching process's ``AWS_CONFIG_FILE`` etc.), since one agent serves
every stack. Errors name the call and AWS's error code, never a key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from emulator.agent.creds import CredentialRequest, Credentials
from emulator.errors import AwsAccessError

_CONFIG = Config(
    retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=15
)
SESSION_SECONDS = 3600
UNKNOWN_EXPIRY = 3600.0  # a profile's temporary credentials of no known expiry: re-read hourly


class _Profile:
    """A botocore session of one profile, built from the options (not this process's env)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.profile = str(options.get("profile") or "")
        self.region = str(options.get("region") or "")
        self.endpoint = str(
            options.get("AWS_ENDPOINT_URL_STS") or options.get("AWS_ENDPOINT_URL") or ""
        )
        self._lock = threading.Lock()
        self._session = botocore.session.Session()
        for var, env in (
            ("config_file", "AWS_CONFIG_FILE"),
            ("credentials_file", "AWS_SHARED_CREDENTIALS_FILE"),
        ):
            if options.get(env):
                self._session.set_config_variable(var, str(options[env]))
        if self.profile:
            self._session.set_config_variable("profile", self.profile)

    @property
    def label(self) -> str:
        return f"AWS profile {self.profile or 'default'}"

    def sts(self, region: str) -> Any:
        with self._lock:  # a botocore session is not thread-safe while it makes clients
            return self._session.create_client(
                "sts",
                region_name=self.region or self._session.get_config_variable("region") or region,
                endpoint_url=self.endpoint or None,
                config=_CONFIG,
            )

    def own(self) -> Any:
        with self._lock:
            return self._session.get_credentials()


def _expiry(value: Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else time.time() + UNKNOWN_EXPIRY


def _failed(call: str, who: str, err: Exception) -> AwsAccessError:
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code") or "ClientError")
        return AwsAccessError(f"sts:{call} with {who}: {code}: {error.get('Message', '')}")
    return AwsAccessError(f"sts:{call} with {who}: {type(err).__name__}: {err}")


class SessionSource:
    """The user's own session (``credentials.source: session``)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.profile = _Profile(options)

    def fetch(self, request: CredentialRequest) -> Credentials:
        try:
            own = self.profile.own()
            if own is None:
                raise AwsAccessError(f"no credentials in {self.profile.label}")
            frozen = own.get_frozen_credentials()
            if frozen.token:  # already a session (SSO, an assumed-role profile, ...)
                expiry = getattr(own, "_expiry_time", None)
                return Credentials(
                    frozen.access_key, frozen.secret_key, frozen.token, _expiry(expiry)
                )
            answer = self.profile.sts(request.region).get_session_token(
                DurationSeconds=SESSION_SECONDS
            )
        except (BotoCoreError, ClientError) as e:
            raise _failed("GetSessionToken", self.profile.label, e) from None
        c = answer["Credentials"]
        return Credentials(
            c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], _expiry(c["Expiration"])
        )


class AssumeRoleSource:
    """The task's role, assumed with the profile (``credentials.source: assume-role``)."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.profile = _Profile(options)

    def fetch(self, request: CredentialRequest) -> Credentials:
        if not request.role_arn:
            raise AwsAccessError("the task definition has no taskRoleArn to assume")
        try:
            answer = self.profile.sts(request.region).assume_role(
                RoleArn=request.role_arn,
                RoleSessionName=request.session_name[:64] or "ecsdev",
                DurationSeconds=SESSION_SECONDS,
            )
        except (BotoCoreError, ClientError) as e:
            raise _failed("AssumeRole", self.profile.label, e) from None
        c = answer["Credentials"]
        return Credentials(
            c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"], _expiry(c["Expiration"])
        )


def session(options: Mapping[str, Any]) -> SessionSource:
    return SessionSource(options)


def assume_role(options: Mapping[str, Any]) -> AssumeRoleSource:
    return AssumeRoleSource(options)
