"""The local endpoint's SSM parameters and Secrets Manager secrets outlive the endpoint.

Why this exists: moto, which answers SSM and Secrets Manager in the endpoint, keeps
everything in memory, but AWS keeps what was put in it, and tasks read their secrets from
here at every start (a service's replacement task after an endpoint restart included). Each
write call that moto answered with success is appended, as the client sent it, to a journal
in the state directory (``endpoint/moto/journal.jsonl``: directory 0700, file 0600: it holds
secret values), and replayed into moto, in order, when moto is first used after a start.
What the first run generated is pinned on the way in, so a replay makes the same things: a
secret's ARN suffix (moto's id manager is told it) and each version's ID (the answer's
``VersionId`` becomes the request's ``ClientRequestToken``).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from emulator.private import open_private, private_dir

WRITES = {
    "AmazonSSM": frozenset(
        {
            "PutParameter",
            "DeleteParameter",
            "DeleteParameters",
            "LabelParameterVersion",
            "UnlabelParameterVersion",
            "AddTagsToResource",
            "RemoveTagsFromResource",
        }
    ),
    "secretsmanager": frozenset(
        {
            "CreateSecret",
            "PutSecretValue",
            "UpdateSecret",
            "DeleteSecret",
            "RestoreSecret",
            "UpdateSecretVersionStage",
            "TagResource",
            "UntagResource",
            "PutResourcePolicy",
            "DeleteResourcePolicy",
        }
    ),
}
_VERSIONED = frozenset({"CreateSecret", "PutSecretValue", "UpdateSecret"})
_SCOPE = re.compile(r"Credential=[^/]*/[^/]*/([^/]+)/")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def journaled(target: str) -> bool:
    """Whether the call ``X-Amz-Target: target`` is a write kept in the journal."""
    prefix, _, op = target.rpartition(".")
    return op in WRITES.get(prefix, frozenset())


def region_of(authorization: str) -> str:
    m = _SCOPE.search(authorization)
    return m.group(1) if m else "us-east-1"


class Journal:
    """The append-only journal of one state directory's SSM and Secrets Manager writes."""

    def __init__(self, directory: Path, top: Path | None = None) -> None:
        self.path = private_dir(directory, top) / "journal.jsonl"
        self._lock = threading.Lock()

    def record(self, target: str, region: str, account: str, body: bytes, answer: bytes) -> None:
        """Keep one successful write (``answer``: moto's reply body)."""
        try:
            request = json.loads(body or b"{}")
            reply = json.loads(answer or b"{}")
        except ValueError:
            return
        if not isinstance(request, dict) or not isinstance(reply, dict):
            return
        op = target.rpartition(".")[2]
        entry: dict[str, Any] = {"target": target, "region": region, "account": account}
        if op in _VERSIONED and reply.get("VersionId") and not request.get("ClientRequestToken"):
            request["ClientRequestToken"] = reply["VersionId"]
        if op == "CreateSecret" and isinstance(reply.get("ARN"), str):
            entry["arn"] = reply["ARN"]
        entry["body"] = request
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        with self._lock:
            fd = open_private(self.path)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        """What was recorded, in order (a line cut short by a kill is left out)."""
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return []
        out = []
        for raw in lines:
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if isinstance(entry, dict) and isinstance(entry.get("body"), dict):
                out.append(entry)
        return out

    def replay(self, app: WsgiApp) -> int:
        """Send every recorded write to moto's dispatcher ``app`` again; returns how many."""
        from werkzeug.test import EnvironBuilder

        count = 0
        for entry in self.entries():
            target, region = str(entry["target"]), str(entry.get("region") or "us-east-1")
            service = "ssm" if target.startswith("AmazonSSM.") else "secretsmanager"
            body = json.dumps(entry["body"]).encode()
            builder = EnvironBuilder(
                path="/",
                method="POST",
                headers=[
                    ("X-Amz-Target", target),
                    (
                        "Authorization",
                        f"AWS4-HMAC-SHA256 Credential=REPLAY/20260101/{region}/{service}"
                        "/aws4_request, SignedHeaders=host, Signature=0",
                    ),
                    ("X-Moto-Account-Id", str(entry.get("account") or "000000000000")),
                ],
                content_type="application/x-amz-json-1.1",
                data=body,
            )
            with _pinned_arn(entry):
                try:
                    for _ in app(builder.get_environ(), lambda *a, **k: None):
                        pass
                    count += 1
                except Exception:  # a write moto refuses now was refused then too: skip it
                    continue
        return count


class _pinned_arn:  # noqa: N801 - used as a context manager
    """While replaying a CreateSecret, moto gives the secret the ARN suffix it had."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.ident: Any = None
        arn = entry.get("arn")
        name = entry["body"].get("Name")
        if isinstance(arn, str) and isinstance(name, str) and arn.endswith(f"{name}-" + arn[-6:]):
            from moto.secretsmanager.utils import SecretsManagerSecretIdentifier

            parts = arn.split(":")
            self.ident = SecretsManagerSecretIdentifier(parts[4], parts[3], name)
            self.suffix = arn[-6:]

    def __enter__(self) -> None:
        if self.ident is not None:
            from moto.utilities.id_generator import moto_id_manager

            moto_id_manager.set_custom_id(self.ident, self.suffix)

    def __exit__(self, *exc: object) -> None:
        if self.ident is not None:
            from moto.utilities.id_generator import moto_id_manager

            moto_id_manager.unset_custom_id(self.ident)
