"""Where secret values come from: the ``SecretSource`` protocol and the engine's own sources.

Why this exists: a stack chooses, in order, where its tasks' secrets are looked up. The engine
itself reaches two kinds without AWS: a local secrets file (a YAML or JSON mapping from a name
or ARN to a value, or to ``{file: PATH}`` holding the value) and ecsdev's own endpoint (its
SSM and Secrets Manager, over HTTP on 127.0.0.1; the endpoint accepts any credentials). Kinds
that need boto3 (LocalStack, an AWS profile) are installed by the layer above through
``emulator.providers``. A source answers a value, None when it does not hold the secret, or
raises ``SourceUnavailable``; no message it makes ever holds a value.
"""

from __future__ import annotations

import fcntl
import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import yaml

from emulator.secrets.refs import SecretRef
from emulator.store import state_home


class SourceUnavailable(Exception):
    """The source could not be asked (not running, no credentials, access denied ...).
    ``code`` is the AWS error code where one applies (``AccessDeniedException``)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class SecretSource(Protocol):
    """One place secrets are looked up in. ``label`` names it in messages and the dashboard."""

    label: str

    def lookup(self, ref: SecretRef) -> str | None:
        """The secret's whole value (the parameter's value or the secret's SecretString,
        before any json-key), or None when this source does not hold it."""
        ...


class FileSource:
    """A local secrets file: ``NAME-OR-ARN: VALUE`` or ``NAME-OR-ARN: {file: PATH}`` (relative
    to the secrets file). A mapping value other than ``{file: ...}`` is a JSON secret. Read at
    every lookup, so an edit takes effect at the next task start."""

    def __init__(self, path: Path, *, required: bool = True) -> None:
        self.path = path
        self.required = required
        self.label = f"secrets file {path}"

    def _entries(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if not self.required:
                return {}
            raise SourceUnavailable(f"{self.label} does not exist") from None
        except OSError as e:
            raise SourceUnavailable(f"{self.label} cannot be read ({e.strerror})") from None
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as e:  # its own text quotes the file: only the line is said
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise SourceUnavailable(f"{self.label} is not valid YAML or JSON{where}") from None
        if doc is None:
            return {}
        if not isinstance(doc, dict):
            raise SourceUnavailable(f"{self.label} must be a mapping of names or ARNs to values")
        return {str(k): v for k, v in doc.items()}

    def lookup(self, ref: SecretRef) -> str | None:
        entries = self._entries()
        for key in ref.candidates():
            if key in entries:
                return self._value(key, entries[key])
        return None

    def _value(self, key: str, value: Any) -> str:
        if isinstance(value, dict) and set(value) == {"file"}:
            p = Path(os.path.expanduser(str(value["file"])))
            p = p if p.is_absolute() else self.path.parent / p
            try:
                return p.read_text(encoding="utf-8").removesuffix("\n")
            except OSError as e:
                raise SourceUnavailable(
                    f"{self.label}: the file for {key} ({p}) cannot be read ({e.strerror})"
                ) from None
        if isinstance(value, dict | list):
            return json.dumps(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


class EndpointSource:
    """ecsdev's own endpoint (``ecsdev serve``): its SSM parameters and Secrets Manager secrets.
    ``url`` None: the endpoint running for this state directory, found at each lookup."""

    def __init__(self, url: str | None = None, account: str = "") -> None:
        self.url = url
        self.account = account
        self.label = "the local endpoint" + (f" {url}" if url else "")

    def _url(self) -> str:
        if self.url:
            return self.url
        url = running_endpoint(state_home())
        if url is None:
            raise SourceUnavailable("the local endpoint is not running (start it: ecsdev serve -d)")
        return url

    def lookup(self, ref: SecretRef) -> str | None:
        if ref.service == "ssm":
            return self._parameter(ref)
        return self._secret(ref)

    def _parameter(self, ref: SecretRef) -> str | None:
        answer = call(self._url(), "ssm", "AmazonSSM.GetParameters", ref.region,
                      {"Names": [ref.name], "WithDecryption": True})  # fmt: skip
        params = answer.get("Parameters") or []
        return str(params[0].get("Value", "")) if params else None

    def _secret(self, ref: SecretRef) -> str | None:
        # by the reference first; a full ARN from another account or with another suffix is
        # then asked for by the secret's name, which is what a local copy of it carries
        ids = [ref.secret_id] + ([ref.name] if ref.name != ref.secret_id else [])
        for secret_id in ids:
            body: dict[str, Any] = {"SecretId": secret_id}
            if ref.version_id:
                body["VersionId"] = ref.version_id
            if ref.version_stage:
                body["VersionStage"] = ref.version_stage
            answer = call(self._url(), "secretsmanager", "secretsmanager.GetSecretValue",
                          ref.region, body, missing=("ResourceNotFoundException",))  # fmt: skip
            if answer:
                if "SecretString" not in answer:
                    raise SourceUnavailable(
                        f"{ref.secret_id} holds binary data, which ECS does not put into an "
                        "environment variable"
                    )
                return str(answer["SecretString"])
        return None


def call(
    url: str,
    service: str,
    target: str,
    region: str,
    body: Mapping[str, Any],
    *,
    missing: tuple[str, ...] = (),
    timeout: float = 10.0,
) -> dict[str, Any]:
    """One JSON-protocol call to an AWS-compatible endpoint that needs no signature. An error
    whose code is in ``missing`` answers ``{}``; any other raises ``SourceUnavailable`` with
    the code alone (a message could quote what was sent)."""
    scope = f"ECSDEV/20260101/{region}/{service}/aws4_request"
    req = urllib.request.Request(
        url.rstrip("/") + "/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": target,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host, "
            "Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer = json.loads(resp.read() or b"{}")
            return answer if isinstance(answer, dict) else {}
    except urllib.error.HTTPError as e:
        try:
            doc = json.loads(e.read() or b"{}")
        except ValueError:
            doc = {}
        code = str(doc.get("__type") or e.headers.get("x-amzn-ErrorType") or e.code)
        code = code.rsplit("#", 1)[-1].split(":", 1)[0]
        if code in missing:
            return {}
        raise SourceUnavailable(f"{target.rsplit('.', 1)[-1]} failed: {code}", code) from None
    except (OSError, ValueError) as e:
        raise SourceUnavailable(f"{url} did not answer ({type(e).__name__})") from None


def running_endpoint(home: Path) -> str | None:
    """The URL of the endpoint serving ``home`` (the state directory), or None. Its truth is
    the lock it holds for its lifetime and the ``serve.json`` it writes once it answers (see
    ``emulator.endpoint.daemon``, which the engine does not import: it brings moto along)."""
    folder = home / "endpoint"
    try:
        with open(folder / "serve.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pass  # held: the endpoint runs
            else:
                fcntl.flock(fh, fcntl.LOCK_UN)
                return None
        state = json.loads((folder / "serve.json").read_text())
    except (OSError, ValueError):
        return None
    url = state.get("url") if isinstance(state, dict) else None
    return str(url) if url else None
