"""Rule conditions and regexes: what the ALB accepts in each condition field (reference
section A2) and which regex features its RE2-like engine refuses (A4).

Condition values end up in the nginx configuration, so this is also the gate that keeps them to
the characters the ALB itself accepts: a value can never smuggle syntax into the config.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from emulator.model.report import Reporter
from emulator.model.shapes import INVALID, check_shape, given, items
from emulator.model.yamlsource import PathT

REPEATABLE_FIELDS = ("http-header", "query-string")
REGEX_FIELDS = ("host-header", "http-header", "path-pattern")
WILDCARD_FIELDS = ("host-header", "path-pattern", "http-header", "query-string")
HOST_CHARS = re.compile(r"^[A-Za-z0-9_.*?-]+$")
PATH_CHARS = re.compile(r"^[A-Za-z0-9_\-.$/~\"'@:+&*?]+$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
METHOD = re.compile(r"^[A-Z_-]+$")


def check_conditions(conds: Any, rep: Reporter) -> tuple[int, int]:
    """Check a rule's conditions; return its (condition values, wildcards) for the quotas."""
    seen: set[str] = set()
    total = wildcards = 0
    for k, c in items(conds):
        path: PathT = ("conditions", k)
        field = c.get("field")
        if field is None:
            continue
        if field in seen and field not in REPEATABLE_FIELDS:
            rep.error(path + ("field",), f"{field} may appear only once per rule")
        seen.add(field)
        if "httpHeaderName" in c and field != "http-header":
            rep.error(path + ("httpHeaderName",), "only for http-header conditions")
        if field == "http-header" and not given(c, "httpHeaderName"):
            rep.error(path + ("httpHeaderName",), "required for http-header conditions")
        elif field == "http-header":
            _header_name(c.get("httpHeaderName"), rep, path + ("httpHeaderName",))
        regex = c.get("regexValues")
        if regex is not None and field not in REGEX_FIELDS:
            rep.error(
                path + ("regexValues",), "allowed only on host-header, http-header and path-pattern"
            )
            continue
        if "values" in c and regex is not None:
            rep.error(path + ("regexValues",), "give values or regexValues, not both")
            continue
        if regex is not None:
            total += len(regex)
            for n, pattern in enumerate(regex):
                problem = regex_problem(pattern) if isinstance(pattern, str) else None
                if problem:
                    rep.error(path + ("regexValues", n), problem)
            continue
        if "values" not in c:
            rep.error(path + ("values",), "required key is missing")
            continue
        shape = "QueryStringValues" if field == "query-string" else "StringList"
        values = check_shape(c["values"], shape, rep, path + ("values",))
        if values is INVALID:
            continue
        c["values"] = values
        if not values:
            rep.error(path + ("values",), "needs at least one value")
        total += len(values)
        for n, v in enumerate(values):
            if v is None:
                continue
            texts = [v.get("key") or "", v.get("value") or ""] if isinstance(v, dict) else [v]
            if field in WILDCARD_FIELDS:
                wildcards += sum(t.count("*") + t.count("?") for t in texts)
            problem = value_problem(field, v)
            if problem:
                rep.error(path + ("values", n), problem)
    return total, wildcards


def _header_name(name: str | None, rep: Reporter, path: PathT) -> None:
    if name is None:
        return
    if name.lower() == "host":
        rep.error(path, "the Host header cannot be matched here; use a host-header condition")
    elif len(name) > 40 or not HEADER_NAME.match(name):
        rep.error(path, f"{name!r} is not a header name (up to 40 token characters, no wildcards)")


def invisible(text: str) -> str | None:
    """Why ``text`` cannot be a rule value: the ALB applies rules to visible ASCII only, and
    nothing else may reach the proxy's configuration."""
    bad = [ch for ch in text if not 32 <= ord(ch) < 127]
    return f"{text!r} has characters outside visible ASCII ({bad[0]!r})" if bad else None


def value_problem(field: str, value: Any) -> str | None:
    """What is wrong with one condition value, or None (section A2)."""
    if field == "query-string":
        key, val = value.get("key"), value.get("value", "")
        if any(len(t) > 128 for t in (key or "", val)):
            return "keys and values are at most 128 characters"
        return invisible(key or "") or invisible(val)
    text: str = value
    if invisible(text):
        return invisible(text)
    if field == "source-ip":
        return _cidr_problem(text)
    limit = 40 if field == "http-request-method" else 128
    if not text:
        return "must not be empty"
    if len(text) > limit:
        return f"is {len(text)} characters long; at most {limit} allowed"
    if field == "host-header":
        if not HOST_CHARS.match(text):
            return (
                f"{text!r} has characters a host condition cannot contain (A-Z a-z 0-9 - _ . * ?)"
            )
        if "." not in text or not re.search(r"\.[A-Za-z*?]+$", text):
            return f"{text!r} must contain a '.' and only letters after the last '.'"
    elif field == "path-pattern":
        if not PATH_CHARS.match(text):
            return f"{text!r} has characters a path condition cannot contain"
    elif field == "http-request-method" and not METHOD.match(text):
        near = f" (did you mean {text.upper()!r}?)" if METHOD.match(text.upper()) else ""
        return f"{text!r} is not a method: upper case A-Z, - and _ only{near}"
    return None


def _cidr_problem(text: str) -> str | None:
    if "/" not in text:
        return f"{text!r} is not in CIDR notation (e.g. {text}/32)"
    try:
        net = ipaddress.ip_network(text, strict=True)
    except ValueError as e:
        if "host bits" in str(e):
            fixed = ipaddress.ip_network(text, strict=False)
            return f"{text!r} has host bits set (did you mean {str(fixed)!r}?)"
        return f"{text!r} is not an IPv4 or IPv6 CIDR block"
    if str(net) == "255.255.255.255/32":
        return "255.255.255.255/32 is not allowed"
    return None


def regex_problem(pattern: str) -> str | None:
    """Why the ALB (RE2-like) would not take ``pattern``, or None."""
    if invisible(pattern):
        return invisible(pattern)
    try:
        re.compile(pattern)
    except re.error as e:
        return f"{pattern!r} is not a valid regex: {e}"
    unsupported = _unsupported(pattern)
    return (
        f"{pattern!r} uses {unsupported}, which the ALB does not support" if unsupported else None
    )


def _unsupported(p: str) -> str | None:
    i, in_class = 0, False
    while i < len(p):
        ch = p[i]
        if ch == "\\":
            nxt = p[i + 1 : i + 2]
            if not in_class and nxt.isdigit() and nxt != "0":
                return "a backreference"
            if nxt in ("p", "P"):
                return "a Unicode class"
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
            i += 1
            continue
        if ch == "[":
            in_class = True
            i += 2 if p[i + 1 : i + 2] == "]" or p[i + 1 : i + 3] == "^]" else 1
            continue
        if p.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            return "a lookaround"
        if p.startswith("(?>", i):
            return "an atomic group"
        if p.startswith("(?P=", i):
            return "a backreference"
        if ch in "*+?}" and p[i + 1 : i + 2] == "+" and p[i - 1 : i + 1] != "(?":
            return "a possessive quantifier"
        i += 1
    return None
