"""The header part of the nginx compiler: the maps, server-level lines and
``proxy_set_header`` lines that give a target the headers ``emulator.alb.headers`` computes.

Why a module of its own: the header logic is most of the configuration's subtlety (trace id
without arithmetic, Host port rules, the RFC 7239 translation) and is easier to check next
to the reference functions it mirrors. Patterns are shared with ``headers`` so both sides
use the very same regexes.

The trace id has a module of its own, ``nginx_trace``; CloudFront stand-ins ``nginx_cdn``.
What every forwarded request needs is computed once per request at server level: the
Host's parts by one ``if`` (``host_lines``), the client's address family by ``geo``
lookups. Maps are evaluated lazily, once per request, and each costs a copy of its source,
a lower-cased copy for the hash lookup and its regexes: they hold what only some requests
read (a client's own X-Forwarded-For or Forwarded, a listener on another port's Host).
"""

from __future__ import annotations

from collections.abc import Sequence

from emulator.alb import AlbError
from emulator.alb import headers as H
from emulator.alb.nginx_text import Conf, Value, quote, regex_key, regex_literal, v
from emulator.alb.rules import HOST_NAME_PART
from emulator.model.layout import Cdn, Listener, LoadBalancer

Entry = tuple[str, str]


def map_block(conf: Conf, source: str, var: str, entries: Sequence[Entry]) -> None:
    conf.open("map", source, "$" + var)
    for key, value in entries:
        conf(key, value)
    conf.close()


def listener_protocol(listener: Listener) -> str:
    proto = listener.protocol.lower()
    if proto not in ("http", "https"):
        raise AlbError(
            f"listener {listener.port}: protocol {listener.protocol!r} is not HTTP or HTTPS"
        )
    return proto


def idle_timeout(lb: LoadBalancer) -> int:
    raw = lb.attribute("idle_timeout.timeout_seconds", "60")
    try:
        seconds = int(str(raw))
    except ValueError:
        raise AlbError(
            f"idle_timeout.timeout_seconds: {raw!r} is not a number of seconds"
        ) from None
    return min(max(seconds, 1), 4000)


# ---------------------------------------------------------------------------- http level


def common_maps(conf: Conf) -> None:
    """Variables every listener uses: ``$`` itself, the request's parts."""
    conf.comment("a literal $ for complex values (geo values are never interpolated)")
    conf.open("geo", "$alb_dollar")
    conf("default", quote("$"))
    conf.close()
    map_block(conf, "$request_uri", "alb_req_path", [(regex_key("^([^?]*)"), "$1")])
    map_block(conf, "$request_uri", "alb_req_path_tail", [(regex_key("^/?([^?]*)"), "$1")])
    map_block(
        conf,
        "$request_uri",
        "alb_req_query",
        [(regex_key(r"^[^?]*\?(.*)$"), "$1"), ("default", '""')],
    )
    map_block(conf, "$http_host", "alb_req_hostname", [(regex_key(HOST_NAME_PART), "$1")])
    map_block(
        conf,
        "$alb_redirect_q",
        "alb_redirect_qs",
        [('""', '""'), ("default", Value("?", v("alb_redirect_q")).render())],
    )
    upgrade_maps(conf)
    limit = H.XFF_LIMIT
    map_block(
        conf,
        "$http_x_forwarded_for",
        "alb_xff_over",
        [(regex_key(f"^(?:[^,]*,){{{limit}}}"), "1"), ("default", "0")],
    )
    conf.comment("what goes around the client's address where it is IPv6 (a radix tree, no regex):")
    conf.comment("brackets in X-Forwarded-For with a port, a quoted bracketed node in Forwarded")
    brackets = (("peer_open", "["), ("peer_close", "]"), ("node_open", '"['), ("node_close", ']"'))
    for var, six in ((f"alb_{name}", text) for name, text in brackets):
        conf.open("geo", "$" + var)
        conf("default", '""')
        conf("::/0", quote(six))
        conf.close()
    conf.comment("X-Forwarded-For entry with xff_client_port: ip:port or [ipv6]:port")
    client = Value(v("alb_peer_open"), v("remote_addr"), v("alb_peer_close"), ":", v("remote_port"))
    map_block(
        conf,
        "$http_x_forwarded_for",
        "alb_xff_port",
        [
            ('""', client.render()),
            ("default", (Value(v("http_x_forwarded_for"), ", ") + client).render()),
        ],
    )


def upgrade_maps(conf: Conf) -> None:
    """A WebSocket handshake (RFC 6455) goes to the target with its ``Upgrade`` and
    ``Connection: upgrade``, and the connection becomes a tunnel once the target answers
    101, as the ALB does; any other request keeps its connection to the target alive, and
    any other upgrade (``h2c``) is not passed on. Without an Upgrade header neither map
    hashes or matches anything."""
    conf.comment("WebSockets: the client's Upgrade and Connection: upgrade, for a websocket only")
    map_block(
        conf, "$http_upgrade", "alb_upgrade", [("default", '""'), ("websocket", "$http_upgrade")]
    )
    map_block(
        conf, "$http_upgrade", "alb_connection", [("default", '""'), ("websocket", "upgrade")]
    )


def upgrade_headers(conf: Conf) -> None:
    """The ``proxy_*`` lines of every hop that may carry a WebSocket (``upgrade_maps``)."""
    conf("proxy_http_version", "1.1")
    conf("proxy_set_header", "Connection", "$alb_connection")
    conf("proxy_set_header", "Upgrade", "$alb_upgrade")


def translate_maps(conf: Conf, cdns: Sequence[Cdn]) -> None:
    """Shared variables of the standard translation (RFC 7239 nodes and, with CloudFront
    stand-ins, the CDN a request came through, found by the edge label of its Via)."""
    if cdns:
        entries = [
            (
                regex_key(
                    regex_literal(f"{H.via_label(c.domain_name)}.cloudfront.net (CloudFront)") + "$"
                ),
                quote(c.domain_name),
            )
            for c in cdns
        ]
        map_block(conf, "$http_via", "alb_cdn", [*entries, ("default", '""')])
        map_block(
            conf,
            "$http_x_forwarded_for",
            "alb_xff_last",
            [(regex_key(H.XFF_LAST), "$1"), ("default", "unknown")],
        )
        node_map(conf, "alb_xff_last", "alb_xff_last_node")
    map_block(
        conf,
        "$http_forwarded",
        "alb_fwd_prev",
        [('""', '""'), ("default", Value(v("http_forwarded"), ", ").render())],
    )


def node_map(conf: Conf, source: str, var: str) -> None:
    """An RFC 7239 node from an address, as ``headers.forwarded_node``."""
    src = v(source)
    map_block(
        conf,
        "$" + source,
        var,
        [
            (regex_key(H.NODE_TOKEN), "$" + source),
            (regex_key(H.NODE_V4_PORT), Value('"', src, '"').render()),
            (regex_key(H.NODE_V6_BRACKETED), Value('"', src, '"').render()),
            (regex_key(H.NODE_V6), Value('"[', src, ']"').render()),
            ("default", "unknown"),
        ],
    )


def host_map(conf: Conf, source: str, var: str, port: int, preserve: bool) -> str:
    """The Host a target receives (``headers.target_host``), from variable ``source``;
    returns the variable holding it."""
    if preserve:
        return source
    src = v(source)
    if port in (80, 443):
        map_block(conf, "$" + source, var, [(regex_key(HOST_NAME_PART), "$1")])
    else:
        entries = [
            ('""', '""'),
            (regex_key(H.HOST_HAS_PORT), "$" + source),
            ("default", Value(src, f":{port}").render()),
        ]
        map_block(conf, "$" + source, var, entries)
    return var


def listener_maps(
    conf: Conf, lb: LoadBalancer, listener: Listener, translate: bool, cdn: bool
) -> str:
    """Per-listener header variables; returns the variable with the target's Host. Without
    CloudFront stand-ins (``cdn`` false) the viewer is the client: its Host and port."""
    port = listener.port
    preserve = H.attribute_flag(lb, H.PRESERVE_HOST_ATTRIBUTE)
    if _name_part(lb, listener):  # set by ``host_lines``
        host_var = f"alb_{port}_host"
    else:
        host_var = host_map(conf, "http_host", f"alb_{port}_host", port, preserve)
    if translate:
        proto = listener_protocol(listener)
        map_block(
            conf,
            "$http_cloudfront_forwarded_proto",
            f"alb_{port}_vproto",
            [
                (regex_key("^https$", True), "https"),
                (regex_key("^http$", True), "http"),
                ("default", proto),
            ],
        )
        if not cdn:
            return host_var
        map_block(
            conf,
            f"$alb_{port}_vproto",
            f"alb_{port}_cdnport",
            [("https", "443"), ("default", "80")],
        )
        map_block(
            conf,
            "$alb_cdn",
            f"alb_{port}_vport",
            [('""', f"$alb_{port}_hostport"), ("default", f"$alb_{port}_cdnport")],
        )
        map_block(
            conf, "$alb_cdn", f"alb_{port}_vhost", [('""', "$http_host"), ("default", "$alb_cdn")]
        )
        viewer = Value(
            "for=",
            v("alb_xff_last_node"),
            ";proto=",
            v(f"alb_{port}_vproto"),
            ";host=",
            v("alb_cdn"),
            ", ",
        )
        map_block(
            conf, "$alb_cdn", f"alb_{port}_fwd_viewer", [('""', '""'), ("default", viewer.render())]
        )
    return host_var


# ---------------------------------------------------------------------------- server level


def _name_part(lb: LoadBalancer, listener: Listener) -> bool:
    """Whether a target of ``listener`` receives the Host's name part alone (port 80, 443)."""
    return listener.port in (80, 443) and not H.attribute_flag(lb, H.PRESERVE_HOST_ATTRIBUTE)


def _inner(pattern: str) -> str:
    """A whole-value pattern of ``headers`` without its anchors."""
    assert pattern.startswith("^") and pattern.endswith("$"), pattern
    return pattern[1:-1]


def host_lines(conf: Conf, lb: LoadBalancer, listener: Listener, translate: bool) -> None:
    """Server-level lines that cut the request's Host once, by one regex of lookaheads: its
    name part (the Host a port 80 or 443 listener's target receives), and with translation
    its port (X-Forwarded-Port; the listener's when it has none) and the RFC 7239 ``host``
    parameter (bare when a token, quoted when it has a port or brackets, left out
    otherwise). One ``if`` rather than a map each: a map lower-cases and hashes its source
    before its regexes run. The patterns are ``headers``' own."""
    port = listener.port
    parts: list[str] = []
    sets: list[tuple[str, str]] = []
    if _name_part(lb, listener):
        parts.append(f"(?={HOST_NAME_PART.removeprefix('^')})")
        sets.append((f"$alb_{port}_host", f"${len(sets) + 1}"))
    if translate:
        parts.append(f"(?:(?=.*{H.HOST_PORT})|)")
        sets.append((f"$alb_{port}_hostport", f"${len(sets) + 1}"))
        token, quotable = _inner(H.NODE_TOKEN), _inner(H.HOST_QUOTABLE)
        parts.append(f"(?:(?=({token})$)|(?=({quotable})$)|)")
        sets.append(("$alb_host_token", f"${len(sets) + 1}"))
        sets.append(("$alb_host_quoted", f"${len(sets) + 1}"))
    if not parts:
        return
    conf.open("if", "($http_host", "~", quote("^" + "".join(parts)), ")")
    for var, capture in sets:
        conf("set", var, capture)
    conf.close()
    if not translate:
        return
    conf.open("if", f"($alb_{port}_hostport", "=", '""', ")")
    conf("set", f"$alb_{port}_hostport", port)
    conf.close()
    conf("set", "$alb_host_param", '""')
    for var, param in (("token", ";host="), ("quoted", ';host="')):
        conf.open("if", f"($alb_host_{var}", "!=", '""', ")")
        value = Value(param, v(f"alb_host_{var}"), *(['"'] if var == "quoted" else []))
        conf("set", "$alb_host_param", value.render())
        conf.close()


def listener_proxy_settings(
    conf: Conf,
    lb: LoadBalancer,
    listener: Listener,
    translate: bool,
    *,
    cdn: bool,
    host: str,
    prefix: str,
) -> None:
    """``proxy_*`` lines shared by every forward of a listener: ``host`` is the variable
    with the target's Host and ``prefix`` X-Forwarded-Prefix (``$alb_up_host`` and
    ``$alb_up_prefix`` where a rule's transform sets them)."""
    port = listener.port
    proto = listener_protocol(listener)
    mode = H.xff_mode(lb)
    if mode == "remove":
        xff = '""'
    elif mode == "preserve":
        xff = "$http_x_forwarded_for"
    elif H.attribute_flag(lb, H.XFF_CLIENT_PORT_ATTRIBUTE):
        xff = "$alb_xff_port"
    else:
        xff = "$proxy_add_x_forwarded_for"
    timeout = idle_timeout(lb)
    upgrade_headers(conf)
    conf("proxy_set_header", "Host", "$" + host)
    conf("proxy_set_header", "X-Forwarded-For", xff)
    if translate:
        viewer = [v(f"alb_{port}_fwd_viewer")] if cdn else []
        forwarded = Value(
            v("alb_fwd_prev"),
            *viewer,
            "for=",
            v("alb_node_open"),
            v("remote_addr"),
            v("alb_node_close"),
            f";proto={proto}",
            v("alb_host_param"),
        )
        vport, vhost = (
            (f"alb_{port}_vport", f"alb_{port}_vhost")
            if cdn
            else (
                f"alb_{port}_hostport",
                "http_host",
            )
        )
        conf("proxy_set_header", "X-Forwarded-Proto", f"$alb_{port}_vproto")
        conf("proxy_set_header", "X-Forwarded-Port", "$" + vport)
        conf("proxy_set_header", "X-Forwarded-Host", "$" + vhost)
        if prefix == '""':  # no rule's url-rewrite can set one
            conf.comment("an empty value drops the header, the client's own included")
        conf("proxy_set_header", "X-Forwarded-Prefix", prefix)
        conf("proxy_set_header", "Forwarded", forwarded.render())
    else:
        conf("proxy_set_header", "X-Forwarded-Proto", proto)
        conf("proxy_set_header", "X-Forwarded-Port", port)
    conf("proxy_set_header", "X-Amzn-Trace-Id", "$alb_trace")
    conf("proxy_pass_header", "Server")
    conf("proxy_redirect", "off")
    conf("proxy_next_upstream", "off")
    conf("proxy_intercept_errors", "off")
    conf("proxy_connect_timeout", "10s")
    conf("proxy_read_timeout", f"{timeout}s")
    conf("proxy_send_timeout", f"{timeout}s")
