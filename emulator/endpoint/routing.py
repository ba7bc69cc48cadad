"""Which service a request is for, and in which region and account it acts.

Why this exists: every AWS service posts to the same ``http://127.0.0.1:4566/``. A request is
ecsdev's own when its ``X-Amz-Target`` prefix is one of the handled services' ``targetPrefix``,
else when its credential scope (``Credential=AKID/20261206/us-east-1/elasticloadbalancing/
aws4_request``) names one of their signing names (ELBv2 and classic ELB share one; the
``Version`` form field tells them apart), else when an unsigned form's ``Action`` and
``Version`` match one of their operations. Anything else goes to the fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from emulator.endpoint.wire import operation_model, protocol, service_model

DEFAULT_REGION = "us-east-1"
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclass(frozen=True, slots=True)
class Route:
    service: str | None
    """botocore's name of a handled service, or None: the fallback answers."""
    region: str
    access_key: str
    scope_service: str
    """The credential scope's service (signing name), for the log when nothing handles it."""


def credential_scope(authorization: str, query: Mapping[str, str]) -> tuple[str, str, str]:
    """(access key, region, signing name) from SigV4's ``Authorization`` header or a presigned
    URL's ``X-Amz-Credential``; empty strings when the request is not signed."""
    text = authorization or (
        "Credential=" + query["X-Amz-Credential"] if "X-Amz-Credential" in query else ""
    )
    m = _SCOPE.search(text)
    return (m.group(1), m.group(2), m.group(3)) if m else ("", "", "")


class Router:
    """Identifies requests for ``services`` (the ones ecsdev handles itself)."""

    def __init__(self, services: Iterable[str]) -> None:
        self.services = [s for s in services if protocol(s) in ("json", "query", "ec2")]
        self._by_target: dict[str, str] = {}
        self._by_signing: dict[str, list[str]] = {}
        for name in self.services:
            model = service_model(name)
            prefix = model.metadata.get("targetPrefix")
            if prefix:
                self._by_target[str(prefix)] = name
            for key in {model.signing_name, model.endpoint_prefix}:
                self._by_signing.setdefault(str(key), []).append(name)

    def route(self, target: str, authorization: str, form: Mapping[str, str]) -> Route:
        access_key, region, scope = credential_scope(authorization, form)
        region = region or DEFAULT_REGION
        return Route(self._service(target, scope, form), region, access_key, scope)

    def _service(self, target: str, scope: str, form: Mapping[str, str]) -> str | None:
        if target:
            return self._by_target.get(target.split(".", 1)[0])
        if scope:
            for name in self._by_signing.get(scope, []):
                if self._form_fits(name, form, require_action=False):
                    return name
            return None
        for name in self.services:
            if self._form_fits(name, form, require_action=True):
                return name
        return None

    @staticmethod
    def _form_fits(service: str, form: Mapping[str, str], require_action: bool) -> bool:
        if protocol(service) == "json":
            return False
        version = form.get("Version")
        if version and version != service_model(service).api_version:
            return False
        action = form.get("Action", "")
        if require_action:
            return bool(version) and operation_model(service, action) is not None
        return True
