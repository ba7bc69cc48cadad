"""The routing part of the nginx compiler: listener rules to maps, actions to locations.

Why a module of its own: this is where ALB semantics meet nginx's evaluation model. A
listener's rules become one regex map (``rule_table``): the first matching alternative is
the ALB's first matching rule, so picking a rule costs one regex match whatever its
priority. Conditions nginx cannot test inside that regex (source-ip, query-string, regex
values) are ``map``s or ``geo``s of their own yielding 1 or 0, read as fields of the
subject. The server's first directive rewrites every request to an internal location named
by the winning rule (``/.alb/<port>/p<priority>`` or ``/.alb/<port>/default``), where its
action runs.

ALB-made answers (fixed responses, redirects, errors) go through the internal hop described
in ``pages``; a location sets ``$alb_hop`` (and ``$alb_location`` for redirects) and
rewrites to ``/.alb/hop``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.alb import AlbError, UnsafeValueError, pages
from emulator.alb import headers as H
from emulator.alb import rules as R
from emulator.alb.nginx_headers import host_map, listener_protocol, map_block
from emulator.alb.nginx_text import (
    Conf,
    Value,
    Var,
    header_text,
    quote,
    regex_key,
    set_long,
    uri_text,
    user_regex,
    v,
)
from emulator.model.layout import (
    Action,
    Condition,
    Listener,
    LoadBalancer,
    Rule,
    Transform,
    WeightedTargetGroup,
)

_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_CONTENT_TYPE = re.compile(r"^[a-z]+/[a-z0-9.+-]+$")
_FIXED_CODE = re.compile(r"^[245][0-9][0-9]$")
_KEYWORD = re.compile(r"#\{(protocol|host|port|path|query)\}")
NONE = "alb_none"  # split value of a target group with no routable target


@dataclass
class Hops:
    """The internal hop's responses, each at a path (``/e503``, ``/r301``, ``/f0``...)."""

    responses: dict[str, str] = field(default_factory=dict)  # path -> raw response

    def __post_init__(self) -> None:
        for code in pages.ERROR_CODES:
            self.responses[f"/e{code}"] = pages.error_response(code)
        for code in pages.REDIRECT_CODES:
            self.responses[f"/r{code}"] = pages.error_response(code)

    def fixed(self, raw: str) -> str:
        for path, text in self.responses.items():
            if text == raw and path.startswith("/f"):
                return path
        path = f"/f{sum(1 for p in self.responses if p.startswith('/f'))}"
        self.responses[path] = raw
        return path


@dataclass(frozen=True)
class StickyTarget:
    """One target of a group with ``lb_cookie`` stickiness: its ``AWSALB`` value, the
    upstream holding only it, and its address as ``$upstream_addr`` shows it."""

    token: str
    upstream: str
    address: str


@dataclass(frozen=True)
class StickyGroup:
    """A target group with ``lb_cookie`` stickiness: the cookie's lifetime, its targets."""

    seconds: int
    targets: tuple[StickyTarget, ...]


@dataclass
class Routing:
    """What the compiler knows while it compiles one load balancer's listeners."""

    lb: LoadBalancer
    upstreams: dict[str, str | None]  # target group name -> upstream (None: no target)
    translate: bool
    hops: Hops = field(default_factory=Hops)
    sticky: dict[str, StickyGroup] = field(default_factory=dict)  # by target group name

    def upstream(self, group: str) -> str | None:
        if group not in self.upstreams:
            raise AlbError(
                f"load balancer {self.lb.name}: forward to unknown target group {group!r}"
            )
        return self.upstreams[group]


def hop_to(conf: Conf, path: str) -> None:
    """Serve the internal hop's response at ``path`` (the newline makes it HTTP/0.9)."""
    conf("set", "$alb_hop", quote(path + "\n"))
    conf("rewrite", "^", "/.alb/hop", "last")


# ---------------------------------------------------------------------------- conditions


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
        if not _HEADER_NAME.match(name):
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
        return _Check("path", "${uri}", f"(?s:{globs})")
    if f == "host-header":
        return _Check("host", "${host}", f"(?i:{globs})")
    if f == "http-header":
        name = cond.http_header_name or ""
        if not _HEADER_NAME.match(name):
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


def rule_table(http: Conf, listener: Listener) -> tuple[str, list[Rule]]:
    """The listener's rules as one regex over a subject string; returns the route variable
    (or ``default``) and the rules that can match, in priority order.

    The subject holds, one per line, each request field some rule looks at (method, host,
    headers, 0/1 variables of conditions that are maps of their own), then the path (a
    decoded path may hold line breaks, so it is not line-delimited: it ends where the
    fixed-length run of every rule's id begins). Each rule is one alternative, in priority
    order, so PCRE's first matching alternative is the ALB's first matching rule: the
    alternative checks its fields, then the path pinned to end at the ids, then captures
    its own id at its known offset. A request costs one regex match however many rules
    come before the one that matches; a rule that fails costs a few compared characters.
    """
    port = listener.port
    rules: list[tuple[Rule, list[_Check]]] = []
    written: set[str] = set()
    for rule in sorted(listener.rules, key=lambda r: r.priority):
        checks = _checks(http, port, rule, written, embed=True)
        if checks is not None:
            rules.append((rule, checks))
    if not rules:
        return "default", []
    ids = [f"p{int(rule.priority)}" for rule, _ in rules]

    has_path = any(c.field == "path" for _, checks in rules for c in checks)
    total = sum(len(x) for x in ids)
    pin = f"(?=(?s:.{{{total}}})\\z)"  # the path ends where the ids begin

    def alternative(i: int, checks: list[_Check], fields: list[tuple[str, str]]) -> str:
        head = "".join(_field_part([c for c in checks if c.field == f]) for f, _ in fields)
        paths = [c.regex for c in checks if c.field == "path"]
        if not has_path:
            mid = ""
        elif len(paths) == 1:
            mid = paths[0] + pin
        else:
            mid = "".join(f"(?={p}{pin})" for p in paths) + "(?s:.*)" + pin
        offset = sum(len(x) for x in ids[:i])
        skip = f"(?s:.{{{offset}}})" if offset else ""
        return f"{head}{mid}{skip}({ids[i]})"

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
    subject = "".join(src + "\n" for _, src in fields) + ("${uri}" if has_path else "")
    subject += "".join(ids)
    chunks: list[list[str]] = [[]]
    for alt in alts:
        if chunks[-1] and sum(len(a) + 1 for a in chunks[-1]) + len(alt) > _KEY_BUDGET:
            chunks.append([])
        chunks[-1].append(alt)
    for k, chunk in enumerate(chunks):
        nxt = f"$alb_{port}_rule{k + 1}" if k + 1 < len(chunks) else "default"
        http.open("map", quote(subject), f"$alb_{port}_rule{k}")
        http(regex_key("^(?|" + "|".join(chunk) + ")"), "$1")
        http("default", nxt)
        http.close()
    return f"$alb_{port}_rule0", [rule for rule, _ in rules]


# ---------------------------------------------------------------------------- actions


def action_location(
    ctx: Routing, http: Conf, server: Conf, listener: Listener, rule: Rule | None
) -> None:
    """``location = /.alb/<port>/<rule>`` running the rule's (or the default) action."""
    port = listener.port
    rid = "default" if rule is None else f"p{int(rule.priority)}"
    action = R.final_action(listener.default_actions if rule is None else rule.actions)
    server.open("location", "=", f"/.alb/{port}/{rid}")
    server("internal")
    server("userid", "off")
    if action.type == "forward":
        _transforms(
            ctx, http, server, listener, f"alb_{port}_{rid}", rule.transforms if rule else ()
        )
        _forward(ctx, http, server, f"alb_{port}_{rid}", action)
    elif action.type == "redirect":
        _redirect(server, listener, action, ctx.translate)
    elif action.type == "fixed-response":
        code = str(action.status_code or "")
        ctype = action.content_type or "text/plain"
        if not _FIXED_CODE.match(code):
            raise UnsafeValueError(f"fixed-response statusCode {code!r} must be 2XX, 4XX or 5XX")
        if not _CONTENT_TYPE.match(ctype):
            raise UnsafeValueError(f"fixed-response contentType {ctype!r} is not a media type")
        hop_to(server, ctx.hops.fixed(pages.fixed_response(int(code), ctype, action.message_body)))
    else:
        raise AlbError(f"unknown action type {action.type!r} (forward, redirect, fixed-response)")
    server.close()


def _forward(ctx: Routing, http: Conf, server: Conf, prefix: str, action: Action) -> None:
    groups = [g for g in action.target_groups if g.weight > 0]
    if not groups:
        server("return", "503")
        return
    if len(groups) == 1:
        up = ctx.upstream(groups[0].target_group)
        if up is None:
            server("return", "503")
        elif not _target_stickiness(ctx, http, server, prefix, groups, up):
            server("proxy_pass", f"http://{up}$alb_up_uri")
        return
    pick = f"{prefix}_split"
    http.open("split_clients", quote("${request_id}"), "$" + pick)
    for group, share in R.split_shares(action):
        http(share, ctx.upstream(group) or NONE)
    http.close()
    chosen = pick
    if action.stickiness_seconds:
        chosen = f"{prefix}_tg"
        tokens = [
            (R.stickiness_token(ctx.lb.name, g.target_group), g.target_group)
            for g in action.target_groups
        ]
        entries = [(quote(tok), ctx.upstream(tg) or NONE) for tok, tg in tokens]
        map_block(http, "$cookie_AWSALBTG", chosen, [*entries, ("default", "$" + pick)])
        back = [(ctx.upstream(tg) or NONE, quote(tok)) for tok, tg in tokens if ctx.upstream(tg)]
        map_block(http, "$" + chosen, f"{prefix}_token", [*dict(back).items(), ("default", '""')])
    if any(ctx.upstream(g.target_group) is None for g in groups):
        server.open("if", f"(${chosen}", "=", f"{NONE})")
        server("return", "503")
        server.close()
    if not _target_stickiness(ctx, http, server, prefix, groups, "$" + chosen):
        server("proxy_pass", f"http://${chosen}$alb_up_uri")
    if action.stickiness_seconds:
        seconds = int(action.stickiness_seconds)
        token = v(f"{prefix}_token")
        cookie = Value("AWSALBTG=", token, f"; Max-Age={seconds}; Path=/")
        cors = Value("AWSALBTGCORS=", token, f"; Max-Age={seconds}; Path=/; SameSite=None; Secure")
        server("add_header", "Set-Cookie", cookie.render(), "always")
        server("add_header", "Set-Cookie", cors.render(), "always")


def _target_stickiness(
    ctx: Routing,
    http: Conf,
    server: Conf,
    prefix: str,
    groups: list[WeightedTargetGroup],
    chosen: str,
) -> bool:
    """Target-level ``lb_cookie`` stickiness for the groups of a forward that have it: an
    ``AWSALB`` cookie naming a target that gets traffic now sends the request there (one
    upstream per target); otherwise the group's usual pick. The response sets ``AWSALB``
    and ``AWSALBCORS`` to the target that answered (from ``$upstream_addr``), as the ALB
    does on every response. ``chosen`` is the group's upstream, or the variable holding
    the upstream a weighted forward picked. False (nothing written) without stickiness."""
    sticky = [
        (ctx.upstream(g.target_group), ctx.sticky[g.target_group])
        for g in groups
        if g.target_group in ctx.sticky
    ]
    if not sticky:
        return False
    group_expr: str | Var = v(chosen[1:]) if chosen.startswith("$") else chosen
    source = Value(group_expr, "|", v("cookie_AWSALB"))
    route = [(quote(f"{up}|{t.token}"), t.upstream) for up, g in sticky for t in g.targets]
    map_block(http, source.render(), f"{prefix}_target", [*route, ("default", chosen)])
    server("proxy_pass", f"http://${prefix}_target$alb_up_uri")
    answered = Value(group_expr, "|", v("upstream_addr"))
    for name, extra in (("AWSALB", ""), ("AWSALBCORS", "; SameSite=None; Secure")):
        cookies = [
            (
                quote(f"{up}|{t.address}"),
                quote(f"{name}={t.token}; Max-Age={g.seconds}; Path=/{extra}"),
            )
            for up, g in sticky
            for t in g.targets
        ]
        var = f"{prefix}_{name.lower()}"
        map_block(http, answered.render(), var, [*cookies, ("default", '""')])
        server("add_header", "Set-Cookie", f"${var}", "always")
    return True


def _transforms(
    ctx: Routing,
    http: Conf,
    server: Conf,
    listener: Listener,
    prefix: str,
    transforms: tuple[Transform, ...],
) -> None:
    for t in transforms:
        if t.type == "url-rewrite":
            _rewrite_map(http, "request_uri", f"{prefix}_uri", t, uri_text)
            server("set", "$alb_up_uri", f"${prefix}_uri")
            if ctx.translate:
                map_block(http, f"${prefix}_uri", f"{prefix}_path", [(regex_key("^([^?]*)"), "$1")])
                source = Value(v(f"{prefix}_path"), "\n", v("alb_req_path")).render()
                map_block(
                    http,
                    source,
                    f"{prefix}_prefix",
                    [(regex_key(r"^([^\n]*)\n(.+)\1$"), "$2"), ("default", '""')],
                )
                server("set", "$alb_up_prefix", f"${prefix}_prefix")
        elif t.type == "host-header-rewrite":
            _rewrite_map(http, "http_host", f"{prefix}_hostrw", t, header_text)
            preserve = H.attribute_flag(ctx.lb, H.PRESERVE_HOST_ATTRIBUTE)
            host = host_map(http, f"{prefix}_hostrw", f"{prefix}_host", listener.port, preserve)
            server("set", "$alb_up_host", f"${host}")
        else:
            raise AlbError(f"unknown transform type {t.type!r} (url-rewrite, host-header-rewrite)")


def _rewrite_map(
    http: Conf, source: str, var: str, t: Transform, check: Callable[[str, str], str]
) -> None:
    """``map $source $var`` replacing the first match of the transform's regex, as
    ``rules.rewrite``: the regex is wrapped in named groups for the text around it, so the
    layout's ``$N`` becomes ``$(N+1)``."""
    what = f"{t.type} replace"
    regex = "^(?<alb_pre>.*?)(?:" + user_regex(t.regex, f"{t.type} regex") + ")(?<alb_post>.*)$"
    groups = re.compile(t.regex).groups  # user_regex checked that it compiles
    parts: list[str | Var] = [v("alb_pre")]
    pos = 0
    for m in re.finditer(r"\$([1-9])", t.replace):
        parts.append(check(t.replace[pos : m.start()], what))
        n = int(m.group(1))
        if n <= groups:
            if n + 1 > 9:
                raise UnsafeValueError(
                    f"{what}: ${n} is beyond the 8 capture groups nginx can pass on"
                )
            parts.append(v(str(n + 1)))
        pos = m.end()
    parts.append(check(t.replace[pos:], what))
    parts.append(v("alb_post"))
    map_block(
        http,
        "$" + source,
        var,
        [(regex_key(regex), Value(*parts).render()), ("default", "$" + source)],
    )


def _redirect(server: Conf, listener: Listener, action: Action, translate: bool) -> None:
    """``rules.redirect_url`` in nginx: with ``translate``, ``#{port}`` is the port of the
    viewer's Host (``$alb_<port>_hostport``, the listener's port when Host has none)."""
    config = dict(action.redirect or {})
    static: dict[str, str | Var] = {"protocol": listener_protocol(listener)}
    dynamic: dict[str, str | Var] = {
        "port": v(f"alb_{int(listener.port)}_hostport") if translate else str(int(listener.port)),
        "host": v("alb_req_hostname"),
        "path": v("alb_req_path_tail"),
        "query": v("alb_req_query"),
    }

    def template(key: str, default: str, lower: bool = False) -> list[str | Var]:
        text = str(config.get(key, default))
        parts: list[str | Var] = []
        pos = 0
        for m in _KEYWORD.finditer(text):
            lit = header_text(text[pos : m.start()], f"redirect {key}")
            parts.append(lit.lower() if lower else lit)
            word = m.group(1)
            parts.append(dynamic[word] if word in dynamic else static[word])
            pos = m.end()
        lit = header_text(text[pos:], f"redirect {key}")
        parts.append(lit.lower() if lower else lit)
        return parts

    location = Value(
        *template("protocol", "#{protocol}", lower=True),
        "://",
        *template("host", "#{host}"),
        ":",
        *template("port", "#{port}"),
        *template("path", "/#{path}"),
        v("alb_redirect_qs"),
    )
    server("set", "$alb_redirect_q", Value(*template("query", "#{query}")).render())
    server("set", "$alb_location", location.render())
    hop_to(server, f"/r{R.redirect_status(config)}")


# ---------------------------------------------------------------------------- the hop


def hop_locations(server: Conf, hop_port: int) -> None:
    """The listener's side of the internal hop, and its named error locations."""
    server.open("location", "=", "/.alb/hop")
    server("internal")
    server("userid", "off")
    server("proxy_pass", f"http://127.0.0.1:{hop_port}$alb_hop")
    server("proxy_method", "GET")
    server("proxy_pass_request_headers", "off")
    server("proxy_pass_request_body", "off")
    server("proxy_set_header", "Host", "awselb")
    server("proxy_pass_header", "Server")
    server("add_header", "Location", "$alb_location", "always")
    server.close()
    for code in pages.ERROR_CODES:
        server.open("location", f"@alb_e{code}")
        server("userid", "off")
        hop_to(server, f"/e{code}")
        server.close()


def hop_server(http: Conf, hops: Hops, hop_port: int) -> None:
    """The internal server answering HTTP/0.9 requests with complete HTTP responses."""
    http.comment(
        "internal hop: ALB-made responses with Server: awselb/2.0 (see emulator/alb/pages.py)"
    )
    http.open("server")
    http("listen", f"127.0.0.1:{hop_port}")
    http("access_log", "off")
    http("lingering_close", "always")
    http.comment("declares the variables the shared maps read, whatever the listeners are")
    http("set", "$alb_trace_new", '""')
    http("set", "$alb_redirect_q", '""')
    for path, raw in hops.responses.items():
        http.open("location", "=", path)
        body = set_long(http, "alb_body_" + re.sub(r"[^A-Za-z0-9]", "_", path.strip("/")), raw)
        http("return", "200", body.render())
        http.close()
    http.open("location", "/")
    http("return", "200", Value(pages.error_response(500)).render())
    http.close()
    http.close()
