"""Role credentials as ECS's agent serves them: the sources, the cache, the JSON.

Why it exists: the agent answers ``GET /v2/credentials/<token>`` with ECS's JSON
(``RoleArn``, ``AccessKeyId``, ``SecretAccessKey``, ``Token``, ``Expiration``), and the SDKs
in the task ask again shortly before ``Expiration`` (botocore: 15 minutes before). So the
cache hands out a set only while more than ``REFRESH_BEFORE`` of it is left and fetches a
new one otherwise; if the source fails then, the old set is served until it expires.
Sources: ``LocalSource`` (the engine's own: dummy keys for a stack that only talks to the
local endpoint, which checks no signature) and the kinds the layer above installs in
``emulator.providers`` (``session``: the user's own session; ``assume-role``: the task's
role through STS with the user's profile). Values live in this process's memory only: the
dataclass hides them from ``repr`` and nothing here writes or logs them.
"""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

REFRESH_BEFORE = 20 * 60.0
"""Seconds of validity below which a cached set is replaced (the SDKs refresh at 15 min)."""
LOCAL_LIFETIME = 6 * 3600.0  # ECS's own task credentials last about six hours


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    token: str = field(repr=False)
    expiration: float  # epoch seconds

    def left(self, now: float) -> float:
        return self.expiration - now


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    """What a source is asked for: the task's role (may be empty) and where it runs."""

    role_arn: str
    session_name: str  # the task's ID, as ECS names the role session
    region: str
    account_id: str = "000000000000"


class CredentialSource(Protocol):
    def fetch(self, request: CredentialRequest) -> Credentials: ...


class LocalSource:
    """Dummy keys for the local endpoint (any keys pass there), new ones at each refresh."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def fetch(self, request: CredentialRequest) -> Credentials:
        alphabet = string.ascii_uppercase + string.digits
        key = "ASIA" + "".join(secrets.choice(alphabet) for _ in range(16))
        return Credentials(
            access_key_id=key,
            secret_access_key=secrets.token_urlsafe(30)[:40],
            token=secrets.token_urlsafe(96),
            expiration=self.clock() + LOCAL_LIFETIME,
        )


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ecs_json(creds: Credentials, role_arn: str) -> dict[str, Any]:
    """The body of the agent's credentials answer, member for member as ECS sends it."""
    out: dict[str, Any] = {"RoleArn": role_arn} if role_arn else {}
    out.update(
        {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.token,
            "Expiration": rfc3339(creds.expiration),
        }
    )
    return out


class CredentialCache:
    """One set per key (a source and a role), refreshed ``REFRESH_BEFORE`` its expiry."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._sets: dict[Hashable, Credentials] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, key: Hashable, fetch: Callable[[], Credentials]) -> Credentials:
        """The cached set, or a new one when less than ``REFRESH_BEFORE`` is left. A failed
        refresh raises only when nothing valid is cached."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one fetch per key at a time; the others wait and share it
            have = self._sets.get(key)
            now = self.clock()
            if have is not None and have.left(now) > REFRESH_BEFORE:
                return have
            try:
                new = fetch()
            except Exception:
                if have is not None and have.left(now) > 60:
                    return have
                raise
            self._sets[key] = new
            return new

    def forget(self, key: Hashable) -> None:
        with self._guard:
            self._sets.pop(key, None)
            self._locks.pop(key, None)

    def __len__(self) -> int:
        return len(self._sets)
