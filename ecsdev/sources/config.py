"""ecsdev's user configuration for the dashboard: which AWS profiles are production, and how
often screens refresh.

Marking a profile as production is a safety property, so it lives in a file the user
writes once (``$ECSDEV_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/ecsdev/config.yaml``) rather
than in a flag that can be forgotten. A production profile stays read-only even with
``--write``. The file is optional; a malformed one is an error naming the file, not a
silent default, because silently losing ``production: true`` would be dangerous.

    refresh: 5            # seconds between automatic refreshes (0 = off)
    log_buffer: 20000     # lines kept by the log view
    profiles:
      prod: {production: true}
      staging: {read_only: true}
    accounts:             # by AWS account ID: every profile (or endpoint) reaching it
      "123456789012": {production: true}

A profile marked production also protects its account: another profile that reaches the
same account ID is read-only too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from emulator.errors import UsageError

DEFAULT_REFRESH = 5.0
DEFAULT_LOG_BUFFER = 20_000


@dataclass(frozen=True, slots=True)
class ProfileSettings:
    production: bool = False
    """Distinct colour and banner; never writable."""
    read_only: bool = False
    """Never writable, without the production styling."""


@dataclass(frozen=True, slots=True)
class UserConfig:
    refresh: float = DEFAULT_REFRESH
    """Seconds between automatic refreshes; 0 turns them off."""
    log_buffer: int = DEFAULT_LOG_BUFFER
    """Lines the log view keeps; older lines are dropped."""
    profiles: Mapping[str, ProfileSettings] = field(default_factory=dict)
    path: Path | None = None
    accounts: Mapping[str, ProfileSettings] = field(default_factory=dict)
    """Settings by AWS account ID, whichever profile reaches the account."""
    """The file this was read from, when there was one."""

    def profile(self, name: str | None) -> ProfileSettings:
        return self.profiles.get(name or "", ProfileSettings())


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("ECSDEV_CONFIG_FILE"):
        return Path(env["ECSDEV_CONFIG_FILE"])
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "ecsdev" / "config.yaml"


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> UserConfig:
    """Read the config file; a missing file gives the defaults.

    Raises:
        UsageError: the file exists but is not valid YAML or has a wrong shape.
    """
    path = path or config_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UserConfig()
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from e
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise UsageError(f"{path}: not valid YAML: {e}") from e
    return parse_config(raw, path)


def parse_config(raw: object, path: Path | None = None) -> UserConfig:
    where = str(path) if path else "config"
    if raw is None:
        return UserConfig(path=path)
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: expected a mapping at the top level")
    unknown = set(raw) - {"refresh", "log_buffer", "profiles", "accounts"}
    if unknown:
        raise UsageError(
            f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}",
            hint="known keys: refresh, log_buffer, profiles, accounts",
        )
    refresh = raw.get("refresh", DEFAULT_REFRESH)
    if not isinstance(refresh, int | float) or isinstance(refresh, bool) or refresh < 0:
        raise UsageError(f"{where}: refresh: expected a number of seconds >= 0")
    log_buffer = raw.get("log_buffer", DEFAULT_LOG_BUFFER)
    if not isinstance(log_buffer, int) or isinstance(log_buffer, bool) or log_buffer < 100:
        raise UsageError(f"{where}: log_buffer: expected a whole number >= 100")
    profiles_raw = raw.get("profiles") or {}
    if not isinstance(profiles_raw, dict):
        raise UsageError(f"{where}: profiles: expected a mapping of profile name to settings")
    profiles: dict[str, ProfileSettings] = {}
    for name, settings in profiles_raw.items():
        profiles[str(name)] = _profile(settings or {}, f"{where}: profiles.{name}")
    accounts_raw = raw.get("accounts") or {}
    if not isinstance(accounts_raw, dict):
        raise UsageError(f"{where}: accounts: expected a mapping of account ID to settings")
    accounts: dict[str, ProfileSettings] = {}
    for account, settings in accounts_raw.items():
        key = str(account).zfill(12) if isinstance(account, int) else str(account)
        if not (len(key) == 12 and key.isdigit()):
            raise UsageError(f"{where}: accounts: {account!r} is not a 12-digit account ID")
        accounts[key] = _profile(settings or {}, f"{where}: accounts.{key}")
    return UserConfig(float(refresh), log_buffer, profiles, path, accounts)


def _profile(raw: object, where: str) -> ProfileSettings:
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: expected a mapping such as {{production: true}}")
    unknown = set(raw) - {"production", "read_only"}
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("production", "read_only"):
        if key in raw and not isinstance(raw[key], bool):
            raise UsageError(f"{where}.{key}: expected true or false")
    return ProfileSettings(bool(raw.get("production", False)), bool(raw.get("read_only", False)))
