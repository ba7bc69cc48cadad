"""Request headers on the way to a task: what the ALB adds, what CloudFront adds in front of
it, and ecsdev's standard translation of both.

Why this exists: links break behind CloudFront because apps read the wrong proxy header
(reference/field-notes.md). The exact behaviour (reference/aws-semantics.md section B) is
written here once as pure functions; the nginx compiler produces the same values and the
tests compare the two. Headers are lists of ``(name, value)`` pairs, names compared without
case, order kept.

The translation (``headers.translate: true``) adds what neither AWS component sends:
``Forwarded`` (RFC 7239, one element per hop, oldest first), ``X-Forwarded-Host`` (the host
the viewer typed), ``X-Forwarded-Proto``/``-Port`` corrected to what the viewer used, and
``X-Forwarded-Prefix`` where a url-rewrite removed a path prefix.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Sequence

from emulator.alb import AlbError
from emulator.alb.rules import host_without_port
from emulator.model.layout import Cdn, Listener, LoadBalancer

Header = tuple[str, str]

XFF_MODES = ("append", "preserve", "remove")
XFF_MODE_ATTRIBUTE = "routing.http.xff_header_processing.mode"
XFF_CLIENT_PORT_ATTRIBUTE = "routing.http.xff_client_port.enabled"
PRESERVE_HOST_ATTRIBUTE = "routing.http.preserve_host_header.enabled"

# Shared with the nginx compiler, which writes the same patterns into its maps.
HOST_HAS_PORT = r"^(?:\[[^\]]*\]|[^:\[]*):[0-9]*$"
HOST_PORT = r":([0-9]+)$"
NODE_TOKEN = r"^[A-Za-z0-9._-]+$"
NODE_V4_PORT = r"^[0-9.]+:[0-9]+$"
NODE_V6_BRACKETED = r"^\[[0-9A-Fa-f:.]+\](?::[0-9]+)?$"
NODE_V6 = r"^[0-9A-Fa-f:.]+$"
HOST_QUOTABLE = r"^[A-Za-z0-9._:\[\]-]+$"
TRACE_SELF = r"^(.*?(?:^|;)\s*Self=)[^;]*(.*)$"
TRACE_ROOT = r"(?:^|;)\s*Root="
XFF_LAST = r"(?:^|,)\s*([^,\s]+)\s*$"
XFF_LIMIT = 30  # more addresses than this: HTTP 463


# ---------------------------------------------------------------------------- header lists


def first(headers: Sequence[Header], name: str) -> str | None:
    low = name.lower()
    return next((v for n, v in headers if n.lower() == low), None)


def joined(headers: Sequence[Header], name: str, sep: str = ", ") -> str | None:
    """All values of a header joined, as nginx 1.22 reads X-Forwarded-For."""
    low = name.lower()
    values = [v for n, v in headers if n.lower() == low]
    return sep.join(values) if values else None


def without(headers: Sequence[Header], *names: str) -> list[Header]:
    drop = {n.lower() for n in names}
    return [(n, v) for n, v in headers if n.lower() not in drop]


def attribute_flag(lb: LoadBalancer, key: str, default: bool = False) -> bool:
    return str(lb.attribute(key, "true" if default else "false")).strip().lower() == "true"


def xff_mode(lb: LoadBalancer) -> str:
    mode = str(lb.attribute(XFF_MODE_ATTRIBUTE, "append")).strip().lower()
    if mode not in XFF_MODES:
        raise AlbError(f"{XFF_MODE_ATTRIBUTE}: {mode!r} is not one of {', '.join(XFF_MODES)}")
    return mode


# ---------------------------------------------------------------------------- ALB hop


def parse_xff(value: str | None) -> list[str]:
    """Addresses of an X-Forwarded-For value; ALB writes ``", "``, CloudFront ``","``."""
    return [p.strip() for p in (value or "").split(",") if p.strip()]


def last_forwarded(value: str | None) -> str:
    """The address the last proxy appended to X-Forwarded-For, or ``unknown``."""
    m = re.search(XFF_LAST, value or "")
    return m.group(1) if m else "unknown"


def too_many_forwarded(value: str | None) -> bool:
    """Whether the ALB refuses the request with 463 (more than 30 addresses)."""
    return (value or "").count(",") >= XFF_LIMIT


def client_address(ip: str, port: int) -> str:
    """``ip:port``, or ``[ipv6]:port``, as ALB writes with ``xff_client_port.enabled``."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def forwarded_for(
    existing: str | None,
    client_ip: str,
    client_port: int,
    *,
    mode: str = "append",
    client_port_enabled: bool = False,
) -> str | None:
    """X-Forwarded-For as the target receives it; ``None`` means the header is absent."""
    if mode == "preserve":
        return existing
    if mode == "remove":
        return None
    if mode != "append":
        raise AlbError(f"X-Forwarded-For mode {mode!r} is not one of {', '.join(XFF_MODES)}")
    entry = client_address(client_ip, client_port) if client_port_enabled else client_ip
    return f"{existing}, {entry}" if existing else entry


def new_trace_id(epoch: int | None = None, rand: int | None = None) -> str:
    """``1-<8 hex epoch seconds>-<24 hex random>``, the X-Ray id format."""
    seconds = int(time.time()) if epoch is None else epoch
    bits = secrets.randbits(96) if rand is None else rand
    return f"1-{seconds & 0xFFFFFFFF:08x}-{bits & ((1 << 96) - 1):024x}"


def trace_header(existing: str | None, trace_id: str) -> str:
    """X-Amzn-Trace-Id after the ALB: a new Root when absent; an existing Self field is
    updated; with a Root and no Self, ``Self=`` is inserted first; other fields are kept."""
    if not existing:
        return f"Root={trace_id}"
    m = re.match(TRACE_SELF, existing, re.IGNORECASE)
    if m:
        return f"{m.group(1)}{trace_id}{m.group(2)}"
    if re.search(TRACE_ROOT, existing, re.IGNORECASE):
        return f"Self={trace_id};{existing}"
    return f"Root={trace_id};{existing}"


def target_host(host: str | None, listener_port: int, *, preserve: bool = False) -> str | None:
    """The Host a target receives: unchanged with ``preserve_host_header``; otherwise the
    port is removed on listener ports 80 and 443 and appended, when missing, on others."""
    if not host or preserve:
        return host or None
    if listener_port in (80, 443):
        return host_without_port(host)
    return host if re.match(HOST_HAS_PORT, host) else f"{host}:{listener_port}"


def alb_request_headers(
    received: Sequence[Header],
    *,
    client_ip: str,
    client_port: int,
    listener: Listener,
    load_balancer: LoadBalancer,
    trace_id: str,
    host: str | None = None,
) -> list[Header]:
    """Every header a target receives from the ALB (without translation). ``host`` is the
    Host after a host-header-rewrite, when the rule has one."""
    xff = forwarded_for(
        joined(received, "X-Forwarded-For"),
        client_ip,
        client_port,
        mode=xff_mode(load_balancer),
        client_port_enabled=attribute_flag(load_balancer, XFF_CLIENT_PORT_ATTRIBUTE),
    )
    out_host = target_host(
        first(received, "Host") if host is None else host,
        listener.port,
        preserve=attribute_flag(load_balancer, PRESERVE_HOST_ATTRIBUTE),
    )
    rest = without(
        received,
        "Host",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Port",
        "X-Amzn-Trace-Id",
    )
    out: list[Header] = [("Host", out_host)] if out_host else []
    out += rest
    if xff is not None:
        out.append(("X-Forwarded-For", xff))
    out.append(("X-Forwarded-Proto", listener.protocol.lower()))
    out.append(("X-Forwarded-Port", str(listener.port)))
    out.append(("X-Amzn-Trace-Id", trace_header(first(received, "X-Amzn-Trace-Id"), trace_id)))
    return out


# ---------------------------------------------------------------------------- CloudFront hop


def via_label(domain_name: str) -> str:
    """The 32-hex edge label of a distribution's Via (stable per domain name)."""
    return hashlib.md5(domain_name.lower().encode(), usedforsecurity=False).hexdigest()


def cloudfront_via(domain_name: str, http_version: str = "1.1") -> str:
    return f"{http_version} {via_label(domain_name)}.cloudfront.net (CloudFront)"


def new_cf_id() -> str:
    """An X-Amz-Cf-Id: 56 characters of URL-safe base64 ending in ``==``."""
    return base64.urlsafe_b64encode(secrets.token_bytes(40)).decode()


# The viewer facts the stand-in reports (a desktop browser in the US).
CLOUDFRONT_VIEWER = (
    ("CloudFront-Is-Desktop-Viewer", "true"),
    ("CloudFront-Is-Mobile-Viewer", "false"),
    ("CloudFront-Is-Tablet-Viewer", "false"),
    ("CloudFront-Is-SmartTV-Viewer", "false"),
    ("CloudFront-Viewer-Country", "US"),
)
CLOUDFRONT_SET = (
    "CloudFront-Forwarded-Proto",
    "CloudFront-Is-Desktop-Viewer",
    "CloudFront-Is-Mobile-Viewer",
    "CloudFront-Is-Tablet-Viewer",
    "CloudFront-Is-SmartTV-Viewer",
    "CloudFront-Viewer-Country",
)


def cloudfront_request_headers(
    received: Sequence[Header],
    *,
    viewer_ip: str,
    cdn: Cdn,
    origin_host: str,
    cf_id: str,
    http_version: str = "1.1",
) -> list[Header]:
    """Headers CloudFront sends to its origin (the ALB), with a policy like
    ``AllViewerExceptHostHeader`` plus the CloudFront-* headers: Host becomes the origin's
    domain name, the viewer IP is appended to X-Forwarded-For (with ``","``),
    X-Forwarded-Proto and X-Real-IP are removed, Via and X-Amz-Cf-Id are added."""
    xff = joined(received, "X-Forwarded-For")
    via = joined(received, "Via")
    ours = cloudfront_via(cdn.domain_name, http_version)
    rest = without(
        received,
        "Host",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Real-IP",
        "Via",
        "X-Amz-Cf-Id",
        *CLOUDFRONT_SET,
    )
    return [
        ("Host", origin_host),
        *rest,
        ("X-Forwarded-For", f"{xff},{viewer_ip}" if xff else viewer_ip),
        ("Via", f"{via}, {ours}" if via else ours),
        ("X-Amz-Cf-Id", cf_id),
        ("CloudFront-Forwarded-Proto", cdn.viewer_protocol.lower()),
        *CLOUDFRONT_VIEWER,
    ]


def cdn_of(via: str | None, cdns: Sequence[Cdn]) -> Cdn | None:
    """The distribution whose edge label ends the Via header (the request came through it)."""
    if via:
        for cdn in cdns:
            if via.endswith(f"{via_label(cdn.domain_name)}.cloudfront.net (CloudFront)"):
                return cdn
    return None


# ---------------------------------------------------------------------------- translation


def forwarded_node(value: str) -> str:
    """An RFC 7239 node (``for=``): a token as is, ``ip:port`` and IPv6 quoted (IPv6 in
    brackets), anything else ``unknown``."""
    if re.match(NODE_TOKEN, value):
        return value
    if re.match(NODE_V4_PORT, value) or re.match(NODE_V6_BRACKETED, value):
        return f'"{value}"'
    if re.match(NODE_V6, value):
        return f'"[{value}]"'
    return "unknown"


def forwarded_host(value: str) -> str | None:
    """An RFC 7239 ``host=`` value: a token as is, quoted when it has ``:`` ``[`` ``]``;
    ``None`` (left out) when it has characters a quoted-string would need to escape."""
    if re.match(NODE_TOKEN, value):
        return value
    if re.match(HOST_QUOTABLE, value):
        return f'"{value}"'
    return None


def forwarded_element(node: str, proto: str, host: str | None) -> str:
    element = f"for={forwarded_node(node)};proto={proto}"
    quoted = forwarded_host(host) if host else None
    return element + (f";host={quoted}" if quoted else "")


def translate(
    received: Sequence[Header],
    *,
    listener: Listener,
    peer_ip: str,
    cdns: Sequence[Cdn] = (),
    prefix: str | None = None,
) -> list[Header]:
    """The standard headers describing what the viewer used, from the headers the ALB
    received (before its own changes). Behind a distribution of ``cdns`` (found by its Via
    label) the viewer used ``https://<domainName>``; otherwise the Host it sent."""
    listener_proto = listener.protocol.lower()
    cf_proto = (first(received, "CloudFront-Forwarded-Proto") or "").lower()
    proto = cf_proto if cf_proto in ("http", "https") else listener_proto
    host = first(received, "Host") or ""
    cdn = cdn_of(first(received, "Via"), cdns)
    elements = [first(received, "Forwarded") or ""]
    if cdn is not None:
        viewer_host = cdn.domain_name
        port = "443" if proto == "https" else "80"
        viewer = last_forwarded(joined(received, "X-Forwarded-For"))
        elements.append(forwarded_element(viewer, proto, cdn.domain_name))
    else:
        viewer_host = host
        m = re.search(HOST_PORT, host)
        port = m.group(1) if m else str(listener.port)
    elements.append(forwarded_element(peer_ip, listener_proto, host))
    out = [("Forwarded", ", ".join(e for e in elements if e))]
    if viewer_host:
        out.append(("X-Forwarded-Host", viewer_host))
    out += [("X-Forwarded-Proto", proto), ("X-Forwarded-Port", port)]
    if prefix:
        out.append(("X-Forwarded-Prefix", prefix))
    return out


def to_target(
    received: Sequence[Header],
    *,
    client_ip: str,
    client_port: int,
    listener: Listener,
    load_balancer: LoadBalancer,
    trace_id: str,
    translate_headers: bool = False,
    cdns: Sequence[Cdn] = (),
    host: str | None = None,
    prefix: str | None = None,
) -> list[Header]:
    """Everything a task receives from the ALB stand-in: the ALB's headers and, with
    ``headers.translate``, the standard ones (which replace X-Forwarded-Proto/-Port)."""
    out = alb_request_headers(
        received,
        client_ip=client_ip,
        client_port=client_port,
        listener=listener,
        load_balancer=load_balancer,
        trace_id=trace_id,
        host=host,
    )
    if not translate_headers:
        return out
    std = translate(received, listener=listener, peer_ip=client_ip, cdns=cdns, prefix=prefix)
    names = [n for n, _ in std] + ["X-Forwarded-Prefix", "X-Forwarded-Host", "Forwarded"]
    return without(out, *names) + std
