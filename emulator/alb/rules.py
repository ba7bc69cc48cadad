"""ALB listener rules as a pure reference implementation.

Why this exists: the nginx compiler turns rules into maps and regexes, and it is easy to get
a detail wrong there (case, anchoring, which Host header, what ``*`` may cross). This module
says what the ALB does, in plain Python, following reference/aws-semantics.md section A, and
the tests hold the compiled nginx configuration to it. It also owns the small algorithms both
sides share: glob to regex, weighted shares, the stickiness token, redirect URLs and rewrites.

Conventions:
- ``Request.path`` is the normalised path without the query; ``Request.query`` the raw
  (undecoded) ``key=value`` pairs in order; ``Request.host`` the first Host header as sent.
- Globs: ``*`` is zero or more characters (``/`` included), ``?`` exactly one; anchored.
- ``RegexValues`` and transform regexes are searched (unanchored unless they anchor), with
  ``$1``..``$9`` in a replacement naming capture groups.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from emulator.alb import AlbError
from emulator.model.layout import Action, Condition, Listener, Rule, TargetGroup, Transform

Pair = tuple[str, str]

FIELDS = (
    "host-header",
    "path-pattern",
    "http-header",
    "http-request-method",
    "query-string",
    "source-ip",
)
_KEYWORD = re.compile(r"#\{(protocol|host|port|path|query)\}")
_CAPTURE = re.compile(r"\$([1-9])")
HOST_NAME_PART = r"^(\[[^\]]*\]|[^:]*)"  # the nginx compiler uses the same pattern


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as the ALB sees it when it evaluates rules."""

    method: str
    host: str | None
    path: str
    query: tuple[Pair, ...] = ()
    headers: tuple[Pair, ...] = ()
    source_ip: str = "127.0.0.1"

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", tuple((str(k), str(v)) for k, v in self.query))
        object.__setattr__(self, "headers", tuple((str(n), str(v)) for n, v in self.headers))

    @classmethod
    def get(
        cls,
        target: str,
        *,
        method: str = "GET",
        host: str | None = "example.com",
        headers: Sequence[Pair] = (),
        source_ip: str = "127.0.0.1",
    ) -> Request:
        """A request from a request target such as ``/a/b?x=1&y``."""
        path, _, qs = target.partition("?")
        return cls(method, host, path, parse_query(qs), tuple(headers), source_ip)

    @property
    def query_string(self) -> str:
        return "&".join(f"{k}={v}" for k, v in self.query)

    @property
    def target(self) -> str:
        """Path and query as in the request line (what a url-rewrite transform sees); a
        key without ``=`` comes back as ``key=``."""
        qs = self.query_string
        return f"{self.path}?{qs}" if qs else self.path

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in the order received (names are case-insensitive)."""
        low = name.lower()
        return [v for n, v in self.headers if n.lower() == low]


def parse_query(qs: str) -> tuple[Pair, ...]:
    """``a=1&b&c=x=y`` -> ``(("a","1"), ("b",""), ("c","x=y"))``; empty items are skipped."""
    pairs: list[Pair] = []
    for item in qs.split("&"):
        if item:
            k, _, v = item.partition("=")
            pairs.append((k, v))
    return tuple(pairs)


def host_without_port(host: str) -> str:
    """``Example.com:8080`` -> ``Example.com``; ``[::1]:80`` -> ``[::1]``."""
    m = re.match(HOST_NAME_PART, host)
    return m.group(1) if m else host


# ---------------------------------------------------------------------------- globs


def regex_literal(text: str) -> str:
    """A regex matching ``text`` literally, written with letters, digits and ``\\xHH`` only,
    so it is the same for Python's ``re`` and PCRE and cannot carry a quote, a brace, a
    semicolon or a ``$`` into an nginx configuration."""
    out = []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        else:
            raise AlbError(
                f"non-ASCII character {ch!r} in a rule value: ALB rules match ASCII only"
            )
    return "".join(out)


def glob_body(pattern: str, star: str = ".*", one: str = ".") -> str:
    """The regex for a glob, without anchors; ``star``/``one`` say what ``*``/``?`` match."""
    return "".join(star if c == "*" else one if c == "?" else regex_literal(c) for c in pattern)


def glob_to_regex(pattern: str) -> str:
    """``/api/*/v?`` -> ``^(?s:\\x2fapi\\x2f.*\\x2fv.)\\Z``: anchored at both ends, ``*``
    crosses ``/`` and any other character (a decoded path may hold a line break). The same
    text works in Python (``\\Z``: the very end) and PCRE, where ``\\Z`` also allows one
    final line break, so nginx configurations use ``glob_body`` with PCRE's ``\\z``."""
    return f"^(?s:{glob_body(pattern)})\\Z"


def glob_matches(pattern: str, value: str, *, ignore_case: bool) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    return re.match(glob_to_regex(pattern), value, flags) is not None


def glob_matches_empty(pattern: str) -> bool:
    return all(c == "*" for c in pattern)


# ---------------------------------------------------------------------------- matching


def match(listener: Listener, request: Request) -> Rule | None:
    """The rule that handles ``request``: the lowest priority whose conditions all hold.
    ``None`` means the listener's default actions."""
    for rule in sorted(listener.rules, key=lambda r: r.priority):
        if all(condition_matches(c, request) for c in rule.conditions):
            return rule
    return None


def condition_matches(cond: Condition, request: Request) -> bool:
    """One condition: true when any of its values matches (OR within a condition)."""
    field = cond.field
    if field == "path-pattern":
        return _any_text(cond, [request.path], ignore_case=False)
    if field == "host-header":
        return _any_text(cond, [host_without_port(request.host or "")], ignore_case=True)
    if field == "http-header":  # an absent header never matches; one sent empty is absent
        values = [v for v in request.header_values(cond.http_header_name or "") if v]
        return _any_text(cond, values, ignore_case=True)
    if field == "http-request-method":
        return request.method in cond.values
    if field == "query-string":
        return any(_query_value_matches(v, request.query) for v in cond.values)
    if field == "source-ip":
        return source_ip_matches(cond.values, request.source_ip)
    raise AlbError(f"unknown rule condition field {field!r} (one of: {', '.join(FIELDS)})")


def _any_text(cond: Condition, subjects: list[str], *, ignore_case: bool) -> bool:
    flags = re.IGNORECASE if ignore_case else 0
    for subject in subjects:  # repeated headers are searched in order
        for value in cond.values:
            if cond.regex:
                if re.search(str(value), subject, flags):
                    return True
            elif glob_matches(str(value), subject, ignore_case=ignore_case):
                return True
    return False


def query_pair(value: object) -> tuple[str | None, str]:
    """A query-string condition value as ``(key or None, value)``; accepts a pair or a
    mapping with ``key``/``value``."""
    if isinstance(value, dict):
        key = value.get("key")
        return (None if key is None else str(key), str(value.get("value", "")))
    if isinstance(value, tuple | list) and len(value) == 2:
        key, val = value
        return (None if key is None else str(key), str(val))
    raise AlbError(f"query-string value must be a (key, value) pair, not {value!r}")


def _query_value_matches(value: object, query: tuple[Pair, ...]) -> bool:
    key, val = query_pair(value)
    for k, v in query:
        if key is not None and not glob_matches(key, k, ignore_case=True):
            continue
        if glob_matches(val, v, ignore_case=True):
            return True
    return False


def source_ip_matches(cidrs: Sequence[object], ip: str) -> bool:
    """Whether the TCP peer ``ip`` is inside any of ``cidrs`` (never the X-Forwarded-For)."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for cidr in cidrs:
        net = ipaddress.ip_network(str(cidr), strict=False)
        if addr.version == net.version and addr in net:
            return True
    return False


# ---------------------------------------------------------------------------- forward


def final_action(actions: Sequence[Action]) -> Action:
    """The terminal action (forward, redirect or fixed-response) of a rule."""
    for action in actions:
        if action.type in ("forward", "redirect", "fixed-response"):
            return action
    raise AlbError("a rule needs one forward, redirect or fixed-response action")


def weighted_pick(action: Action, u: float) -> str | None:
    """The target group a forward action sends to for a uniform draw ``u`` in [0, 1):
    shares in proportion to the weights; ``None`` when every weight is 0."""
    groups = [g for g in action.target_groups if g.weight > 0]
    total = sum(g.weight for g in groups)
    if not groups:
        return None
    point = u * total
    for g in groups:
        if point < g.weight:
            return g.target_group
        point -= g.weight
    return groups[-1].target_group


def split_shares(action: Action) -> list[tuple[str, str]]:
    """Weights as nginx ``split_clients`` percentages (two decimals, rounded down), the last
    target group taking the rest as ``*``: ``[("blue", "90.00%"), ("green", "*")]``."""
    groups = [g for g in action.target_groups if g.weight > 0]
    total = sum(g.weight for g in groups)
    shares: list[tuple[str, str]] = []
    for i, g in enumerate(groups):
        if i == len(groups) - 1:
            shares.append((g.target_group, "*"))
        else:
            hundredths = g.weight * 10000 // total
            shares.append((g.target_group, f"{hundredths // 100}.{hundredths % 100:02d}%"))
    return shares


def stickiness_token(load_balancer: str, target_group: str) -> str:
    """The ``AWSALBTG`` cookie value naming a target group (opaque, stable, hex)."""
    return hashlib.sha256(f"{load_balancer}\0{target_group}".encode()).hexdigest()[:32]


def target_token(load_balancer: str, target_group: str, ip: str, port: int) -> str:
    """The ``AWSALB`` cookie value naming one target of a target group (opaque, stable, hex;
    the ALB's is an encrypted blob)."""
    text = f"{load_balancer}\0{target_group}\0{ip}\0{port}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def lb_cookie_seconds(group: TargetGroup) -> int | None:
    """Target-level stickiness of type ``lb_cookie``: the cookie's lifetime, else None."""
    sticky = group.stickiness or {}
    if not sticky.get("enabled") or sticky.get("type", "lb_cookie") != "lb_cookie":
        return None
    return int(sticky.get("durationSeconds") or 86400)


def sticky_pick(action: Action, load_balancer: str, cookie: str | None, u: float) -> str | None:
    """Target-group stickiness: a valid ``AWSALBTG`` cookie for a group of this action wins;
    otherwise the weighted pick. Without stickiness the cookie is ignored."""
    if action.stickiness_seconds and cookie:
        for g in action.target_groups:
            if stickiness_token(load_balancer, g.target_group) == cookie:
                return g.target_group
    return weighted_pick(action, u)


# ---------------------------------------------------------------------------- redirect


def redirect_url(
    config: dict[str, str], request: Request, listener: Listener, translate: bool = False
) -> str:
    """The ``Location`` of a redirect action: ``protocol://host:port/path?query``; components
    left out keep the request's values and ``#{...}`` keywords are replaced once.

    ``#{port}`` is the listener's port, as on AWS. With ``translate`` (``headers.translate``)
    it is the port the viewer used, from its Host header (the published port locally), so
    that the Location can be followed: ``127.0.0.1:8080`` stays ``127.0.0.1:8080``."""
    viewer_port = re.search(r":([0-9]+)$", request.host or "") if translate else None
    values = {
        "protocol": listener.protocol.lower(),
        "host": host_without_port(request.host or ""),
        "port": viewer_port.group(1) if viewer_port else str(listener.port),
        "path": request.path[1:] if request.path.startswith("/") else request.path,
        "query": request.query_string,
    }

    def fill(template: str) -> str:
        return _KEYWORD.sub(lambda m: values[m.group(1)], template)

    protocol = fill(config.get("protocol", "#{protocol}")).lower()
    host = fill(config.get("host", "#{host}"))
    port = fill(config.get("port", "#{port}"))
    path = fill(config.get("path", "/#{path}"))
    query = fill(config.get("query", "#{query}"))
    return f"{protocol}://{host}:{port}{path}" + (f"?{query}" if query else "")


def redirect_status(config: dict[str, str]) -> int:
    """``HTTP_301`` -> 301 (the default), ``HTTP_302`` -> 302."""
    code = str(config.get("statusCode", "HTTP_301"))
    return 302 if code.endswith("302") else 301


# ---------------------------------------------------------------------------- transforms


def rewrite(transform: Transform, subject: str) -> str:
    """Replace the first match of the transform's regex in ``subject``; no match, no
    change. ``$1``..``$9`` in the replacement are capture groups (unset ones are empty)."""
    m = re.search(transform.regex, subject)
    if m is None:
        return subject

    def group(g: re.Match[str]) -> str:
        n = int(g.group(1))
        return (m.group(n) or "") if n <= (m.re.groups or 0) else ""

    return subject[: m.start()] + _CAPTURE.sub(group, transform.replace) + subject[m.end() :]


def rewritten_target(rule: Rule, request: Request) -> str:
    """Path and query sent to the target after the rule's url-rewrite, if any."""
    out = request.target
    for t in rule.transforms:
        if t.type == "url-rewrite":
            out = rewrite(t, out)
    return out


def rewritten_host(rule: Rule, host: str) -> str:
    """The Host header after the rule's host-header-rewrite, if any."""
    for t in rule.transforms:
        if t.type == "host-header-rewrite":
            host = rewrite(t, host)
    return host


def removed_prefix(original_path: str, new_path: str) -> str | None:
    """The path prefix a url-rewrite removed (``/bravo`` for ``/bravo/x`` -> ``/x``), or
    ``None`` when the new path is not a strict suffix of the original."""
    if len(original_path) > len(new_path) and original_path.endswith(new_path):
        return original_path[: len(original_path) - len(new_path)]
    return None
