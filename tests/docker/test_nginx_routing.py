"""The compiled nginx.conf in real nginx 1.22 (ecsdev/base:bookworm) in front of real echo
apps: the route table against emulator.alb.rules, the headers against emulator.alb.headers,
the ALB's own answers with ``Server: awselb/2.0``, weighted forward with stickiness, the
CloudFront hop with translation, hostile layout values, and a graceful reload.

Everything runs on a Docker network this module creates; nginx is published on 127.0.0.1
only; all of it is labelled ``ecsdev.stack=test-alb-<random>`` and removed by label."""

from __future__ import annotations

import http.client
import io
import json
import random
import re
import secrets
import tarfile
import time
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docker  # the SDK (this package is tests.docker, absolute imports find the SDK)
import pytest

from emulator.alb import headers as H
from emulator.alb import rules as R
from emulator.alb.nginx import AlbParts, Target, listens, render
from emulator.model.layout import Condition, Listener, LoadBalancer, Rule
from tests.unit.test_nginx_config import (
    CDN_DOMAIN,
    HOSTILE,
    HOSTILE_LINE,
    blue_green,
    cdn_stack,
    fixed,
    hostile_stack,
    simple_forward,
    sticky_targets,
    twenty_rules,
)

pytestmark = pytest.mark.docker

BASE = "ecsdev/base:bookworm"
ECHO = "ecsdev/echo:latest"
REPO = Path(__file__).resolve().parents[2]
TRACE = re.compile(r"^1-([0-9a-f]{8})-[0-9a-f]{24}$")


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return H.first(self.headers, name)

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def json(self) -> dict[str, Any]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


def call(
    port: int,
    path: str,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 20,
) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        r = conn.getresponse()
        return Response(r.status, r.reason, r.getheaders(), r.read())
    finally:
        conn.close()


class Lab:
    """A network with echo containers, and nginx containers started on demand."""

    def __init__(self) -> None:
        self.client = docker.from_env()
        self.stack = "test-alb-" + secrets.token_hex(4)
        self.labels = {"ecsdev.stack": self.stack}
        self.network = self.client.networks.create(self.stack, labels=self.labels)
        self.echo: dict[str, tuple[str, str]] = {}  # name -> (ip, hostname)

    def start_echo(self, *names: str) -> None:
        for name in names:
            c = self.client.containers.run(
                ECHO,
                detach=True,
                network=self.stack,
                labels=self.labels,
                name=f"{self.stack}-{name}",
            )
            c.reload()
            ip = c.attrs["NetworkSettings"]["Networks"][self.stack]["IPAddress"]
            self.echo[name] = (ip, c.attrs["Config"]["Hostname"])
        for ip, _ in self.echo.values():
            self._wait_inside(ip)

    def _wait_inside(self, ip: str) -> None:
        probe = f"for i in $(seq 100); do curl -fs http://{ip}:8080/health >/dev/null && exit 0; sleep 0.1; done; exit 1"
        out = self.client.containers.run(
            BASE, ["sh", "-c", probe], network=self.stack, labels=self.labels, remove=True
        )
        assert out is not None

    def ip(self, name: str) -> str:
        return self.echo[name][0]

    def who(self, response: Response) -> str:
        served = response.json()["served-by"]
        return next(n for n, (_, host) in self.echo.items() if host == served)

    def nginx(self, parts: AlbParts, targets: Mapping[str, Sequence[Target]]) -> Nginx:
        ports = {f"{x.container_port}/tcp": ("127.0.0.1", None) for x in listens(parts)}
        c = self.client.containers.create(
            BASE,
            ["nginx", "-g", "daemon off;"],
            network=self.stack,
            labels=self.labels,
            ports=ports,
            name=f"{self.stack}-nginx-{secrets.token_hex(2)}",
        )
        ng = Nginx(c)
        ng.write(render(parts, targets))
        c.start()
        c.reload()
        ng.published = {
            int(k.split("/")[0]): int(v[0]["HostPort"])
            for k, v in c.attrs["NetworkSettings"]["Ports"].items()
            if v
        }
        for port in ng.published.values():
            ng.wait(port)
        return ng

    def close(self) -> None:
        for c in self.client.containers.list(
            all=True, filters={"label": f"ecsdev.stack={self.stack}"}
        ):
            c.remove(force=True)
        for n in self.client.networks.list(filters={"label": f"ecsdev.stack={self.stack}"}):
            n.remove()


class Nginx:
    def __init__(self, container: Any) -> None:
        self.container = container
        self.published: dict[int, int] = {}

    def write(self, conf: str) -> None:
        data = conf.encode()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            info = tarfile.TarInfo("nginx.conf")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        assert self.container.put_archive("/etc/nginx", buf.getvalue())

    def reload(self, conf: str) -> None:
        self.write(conf)
        code, out = self.container.exec_run(["nginx", "-t"])
        assert code == 0, out.decode()
        code, out = self.container.exec_run(["nginx", "-s", "reload"])
        assert code == 0, out.decode()
        time.sleep(1.0)  # new workers take over

    def wait(self, port: int) -> None:
        """Until nginx answers (docker's proxy accepts connections before nginx listens)."""
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                call(port, "/.ecsdev-ready", timeout=1)
                return
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        raise AssertionError(
            f"nginx did not listen on {port}: {self.container.logs().decode()[-2000:]}"
        )

    def port(self, container_port: int) -> int:
        return self.published[container_port]

    def log_lines(self) -> list[dict[str, Any]]:
        lines = self.container.logs(stdout=True, stderr=False).decode().splitlines()
        return [json.loads(x) for x in lines if x.startswith("{")]


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab()
    try:
        lab.start_echo("alpha", "bravo", "green")
        yield lab
    finally:
        lab.close()


def assert_alb_page(r: Response, code: int, title: str) -> None:
    assert r.status == code
    assert r.all("Server") == ["awselb/2.0"]
    assert r.header("Content-Type") == "text/html"
    assert f"<title>{code} {title}</title>".encode() in r.body
    assert b"nginx" not in r.body


# ---------------------------------------------------------------------------- tests


def test_forward_headers_and_503_after_reload(lab: Lab) -> None:
    parts, targets = simple_forward(lab.ip("alpha"), lab.ip("bravo"))
    ng = lab.nginx(parts, targets)
    port = ng.port(80)
    r = call(
        port,
        "/x?y=1",
        headers={
            "Host": "app.example.com:80",
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
        },
    )
    assert r.status == 200 and r.header("Server") == "echo/1 Python/3.11.2"  # the target's own
    got = r.json()["incoming-headers"]
    client = got["x-forwarded-for"].split(", ")[-1]
    assert got["x-forwarded-for"] == f"203.0.113.7, {client}"
    assert got["x-forwarded-proto"] == "http" and got["x-forwarded-port"] == "80"
    assert got["host"] == "app.example.com"
    m = TRACE.match(got["x-amzn-trace-id"].removeprefix("Root="))
    assert m and abs(int(m.group(1), 16) - time.time()) < 120
    assert not r.all("Set-Cookie")
    assert {lab.who(call(port, "/")) for _ in range(6)} == {"alpha", "bravo"}  # round robin
    ng.reload(render(parts, {"web": []}))
    assert_alb_page(call(port, "/x"), 503, "Service Temporarily Unavailable")
    head = call(port, "/x", method="HEAD")
    assert head.status == 503 and head.body == b"" and head.header("Server") == "awselb/2.0"


ROUTE_REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/alpha/a/b?x=1", {}),
    ("GET", "/Alpha/a", {}),
    ("GET", "/bravo", {}),
    ("GET", "/bravo/deep/er", {}),
    ("GET", "/bravox", {}),
    ("GET", "/old/page", {}),
    ("GET", "/empty/x", {}),
    ("POST", "/anything", {"Host": "shop.Example.com"}),
    ("PUT", "/anything", {"Host": "shop.example.com"}),
    ("GET", "/q?v=2", {"X-Channel": "Beta-1", "Host": "api.example.com"}),
    ("GET", "/q?v=3", {"X-Channel": "beta-1"}),
    ("GET", "/q?V=2", {"X-Channel": "nope"}),
    ("GET", "/nothing", {}),
]


def test_route_table_matches_the_reference(lab: Lab) -> None:
    parts, targets = cdn_stack(lab.ip("alpha"), lab.ip("bravo"), lab.ip("green"))
    logged = (*parts.load_balancer.attributes, ("access_logs.s3.enabled", "true"))
    parts = replace(parts, load_balancer=replace(parts.load_balancer, attributes=logged))
    ng = lab.nginx(parts, targets)
    listener = parts.load_balancer.listeners[0]
    expected: list[tuple[str, str, str]] = []
    for method, target, headers in ROUTE_REQUESTS:
        host = headers.get("Host", "localhost")
        req = R.Request.get(
            target, method=method, host=host, headers=list(headers.items()), source_ip="172.16.0.1"
        )
        rule = R.match(listener, req)
        expected.append((method, target, "default" if rule is None else f"p{rule.priority}"))
        call(
            ng.port(80),
            target,
            method=method,
            headers=headers,
            body=b"x" if method in ("POST", "PUT") else None,
        )
    deadline = time.time() + 10
    while True:  # the access log is buffered (flushed each second, per worker process)
        seen = [
            (x["method"], x["uri"], x["rule"])
            for x in ng.log_lines()
            if x["listener"] == "80" and x["uri"] != "/.ecsdev-ready"
        ]
        if len(seen) >= len(expected) or time.time() > deadline:
            break
        time.sleep(0.2)
    # workers flush their buffers independently, so lines may come out of order: compare
    # each request (method, target) with the rule nginx chose for it, as a multiset
    assert sorted(seen) == sorted(expected)


def test_twenty_rules_on_two_listeners(lab: Lab) -> None:
    parts, targets = twenty_rules(lab.ip("alpha"))
    ng = lab.nginx(parts, targets)
    assert call(ng.port(8000), "/svc05/x").json()["path"] == "/svc05/x"
    assert call(ng.port(8010), "/svc15/a/b").status == 200
    wrong = call(ng.port(8000), "/svc15/a/b")
    assert (wrong.status, wrong.body, wrong.header("Server")) == (404, b"no route", "awselb/2.0")


def test_idle_timeout_gives_504(lab: Lab) -> None:
    parts, targets = simple_forward(lab.ip("alpha"), lab.ip("alpha"))
    lb = parts.load_balancer
    parts = AlbParts(
        replace(lb, attributes=(("idle_timeout.timeout_seconds", "1"),)), parts.target_groups
    )
    ng = lab.nginx(parts, targets)
    assert_alb_page(call(ng.port(80), "/sleep/3"), 504, "Gateway Time-out")


def test_headers_match_the_reference(lab: Lab) -> None:
    parts, targets = cdn_stack(lab.ip("alpha"), lab.ip("bravo"), lab.ip("green"))
    ng = lab.nginx(parts, targets)
    sent = {
        "Host": "localhost:8000",
        "X-Forwarded-For": "1.2.3.4",
        "X-Amzn-Trace-Id": "Root=1-abc;CalledFrom=app",
        "Forwarded": "for=198.51.100.17",
    }
    got = call(ng.port(80), "/alpha/x", headers=sent).json()["incoming-headers"]
    client = got["x-forwarded-for"].split(", ")[-1]
    want = dict(
        H.to_target(
            list(sent.items()),
            client_ip=client,
            client_port=0,
            listener=parts.load_balancer.listeners[0],
            load_balancer=parts.load_balancer,
            trace_id="TRACE",
            translate_headers=True,
            cdns=parts.cdns,
        )
    )
    for name in (
        "Host",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Port",
        "X-Forwarded-Host",
        "Forwarded",
    ):
        assert got[name.lower()] == want[name], name
    assert "x-forwarded-prefix" not in got
    self_id = re.match(r"^Self=(.*);Root=1-abc;CalledFrom=app$", got["x-amzn-trace-id"])
    assert self_id and TRACE.match(self_id.group(1))
    # Host rules on a listener that is not 80/443: the port is appended.
    other = call(ng.port(8080), "/", headers={"Host": "app.local"}).json()["incoming-headers"]
    assert other["host"] == "app.local:8080"


def test_cloudfront_hop_and_translation(lab: Lab) -> None:
    parts, targets = cdn_stack(lab.ip("alpha"), lab.ip("bravo"), lab.ip("green"))
    ng = lab.nginx(parts, targets)
    cdn_port = next(x.container_port for x in listens(parts) if x.role == "cdn")
    r = call(ng.port(cdn_port), "/bravo/", headers={"X-Forwarded-Proto": "spoofed"})
    assert r.status == 200
    doc = r.json()
    assert doc["calculated-return-path"] == f"https://{CDN_DOMAIN}/bravo/"
    assert doc["path"] == "/"  # the url-rewrite stripped /bravo
    got = doc["incoming-headers"]
    assert got["x-forwarded-prefix"] == "/bravo"
    assert got["x-forwarded-proto"] == "https" and got["x-forwarded-port"] == "443"
    assert got["x-forwarded-host"] == CDN_DOMAIN
    assert got["cloudfront-forwarded-proto"] == "https" and got["cloudfront-viewer-country"] == "US"
    assert (
        got["cloudfront-is-desktop-viewer"] == "true"
        and got["cloudfront-is-mobile-viewer"] == "false"
    )
    assert re.fullmatch(r"[A-Za-z0-9_-]{54}==", got["x-amz-cf-id"])
    assert got["via"] == H.cloudfront_via(CDN_DOMAIN)
    assert re.fullmatch(r"internal-edge-\d{9}\.us-west-2\.elb\.amazonaws\.com", got["host"])
    viewer, edge = got["x-forwarded-for"].split(", ")
    assert edge == "127.0.0.1"
    assert (
        got["forwarded"]
        == f"for={viewer};proto=https;host={CDN_DOMAIN}, for=127.0.0.1;proto=http;host={got['host']}"
    )
    assert r.header("X-Cache") == "Miss from cloudfront" and r.header("Via") == H.cloudfront_via(
        CDN_DOMAIN
    )
    # An ALB-made answer through the CDN keeps the ALB's Server header.
    assert_alb_page(call(ng.port(cdn_port), "/empty/"), 503, "Service Temporarily Unavailable")


def test_alb_made_answers(lab: Lab) -> None:
    parts, targets = cdn_stack(lab.ip("alpha"), lab.ip("bravo"), lab.ip("green"))
    ng = lab.nginx(parts, targets)
    port = ng.port(80)
    created = call(port, "/things", method="POST", headers={"Host": "shop.example.com"}, body=b"{}")
    assert created.status == 201 and created.body == b'{"created": true}'
    assert created.header("Content-Type") == "application/json; charset=utf-8"
    assert created.all("Server") == ["awselb/2.0"]
    missing = call(port, "/nothing")
    assert (missing.status, missing.body, missing.header("Server")) == (
        404,
        b"no route",
        "awselb/2.0",
    )
    assert not missing.all("Set-Cookie") and not created.all("Set-Cookie")
    moved = call(port, "/old/a/b?z=1&y=2", headers={"Host": "www.example.org:8000"})
    assert_alb_page(moved, 301, "Moved Permanently")
    # headers.translate: #{port} is the viewer's (from its Host), so the Location can be followed
    assert moved.header("Location") == "http://www.example.org:8000/new/old/a/b?z=1&y=2"
    reference = R.Request.get("/old/a/b?z=1&y=2", host="www.example.org:8000")
    listener = parts.load_balancer.listeners[0]
    want = R.redirect_url({"path": "/new/#{path}"}, reference, listener, translate=True)
    assert moved.header("Location") == want
    bare = call(port, "/old/a", headers={"Host": "www.example.org"})  # no port: the listener's
    assert bare.header("Location") == "http://www.example.org:80/new/old/a"
    assert_alb_page(call(port, "/empty/x"), 503, "Service Temporarily Unavailable")
    assert_alb_page(call(port, "/down/x"), 502, "Bad Gateway")
    assert_alb_page(call(port, "/", method="TRACE"), 405, "Method Not Allowed")
    too_many = call(port, "/alpha/", headers={"X-Forwarded-For": ", ".join(["10.0.0.1"] * 31)})
    assert too_many.status == 463 and too_many.header("Server") == "awselb/2.0"
    ok = call(port, "/alpha/", headers={"X-Forwarded-For": ", ".join(["10.0.0.1"] * 30)})
    assert ok.status == 200
    posted = call(
        port,
        "/alpha/p",
        method="POST",
        body=b"hello=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (
        posted.json()["method"] == "POST"
        and posted.json()["incoming-headers"]["content-length"] == "7"
    )


def test_weighted_forward_with_stickiness(lab: Lab) -> None:
    parts, targets = blue_green(lab.ip("bravo"), lab.ip("green"))
    ng = lab.nginx(parts, targets)
    port = ng.port(80)
    counts = {"bravo": 0, "green": 0}
    for _ in range(200):
        r = call(port, "/")
        counts[lab.who(r)] += 1
    assert 5 <= counts["green"] <= 40, counts  # 10% of 200, with room for chance
    green = R.stickiness_token("bluegreen", "green")
    for _ in range(10):
        r = call(port, "/", headers={"Cookie": f"AWSALBTG={green}"})
        assert lab.who(r) == "green"
    cookies = r.all("Set-Cookie")
    assert f"AWSALBTG={green}; Max-Age=300; Path=/" in cookies
    assert f"AWSALBTGCORS={green}; Max-Age=300; Path=/; SameSite=None; Secure" in cookies
    xff = r.json()["incoming-headers"]["x-forwarded-for"]
    assert re.fullmatch(r"[0-9.]+:\d+", xff)  # routing.http.xff_client_port.enabled


def test_target_stickiness_with_the_awsalb_cookie(lab: Lab) -> None:
    parts, targets = sticky_targets(lab.ip("alpha"), lab.ip("bravo"), lab.ip("green"))
    ng = lab.nginx(parts, targets)
    port = ng.port(80)
    token = {
        n: R.target_token("sticky", "web", lab.ip(n), 8080) for n in ("alpha", "bravo", "green")
    }

    def sticky_cookies(r: Response) -> list[str]:
        return sorted(c for c in r.all("Set-Cookie") if c.startswith(("AWSALB=", "AWSALBCORS=")))

    def cookies_for(name: str) -> list[str]:
        return [
            f"AWSALB={token[name]}; Max-Age=3600; Path=/",
            f"AWSALBCORS={token[name]}; Max-Age=3600; Path=/; SameSite=None; Secure",
        ]

    seen = set()
    for _ in range(8):  # no cookie: round robin, and the answer names the target that served
        r = call(port, "/")
        seen.add(lab.who(r))
        assert sticky_cookies(r) == cookies_for(lab.who(r))
    assert seen == {"alpha", "bravo"}
    for name in ("alpha", "bravo"):
        for _ in range(6):
            r = call(port, "/", headers={"Cookie": f"theme=dark; AWSALB={token[name]}"})
            assert lab.who(r) == name and sticky_cookies(r) == cookies_for(name)
    stale = call(port, "/", headers={"Cookie": "AWSALB=" + "0" * 40})  # no such target
    assert sticky_cookies(stale) == cookies_for(lab.who(stale))
    # a weighted forward: AWSALBTG picks the group, then AWSALB the target in it
    both = {"Cookie": f"AWSALBTG={R.stickiness_token('sticky', 'web')}; AWSALB={token['bravo']}"}
    for _ in range(6):
        r = call(port, "/split/x", headers=both)
        assert lab.who(r) == "bravo" and cookies_for("bravo")[0] in r.all("Set-Cookie")
    other = call(
        port,
        "/split/x",
        headers={
            "Cookie": f"AWSALBTG={R.stickiness_token('sticky', 'other')}; AWSALB={token['bravo']}"
        },
    )
    assert lab.who(other) == "green" and sticky_cookies(other) == []  # "other" has none
    # the cookie's target is unhealthy: another target serves and the cookie is rewritten
    targets["web"] = [
        Target(lab.ip("alpha"), 8080, "healthy"),
        Target(lab.ip("bravo"), 8080, "unhealthy"),
    ]
    ng.reload(render(parts, targets))
    for _ in range(4):
        r = call(port, "/", headers={"Cookie": f"AWSALB={token['bravo']}"})
        assert lab.who(r) == "alpha" and sticky_cookies(r) == cookies_for("alpha")


def test_hostile_values_stay_literal(lab: Lab) -> None:
    parts, targets = hostile_stack(HOSTILE, HOSTILE_LINE)
    targets = {k: [Target(lab.ip("alpha"), 8080, "healthy")] for k in targets}
    ng = lab.nginx(parts, targets)
    code, out = ng.container.exec_run(["nginx", "-t"])
    assert code == 0, out.decode()
    r = call(ng.port(80), "/nothing")
    assert (r.status, r.body.decode()) == (404, HOSTILE)
    assert r.header("Server") == "awselb/2.0"


def test_example_layout_compiles(lab: Lab) -> None:
    from emulator.model.loader import load_layout

    layout = load_layout(REPO / "layouts/alpha-bravo/ecsdev.yaml")
    parts = AlbParts.of(layout, "edge")
    targets = {tg.name: [Target(lab.ip("alpha"), 8080, "healthy")] for tg in parts.target_groups}
    ng = lab.nginx(parts, targets)
    cdn_port = next(x.container_port for x in listens(parts) if x.role == "cdn")
    doc = call(ng.port(cdn_port), "/bravo/").json()
    assert doc["calculated-return-path"] == f"https://{CDN_DOMAIN}/bravo/"


def _random_listener(rng: random.Random) -> Listener:
    """Forty rules of mixed conditions, each answering its own priority, so a response says
    which rule nginx chose. Enough rules to need several maps, one rule too long for a map
    key (its conditions get maps of their own), and conditions of every kind."""
    segments = ["a", "b", "A", "ab", "x y", "v1", "*", "?"]

    def glob() -> str:
        return (
            "/"
            + "/".join(rng.choice(segments) for _ in range(rng.randint(1, 3)))
            + rng.choice(["", "*", "/*"])
        )

    rules = []
    for n in range(40):
        conds: list[Condition] = []
        if rng.random() < 0.85:
            conds.append(Condition("path-pattern", tuple(glob() for _ in range(rng.randint(1, 3)))))
        if rng.random() < 0.25:
            conds.append(
                Condition("http-request-method", tuple(rng.sample(["GET", "POST", "PUT"], 2)))
            )
        if rng.random() < 0.25:
            conds.append(
                Condition(
                    "host-header", (rng.choice(["*.example.com", "api.*", "Shop.example.com"]),)
                )
            )
        if rng.random() < 0.2:
            conds.append(
                Condition(
                    "http-header", (rng.choice(["beta*", "on", "?"]),), http_header_name="X-Flag"
                )
            )
        if rng.random() < 0.15:
            conds.append(
                Condition("query-string", ((rng.choice(["v", None]), rng.choice(["1", "2*"])),))
            )
        if rng.random() < 0.1:
            conds.append(Condition("source-ip", (rng.choice(["0.0.0.0/0", "192.0.2.0/24"]),)))
        if not conds:
            conds.append(Condition("path-pattern", (glob(),)))
        rules.append(Rule(100 + 7 * n, tuple(conds), (fixed("200", f"p{100 + 7 * n}"),)))
    long_values = tuple("/long/" + "z" * 900 + str(i) for i in range(5))
    rules.insert(
        0,
        Rule(
            50,
            (Condition("path-pattern", (*long_values[:4], "/a/long/*")),),
            (fixed("200", "p50"),),
        ),
    )
    default = (fixed("404", "default"),)
    return Listener(80, "HTTP", None, default, tuple(rules))


def test_rule_tables_match_the_reference(lab: Lab) -> None:
    """Random rule sets and requests (paths with spaces, case, wildcards and an encoded line
    break) route exactly as ``rules.match``: same rule for every request."""
    rng = random.Random(20261122)
    listener = _random_listener(rng)
    parts = AlbParts(LoadBalancer("diff", listeners=(listener,)))
    ng = lab.nginx(parts, {})
    conf = render(parts, {})
    assert "$alb_80_rule1" in conf, "the rules should need more than one map"
    assert "$alb_80_p50_c0" in conf, "rule 50 should be too long for a map key"
    paths = [
        "/a",
        "/a/b",
        "/A/b",
        "/ab/v1/x",
        "/x%20y/a",
        "/b/",
        "/a/long/q",
        "/v1",
        "/a%0Ab",
        "/b/a%0A/x",
    ]
    mismatches = []
    for _ in range(160):
        path = rng.choice(paths) + rng.choice(["", "/", "/ab", "/z"])
        query = rng.choice(["", "?v=1", "?v=22", "?w=1", "?V=2&x"])
        method = rng.choice(["GET", "GET", "POST", "PUT"])
        headers = {
            "Host": rng.choice(["localhost", "api.example.com", "shop.example.com", "API.x"])
        }
        if rng.random() < 0.5:
            headers["X-Flag"] = rng.choice(["beta-1", "on", "ON", "x", ""])
        req = R.Request.get(
            urllib.parse.unquote(path) + query,
            method=method,
            host=headers["Host"],
            headers=list(headers.items()),
            source_ip="172.17.0.1",
        )
        rule = R.match(listener, req)
        want = "default" if rule is None else f"p{rule.priority}"
        r = call(
            ng.port(80),
            path + query,
            method=method,
            headers=headers,
            body=b"" if method != "GET" else None,
        )
        got = r.body.decode()
        if got != want:
            mismatches.append((method, path + query, headers, want, got))
    assert not mismatches, mismatches[:5]
