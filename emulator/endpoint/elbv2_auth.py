"""The ALB's authentication actions (``authenticate-oidc``, ``authenticate-cognito``) through
the API: kept, checked and read back as AWS does, and not enforced locally.

Why this exists: teams put an identity provider in front of internal tools with these
actions, and their Terraform or CLI scripts must run against the endpoint unchanged. No
identity provider is reachable here, so the stand-in forwards such a rule's requests
unauthenticated (the serve log says so, for each listener or rule that has one); describe
reads back every setting with AWS's defaults, and never the client secret, which AWS does not
return either and which ecsdev does not keep.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.endpoint.api import validation_error

OIDC = "authenticate-oidc"
COGNITO = "authenticate-cognito"
TYPES = (OIDC, COGNITO)
UNAUTHENTICATED = ("deny", "allow", "authenticate")
MAX_SESSION_TIMEOUT = 604800  # seven days: AWS's default and its maximum


@dataclass(frozen=True, slots=True)
class Session:
    """What both providers share: the ALB's session cookie and the request to the IdP."""

    cookie_name: str = "AWSELBAuthSessionCookie"
    scope: str = "openid"
    timeout: int = MAX_SESSION_TIMEOUT
    extra_params: tuple[tuple[str, str], ...] = ()
    on_unauthenticated_request: str = "authenticate"


@dataclass(frozen=True, slots=True)
class OidcConfig:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    user_info_endpoint: str
    client_id: str
    session: Session = Session()


@dataclass(frozen=True, slots=True)
class CognitoConfig:
    user_pool_arn: str
    user_pool_client_id: str
    user_pool_domain: str
    session: Session = Session()


def _required(cfg: Mapping[str, Any], key: str, kind: str) -> str:
    value = cfg.get(key)
    if not value:
        raise validation_error(f"'{key}' must be specified for an '{kind}' action")
    return str(value)


def _session(cfg: Mapping[str, Any]) -> Session:
    base = Session()
    timeout = cfg.get("SessionTimeout")
    if timeout is not None and not 1 <= int(timeout) <= MAX_SESSION_TIMEOUT:
        raise validation_error(
            f"Session timeout '{timeout}' must be between 1 and {MAX_SESSION_TIMEOUT} seconds"
        )
    unauth = str(cfg.get("OnUnauthenticatedRequest") or base.on_unauthenticated_request)
    if unauth not in UNAUTHENTICATED:
        raise validation_error(
            f"OnUnauthenticatedRequest '{unauth}' must be one of '{', '.join(UNAUTHENTICATED)}'"
        )
    extra = cfg.get("AuthenticationRequestExtraParams") or {}
    return Session(
        cookie_name=str(cfg.get("SessionCookieName") or base.cookie_name),
        scope=str(cfg.get("Scope") or base.scope),
        timeout=int(timeout) if timeout is not None else base.timeout,
        extra_params=tuple(sorted((str(k), str(v)) for k, v in extra.items())),
        on_unauthenticated_request=unauth,
    )


def oidc_of(cfg: Mapping[str, Any] | None) -> OidcConfig:
    """``AuthenticateOidcConfig`` as a record; its ``ClientSecret`` is not kept."""
    if not cfg:
        raise validation_error(f"The OIDC configuration must be specified for an '{OIDC}' action")
    return OidcConfig(
        issuer=_required(cfg, "Issuer", OIDC),
        authorization_endpoint=_required(cfg, "AuthorizationEndpoint", OIDC),
        token_endpoint=_required(cfg, "TokenEndpoint", OIDC),
        user_info_endpoint=_required(cfg, "UserInfoEndpoint", OIDC),
        client_id=_required(cfg, "ClientId", OIDC),
        session=_session(cfg),
    )


def cognito_of(cfg: Mapping[str, Any] | None) -> CognitoConfig:
    if not cfg:
        raise validation_error(
            f"The Cognito configuration must be specified for an '{COGNITO}' action"
        )
    return CognitoConfig(
        user_pool_arn=_required(cfg, "UserPoolArn", COGNITO),
        user_pool_client_id=_required(cfg, "UserPoolClientId", COGNITO),
        user_pool_domain=_required(cfg, "UserPoolDomain", COGNITO),
        session=_session(cfg),
    )


def _session_json(s: Session) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SessionCookieName": s.cookie_name,
        "Scope": s.scope,
        "SessionTimeout": s.timeout,
        "OnUnauthenticatedRequest": s.on_unauthenticated_request,
    }
    if s.extra_params:
        out["AuthenticationRequestExtraParams"] = dict(s.extra_params)
    return out


def oidc_json(c: OidcConfig) -> dict[str, Any]:
    return {
        "Issuer": c.issuer,
        "AuthorizationEndpoint": c.authorization_endpoint,
        "TokenEndpoint": c.token_endpoint,
        "UserInfoEndpoint": c.user_info_endpoint,
        "ClientId": c.client_id,
        **_session_json(c.session),
    }


def cognito_json(c: CognitoConfig) -> dict[str, Any]:
    return {
        "UserPoolArn": c.user_pool_arn,
        "UserPoolClientId": c.user_pool_client_id,
        "UserPoolDomain": c.user_pool_domain,
        **_session_json(c.session),
    }


def check_order(types: list[str], protocol: str) -> None:
    """Authentication comes first, on HTTPS listeners only, once per provider kind, and a
    rule still ends in the one action that answers (forward, redirect or fixed-response).
    ``types``: the rule's action types in their run order."""
    auth = [t for t in types if t in TYPES]
    if not auth:
        return
    if protocol != "HTTPS":
        raise validation_error(
            f"Action type '{auth[0]}' is supported only on HTTPS listeners, not {protocol}"
        )
    if len(auth) > 1:
        raise validation_error("A rule can have at most one authenticate action")
    if types[-1] in TYPES:
        raise validation_error(
            f"Action type '{types[-1]}' must be followed by a forward, redirect or "
            "fixed-response action"
        )


def not_enforced(what: str, kind: str) -> str:
    """The serve log's line for a listener or rule with an authentication action."""
    return f"{what}: {kind} is not enforced locally: its requests go on unauthenticated"


__all__ = [
    "COGNITO",
    "OIDC",
    "TYPES",
    "CognitoConfig",
    "OidcConfig",
    "Session",
    "check_order",
    "cognito_json",
    "cognito_of",
    "not_enforced",
    "oidc_json",
    "oidc_of",
]
