"""ALB rule semantics (emulator.alb.rules): which rule a request reaches, redirect URLs,
rewrite transforms, weighted forward and stickiness."""

from __future__ import annotations

import re

import pytest

from emulator.alb import AlbError
from emulator.alb import rules as R
from emulator.model.layout import (
    Action,
    Condition,
    Listener,
    Rule,
    Transform,
    WeightedTargetGroup,
)


def fwd(tg: str) -> tuple[Action, ...]:
    return (Action("forward", target_groups=(WeightedTargetGroup(tg),)),)


def rule(priority: int, *conditions: Condition, tg: str | None = None) -> Rule:
    return Rule(priority, conditions, fwd(tg or f"p{priority}"))


# Deliberately out of priority order: evaluation must sort.
LISTENER = Listener(
    port=80,
    default_actions=fwd("default"),
    rules=(
        rule(50, Condition("path-pattern", ("/api/*",))),
        rule(10, Condition("path-pattern", ("/api/v?/users", "/exact"))),
        rule(20, Condition("host-header", ("*.example.com",))),
        rule(
            30,
            Condition("http-request-method", ("POST",)),
            Condition("path-pattern", ("/submit*",)),
        ),
        rule(40, Condition("http-header", ("Mobile*", "*tablet"), http_header_name="X-Device")),
        rule(60, Condition("query-string", (("version", "v2*"), (None, "debug")))),
        rule(70, Condition("source-ip", ("10.0.0.0/8", "2001:db8::/32"))),
        rule(80, Condition("path-pattern", (r"^/re/[0-9]+$",), regex=True)),
        rule(90, Condition("host-header", (r"^shop\d+\.",), regex=True)),
        rule(100, Condition("path-pattern", ("/Case/*",))),
    ),
)


def pick(target: str, **kw: object) -> str:
    r = R.match(LISTENER, R.Request.get(target, **kw))  # type: ignore[arg-type]
    return "default" if r is None else f"p{r.priority}"


ROUTES = [
    # path-pattern: anchored glob, * crosses "/", ? is one character, case-sensitive
    ("/api/v1/users", {}, "p10"),
    ("/api/v12/users", {}, "p50"),  # ? is exactly one character: falls to /api/*
    ("/api/a/b/c/stream", {}, "p50"),  # * crosses slashes
    ("/api", {}, "default"),  # "/api/*" needs the slash
    ("/exact", {}, "p10"),
    ("/exact/", {}, "default"),
    ("/exact?x=1", {}, "p10"),  # the query is not part of the path
    ("/case/x", {}, "default"),
    ("/Case/x", {}, "p100"),
    # host-header: case-insensitive, port ignored, first Host only
    ("/", {"host": "www.Example.COM"}, "p20"),
    ("/", {"host": "www.example.com:8080"}, "p20"),
    ("/", {"host": "example.com"}, "default"),  # *.example.com needs a subdomain
    ("/", {"host": "shop42.example.org"}, "p90"),
    # method: exact and case-sensitive, and AND with the path
    ("/submit/form", {"method": "POST"}, "p30"),
    ("/submit/form", {"method": "post"}, "default"),
    ("/submit/form", {"method": "GET"}, "default"),
    # http-header: name and value case-insensitive, repeated headers searched in order
    ("/", {"headers": [("x-device", "mobile-ios")]}, "p40"),
    ("/", {"headers": [("X-Device", "desktop"), ("X-DEVICE", "my-Tablet")]}, "p40"),
    ("/", {"headers": [("X-Device", "desktop")]}, "default"),
    # query-string: case-insensitive globs, key optional
    ("/?Version=V2.1", {}, "p60"),
    ("/?a=1&version=v3", {}, "default"),
    ("/?anything=DEBUG", {}, "p60"),
    ("/?debug", {}, "default"),  # "debug" is a key with an empty value here
    # source-ip: the TCP peer, v4 and v6
    ("/", {"source_ip": "10.1.2.3"}, "p70"),
    ("/", {"source_ip": "2001:db8::17"}, "p70"),
    ("/", {"source_ip": "192.168.0.1", "headers": [("X-Forwarded-For", "10.0.0.1")]}, "default"),
    # regexValues: searched
    ("/re/123", {}, "p80"),
    ("/re/12a", {}, "default"),
]


@pytest.mark.parametrize(("target", "kw", "expected"), ROUTES)
def test_route_table(target: str, kw: dict[str, object], expected: str) -> None:
    assert pick(target, **kw) == expected


def test_priority_not_order_decides() -> None:
    lis = Listener(
        port=80,
        rules=(
            rule(5, Condition("path-pattern", ("/a/*",)), tg="second"),
            rule(1, Condition("path-pattern", ("*",)), tg="first"),
        ),
    )
    r = R.match(lis, R.Request.get("/a/b"))
    assert r is not None and r.priority == 1


def test_empty_listener_and_missing_host() -> None:
    assert R.match(Listener(port=80), R.Request.get("/")) is None
    lis = Listener(port=80, rules=(rule(1, Condition("host-header", ("*",))),))
    assert R.match(lis, R.Request.get("/", host=None)) is not None  # "*" matches the empty host


def test_unknown_field_is_an_error() -> None:
    lis = Listener(port=80, rules=(rule(1, Condition("cookie", ("x",))),))
    with pytest.raises(AlbError, match="unknown rule condition field"):
        R.match(lis, R.Request.get("/"))


def test_glob_to_regex_is_literal_safe() -> None:
    rx = R.glob_to_regex('/a$b"c;{d}*?')
    assert re.fullmatch(
        r"[A-Za-z0-9\\^.*?:()]+", rx
    )  # only letters, digits, \xHH and our operators
    assert re.match(rx, '/a$b"c;{d}zzzQ')
    assert not re.match(rx, "/a$b")
    assert re.match(R.glob_to_regex("/a/*"), "/a/b\nc") and not re.match(
        R.glob_to_regex("/a"), "/a\n"
    )
    with pytest.raises(AlbError):
        R.glob_to_regex("/caf\u00e9")


def test_parse_query_and_target() -> None:
    req = R.Request.get("/p?a=1&&b&c=x=y")
    assert req.query == (("a", "1"), ("b", ""), ("c", "x=y"))
    assert req.target == "/p?a=1&b=&c=x=y"
    assert R.Request.get("/p").target == "/p"


# ---------------------------------------------------------------------------- redirect

LIS80 = Listener(port=80)
LIS8443 = Listener(port=8443, protocol="HTTPS")


@pytest.mark.parametrize(
    ("config", "target", "host", "listener", "url"),
    [
        (
            {"path": "/new/#{path}"},
            "/old/a?x=1",
            "example.com",
            LIS80,
            "http://example.com:80/new/old/a?x=1",
        ),
        (
            {
                "protocol": "HTTPS",
                "port": "443",
                "host": "#{host}",
                "path": "/#{path}",
                "query": "#{query}",
            },
            "/p/q",
            "Example.com:80",
            LIS80,
            "https://Example.com:443/p/q",
        ),
        (
            {"host": "other.#{host}", "query": "from=#{port}&#{query}"},
            "/x?a=b",
            "e.com",
            LIS8443,
            "https://other.e.com:8443/x?from=8443&a=b",
        ),
        ({"path": "/static"}, "/x", "e.com", LIS80, "http://e.com:80/static"),
        ({"query": ""}, "/x?drop=1", "e.com", LIS80, "http://e.com:80/x"),
        ({"path": "/#{path}/#{unknown}"}, "/a", "e.com", LIS80, "http://e.com:80/a/#{unknown}"),
        (
            {"path": "/#{path}"},
            "/keep#{host}",
            "e.com",
            LIS80,
            "http://e.com:80/keep#{host}",
        ),  # no re-expansion
    ],
)
def test_redirect_url(
    config: dict[str, str], target: str, host: str, listener: Listener, url: str
) -> None:
    assert R.redirect_url(config, R.Request.get(target, host=host), listener) == url


@pytest.mark.parametrize(
    ("config", "host", "url"),
    [
        ({"path": "/new/#{path}"}, "127.0.0.1:8080", "http://127.0.0.1:8080/new/a"),
        ({"path": "/new/#{path}"}, "[::1]:9000", "http://[::1]:9000/new/a"),
        ({"path": "/new/#{path}"}, "example.com", "http://example.com:80/new/a"),  # no port
        ({"port": "8443", "protocol": "HTTPS"}, "e.com:8080", "https://e.com:8443/a"),  # as set
        ({"query": "p=#{port}"}, "e.com:8080", "http://e.com:8080/a?p=8080"),
    ],
)
def test_redirect_url_with_translated_headers_keeps_the_viewers_port(
    config: dict[str, str], host: str, url: str
) -> None:
    assert R.redirect_url(config, R.Request.get("/a", host=host), LIS80, translate=True) == url


def test_redirect_status() -> None:
    assert R.redirect_status({}) == 301
    assert R.redirect_status({"statusCode": "HTTP_302"}) == 302


# ---------------------------------------------------------------------------- transforms


@pytest.mark.parametrize(
    ("regex", "replace", "subject", "out"),
    [
        ("^/dp/([A-Za-z0-9]+)/?$", "/product.php?id=$1", "/dp/B0123", "/product.php?id=B0123"),
        ("^/bravo/?(.*)$", "/$1", "/bravo/x/y?z=1", "/x/y?z=1"),
        ("^/bravo/?(.*)$", "/$1", "/alpha/x", "/alpha/x"),  # no match: unchanged
        ("v1", "v2", "/api/v1/v1", "/api/v2/v1"),  # first match only
        ("^/(a)(b)?", "/$2$1$3", "/a/x", "/a/x"),  # unset and missing groups are empty
        ("x", "$$1", "/x", "/$"),  # "$" not before a digit is literal; $1 does not exist
    ],
)
def test_rewrite(regex: str, replace: str, subject: str, out: str) -> None:
    assert R.rewrite(Transform("url-rewrite", regex, replace), subject) == out


def test_rule_transforms_and_prefix() -> None:
    r = Rule(
        1,
        (),
        fwd("x"),
        (
            Transform("url-rewrite", "^/bravo/?(.*)$", "/$1"),
            Transform("host-header-rewrite", "^mywebsite-(.+).com$", "internal.dev.$1.myweb.com"),
        ),
    )
    req = R.Request.get("/bravo/page?q=1")
    assert R.rewritten_target(r, req) == "/page?q=1"
    assert R.rewritten_host(r, "mywebsite-beta.com") == "internal.dev.beta.myweb.com"
    assert R.rewritten_host(r, "elsewhere.com") == "elsewhere.com"
    assert R.removed_prefix("/bravo/page", "/page") == "/bravo"
    assert R.removed_prefix("/bravo/", "/") == "/bravo"
    assert R.removed_prefix("/page", "/page") is None
    assert R.removed_prefix("/a/page", "/b/page") is None


# ---------------------------------------------------------------------------- forward


BLUE_GREEN = Action(
    "forward",
    target_groups=(
        WeightedTargetGroup("blue", 90),
        WeightedTargetGroup("green", 10),
        WeightedTargetGroup("off", 0),
    ),
    stickiness_seconds=300,
)


def test_weighted_pick_in_proportion() -> None:
    picks = [R.weighted_pick(BLUE_GREEN, i / 1000) for i in range(1000)]
    assert picks.count("blue") == 900 and picks.count("green") == 100 and "off" not in picks
    zero = Action("forward", target_groups=(WeightedTargetGroup("a", 0),))
    assert R.weighted_pick(zero, 0.5) is None


def test_split_shares() -> None:
    assert R.split_shares(BLUE_GREEN) == [("blue", "90.00%"), ("green", "*")]
    three = Action(
        "forward",
        target_groups=tuple(WeightedTargetGroup(n, w) for n, w in (("a", 1), ("b", 1), ("c", 1))),
    )
    assert R.split_shares(three) == [("a", "33.33%"), ("b", "33.33%"), ("c", "*")]
    tiny = Action(
        "forward", target_groups=(WeightedTargetGroup("a", 1), WeightedTargetGroup("b", 999))
    )
    assert R.split_shares(tiny)[0] == ("a", "0.10%")


def test_stickiness() -> None:
    tok = R.stickiness_token("edge", "green")
    assert re.fullmatch(r"[0-9a-f]{32}", tok) and tok == R.stickiness_token("edge", "green")
    assert R.sticky_pick(BLUE_GREEN, "edge", tok, 0.0) == "green"
    assert R.sticky_pick(BLUE_GREEN, "edge", "garbage", 0.0) == "blue"
    assert R.sticky_pick(BLUE_GREEN, "other-lb", tok, 0.0) == "blue"
    plain = Action("forward", target_groups=BLUE_GREEN.target_groups)
    assert R.sticky_pick(plain, "edge", tok, 0.0) == "blue"  # no stickiness configured


def test_final_action() -> None:
    assert R.final_action(fwd("x")).type == "forward"
    with pytest.raises(AlbError):
        R.final_action(())
