"""The nginx.conf compiler for one load balancer (and the CloudFront stand-ins in front of it).

Why this exists: routing, proxy headers and ALB-made answers must run at nginx's speed, with
nothing in Python on the request path, yet behave exactly as ``rules`` and ``headers`` say.
``render`` turns the model (a ``LoadBalancer``, its ``TargetGroup``s, the ``Headers``
setting, optional ``Cdn``s) plus the current targets into one complete nginx.conf for
``nginx -g 'daemon off;'`` in the ``ecsdev/base`` image (stock nginx 1.22, no extra
modules). The caller writes it to /etc/nginx/nginx.conf and runs ``nginx -s reload``.

Properties:
- Deterministic: the same input gives byte-identical output (no clocks, no randomness,
  no set iteration), so a reload happens only when something changed.
- Injection-proof: every layout value passes through ``nginx_text`` (quoted, validated,
  ``$`` neutralised); names in the configuration are made from indexes and numbers.
- Targets: only ``routable`` ones (healthy; all unhealthy = fail open) are upstream
  servers; a target group with none answers the ALB's 503.

Where nginx listens: in its own network namespace (``on_host=False``) each listener on its
own port and each CDN on a port from ``listens``, and Docker publishes them; on the host's
network (``on_host=True``: no Docker port publishing, no userland proxy on the request path)
each at the address its ``publish`` names, the loopback by default. The internal hop is a
Unix socket in the container's filesystem either way (``HOP_SOCKET``), so that two load
balancers on the host's network never contend for a port.

Where nginx 1.22 differs from ``rules``/``headers`` (and from the ALB):
- http-header conditions see only the first of repeated headers (X-Forwarded-For and
  Cookie excepted, which nginx joins); names outside ``[A-Za-z0-9-]`` never match, since
  nginx drops such headers (the rule is left out).
- path-pattern is matched against nginx's normalised ``$uri`` (decoded, dot segments
  resolved, slashes merged); the target still gets the path as sent.
- ``AWSALBTG`` cookies carry ``Max-Age`` instead of ``Expires``.
- HTTPS listeners are served without TLS; X-Forwarded-Proto still says ``https``.
- With ``headers.translate`` a redirect's ``#{port}`` is the port of the viewer's Host (the
  published port), not the listener's, so that the Location can be followed locally.
- The access log (``access_logs.s3.enabled: "true"``) is JSON lines on the container's
  output, not objects in S3; off by default, as on AWS.
- Target-level ``lb_cookie`` stickiness: ``AWSALB``/``AWSALBCORS`` carry an opaque hex
  token per target (the ALB's is an encrypted blob) and ``Max-Age``; a token of a target
  that gets no traffic now is ignored and the cookie rewritten, as on AWS.
- Not emulated: ``app_cookie`` stickiness, slow start (the layout check warns of both); least
  outstanding requests is nginx's ``least_conn``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from emulator.alb import AlbError, UnsafeValueError, pages
from emulator.alb import nginx_cdn as NC
from emulator.alb import nginx_headers as NH
from emulator.alb import nginx_routes as NR
from emulator.alb import nginx_rules as NRules
from emulator.alb import nginx_trace as NT
from emulator.alb import rules as R
from emulator.alb.health import routable
from emulator.alb.nginx_text import Conf, hostname, quote
from emulator.model import layoutcheck
from emulator.model.layout import Cdn, Headers, Layout, Listener, LoadBalancer, TargetGroup
from emulator.model.layoutcheck import DEFAULT_PUBLISH_HOST

CDN_PORT_BASE = 18443
HOP_SOCKET = "/run/ecsdev-alb-hop.sock"
_NAME = re.compile(r"^[A-Za-z0-9-]{1,32}$")
_REGION = re.compile(r"^[a-z0-9-]{1,32}$")


class Target(NamedTuple):
    """A registered target and its health state (a ``health.State`` value)."""

    ip: str
    port: int
    state: str


@dataclass(frozen=True, slots=True)
class AlbParts:
    """Everything ``render`` needs about one load balancer."""

    load_balancer: LoadBalancer
    target_groups: tuple[TargetGroup, ...] = ()
    headers: Headers = Headers()
    cdns: tuple[Cdn, ...] = ()
    region: str = "us-east-1"

    @classmethod
    def of(cls, layout: Layout, load_balancer: str) -> AlbParts:
        """The parts of ``layout`` that make up load balancer ``load_balancer``."""
        lb = next((b for b in layout.load_balancers if b.name == load_balancer), None)
        if lb is None:
            raise AlbError(f"no load balancer named {load_balancer!r} in {layout.source}")
        names = {
            g.target_group
            for listener in lb.listeners
            for rule_actions in [listener.default_actions, *(r.actions for r in listener.rules)]
            for action in rule_actions
            for g in action.target_groups
        }
        groups = tuple(tg for tg in layout.target_groups if tg.name in names)
        cdns = tuple(c for c in layout.cdn if c.origin == lb.name)
        return cls(lb, groups, layout.headers, cdns, layout.region)


@dataclass(frozen=True, slots=True)
class Listen:
    """A port nginx listens on inside its container, and where the layout publishes it."""

    role: str  # "listener" or "cdn"
    container_port: int
    publish: str | None
    name: str  # the listener port, or the CDN's domain name


def listens(parts: AlbParts) -> tuple[Listen, ...]:
    out = [
        Listen("listener", _port(lis.port), lis.publish, str(lis.port))
        for lis in parts.load_balancer.listeners
    ]
    used = {x.container_port for x in out}
    port = CDN_PORT_BASE
    for cdn in parts.cdns:
        while port in used:
            port += 1
        out.append(Listen("cdn", port, cdn.publish, cdn.domain_name))
        used.add(port)
    return tuple(out)


def parse_publish(value: str | None, default_port: int) -> tuple[str, int]:
    """A listener's ``publish`` (``"127.0.0.1:8000"``, ``"[::1]:8000"``, ``"8000"``) -> (host IP,
    port) as the layout's check reads it; none: the loopback at ``default_port``."""
    if not value:
        return DEFAULT_PUBLISH_HOST, default_port
    parsed = layoutcheck.parse_publish(value)
    if isinstance(parsed, str):  # the layout's check refuses it first; parts made in code
        raise UnsafeValueError(f"publish: {parsed}")
    return parsed


def _address(host: str, port: int, reach: bool = False) -> str:
    """``host:port`` for ``listen`` (or, with ``reach``, for connecting: an unspecified
    address becomes the loopback one)."""
    ip = ipaddress.ip_address(host)
    if reach and ip.is_unspecified:
        ip = ipaddress.ip_address("::1" if ip.version == 6 else "127.0.0.1")
    return f"[{ip}]:{_port(port)}" if ip.version == 6 else f"{ip}:{_port(port)}"


def bind(x: Listen, on_host: bool) -> str:
    """What nginx's ``listen`` says for ``x``: its port inside a container of its own, the
    published address on the host's network."""
    if not on_host:
        return str(x.container_port)
    return _address(*parse_publish(x.publish, x.container_port))


def alb_dns_name(lb: LoadBalancer, region: str) -> str:
    """The ALB's DNS name as AWS shapes it (``internal-`` for internal schemes), with a
    number derived from the name so it is stable."""
    if not _NAME.match(lb.name) or not _REGION.match(region):
        raise UnsafeValueError(f"load balancer {lb.name!r} in {region!r}: not usable in a DNS name")
    number = int(hashlib.sha256(lb.name.encode()).hexdigest()[:12], 16) % 900_000_000 + 100_000_000
    prefix = "internal-" if lb.scheme == "internal" else ""
    return f"{prefix}{lb.name.lower()}-{number}.{region}.elb.amazonaws.com"


def render(
    parts: AlbParts,
    targets: Mapping[str, Sequence[Target | tuple[str, int, str]]],
    on_host: bool = False,
) -> str:
    """The complete nginx.conf for ``parts`` with ``targets`` (target group name -> its
    registered targets and their states); ``on_host``: nginx runs on the host's network and
    listens where each listener is published."""
    lb = parts.load_balancer
    translate = bool(parts.headers.translate)
    upstream_conf = Conf()
    upstreams: dict[str, str | None] = {}
    sticky: dict[str, NR.StickyGroup] = {}
    for i, tg in enumerate(parts.target_groups):
        up = routable((t[0], int(t[1]), str(t[2])) for t in targets.get(tg.name, ()))
        upstreams[tg.name] = _upstream(upstream_conf, upstream_name(i), tg, up) if up else None
        seconds = R.lb_cookie_seconds(tg)
        if up and seconds:  # one more upstream per target, for AWSALB
            sticky[tg.name] = NR.StickyGroup(
                seconds,
                tuple(
                    NR.StickyTarget(
                        R.target_token(lb.name, tg.name, str(addr), port),
                        _upstream(upstream_conf, upstream_name(i, j), tg, [(str(addr), port)]),
                        f"[{addr}]:{port}" if addr.version == 6 else f"{addr}:{port}",
                    )
                    for j, (addr, port) in enumerate(_servers(tg, up))
                ),
            )
    ctx = NR.Routing(lb, upstreams, translate, sticky=sticky)
    binds = {x.name: bind(x, on_host) for x in listens(parts) if x.role == "listener"}

    maps, servers = Conf(), Conf()
    for listener in lb.listeners:
        _listener(ctx, maps, servers, listener, binds[str(listener.port)], bool(parts.cdns))

    conf = Conf()
    conf.comment("ecsdev ALB stand-in, generated by emulator/alb/nginx.py: do not edit")
    conf.comment(f"load balancer {lb.name}")
    conf("worker_processes", "auto")
    conf("pcre_jit", "on")
    conf.open("events")
    conf("worker_connections", "4096")
    conf.close()
    conf.open("http")
    _http_basics(conf, lb)
    conf.blank()
    NH.common_maps(conf)
    NT.trace_map(conf)
    if translate:
        NH.translate_maps(conf, parts.cdns)
    NC.cdn_maps(conf, parts.cdns)
    conf.blank()
    conf.extend(upstream_conf)
    conf.blank()
    conf.extend(maps)
    conf.blank()
    conf.extend(servers)
    conf.blank()
    _cdn_servers(conf, parts, on_host)
    NR.hop_server(conf, ctx.hops, HOP_SOCKET)
    conf.close()
    return conf.text()


def _http_basics(conf: Conf, lb: LoadBalancer) -> None:
    log = (
        '{"time":"$time_iso8601","listener":"$alb_listener","client":"$remote_addr:$remote_port",'
        '"method":"$request_method","uri":"$request_uri","status":"$status","rule":"$alb_rule",'
        '"target":"$upstream_addr","target_status":"$upstream_status","duration":"$request_time"}'
    )
    conf("server_tokens", "off")
    conf("default_type", "application/octet-stream")
    if _logged(lb):
        # as on AWS, only when asked for (it costs about a tenth of a proxied request);
        # JSON lines on the container's output, buffered: one write per 64 KiB or second
        conf("log_format", "alb", "escape=json", quote(log))
        conf("access_log", "/dev/stdout", "alb", "buffer=64k", "flush=1s")
    else:
        conf("access_log", "off")
    conf("uninitialized_variable_warn", "off")
    conf("client_max_body_size", "0")
    conf("large_client_header_buffers", "4", "16k")
    conf("keepalive_timeout", f"{NH.idle_timeout(lb)}s")
    conf("variables_hash_max_size", "8192")
    conf("variables_hash_bucket_size", "128")
    conf("map_hash_bucket_size", "128")


def _logged(lb: LoadBalancer) -> bool:
    return lb.attribute("access_logs.s3.enabled", "false").lower() == "true"


def upstream_name(group: int, target: int | None = None) -> str:
    """An upstream's name, its numbers first with the last digit leading (group 19: ``91.tg``,
    its target 3: ``3.91.tg``). A ``proxy_pass`` with variables finds its upstream by comparing
    the names of equal length character by character: these differ at the first."""
    head = str(group)[::-1] if target is None else f"{str(target)[::-1]}.{str(group)[::-1]}"
    return f"{head}.tg"


def _upstream(conf: Conf, name: str, tg: TargetGroup, servers: list[tuple[str, int]]) -> str:
    conf.comment(f"target group {tg.name}")
    conf.open("upstream", name)
    algorithm = str(dict(tg.attributes).get("load_balancing.algorithm.type", "round_robin"))
    if algorithm == "least_outstanding_requests":
        conf("least_conn")
    for addr, port in _servers(tg, servers):
        host = f"[{addr}]" if addr.version == 6 else str(addr)
        conf("server", f"{host}:{port}", "max_fails=0")
    conf("keepalive", "32")
    conf.close()
    return name


def _servers(
    tg: TargetGroup, servers: list[tuple[str, int]]
) -> list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, int]]:
    """The targets as checked addresses, without repeats, in a stable order."""
    parsed = []
    for ip, port in servers:
        try:
            parsed.append((ipaddress.ip_address(ip), _port(port)))
        except ValueError:
            raise UnsafeValueError(f"target group {tg.name}: {ip!r} is not an IP address") from None
    return sorted(set(parsed), key=lambda a: (a[0].version, a[0], a[1]))


def _port(port: object) -> int:
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise UnsafeValueError(f"{port!r} is not a port number")
    return port


def _listener(
    ctx: NR.Routing, maps: Conf, servers: Conf, listener: Listener, listen: str, cdn: bool
) -> None:
    port = _port(listener.port)
    NH.listener_protocol(listener)
    maps.comment(f"listener {port}")
    route, rules = NRules.rule_table(maps, listener)
    host = NH.listener_maps(maps, ctx.lb, listener, ctx.translate, cdn)
    maps.blank()
    transforms = {t.type for rule in listener.rules for t in rule.transforms}

    s = servers
    s.comment(f"listener {port} ({listener.protocol})")
    s.open("server")
    s("listen", listen, "default_server")
    if _logged(ctx.lb):
        s("set", "$alb_listener", port)  # the listener's port, wherever nginx listens
    for code in pages.ERROR_CODES:
        s("error_page", code, "=", f"@alb_e{code}")
    NT.server_lines(s)
    NH.host_lines(s, ctx.lb, listener, ctx.translate)
    # a variable a rule's transform may change is copied once per request only where one can
    if "host-header-rewrite" in transforms:
        s("set", "$alb_up_host", f"${host}")
        host = "alb_up_host"
    prefix = '""'
    if ctx.translate and "url-rewrite" in transforms:
        s("set", "$alb_up_prefix", '""')
        prefix = "$alb_up_prefix"
    s.open("if", "($alb_xff_over)")
    s("return", "463")
    s.close()
    s.extend(route)  # sets $alb_rule, which the access log names too
    s("rewrite", "^", f"/.alb/{port}/$alb_rule", "last")
    NH.listener_proxy_settings(
        s, ctx.lb, listener, ctx.translate, cdn=cdn, host=host, prefix=prefix
    )
    for rule in rules:
        s.comment(f"priority {int(rule.priority)}")
        NR.action_location(ctx, maps, s, listener, rule)
    s.comment("default actions")
    NR.action_location(ctx, maps, s, listener, None)
    NR.hop_locations(s, HOP_SOCKET)
    s.close()
    s.blank()


def _cdn_servers(conf: Conf, parts: AlbParts, on_host: bool) -> None:
    if not parts.cdns:
        return
    origin_host = alb_dns_name(parts.load_balancer, parts.region)
    every = listens(parts)
    ports = [x for x in every if x.role == "cdn"]
    origins = {x.name: x for x in every if x.role == "listener"}
    for i, (cdn, listen) in enumerate(zip(parts.cdns, ports, strict=True)):
        hostname(cdn.domain_name, "cdn domainName")
        target = _origin_listener(parts.load_balancer, cdn)
        conf.comment(f"CloudFront stand-in {cdn.domain_name} -> listener {target.port}")
        conf.open("upstream", f"alb_cdn{i}_origin")
        origin = origins[str(target.port)]
        where = parse_publish(origin.publish, origin.container_port) if on_host else None
        conf("server", _address(*where, reach=True) if where else f"127.0.0.1:{target.port}")
        conf("keepalive", "8")
        conf.close()
        conf.open("server")
        conf("listen", bind(listen, on_host), "default_server")
        conf("set", "$alb_rule", "cdn")
        NC.cdn_location(conf, i, cdn, f"alb_cdn{i}_origin", origin_host)
        conf.close()
        conf.blank()


def _origin_listener(lb: LoadBalancer, cdn: Cdn) -> Listener:
    """The listener CloudFront connects to: the origin protocol's, port 80/443 first."""
    proto = cdn.origin_protocol.upper()
    candidates = [lis for lis in lb.listeners if lis.protocol.upper() == proto] or list(
        lb.listeners
    )
    if not candidates:
        raise AlbError(f"cdn {cdn.domain_name}: load balancer {lb.name} has no listener")
    preferred = 443 if proto == "HTTPS" else 80
    return sorted(candidates, key=lambda lis: (lis.port != preferred, lis.port))[0]


__all__ = [
    "HOP_SOCKET",
    "AlbParts",
    "Listen",
    "Target",
    "alb_dns_name",
    "bind",
    "listens",
    "parse_publish",
    "render",
]
