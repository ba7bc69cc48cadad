"""The routing part of the nginx compiler: the winning rule's actions to locations.

Why a module of its own: this is where ALB actions meet nginx's evaluation model. The rule
is picked by ``nginx_rules.rule_table`` (one regex map per listener); the server's first
directive rewrites every request to an internal location named
by the winning rule (``/.alb/<port>/p<priority>`` or ``/.alb/<port>/default``), where its
action runs.

ALB-made answers (fixed responses, redirects, errors) go through the internal hop described
in ``pages``; a location sets ``$alb_hop`` (and ``$alb_location`` for redirects) and
rewrites to ``/.alb/hop``.
"""

from __future__ import annotations

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
    Listener,
    LoadBalancer,
    Rule,
    Transform,
    WeightedTargetGroup,
)

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
        uri = _transforms(
            ctx, http, server, listener, f"alb_{port}_{rid}", rule.transforms if rule else ()
        )
        _forward(ctx, http, server, f"alb_{port}_{rid}", action, uri)
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


def _forward(ctx: Routing, http: Conf, server: Conf, prefix: str, action: Action, uri: str) -> None:
    """Proxy to the action's target groups; ``uri`` is the variable with the target's URI."""
    groups = [g for g in action.target_groups if g.weight > 0]
    if not groups:
        server("return", "503")
        return
    if len(groups) == 1:
        up = ctx.upstream(groups[0].target_group)
        if up is None:
            server("return", "503")
        elif not _target_stickiness(ctx, http, server, prefix, groups, up, uri):
            server("proxy_pass", f"http://{up}{uri}")
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
    if not _target_stickiness(ctx, http, server, prefix, groups, "$" + chosen, uri):
        server("proxy_pass", f"http://${chosen}{uri}")
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
    uri: str,
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
    server("proxy_pass", f"http://${prefix}_target{uri}")
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
) -> str:
    """The rule's transforms; returns the variable with the URI the target receives."""
    uri = "$request_uri"
    for t in transforms:
        if t.type == "url-rewrite":
            _rewrite_map(http, "request_uri", f"{prefix}_uri", t, uri_text)
            uri = f"${prefix}_uri"
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
    return uri


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


def hop_locations(server: Conf, hop_socket: str) -> None:
    """The listener's side of the internal hop, and its named error locations."""
    server.open("location", "=", "/.alb/hop")
    server("internal")
    server("userid", "off")
    server("proxy_pass", f"http://unix:{hop_socket}:$alb_hop")
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


def hop_server(http: Conf, hops: Hops, hop_socket: str) -> None:
    """The internal server answering HTTP/0.9 requests with complete HTTP responses."""
    http.comment(
        "internal hop: ALB-made responses with Server: awselb/2.0 (see emulator/alb/pages.py)"
    )
    http.open("server")
    http("listen", f"unix:{hop_socket}")
    http("access_log", "off")
    http("lingering_close", "always")
    http.comment("declares the variables the shared maps read, whatever the listeners are")
    http("set", "$alb_trace_new", '""')
    http("set", "$alb_redirect_q", '""')
    http("set", "$alb_listener", '""')
    http("set", "$alb_location", '""')  # set only by redirects: empty (no header) otherwise
    for path, raw in hops.responses.items():
        http.open("location", "=", path)
        body = set_long(http, "alb_body_" + re.sub(r"[^A-Za-z0-9]", "_", path.strip("/")), raw)
        http("return", "200", body.render())
        http.close()
    http.open("location", "/")
    http("return", "200", Value(pages.error_response(500)).render())
    http.close()
    http.close()
