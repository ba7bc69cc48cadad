"""A stack's choice of role credentials: the layout's ``credentials``, checked and kept.

Why it exists: what the credentials endpoint serves is the stack's choice (``source``):
``local`` (the default, and what clusters made through the API get) serves dummy keys for a
stack that only talks to the local endpoint; ``session`` the user's own session from a
profile; ``assume-role`` the task's ``taskRoleArn`` assumed through STS with a profile. The
loader checks it with paths, ``ecsdev up`` keeps it in the stack's store (the controller
never reads the layout), each launch reads it back. Only names are held, never a key.
"""

from __future__ import annotations

import configparser
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.model.report import Reporter

CREDENTIALS_KEY = "credentials/source"  # the store key the stack's choice is kept under
SOURCES = ("local", "session", "assume-role")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
AWS_FILES_ENV = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")
AWS_ENDPOINT_ENV = ("AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL")


@dataclass(frozen=True, slots=True)
class CredentialsSpec:
    source: str = "local"
    profile: str = ""  # session / assume-role: "" = AWS_PROFILE at launch, else "default"
    region: str = ""  # STS's region: "" = the profile's, else the stack's

    @property
    def label(self) -> str:
        if self.source == "local":
            return "local credentials"
        return f"{self.source} with AWS profile {self.profile or 'default'}"


def record(spec: CredentialsSpec | None) -> dict[str, str] | None:
    """What is stored for the controller (None: the default)."""
    if spec is None:
        return None
    out = {"source": spec.source}
    out.update({k: v for k, v in (("profile", spec.profile), ("region", spec.region)) if v})
    return out


def from_record(value: Any) -> CredentialsSpec:
    if not isinstance(value, Mapping) or value.get("source") not in SOURCES:
        return CredentialsSpec()
    return CredentialsSpec(
        str(value["source"]), str(value.get("profile") or ""), str(value.get("region") or "")
    )


def source_options(spec: CredentialsSpec, environ: Mapping[str, str]) -> dict[str, str]:
    """The options a credential source of the layer above is built from: the profile, the
    region and where the AWS files and STS endpoint are (paths and URLs, never a key), taken
    from the launching process's environment since one agent serves every stack."""
    out = {"profile": spec.profile or environ.get("AWS_PROFILE", ""), "region": spec.region}
    out.update({k: environ[k] for k in AWS_FILES_ENV + AWS_ENDPOINT_ENV if environ.get(k)})
    return {k: v for k, v in out.items() if v}


def _profiles(environ: Mapping[str, str]) -> tuple[set[str], list[str]]:
    """Profile names in the user's AWS config and credentials files, and those files."""
    home = Path.home() / ".aws"
    files = [
        Path(environ.get("AWS_CONFIG_FILE") or home / "config").expanduser(),
        Path(environ.get("AWS_SHARED_CREDENTIALS_FILE") or home / "credentials").expanduser(),
    ]
    names: set[str] = set()
    for i, path in enumerate(files):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path)
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in parser.sections():
            names.add(section.removeprefix("profile ").strip() if i == 0 else section.strip())
    return names, [str(f) for f in files]


def check_credentials(
    section: Any, rep: Reporter, environ: Mapping[str, str] | None = None
) -> CredentialsSpec | None:
    """Problems of the layout's ``credentials`` (after the shape check) and its choice."""
    if not isinstance(section, dict):
        return None
    env = os.environ if environ is None else environ
    source = section.get("source") or "local"
    if source not in SOURCES:
        return None  # reported by the shape check
    profile, region = str(section.get("profile") or ""), str(section.get("region") or "")
    if source == "local":
        for key in ("profile", "region"):
            if section.get(key):
                rep.error(
                    ("credentials", key),
                    f"{key} is read by source session or assume-role only (remove it, or set "
                    "source: assume-role to assume each task's taskRoleArn with the profile)",
                )
    if region and not _REGION.match(region):
        rep.error(("credentials", "region"), f"{region!r} is not an AWS Region name (us-east-1)")
    if source != "local":
        name = profile or env.get("AWS_PROFILE") or "default"
        known, files = _profiles(env)
        if name not in known:
            rep.warn(
                ("credentials", "profile") if profile else ("credentials",),
                f"no AWS profile {name!r} in {' or '.join(files)}: tasks will fail to start "
                "unless the profile exists then (aws configure --profile NAME)",
            )
    return CredentialsSpec(source, profile, region)
