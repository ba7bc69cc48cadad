"""ELBv2 request input as typed records, checked the way AWS checks it.

Why this exists: every write handler takes actions, conditions, transforms, health-check
settings, attributes and tags in AWS's wire names; this module turns them into the records of
``elbv2_records`` and refuses what AWS refuses, with AWS's error codes and messages, starting
with the model's own constraints (ranges, enums, lengths, as "1 validation error detected:
..."). The ALB's rules on a rule's parts are checked by ``elbv2_rulecheck``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from botocore.model import ServiceModel, Shape, StructureShape
from botocore.session import get_session

from emulator.endpoint import elbv2_auth as auth
from emulator.endpoint.api import ApiError, validation_error
from emulator.endpoint.elbv2_records import (
    Action,
    Condition,
    FixedResponseConfig,
    ForwardConfig,
    Matcher,
    QueryValue,
    RedirectConfig,
    Rewrite,
    Transform,
    WeightedTargetGroup,
)
from emulator.model.attributes import (
    LOAD_BALANCER_ATTRIBUTES,
    LOAD_BALANCER_PREFIXES,
    TARGET_GROUP_ATTRIBUTES,
)

ELB_NAME = re.compile(r"^[a-zA-Z0-9-]*$")
MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
SUPPORTED_ACTIONS = ("forward", "redirect", "fixed-response", *auth.TYPES)


@cache
def _model() -> ServiceModel:
    return get_session().get_service_model("elbv2")


# -- the model's constraints -------------------------------------------------------------------


def check_model(operation: str, params: Mapping[str, Any]) -> None:
    """Ranges, enums and lengths of the operation's input shape, as AWS reports them."""
    shape = _model().operation_model(operation).input_shape
    found: list[str] = []
    if shape is not None:
        _walk(shape, params, "", found)
    if found:
        n = len(found)
        head = f"{n} validation error{'s' if n > 1 else ''} detected: "
        raise validation_error(head + "; ".join(found))


def _walk(shape: Shape, value: Any, path: str, found: list[str]) -> None:
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                sub = name[:1].lower() + name[1:]
                _walk(member, value[name], f"{path}.{sub}" if path else sub, found)
        return
    if shape.type_name == "list" and isinstance(value, Sequence) and not isinstance(value, str):
        item_shape: Shape | None = getattr(shape, "member", None)
        for i, item in enumerate(value, 1):
            if item_shape is not None:
                _walk(item_shape, item, f"{path}.{i}.member", found)
        return
    meta = shape.metadata
    enum = getattr(shape, "enum", None) or []
    if shape.type_name == "string" and isinstance(value, str):
        if enum and value not in enum:
            found.append(
                _bad(value, path, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            )
        elif "max" in meta and len(value) > meta["max"]:
            found.append(
                _bad(value, path, f"Member must have length less than or equal to {meta['max']}")
            )
        elif "min" in meta and len(value) < meta["min"]:
            found.append(
                _bad(value, path, f"Member must have length greater than or equal to {meta['min']}")
            )
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if "min" in meta and value < meta["min"]:
            found.append(
                _bad(value, path, f"Member must have value greater than or equal to {meta['min']}")
            )
        elif "max" in meta and value > meta["max"]:
            found.append(
                _bad(value, path, f"Member must have value less than or equal to {meta['max']}")
            )


def _bad(value: object, path: str, why: str) -> str:
    return f"Value '{value}' at '{path}' failed to satisfy constraint: {why}"


# -- names, tags, attributes -------------------------------------------------------------------


def check_name(kind: str, name: str) -> None:
    """``kind`` is "Load balancer" or "Target group"."""
    if len(name) > 32:
        raise validation_error(f"{kind} name '{name}' cannot be longer than '32' characters")
    if not name or not ELB_NAME.match(name):
        raise validation_error(
            f"{kind} name '{name}' can only contain characters that are alphanumeric "
            "characters or hyphens(-)"
        )
    if name.startswith("-") or name.endswith("-"):
        raise validation_error(f"{kind} name '{name}' cannot begin or end with '-'")
    if kind == "Load balancer" and name.startswith("internal-"):
        raise validation_error(f"{kind} name '{name}' cannot begin with 'internal-'")


def tags_of(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    out: dict[str, str] = {}
    for t in params.get("Tags") or ():
        key = str(t.get("Key", ""))
        if key in out:
            raise ApiError("DuplicateTagKeys", f"Tag key '{key}' was specified more than once")
        out[key] = str(t.get("Value") or "")
    return tuple(out.items())


def attributes_of(
    kind: str, given: Sequence[Mapping[str, Any]], current: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    """``current`` with ``given`` applied (``kind``: "load balancer" or "target group")."""
    known = LOAD_BALANCER_ATTRIBUTES if kind == "load balancer" else TARGET_GROUP_ATTRIBUTES
    prefixes = LOAD_BALANCER_PREFIXES if kind == "load balancer" else ()
    label = kind[:1].upper() + kind[1:]
    out = dict(current)
    for a in given:
        key, value = str(a.get("Key", "")), str(a.get("Value", ""))
        if key not in known and not key.startswith(prefixes):
            raise validation_error(f"{label} attribute key '{key}' is not recognized")
        allowed = known.get(key)
        if isinstance(allowed, tuple) and allowed and isinstance(allowed[0], int):
            lo, hi = allowed
            if not value.lstrip("-").isdigit() or not int(lo) <= int(value) <= int(hi):
                raise validation_error(
                    f"{label} attribute '{key}' must be an integer between {lo} and {hi}"
                )
        elif isinstance(allowed, tuple) and allowed and value not in allowed:
            choices = ", ".join(f"'{x}'" for x in allowed)
            raise validation_error(f"{label} attribute '{key}' must be one of {choices}")
        out[key] = value
    return tuple(out.items())


# -- health checks -----------------------------------------------------------------------------


def matcher_of(m: Mapping[str, Any] | None, current: Matcher | None) -> Matcher | None:
    if not m:
        return current
    http, grpc = m.get("HttpCode"), m.get("GrpcCode")
    if http is not None:
        codes = str(http).replace(" ", "")
        if not MATCHER.match(codes) or any(
            not 200 <= int(c) <= 499 for c in re.split(r"[,-]", codes)
        ):
            raise validation_error(
                f"Health check matcher HTTP code '{http}' must be within '200-499' range"
            )
        return Matcher(http_code=codes)
    return Matcher(grpc_code=str(grpc)) if grpc is not None else current


def health_check_port(value: str | None) -> None:
    if value is None or value == "traffic-port":
        return
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise validation_error(
            f"Health check port '{value}' must be 'traffic-port' or an integer between 1 and 65535"
        )


# -- actions, conditions, transforms -----------------------------------------------------------


def actions_of(raw: Sequence[Mapping[str, Any]] | None) -> tuple[Action, ...]:
    """The actions as records, in their run order (AWS sorts by ``Order``)."""
    if not raw:
        raise validation_error("An action must be specified")
    out = []
    for i, a in enumerate(raw):
        kind = str(a.get("Type", ""))
        if kind not in SUPPORTED_ACTIONS:
            raise validation_error(
                f"Action type '{kind}' is not supported by ecsdev "
                f"({', '.join(SUPPORTED_ACTIONS)} are)"
            )
        order = a.get("Order")
        order = int(order) if order is not None else i + 1
        if kind == auth.OIDC:
            out.append(Action(kind, order, oidc=auth.oidc_of(a.get("AuthenticateOidcConfig"))))
            continue
        if kind == auth.COGNITO:
            cfg = auth.cognito_of(a.get("AuthenticateCognitoConfig"))
            out.append(Action(kind, order, cognito=cfg))
            continue
        forward = redirect = fixed = None
        tg = a.get("TargetGroupArn")
        if kind == "forward":
            fc = a.get("ForwardConfig")
            if fc:
                groups = tuple(
                    WeightedTargetGroup(str(t["TargetGroupArn"]), t.get("Weight"))
                    for t in fc.get("TargetGroups") or ()
                )
                if not groups:
                    raise validation_error("A forward action needs at least one target group")
                if tg and (len(groups) != 1 or groups[0].target_group_arn != tg):
                    raise validation_error(
                        "You cannot specify both 'TargetGroupArn' and 'ForwardConfig' "
                        "with different target groups"
                    )
                sticky = fc.get("TargetGroupStickinessConfig") or {}
                forward = ForwardConfig(
                    groups, bool(sticky.get("Enabled", False)), sticky.get("DurationSeconds")
                )
                tg = tg or (groups[0].target_group_arn if len(groups) == 1 else None)
            elif not tg:
                raise validation_error("A target group ARN must be specified for a forward action")
            else:
                forward = ForwardConfig((WeightedTargetGroup(str(tg), 1),))
        elif kind == "redirect":
            rc = a.get("RedirectConfig")
            if not rc:
                raise validation_error("The redirect configuration must be specified")
            defaults = RedirectConfig("HTTP_301")
            redirect = RedirectConfig(
                status_code=str(rc.get("StatusCode", "")),
                protocol=str(rc.get("Protocol") or defaults.protocol),
                port=str(rc.get("Port") or defaults.port),
                host=str(rc.get("Host") or defaults.host),
                path=str(rc.get("Path") or defaults.path),
                query=str(rc.get("Query") if rc.get("Query") is not None else defaults.query),
            )
        else:
            fr = a.get("FixedResponseConfig")
            if not fr:
                raise validation_error("The fixed response configuration must be specified")
            fixed = FixedResponseConfig(
                str(fr.get("StatusCode", "")), fr.get("ContentType"), fr.get("MessageBody")
            )
        out.append(
            Action(
                kind,
                order,
                str(tg) if kind == "forward" and tg else None,
                forward,
                redirect,
                fixed,
            )
        )
    return tuple(sorted(out, key=lambda x: x.order or 0))


def conditions_of(raw: Sequence[Mapping[str, Any]] | None) -> tuple[Condition, ...]:
    out = []
    configs = {
        "host-header": "HostHeaderConfig",
        "path-pattern": "PathPatternConfig",
        "http-header": "HttpHeaderConfig",
        "query-string": "QueryStringConfig",
        "http-request-method": "HttpRequestMethodConfig",
        "source-ip": "SourceIpConfig",
    }
    for c in raw or ():
        fld = str(c.get("Field", ""))
        if fld not in configs:
            raise validation_error(
                f"Condition field '{fld}' must be one of '[{', '.join(configs)}]'"
            )
        cfg = c.get(configs[fld]) or {}
        legacy = c.get("Values") is not None
        if legacy and cfg:
            raise validation_error(
                f"You cannot specify both 'Values' and '{configs[fld]}' in a '{fld}' condition"
            )
        regex = tuple(cfg.get("RegexValues") or c.get("RegexValues") or ())
        if fld == "query-string":
            query = tuple(
                QueryValue(str(v.get("Value", "")), v.get("Key")) for v in cfg.get("Values") or ()
            )
            out.append(Condition(fld, query=query))
            continue
        values = tuple(str(v) for v in (c.get("Values") if legacy else cfg.get("Values")) or ())
        out.append(Condition(fld, values, cfg.get("HttpHeaderName"), (), regex, legacy))
    return tuple(out)


def transforms_of(raw: Sequence[Mapping[str, Any]] | None) -> tuple[Transform, ...]:
    out = []
    for t in raw or ():
        kind = str(t.get("Type", ""))
        cfg = t.get("UrlRewriteConfig" if kind == "url-rewrite" else "HostHeaderRewriteConfig")
        rewrites = tuple(
            Rewrite(str(r.get("Regex", "")), str(r.get("Replace", "")))
            for r in (cfg or {}).get("Rewrites") or ()
        )
        if len(rewrites) != 1:
            raise validation_error(f"A {kind} transform takes exactly one rewrite")
        out.append(Transform(kind, rewrites))
    return tuple(out)


__all__ = [
    "actions_of",
    "attributes_of",
    "check_model",
    "check_name",
    "conditions_of",
    "health_check_port",
    "matcher_of",
    "tags_of",
    "transforms_of",
]
