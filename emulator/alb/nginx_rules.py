"""Listener rules to nginx: the part of the compiler that picks the rule.

Why a module of its own: this is where the ALB's rule evaluation meets nginx's. A listener's
rules become one regex (``rule_table``, run by a server-level ``if``) over a subject string
holding, one per line, each request field some rule looks at: the first matching alternative
is the ALB's first matching rule, so picking a rule costs one regex match whatever its
priority. Conditions nginx cannot test inside that regex (source-ip, query-string, regex
values) are ``map``s or ``geo``s of their own yielding 1 or 0, read as fields of the
subject. ``nginx_routes`` turns the winning rule's actions into locations.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from emulator.alb import AlbError, UnsafeValueError
from emulator.alb import rules as R
from emulator.alb.nginx_headers import map_block
from emulator.alb.nginx_text import Conf, quote, regex_key, user_regex
from emulator.model.layout import Condition, Listener, Rule

HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")  # nginx drops headers named otherwise


def condition_map(http: Conf, var: str, cond: Condition) -> bool:
    """Write the map (or geo) setting ``$var`` to 1 when ``cond`` holds; False when the
    condition can never hold in nginx (it is then left out)."""
    f = cond.field
    what = f"condition {f}"
    if f == "source-ip":
        http.open("geo", "$" + var)
        http("default", "0")
        for cidr in cond.values:
            try:
                net = ipaddress.ip_network(str(cidr), strict=False)
            except ValueError:
                raise UnsafeValueError(f"{what}: {cidr!r} is not a CIDR block") from None
            http(str(net), "1")
        http.close()
        return True
    if f == "query-string":
        keys = [k for k in (_query_regex(value) for value in cond.values) if k is not None]
        return _text_map(http, var, "$args", [regex_key(k, True) for k in keys])
    if f == "http-request-method":
        keys = [regex_key("^" + R.regex_literal(str(m)) + "$") for m in cond.values]
        return _text_map(http, var, "$request_method", keys)
    sources = {"path-pattern": ("$uri", False), "host-header": ("$host", True)}
    if f in sources:
        source, ci = sources[f]
    elif f == "http-header":
        name = cond.http_header_name or ""
        if not HEADER_NAME.match(name):
            return False  # nginx drops header names with other characters (e.g. "_")
        source, ci = "$http_" + name.lower().replace("-", "_"), True
    else:
        raise AlbError(f"unknown rule condition field {f!r} (one of: {', '.join(R.FIELDS)})")
    if cond.regex:
        keys = [regex_key(user_regex(str(x), what), ci) for x in cond.values]
    else:
        keys = [regex_key(f"^(?s:{R.glob_body(str(x))})\\z", ci) for x in cond.values]
    # an absent header never matches (nginx sees it as "", so "" is tried first: exact
    # keys win over regexes in a map); a header sent empty is absent for rules too
    return _text_map(http, var, source, keys, absent_is_no=f == "http-header")


def _text_map(
    http: Conf, var: str, source: str, keys: list[str], absent_is_no: bool = False
) -> bool:
    unique = list(dict.fromkeys(keys))
    if not unique:
        return False
    first = [('""', "0")] if absent_is_no else []
    map_block(http, source, var, [*first, *((k, "1") for k in unique), ("default", "0")])
    return True


def _query_regex(value: object) -> str | None:
    """A regex over the raw query for one ``{key, value}``, as ``rules`` matches pairs."""
    key, val = R.query_pair(value)
    if (key is not None and ("=" in key or "&" in key)) or "&" in val:
        return None  # split pairs can never contain these
    k = R.glob_body(key, "[^&=]*", "[^&=]") if key is not None else "[^&=]*"
    body = R.glob_body(val, "[^&]*", "[^&]")
    tail = f"(?:={body})?" if R.glob_matches_empty(val) else f"={body}"
    return f"(?:^|&)(?=[^&]){k}{tail}(?:&|$)"


# A map key is one token of nginx.conf, and nginx refuses tokens over 4 KiB: rules are
# compiled into as many maps (chained by their defaults) as it takes to stay under this.
_KEY_BUDGET = 3000
_SKIP = r"[^\n]*+\n"  # a field no condition of the rule looks at


@dataclass(frozen=True)
class _Check:
    """One condition as a test on one field of the listener's subject string."""

    field: str  # "path", "method", "host", "h:<name>" or "bit:<variable>"
    source: str  # the field's value in the subject (nginx variable text)
    regex: str  # what the whole field must match (unanchored body)


def _embedded(cond: Condition) -> _Check | None | bool:
    """``cond`` as a check on a raw field; None when it needs its own 0/1 variable
    (source-ip, query-string, regex values); False when it can never hold."""
    f = cond.field
    if cond.regex or f in ("source-ip", "query-string"):
        return None
    values = [str(x) for x in cond.values]
    if not values:
        return False
    if f == "http-request-method":
        body = "|".join(R.regex_literal(m) for m in dict.fromkeys(values))
        return _Check("method", "${request_method}", f"(?:{body})")
    globs = "|".join(dict.fromkeys(R.glob_body(x) for x in values))
    if f == "path-pattern":
        # lazy stars: the path is pinned to end where the fields begin, and a lazy star
        # tries that end from the left, over the path, not back from the subject's end
        lazy = "|".join(dict.fromkeys(R.glob_body(x, ".*?") for x in values))
        return _Check("path", "${uri}", f"(?s:{lazy})")
    if f == "host-header":
        return _Check("host", "${host}", f"(?i:{globs})")
    if f == "http-header":
        name = cond.http_header_name or ""
        if not HEADER_NAME.match(name):
            return False  # nginx drops header names with other characters (e.g. "_")
        var = "http_" + name.lower().replace("-", "_")
        # never an absent (empty) header, which "*" would match
        return _Check("h:" + name.lower(), "${" + var + "}", f"(?i:(?=[^\\n])(?:{globs}))")
    raise AlbError(f"unknown rule condition field {f!r} (one of: {', '.join(R.FIELDS)})")


def _checks(
    http: Conf, port: int, rule: Rule, written: set[str], *, embed: bool
) -> list[_Check] | None:
    """The rule's conditions as field checks (None when the rule can never match); with
    ``embed`` false every condition is read through a 0/1 map of its own. ``written``:
    the condition maps already in the configuration."""
    out: list[_Check] = []
    for j, cond in enumerate(rule.conditions):
        check = _embedded(cond)
        if check is False:
            return None
        if embed and isinstance(check, _Check):
            out.append(check)
            continue
        name = f"alb_{port}_p{int(rule.priority)}_c{j}"
        if name not in written:
            if not condition_map(http, name, cond):
                return None
            written.add(name)
        out.append(_Check("bit:" + name, "${" + name + "}", "1"))
    return out


def _field_part(checks: list[_Check]) -> str:
    if not checks:
        return _SKIP
    if len(checks) == 1:
        return checks[0].regex + r"\n"
    return "".join(f"(?={c.regex}\\n)" for c in checks) + _SKIP


def rule_table(http: Conf, listener: Listener) -> tuple[Conf, list[Rule]]:
    """The listener's rules as one regex over a subject string; returns the server-level
    lines that set ``$alb_rule`` to the matching rule's id (or ``default``), and the rules
    that can match, in priority order.

    The subject holds the path first, then, one per line, each request field some rule
    looks at (method, host, headers, 0/1 variables of conditions that are maps of their
    own), then the fixed-length run of every rule's id. A decoded path may hold line breaks,
    so its end is pinned instead: it ends where exactly as many lines as there are fields,
    and then the ids, are left. Each rule is one alternative, in priority order, so PCRE's
    first matching alternative is the ALB's first matching rule: the alternative checks the
    path, its fields, then captures its own id at its known offset. A request costs one
    regex match however many rules come before the one that matches; a rule whose path
    does not match fails at the first differing character, without reading the fields.
    The regex runs in a server-level ``if`` (a ``map`` would first lower-case and hash the
    whole subject); a table longer than one token continues in a chain of maps, read only
    when the first part matched nothing.
    """
    port = listener.port
    rules: list[tuple[Rule, list[_Check]]] = []
    written: set[str] = set()
    for rule in sorted(listener.rules, key=lambda r: r.priority):
        checks = _checks(http, port, rule, written, embed=True)
        if checks is not None:
            rules.append((rule, checks))
    lines = Conf()
    lines("set", "$alb_rule", "default")
    if not rules:
        return lines, []
    ids = [f"p{int(rule.priority)}" for rule, _ in rules]

    has_path = any(c.field == "path" for _, checks in rules for c in checks)
    total = sum(len(x) for x in ids)

    def alternative(i: int, checks: list[_Check], fields: list[tuple[str, str]]) -> str:
        head = "".join(_field_part([c for c in checks if c.field == f]) for f, _ in fields)
        paths = [c.regex for c in checks if c.field == "path"]
        # the path ends where the field lines and then the ids (and nothing else) are left
        lines = f"(?:[^\\n]*+\\n){{{len(fields)}}}" if fields else ""
        pin = f"(?=\\n{lines}(?s:.{{{total}}})\\z)"
        if not has_path:
            mid = ""
        elif len(paths) == 1:
            mid = paths[0] + pin + "\\n"
        else:
            mid = "".join(f"(?={p}{pin})" for p in paths) + "(?s:.*?)" + pin + "\\n"
        offset = sum(len(x) for x in ids[:i])
        skip = f"(?s:.{{{offset}}})" if offset else ""
        return f"{mid}{head}{skip}({ids[i]})"

    def fields_of(table: list[tuple[Rule, list[_Check]]]) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for _, checks in table:
            for c in checks:
                if c.field != "path":
                    seen.setdefault(c.field, c.source)
        return list(seen.items())

    # a rule too long for one map key tests its conditions through maps of their own
    embedded_fields = fields_of(rules)
    for i, (rule, checks) in enumerate(rules):
        if len(alternative(i, checks, embedded_fields)) > _KEY_BUDGET:
            fallback = _checks(http, port, rule, written, embed=False)
            assert fallback is not None  # the embedded form could match, so can this one
            rules[i] = (rule, fallback)
    fields = fields_of(rules)
    alts = [alternative(i, checks, fields) for i, (_, checks) in enumerate(rules)]
    subject = ("${uri}\n" if has_path else "") + "".join(src + "\n" for _, src in fields)
    subject += "".join(ids)
    chunks: list[list[str]] = [[]]
    for alt in alts:
        if chunks[-1] and sum(len(a) + 1 for a in chunks[-1]) + len(alt) > _KEY_BUDGET:
            chunks.append([])
        chunks[-1].append(alt)
    lines.comment("the rule: path, then fields, then ids; an alternative whose path differs")
    lines.comment("fails at once; a matching path must end where the field lines and ids are left")
    lines("set", f"$alb_{port}_subject", quote(subject))
    lines.open("if", f"($alb_{port}_subject", "~", quote("^(?|" + "|".join(chunks[0]) + ")"), ")")
    lines("set", "$alb_rule", "$1")
    lines.close()
    if len(chunks) > 1:
        lines.open("if", "($alb_rule", "=", "default", ")")
        lines("set", "$alb_rule", f"$alb_{port}_rule1")
        lines.close()
    for k, chunk in enumerate(chunks[1:], start=1):
        nxt = f"$alb_{port}_rule{k + 1}" if k + 1 < len(chunks) else "default"
        http.open("map", quote(subject), f"$alb_{port}_rule{k}")
        http(regex_key("^(?|" + "|".join(chunk) + ")"), "$1")
        http("default", nxt)
        http.close()
    return lines, [rule for rule, _ in rules]
