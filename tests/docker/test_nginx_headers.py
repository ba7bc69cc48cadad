"""The headers a target receives through real nginx, request by request against the reference
(``headers.to_target``): Host, X-Forwarded-*, Forwarded and X-Amzn-Trace-Id for a corpus of
Hosts and incoming headers, on a listener with transforms and one without, translated or
not, without CloudFront stand-ins (the translation then reads the request's own Host); and
the trace id's regex, which lower-cases the userid clock digit by digit, on every hex digit
at every position."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import socket
import time
from collections.abc import Iterator

import pytest

from emulator.alb import headers as H
from emulator.alb import rules as R
from emulator.alb.nginx import AlbParts, Target
from emulator.alb.nginx_text import quote
from emulator.alb.nginx_trace import COOKIE, trace_regex
from emulator.alb.proxy import Proxy
from emulator.model.layout import (
    Action,
    Condition,
    Headers,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    Transform,
    WeightedTargetGroup,
)
from emulator.runtime.docker import DockerRuntime
from tests.docker.test_nginx_routing import BASE, Lab, Nginx, call

pytestmark = pytest.mark.docker

NEW_ID = re.compile(r"1-([0-9a-f]{8})-[0-9a-f]{24}")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab()
    try:
        lab.start_echo("alpha", "bravo")
        yield lab
    finally:
        lab.close()


def fwd(tg: str) -> tuple[Action]:
    return (Action("forward", target_groups=(WeightedTargetGroup(tg),)),)


def stack(lab: Lab, translate: bool) -> AlbParts:
    rules = (
        Rule(10, (Condition("path-pattern", ("/alpha/*",)),), fwd("alpha")),
        Rule(
            20,
            (Condition("path-pattern", ("/bravo", "/bravo/*")),),
            fwd("bravo"),
            (Transform("url-rewrite", "^/bravo/?(.*)$", "/$1"),),
        ),
        Rule(
            30,
            (Condition("path-pattern", ("/host/*",)),),
            fwd("alpha"),
            (Transform("host-header-rewrite", "^(.+)\\.example\\.com", "$1.internal"),),
        ),
    )
    lb = LoadBalancer(
        "hdr",
        listeners=(
            Listener(port=80, default_actions=fwd("alpha"), rules=rules),
            Listener(port=8080, default_actions=fwd("bravo")),
        ),
    )
    groups = (TargetGroup("alpha", port=8080), TargetGroup("bravo", port=8080))
    return AlbParts(lb, groups, Headers(translate=translate))


HOSTS = [
    "app.example.com",
    "app.example.com:8000",
    "127.0.0.1:41234",
    "[::1]:9000",
    "API.Example.COM",
    "[::1]",  # brackets without a port: quoted in Forwarded
    "0",  # a token that nginx's `if` would read as false
    "Exa_mple.com",
    "ex!ample.com:81",  # neither token nor quotable: no host parameter
    "h:",  # an empty port: the listener's
    "a:b:80",  # the port after the last colon, the name before the first
]
INCOMING: list[dict[str, str]] = [
    {},
    {"X-Forwarded-For": "203.0.113.7"},
    {"X-Forwarded-For": "203.0.113.7, 10.0.0.1", "Forwarded": "for=198.51.100.17;proto=https"},
    {"CloudFront-Forwarded-Proto": "HTTPS"},
    {
        "CloudFront-Forwarded-Proto": "gopher",
        "X-Forwarded-Proto": "spoof",
        "X-Forwarded-Port": "1",
        "X-Forwarded-Host": "spoof",
        "X-Forwarded-Prefix": "/spoof",
    },
    {"X-Amzn-Trace-Id": "Root=1-abc;CalledFrom=app"},
    {"X-Amzn-Trace-Id": "Self=1-old;Root=1-abc"},
    {"X-Amzn-Trace-Id": "Sampled=1"},
]
TARGETS = [(80, "/alpha/x?q=1"), (80, "/bravo/y"), (80, "/host/z"), (8080, "/any")]
COMPARED = ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port")
TRANSLATED = ("X-Forwarded-Host", "X-Forwarded-Prefix", "Forwarded")


def expected(
    parts: AlbParts, port: int, target: str, sent: list[tuple[str, str]], client: str
) -> dict[str, str]:
    lb = parts.load_balancer
    listener = next(x for x in lb.listeners if x.port == port)
    req = R.Request.get(target, host=H.first(sent, "Host"), headers=sent, source_ip=client)
    rule = R.match(listener, req)
    host = prefix = None
    if rule is not None and rule.transforms:
        host = R.rewritten_host(rule, H.first(sent, "Host") or "")
        new_path = R.rewritten_target(rule, req).split("?")[0]
        prefix = R.removed_prefix(target.split("?")[0], new_path)
    out = H.to_target(
        sent,
        client_ip=client,
        client_port=0,
        listener=listener,
        load_balancer=lb,
        trace_id="TRACE",
        translate_headers=bool(parts.headers.translate),
        host=host,
        prefix=prefix,
    )
    return {n.lower(): v for n, v in out}


@pytest.mark.parametrize("translate", [True, False])
def test_headers_match_the_reference(lab: Lab, translate: bool) -> None:
    parts = stack(lab, translate)
    targets = {g.name: [Target(lab.ip(g.name), 8080, "healthy")] for g in parts.target_groups}
    ng = lab.nginx(parts, targets)
    names = [n.lower() for n in (*COMPARED, *(TRANSLATED if translate else ()))]
    mismatches = []
    for port, target in TARGETS:
        for host in HOSTS:
            for extra in INCOMING:
                sent = [("Host", host), *extra.items()]
                got = call(ng.port(port), target, headers=dict(sent)).json()["incoming-headers"]
                client = got["x-forwarded-for"].split(", ")[-1]
                want = expected(parts, port, target, sent, client)
                trace = NEW_ID.search(got.get("x-amzn-trace-id", ""))
                assert trace, got
                assert abs(int(trace.group(1), 16) - time.time()) < 120
                got["x-amzn-trace-id"] = got["x-amzn-trace-id"].replace(trace.group(0), "TRACE")
                for name in (*names, "x-amzn-trace-id"):
                    if got.get(name) != want.get(name):
                        mismatches.append((port, target, sent, name, got.get(name), want.get(name)))
    assert not mismatches, mismatches[:5]


def test_trace_regex_lowercases_every_digit_at_every_position(lab: Lab) -> None:
    """``$uid_set`` is ``<cookie>=`` and 32 upper-case hex digits (the time second); here a
    query argument stands in for it, so that each hex digit is tried at each position."""
    conf = (
        "events {} http { server { listen 80; location / { set $alb_trace_src $arg_s;"
        f" if ($alb_trace_src ~ {quote(trace_regex())} ) {{"
        ' return 200 "1-$1$2$3$4$5$6$7$8-$9"; } return 404; } } }'
    )
    c = lab.client.containers.create(
        BASE,
        ["nginx", "-g", "daemon off;"],
        network=lab.stack,
        labels=lab.labels,
        ports={"80/tcp": ("127.0.0.1", None)},
        name=f"{lab.stack}-trace-{secrets.token_hex(2)}",
    )
    ng = Nginx(c)
    ng.write(conf)
    c.start()
    c.reload()
    port = int(c.attrs["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"])
    ng.wait(port)
    digits = "0123456789ABCDEF"
    for i in range(16):
        clock = "".join(digits[(i + k) % 16] for k in range(8))
        rand = secrets.token_hex(16)
        subject = f"{COOKIE}=0000000{digits[i]}{clock}1234ABCD5678EF90{rand}"
        r = call(port, f"/?s={subject}")
        assert (r.status, r.body.decode()) == (200, f"1-{clock.lower()}-{rand[8:]}"), subject


def test_an_ipv6_client_is_bracketed(lab: Lab) -> None:
    """A listener published on [::1] (nginx on the host's network): the client's IPv6 address
    is a quoted, bracketed node in Forwarded and bracketed before its port in X-Forwarded-For
    with ``routing.http.xff_client_port.enabled``; the family is told by ``geo`` lookups."""
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        port = int(s.getsockname()[1])
    attrs = (("routing.http.xff_client_port.enabled", "true"),)
    listener = Listener(port=80, publish=f"[::1]:{port}", default_actions=fwd("alpha"))
    lb = LoadBalancer("six", listeners=(listener,), attributes=attrs)
    parts = AlbParts(lb, (TargetGroup("alpha", port=8080),), Headers(translate=True))
    proxy = Proxy(DockerRuntime(), lab.stack, parts, [lab.stack], on_host=True)
    try:
        proxy.ensure(proxy.render({"alpha": [Target(lab.ip("alpha"), 8080, "healthy")]}))
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("::1", port, timeout=10)
                conn.request("GET", "/six", headers={"Host": f"[::1]:{port}"})
                got = json.loads(conn.getresponse().read())["incoming-headers"]
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError(f"nothing answered on [::1]:{port}")
        assert got["forwarded"] == f'for="[::1]";proto=http;host="[::1]:{port}"'
        assert re.fullmatch(r"\[::1\]:[0-9]+", got["x-forwarded-for"]), got["x-forwarded-for"]
        assert got["host"] == "[::1]"
        assert got["x-forwarded-port"] == str(port)
    finally:
        proxy.remove()
