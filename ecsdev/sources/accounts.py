"""Which AWS account a context reaches, and which credentials it uses, so read-only follows
the account and not the name it was reached by.

Marking the profile ``prod`` read-only means nothing if a second profile, an
``AWS_ENDPOINT_URL`` or the LocalStack context reaches the same account with write access.
The catalog asks this module for: the account a profile names in the AWS config
(``sso_account_id``, or the account of its ``role_arn``), the account a context's
credentials belong to (one ``sts:GetCallerIdentity``, read-only, made only when a context
that would be writable is opened and some account is protected), and the static access
key a profile uses (read from the environment or the credentials files, never by calling
anything).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import botocore.session
from botocore.exceptions import BotoCoreError

from ecsdev.sources.aws_client import client_config

_ROLE_ACCOUNT = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):")
_STATIC = {"env", "shared-credentials-file", "config-file", "explicit"}
"""botocore credential methods that read keys from files or the environment (no call)."""


def account_in_profile(settings: Mapping[str, Any]) -> str | None:
    """The account a profile's AWS config names, when it names one."""
    sso = settings.get("sso_account_id")
    if sso:
        return str(sso)
    match = _ROLE_ACCOUNT.match(str(settings.get("role_arn", "")))
    return match.group(1) if match else None


def static_access_key(profile: str | None) -> str | None:
    """The access key ID ``profile`` uses when it is a static key (environment or
    credentials file); ``None`` for SSO, roles and anything that would need a call."""
    try:
        session = botocore.session.Session(profile=profile)
        credentials = session.get_credentials()
    except BotoCoreError:
        return None
    if credentials is None or getattr(credentials, "method", None) not in _STATIC:
        return None
    key = getattr(credentials, "access_key", None)
    return str(key) if key else None


def caller_account(
    factory: Callable[[str, str | None, Any], Any], region: str | None
) -> str | None:
    """The account of the credentials behind ``factory``'s clients (``None`` when unknown)."""
    try:
        sts = factory("sts", region or "us-east-1", client_config(max_pool=2, max_attempts=2))
        account = sts.get_caller_identity().get("Account")
    except Exception:  # noqa: BLE001 - unknown is an answer; the caller decides what it means
        return None
    return str(account) if account else None


def same_endpoint(a: str | None, b: str | None) -> bool:
    """Two explicit endpoint URLs that name the same place (``localhost`` = ``127.0.0.1``)."""
    if not a or not b:
        return False

    def norm(url: str) -> str:
        return url.rstrip("/").lower().replace("://localhost", "://127.0.0.1")

    return norm(a) == norm(b)


def profile_in_config(profile: str | None) -> bool:
    """Whether ``profile`` is in the AWS config or credentials files (``--profile`` would
    work); the ``default`` of a machine whose credentials come from the environment is not."""
    if not profile:
        return False
    try:
        return profile in botocore.session.Session().available_profiles
    except BotoCoreError:
        return False
