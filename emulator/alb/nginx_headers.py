"""The header part of the nginx compiler: the maps and ``proxy_set_header`` lines that give
a target the headers ``emulator.alb.headers`` computes.

Why a module of its own: the header logic is most of the configuration's subtlety (trace id
without arithmetic, Host port rules, the RFC 7239 translation) and is easier to check next
to the reference functions it mirrors. Patterns are shared with ``headers`` so both sides
use the very same regexes.

The trace id has a module of its own, ``nginx_trace``. Maps are evaluated lazily, once per
request, and each costs a copy of its source, a lower-cased copy for the hash lookup and its
regexes: a request reads only the maps its headers need, and without CloudFront stand-ins
the translation reads the request's own Host (``cdn`` false) rather than maps that would
ask which distribution it came through.
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
    limit = H.XFF_LIMIT
    map_block(
        conf,
        "$http_x_forwarded_for",
        "alb_xff_over",
        [(regex_key(f"^(?:[^,]*,){{{limit}}}"), "1"), ("default", "0")],
    )
    conf.comment("X-Forwarded-For entry with xff_client_port: ip:port or [ipv6]:port")
    map_block(
        conf,
        "$remote_addr",
        "alb_client",
        [
            (regex_key(":"), Value("[", v("remote_addr"), "]:", v("remote_port")).render()),
            ("default", Value(v("remote_addr"), ":", v("remote_port")).render()),
        ],
    )
    map_block(
        conf,
        "$http_x_forwarded_for",
        "alb_xff_port",
        [
            ('""', "$alb_client"),
            ("default", Value(v("http_x_forwarded_for"), ", ", v("alb_client")).render()),
        ],
    )


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
    node_map(conf, "remote_addr", "alb_peer_node")
    host = v("http_host")
    map_block(
        conf,
        "$http_host",
        "alb_host_param",
        [
            (regex_key(H.NODE_TOKEN), Value(";host=", host).render()),
            (regex_key(H.HOST_QUOTABLE), Value(';host="', host, '"').render()),
            ("default", '""'),
        ],
    )
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
        map_block(
            conf,
            "$http_host",
            f"alb_{port}_hostport",
            [(regex_key(H.HOST_PORT), "$1"), ("default", str(port))],
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
    conf("proxy_http_version", "1.1")
    conf("proxy_set_header", "Connection", '""')
    conf("proxy_set_header", "Host", "$" + host)
    conf("proxy_set_header", "X-Forwarded-For", xff)
    if translate:
        viewer = [v(f"alb_{port}_fwd_viewer")] if cdn else []
        forwarded = Value(
            v("alb_fwd_prev"),
            *viewer,
            "for=",
            v("alb_peer_node"),
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


# ---------------------------------------------------------------------------- CloudFront


def viewer_protocol(cdn: Cdn) -> str:
    proto = cdn.viewer_protocol.lower()
    if proto not in ("http", "https"):
        raise AlbError(
            f"cdn {cdn.domain_name}: viewerProtocol {cdn.viewer_protocol!r} is not http or https"
        )
    return proto


def cdn_maps(conf: Conf, cdns: Sequence[Cdn]) -> None:
    if not cdns:
        return
    conf.comment("CloudFront stand-in: X-Forwarded-For with ',', X-Amz-Cf-Id, Via")
    xff = Value(v("http_x_forwarded_for"), ",", v("remote_addr"))
    map_block(
        conf,
        "$http_x_forwarded_for",
        "alb_cf_xff",
        [('""', "$remote_addr"), ("default", xff.render())],
    )
    map_block(
        conf,
        "$request_id",
        "alb_cf_id",
        [(regex_key("^(.{21})"), Value(v("request_id"), v("1"), "A==").render())],
    )
    map_block(
        conf,
        "$server_protocol",
        "alb_viewer_httpver",
        [(regex_key("^HTTP/([0-9.]+)$"), "$1"), ("default", "1.1")],
    )
    for i, cdn in enumerate(cdns):
        ours = Value(
            v("alb_viewer_httpver"), f" {H.via_label(cdn.domain_name)}.cloudfront.net (CloudFront)"
        )
        map_block(
            conf,
            "$http_via",
            f"alb_cf_via{i}",
            [('""', ours.render()), ("default", (Value(v("http_via"), ", ") + ours).render())],
        )


def cdn_location(conf: Conf, index: int, cdn: Cdn, upstream: str, origin_host: str) -> None:
    """What CloudFront does to a request on its way to the ALB, and to the response."""
    label = H.via_label(cdn.domain_name)
    conf.open("location", "/")
    conf("proxy_pass", f"http://{upstream}")
    conf("proxy_http_version", "1.1")
    conf("proxy_set_header", "Connection", '""')
    conf("proxy_set_header", "Host", quote(origin_host))
    conf("proxy_set_header", "X-Forwarded-For", "$alb_cf_xff")
    conf("proxy_set_header", "X-Forwarded-Proto", '""')
    conf("proxy_set_header", "X-Real-IP", '""')
    conf("proxy_set_header", "Via", f"$alb_cf_via{index}")
    conf("proxy_set_header", "X-Amz-Cf-Id", "$alb_cf_id")
    conf("proxy_set_header", "CloudFront-Forwarded-Proto", viewer_protocol(cdn))
    for name, value in H.CLOUDFRONT_VIEWER:
        conf("proxy_set_header", name, value)
    conf("proxy_pass_header", "Server")
    conf("proxy_redirect", "off")
    conf("proxy_next_upstream", "off")
    conf("add_header", "Via", quote(f"1.1 {label}.cloudfront.net (CloudFront)"), "always")
    conf("add_header", "X-Cache", quote("Miss from cloudfront"), "always")
    conf("add_header", "X-Amz-Cf-Id", "$alb_cf_id", "always")
    conf.close()
