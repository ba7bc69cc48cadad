"""A rule's conditions, actions and transforms checked with the very checks a layout gets.

Why this exists: the API and a layout must accept the same rules, because both end up in the
same nginx configuration. This module writes a rule's records in the layout's form and runs
``emulator.model.conditions.check_conditions`` and ``rulecheck``'s action and transform checks
on it; the first problem becomes AWS's ``ValidationError``. What only the API has (a fixed
response's and a redirect's status code formats) is checked here too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from emulator.endpoint import elbv2_auth as auth
from emulator.endpoint.api import validation_error
from emulator.endpoint.elbv2_records import Action, Condition, Transform
from emulator.model import rulecheck
from emulator.model.conditions import check_conditions
from emulator.model.layoutcheck import Catalog
from emulator.model.report import Reporter


def check_rule(
    actions: tuple[Action, ...],
    conditions: tuple[Condition, ...],
    transforms: tuple[Transform, ...],
    protocol: str,
    tg_names: Mapping[str, str],
) -> None:
    """The layout checks on one rule (``tg_names``: target-group ARN -> name, for every
    target group the actions name). The first problem is the ``ValidationError``."""
    auth.check_order([a.type for a in actions], protocol)
    rep = Reporter("request")
    cat = Catalog(target_groups={n: {} for n in tg_names.values()})
    check_conditions([_condition_doc(c) for c in conditions], rep)
    docs = [_action_doc(a, tg_names) for a in actions if a.type not in auth.TYPES]
    rulecheck._actions(docs, rep, ("actions",), cat, "lb", protocol)  # noqa: SLF001
    rulecheck._transforms([_transform_doc(t) for t in transforms], rep)  # noqa: SLF001
    if rep.problems:
        p = rep.problems[0]
        raise validation_error(f"{p.path}: {p.message}" if p.path else p.message)
    for a in actions:
        fr = a.fixed_response
        if fr is not None and not re.match(r"^(2|4|5)\d\d$", fr.status_code):
            raise validation_error(
                f"Fixed response status code '{fr.status_code}' must match '^(2|4|5)\\d\\d$'"
            )
        rd = a.redirect
        if rd is not None and rd.status_code not in ("HTTP_301", "HTTP_302"):
            raise validation_error(
                f"Redirect status code '{rd.status_code}' must be one of 'HTTP_301, HTTP_302'"
            )


def _condition_doc(c: Condition) -> dict[str, Any]:
    doc: dict[str, Any] = {"field": c.field}
    if c.http_header_name is not None:
        doc["httpHeaderName"] = c.http_header_name
    if c.field == "query-string":
        doc["values"] = [
            {"value": q.value, **({"key": q.key} if q.key is not None else {})} for q in c.query
        ]
    elif c.regex_values:
        doc["regexValues"] = list(c.regex_values)
    else:
        doc["values"] = list(c.values)
    return doc


def _action_doc(a: Action, tg_names: Mapping[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": a.type}
    if a.forward is not None:
        fc: dict[str, Any] = {
            "targetGroups": [
                {"targetGroup": tg_names.get(t.target_group_arn, t.target_group_arn)}
                | ({"weight": t.weight} if t.weight is not None else {})
                for t in a.forward.target_groups
            ]
        }
        if a.forward.stickiness_enabled:
            fc["targetGroupStickinessConfig"] = {
                "enabled": True,
                **(
                    {"durationSeconds": a.forward.stickiness_duration}
                    if a.forward.stickiness_duration is not None
                    else {}
                ),
            }
        doc["forwardConfig"] = fc
    if a.redirect is not None:
        r = a.redirect
        doc["redirectConfig"] = {
            "protocol": r.protocol,
            "host": r.host,
            "port": r.port,
            "path": r.path,
            "query": r.query,
            "statusCode": r.status_code,
        }
    if a.fixed_response is not None:
        doc["statusCode"] = a.fixed_response.status_code
        if a.fixed_response.content_type is not None:
            doc["contentType"] = a.fixed_response.content_type
        if a.fixed_response.message_body is not None:
            doc["messageBody"] = a.fixed_response.message_body
    return doc


def _transform_doc(t: Transform) -> dict[str, Any]:
    key = "urlRewriteConfig" if t.type == "url-rewrite" else "hostHeaderRewriteConfig"
    return {
        "type": t.type,
        key: {"rewrites": [{"regex": r.regex, "replace": r.replace} for r in t.rewrites]},
    }


__all__ = ["check_rule"]
