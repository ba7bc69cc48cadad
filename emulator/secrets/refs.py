"""What a task definition's secret references mean, as ECS reads them.

Why this exists: ``valueFrom`` (container ``secrets`` and ``logConfiguration.secretOptions``)
and ``repositoryCredentials.credentialsParameter`` take several forms, and every source must
agree on what each form names: an SSM parameter's name (``/app/db`` or ``app-db``, in the
task's region) or ARN; a Secrets Manager secret's full ARN (name plus AWS's 6-character suffix)
or partial ARN (name only), either followed by ``:json-key:version-stage:version-id`` (each may
be empty); for registry credentials, a secret's ARN or its name. Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

Service = Literal["ssm", "secretsmanager"]

_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<rest>.*)$", re.S)
_SUFFIX = re.compile(r"^(?P<name>.+)-[A-Za-z0-9]{6}$")


class BadReference(ValueError):
    """A ``valueFrom`` that names neither an SSM parameter nor a Secrets Manager secret."""


@dataclass(frozen=True, slots=True)
class SecretRef:
    """One reference. ``secret_id`` is what ECS asks the service for: the parameter's name or
    ARN (SSM ``GetParameters``), the secret's ARN, partial ARN or name (``GetSecretValue``)."""

    value_from: str
    service: Service
    secret_id: str
    region: str
    account: str = ""  # "" when the reference is a bare name
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""

    @property
    def name(self) -> str:
        """The parameter's or secret's name, without ARN (and, for a full secret ARN, without
        AWS's random suffix)."""
        if not self.secret_id.startswith("arn:"):
            return self.secret_id
        if self.service == "ssm":
            return parameter_name(self.secret_id.split(":", 5)[5])
        name = self.secret_id.split(":", 6)[6]
        m = _SUFFIX.match(name)
        return m.group("name") if m else name

    def candidates(self) -> tuple[str, ...]:
        """Keys a local secrets file may use for it, most specific first: ``valueFrom`` as
        written, the ARN or name without suffixes, the name (SSM names with and without their
        leading ``/``; a secret's name without AWS's suffix)."""
        out = [self.value_from, self.secret_id]
        if self.secret_id.startswith("arn:") and self.service == "secretsmanager":
            out.append(self.secret_id.split(":", 6)[6])
        name = self.name
        out.append(name)
        if self.service == "ssm":
            out.append(name[1:] if name.startswith("/") else "/" + name)
        return tuple(dict.fromkeys(out))


def parameter_name(resource: str) -> str:
    """An SSM ARN's resource (``parameter/a/b`` or ``parameter/name``) as the parameter's name:
    a hierarchical name keeps its leading ``/`` (``/a/b``), a flat one has none."""
    path = resource.removeprefix("parameter")
    body = path[1:] if path.startswith("/") else path
    return "/" + body if "/" in body else body


def parse(value_from: str, region: str, *, registry: bool = False) -> SecretRef:
    """The reference ``value_from`` makes for a task in ``region``. ``registry``: a
    ``credentialsParameter``, where a bare name is a Secrets Manager secret's (else SSM's)."""
    text = value_from.strip()
    if not text:
        raise BadReference("valueFrom is empty")
    m = _ARN.match(text)
    if m is None:
        service: Service = "secretsmanager" if registry else "ssm"
        return SecretRef(value_from, service, text, region)
    parts = text.split(":")
    if m.group("service") == "ssm":
        if len(parts) < 6 or not parts[5].startswith("parameter/") or parts[5] == "parameter/":
            raise BadReference(f"{value_from} is not an SSM parameter ARN")
        arn = ":".join(parts[:5] + [":".join(parts[5:])])
        return SecretRef(value_from, "ssm", arn, parts[3] or region, parts[4])
    if m.group("service") == "secretsmanager":
        if len(parts) < 7 or parts[5] != "secret" or not parts[6]:
            raise BadReference(f"{value_from} is not a Secrets Manager secret ARN")
        if len(parts) > 10:
            raise BadReference(
                f"{value_from}: a secret ARN takes at most json-key:version-stage:version-id"
            )
        extra = parts[7:] + ["", "", ""]
        return SecretRef(
            value_from,
            "secretsmanager",
            ":".join(parts[:7]),
            parts[3] or region,
            parts[4],
            json_key=extra[0],
            version_stage=extra[1],
            version_id=extra[2],
        )
    raise BadReference(
        f"{value_from} is neither an SSM parameter nor a Secrets Manager secret "
        f"(an {m.group('service')} ARN)"
    )


def json_key(ref: SecretRef, secret: str) -> str | None:
    """The value of ``ref.json_key`` in ``secret`` (a JSON object's member, as text: strings
    as they are, anything else as JSON), ``secret`` itself without a key, or None when the
    secret is no JSON object or has no such key."""
    if not ref.json_key:
        return secret
    try:
        doc = json.loads(secret)
    except ValueError:
        return None
    if not isinstance(doc, dict) or ref.json_key not in doc:
        return None
    value = doc[ref.json_key]
    return value if isinstance(value, str) else json.dumps(value)
