"""Cross-field checks of a layout's top-level settings, VPC, images, target groups, CDN
stand-in and published addresses (load balancers: ``rulecheck``; services: ``servicecheck``).

Input is the shape-cleaned layout (``emulator.model.shapes``). What the checks learn (subnets,
task-definition revisions, target groups, which load balancer uses which target group) goes into
a ``Catalog`` that the other checks and the conversion to ``Layout`` objects share.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.model.attributes import check_attributes
from emulator.model.report import Reporter
from emulator.model.shapes import did_you_mean, items
from emulator.model.yamlsource import PathT

STACK_NAME = re.compile(r"^[a-z0-9-]{1,32}$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
ACCOUNT = re.compile(r"^\d{12}$")
ECS_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
SUBNET_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
ELB_NAME = re.compile(r"^(?!-)[a-zA-Z0-9-]{1,32}(?<!-)$")
PUBLISH = re.compile(r"^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+)):)?(\d+)$")
MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
DEFAULT_PUBLISH_HOST = "127.0.0.1"


@dataclass
class Catalog:
    """What the layout declares, by name, for cross-references."""

    subnets: dict[str, bool] = field(default_factory=dict)  # name -> public
    taskdefs: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    target_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_balancers: dict[str, dict[str, Any]] = field(default_factory=dict)
    tg_users: dict[str, list[str]] = field(default_factory=dict)  # tg -> load balancers
    published: dict[tuple[str, int], str] = field(default_factory=dict)  # -> rendered path
    # Sections where an entry failed its shape check: a name missing from them may be that
    # entry's, so "no such name" is not reported ("subnets", "taskDefinitions", ...).
    incomplete: set[str] = field(default_factory=set)

    def note(self, section: str, entries: Any) -> None:
        """Mark ``section`` incomplete when any entry lacks a valid ``name``-like key."""
        key = {"taskDefinitions": "family", "services": "serviceName"}.get(section, "name")
        if entries is None:
            return
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get(key), str) for e in entries
        ):
            self.incomplete.add(section)

    def revisions(self, family: str) -> list[dict[str, Any] | None]:
        return [doc for fam, doc in self.taskdefs if fam == family]


def check_top(doc: dict[str, Any], rep: Reporter) -> None:
    version = doc.get("version")
    if version is not None and version != 1:
        rep.error(("version",), f"unsupported version {version} (this ecsdev reads version 1)")
    name = doc.get("name")
    if name is not None and not STACK_NAME.match(name):
        rep.error(("name",), f"{name!r} is not a stack name (1-32 of a-z, 0-9 and -)")
    region = doc.get("region")
    if region is not None and not REGION.match(region):
        rep.error(("region",), f"{region!r} is not an AWS Region name (e.g. us-east-1)")
    account = doc.get("accountId")
    if account is not None and not ACCOUNT.match(account):
        rep.error(("accountId",), f"{account!r} is not a 12-digit account ID")
    cluster = doc.get("cluster")
    if cluster is not None and not ECS_NAME.match(cluster):
        rep.error(("cluster",), f"{cluster!r} is not a cluster name (letters, digits, _ and -)")


def _network(text: str, rep: Reporter, path: PathT) -> ipaddress.IPv4Network | None:
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        rep.error(path, f"{text!r} is not a CIDR block (e.g. 10.10.0.0/16)")
        return None
    if not isinstance(net, ipaddress.IPv4Network):
        rep.error(path, f"{text} is IPv6; VPC and subnet CIDR blocks are IPv4")
        return None
    if str(net) != text:
        rep.error(path, f"{text!r} has host bits set (did you mean {str(net)!r}?)")
        return None
    if not 16 <= net.prefixlen <= 28:
        rep.error(path, f"/{net.prefixlen} is outside the sizes AWS allows (/16 to /28)")
        return None
    return net


def check_vpc(vpc: dict[str, Any] | None, rep: Reporter, cat: Catalog) -> None:
    if vpc is None:
        cat.subnets["public"] = True
        return
    vnet = _network(vpc["cidr"], rep, ("vpc", "cidr")) if "cidr" in vpc else None
    cat.note("subnets", vpc.get("subnets"))
    nets: list[tuple[ipaddress.IPv4Network, str]] = []
    for i, s in items(vpc.get("subnets")):
        path: PathT = ("vpc", "subnets", i)
        name = s.get("name")
        if name is not None:
            if not SUBNET_NAME.match(name):
                rep.error(path + ("name",), f"{name!r} is not a valid subnet name")
            elif name in cat.subnets:
                rep.error(path + ("name",), f"duplicate subnet name {name!r}")
            else:
                cat.subnets[name] = bool(s.get("public", True))
        if "cidr" not in s:
            continue
        net = _network(s["cidr"], rep, path + ("cidr",))
        if net is None:
            continue
        if vnet is not None and not net.subnet_of(vnet):
            rep.error(path + ("cidr",), f"{net} is not inside the VPC's {vnet}")
        for other, who in nets:
            if net.overlaps(other):
                rep.error(path + ("cidr",), f"{net} overlaps {other} of subnet {who!r}")
        nets.append((net, str(name)))
    if "subnets" not in vpc:
        cat.subnets["public"] = True


def check_images(images: dict[str, Any] | None, rep: Reporter, base_dir: Path) -> None:
    for tag, img in (images or {}).items():
        if not tag or any(ch.isspace() for ch in tag):
            rep.error(("images", tag), f"{tag!r} is not an image reference")
        build = img.get("build")
        if build is None:
            continue
        context = (base_dir / build).resolve()
        if not context.is_dir():
            rep.error(
                ("images", tag, "build"), f"build context {str(context)!r} is not a directory"
            )
            continue
        dockerfile = img.get("dockerfile")
        if dockerfile is not None and not (context / dockerfile).is_file():
            rep.error(
                ("images", tag, "dockerfile"), f"no such file in the build context: {dockerfile}"
            )


def parse_publish(value: str) -> tuple[str, int] | str:
    """``"127.0.0.1:8000"``, ``"[::1]:8000"`` or ``"8000"`` -> (host, port), or what is wrong."""
    m = PUBLISH.match(value.strip())
    if not m:
        return f"{value!r} is not HOST:PORT or PORT (e.g. 127.0.0.1:8000)"
    host = m.group(1) or m.group(2) or DEFAULT_PUBLISH_HOST
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"{host!r} is not an IP address (publish on an IP, e.g. 127.0.0.1, not a host name)"
    port = int(m.group(3))
    if not 1 <= port <= 65535:
        return f"port {port} is out of range (1-65535)"
    return host, port


def format_publish(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_publish(value: str, rep: Reporter, path: PathT, cat: Catalog) -> str | None:
    """Validate a ``publish`` value, claim its address, return its normal form."""
    parsed = parse_publish(value)
    if isinstance(parsed, str):
        rep.error(path, parsed)
        return None
    host, port = parsed
    ip = ipaddress.ip_address(host)
    if not ip.is_loopback:
        rep.warn(path, f"publishes on {host}: reachable from other machines (127.0.0.1 is local)")
    for (ohost, oport), where in cat.published.items():
        wild = ipaddress.ip_address(ohost).is_unspecified or ip.is_unspecified
        if oport == port and (ohost == host or wild):
            rep.error(path, f"{format_publish(host, port)} is already published by {where}")
            return None
    cat.published[(host, port)] = rep.locate(path).path
    return format_publish(host, port)


def check_target_groups(tgs: Any, rep: Reporter, cat: Catalog) -> None:
    cat.note("targetGroups", tgs)
    for i, tg in items(tgs):
        path: PathT = ("targetGroups", i)
        name = tg.get("name")
        if name is not None and not ELB_NAME.match(name):
            rep.error(path + ("name",), f"{name!r} is not valid (1-32 letters, digits, -)")
        elif name is not None and name in cat.target_groups:
            rep.error(path + ("name",), f"duplicate target group name {name!r}")
        elif name is not None:
            cat.target_groups[name] = tg
        for key in ("protocol", "healthCheckProtocol"):
            proto = tg.get(key)
            if proto not in (None, "HTTP", "HTTPS"):
                rep.error(path + (key,), f"{proto} is not HTTP or HTTPS (ecsdev emulates ALBs)")
        if tg.get("protocol") == "HTTPS":
            rep.warn(path + ("protocol",), "HTTPS to targets is not emulated; ecsdev uses HTTP")
        if tg.get("healthCheckEnabled") is False:
            rep.error(
                path + ("healthCheckEnabled",),
                "health checks of ip and instance targets cannot be disabled on AWS "
                "(CreateTargetGroup refuses it); remove the field",
            )
        ttype = tg.get("targetType")
        if ttype not in (None, "ip", "instance"):
            rep.error(path + ("targetType",), f"{ttype} targets are not supported (ip or instance)")
        interval = tg.get("healthCheckIntervalSeconds", 30)
        timeout = tg.get("healthCheckTimeoutSeconds", 5)
        if timeout >= interval:
            where = "healthCheckTimeoutSeconds" if "healthCheckTimeoutSeconds" in tg else ""
            rep.error(
                path + ((where or "healthCheckIntervalSeconds"),),
                f"health check timeout ({timeout}) must be less than the interval ({interval})",
            )
        _matcher(tg.get("matcher"), rep, path + ("matcher",))
        port = tg.get("healthCheckPort")
        if port not in (None, "traffic-port") and not (port.isdigit() and 0 < int(port) < 65536):
            rep.error(path + ("healthCheckPort",), f"{port!r} is not 1-65535 or traffic-port")
        hc_path = tg.get("healthCheckPath")
        if hc_path is not None and not hc_path.startswith("/"):
            rep.error(path + ("healthCheckPath",), f"{hc_path!r} must start with /")
        elif hc_path is not None and not _printable(hc_path):
            rep.error(path + ("healthCheckPath",), f"{hc_path!r} must not contain spaces")
        _stickiness(tg, rep, path)
        check_attributes("target group", tg.get("attributes"), rep, path + ("attributes",))
        attrs = tg.get("attributes") or {}
        slow = (
            str(attrs.get("slow_start.duration_seconds", "0")) if isinstance(attrs, dict) else "0"
        )
        if slow.isdigit() and int(slow) >= 30:
            rep.warn(
                path + ("attributes", "slow_start.duration_seconds"),
                "slow start is not emulated locally: a new target gets its full share at once",
            )
        if "deregistrationDelay" in tg and "deregistration_delay.timeout_seconds" in attrs:
            rep.error(path + ("deregistrationDelay",), "also set as an attribute; keep one")


def _printable(text: str) -> bool:
    return all(32 < ord(ch) < 127 for ch in text)


def _matcher(value: str | None, rep: Reporter, path: PathT) -> None:
    if value is None:
        return
    text = value.replace(" ", "")
    if not MATCHER.match(text):
        rep.error(path, f"{value!r} is not a code list or range (e.g. 200, 200,202 or 200-299)")
        return
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        a, b = int(lo), int(hi or lo)
        if not (200 <= a <= 499 and 200 <= b <= 499) or a > b:
            rep.error(path, f"{part} is outside the HTTP codes an ALB accepts (200-499)")


_APP_COOKIE = (
    "app_cookie stickiness is not emulated locally: requests are balanced as without it "
    "(lb_cookie stickiness is)"
)


def _stickiness(tg: dict[str, Any], rep: Reporter, path: PathT) -> None:
    sticky = tg.get("stickiness")
    attrs = tg.get("attributes") or {}
    if (
        isinstance(attrs, dict)
        and str(attrs.get("stickiness.enabled")).lower() == "true"
        and attrs.get("stickiness.type") == "app_cookie"
    ):
        rep.warn(path + ("attributes", "stickiness.type"), _APP_COOKIE)
    if sticky is None:
        return
    if sticky.get("type") == "app_cookie" and sticky.get("enabled", True):
        rep.warn(path + ("stickiness", "type"), _APP_COOKIE)
    if any(k.startswith("stickiness.") for k in tg.get("attributes") or {}):
        rep.error(path + ("stickiness",), "stickiness is also set in attributes; keep one")
    if sticky.get("type") == "app_cookie" and sticky.get("enabled", True):
        cookie = sticky.get("cookieName")
        if not cookie:
            rep.error(path + ("stickiness", "cookieName"), "required for app_cookie stickiness")
        elif cookie.upper().startswith(("AWSALB", "AWSALBAPP", "AWSALBTG")):
            rep.error(path + ("stickiness", "cookieName"), f"{cookie!r} is reserved by the ALB")
    elif "cookieName" in sticky:
        rep.error(path + ("stickiness", "cookieName"), "only for type app_cookie")


def check_cdn(cdns: Any, rep: Reporter, cat: Catalog) -> None:
    for i, cdn in items(cdns):
        path: PathT = ("cdn", i)
        origin = cdn.get("origin")
        lb = cat.load_balancers.get(origin) if origin else None
        if origin is not None and lb is None and "loadBalancers" not in cat.incomplete:
            near = did_you_mean(origin, list(cat.load_balancers))
            rep.error(path + ("origin",), f"no load balancer named {origin!r}{near}")
        proto = cdn.get("originProtocol", "http").upper()
        if lb is not None and not any(
            ls.get("protocol", "HTTP") == proto for _, ls in items(lb.get("listeners"))
        ):
            rep.error(
                path + ("originProtocol",), f"load balancer {origin!r} has no {proto} listener"
            )
        domain = cdn.get("domainName")
        if domain is not None and not re.match(r"^[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$", domain):
            rep.error(path + ("domainName",), f"{domain!r} is not a domain name")
        if "publish" in cdn:
            normal = check_publish(cdn["publish"], rep, path + ("publish",), cat)
            if normal is not None:
                cdn["publish"] = normal
