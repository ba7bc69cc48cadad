"""Secret sources that need boto3: LocalStack (any AWS-compatible URL) and a real AWS account.

Why this exists: the engine never calls AWS; a stack that lists ``localstack`` or ``aws``
under ``secrets.sources`` gets its secrets through these, installed into the engine's
processes by ``ecsdev.providers``. Against AWS they make read-only calls only, the ones the
ECS agent makes (``ssm:GetParameters`` with decryption, ``secretsmanager:GetSecretValue``),
through the user's profile, and only because the layout asked. Errors name the service's
error code, never a value.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from emulator.secrets.refs import SecretRef
from emulator.secrets.sources import SourceUnavailable

_CONFIG = Config(
    retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=10
)
_sessions: dict[tuple[str, str], Any] = {}
_lock = threading.Lock()


class Boto3Source:
    """SSM and Secrets Manager through boto3: a profile's account (``url`` "") or an
    AWS-compatible endpoint such as LocalStack (``url``, test credentials)."""

    def __init__(self, label: str, *, profile: str = "", url: str = "", region: str = "") -> None:
        self.label = label
        self.profile = profile
        self.url = url
        self.region = region

    def _client(self, service: str, region: str) -> Any:
        key = (self.profile, self.url)
        with _lock:  # a boto3 session is not thread-safe while it is made
            session = _sessions.get(key)
            if session is None:
                if self.url:
                    session = boto3.session.Session(
                        aws_access_key_id="test", aws_secret_access_key="test"
                    )
                else:
                    session = boto3.session.Session(profile_name=self.profile or None)
                _sessions[key] = session
            client: Any = session.client(
                service,  # type: ignore[call-overload]
                region_name=self.region or region,
                endpoint_url=self.url or None,
                config=_CONFIG,
            )
            return client

    def lookup(self, ref: SecretRef) -> str | None:
        try:
            if ref.service == "ssm":
                return self._parameter(ref)
            return self._secret(ref)
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code") or "ClientError")
            raise SourceUnavailable(f"{self.label}: {code}", code) from None
        except BotoCoreError as e:  # no credentials, no profile, no connection
            raise SourceUnavailable(f"{self.label}: {type(e).__name__}") from None

    def _parameter(self, ref: SecretRef) -> str | None:
        ssm = self._client("ssm", ref.region)
        name = ref.secret_id if not self.url else ref.name  # LocalStack: its own account's
        answer = ssm.get_parameters(Names=[name], WithDecryption=True)
        params = answer.get("Parameters") or []
        return str(params[0].get("Value", "")) if params else None

    def _secret(self, ref: SecretRef) -> str | None:
        sm = self._client("secretsmanager", ref.region)
        kwargs: dict[str, str] = {}
        if ref.version_id:
            kwargs["VersionId"] = ref.version_id
        if ref.version_stage:
            kwargs["VersionStage"] = ref.version_stage
        ids = [ref.secret_id] + ([ref.name] if self.url and ref.name != ref.secret_id else [])
        for secret_id in ids:
            try:
                answer = sm.get_secret_value(SecretId=secret_id, **kwargs)
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    continue
                raise
            if "SecretString" not in answer:
                raise SourceUnavailable(
                    f"{self.label}: {ref.secret_id} holds binary data, which ECS does not put "
                    "into an environment variable"
                )
            return str(answer["SecretString"])
        return None


def localstack(options: Mapping[str, Any]) -> Boto3Source:
    url = str(options.get("url") or "http://localhost:4566")
    return Boto3Source(f"LocalStack {url}", url=url)


def aws(options: Mapping[str, Any]) -> Boto3Source:
    profile = str(options.get("profile") or "")
    label = f"AWS profile {profile or 'default'}"
    return Boto3Source(label, profile=profile, region=str(options.get("region") or ""))
