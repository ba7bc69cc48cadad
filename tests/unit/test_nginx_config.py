"""The nginx.conf compiler (emulator.alb.nginx): golden configurations for the shapes that
matter, determinism, upstreams from target health, and injection-proofing: hostile layout
values never change the directive structure nor name an nginx variable.

Regenerate the golden files with ``UPDATE_GOLDEN=1 pytest tests/unit/test_nginx_config.py``
and review the diff. The stacks built here are reused by tests/docker/test_nginx_routing.py.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from emulator.alb import AlbError, UnsafeValueError
from emulator.alb.nginx import HOP_SOCKET, AlbParts, Target, alb_dns_name, listens, render
from emulator.alb.nginx_text import quote, user_regex
from emulator.model.layout import (
    Action,
    Cdn,
    Condition,
    Headers,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    Transform,
    WeightedTargetGroup,
)

GOLDEN = Path(__file__).resolve().parent / "golden"
Targets = dict[str, list[Target]]


def fwd(tg: str) -> Action:
    return Action("forward", target_groups=(WeightedTargetGroup(tg),))


def fixed(code: str, body: str, ctype: str = "text/plain") -> Action:
    return Action("fixed-response", status_code=code, content_type=ctype, message_body=body)


def path_rule(priority: int, pattern: str, tg: str, *transforms: Transform) -> Rule:
    return Rule(priority, (Condition("path-pattern", (pattern,)),), (fwd(tg),), transforms)


# ---------------------------------------------------------------------------- stacks


def simple_forward(ip: str = "10.0.1.10", ip2: str = "10.0.1.11") -> tuple[AlbParts, Targets]:
    lb = LoadBalancer("web", listeners=(Listener(port=80, default_actions=(fwd("web"),)),))
    targets = {"web": [Target(ip, 8080, "healthy"), Target(ip2, 8080, "healthy")]}
    return AlbParts(lb, (TargetGroup("web", port=8080),)), targets


def twenty_rules(ip: str = "10.0.2.10") -> tuple[AlbParts, Targets]:
    """Ten services per listener port, as teams did under the old 10-rule limit."""
    listeners = []
    groups = []
    for port, first in ((8000, 0), (8010, 10)):
        rules = []
        for n in range(first, first + 10):
            groups.append(TargetGroup(f"svc{n:02d}", port=8080))
            rules.append(path_rule(10 + n, f"/svc{n:02d}/*", f"svc{n:02d}"))
        listeners.append(
            Listener(port=port, default_actions=(fixed("404", "no route"),), rules=tuple(rules))
        )
    lb = LoadBalancer("services", listeners=tuple(listeners))
    targets = {g.name: [Target(ip, 8080, "healthy")] for g in groups}
    return AlbParts(lb, tuple(groups)), targets


def blue_green(blue: str = "10.0.3.10", green: str = "10.0.3.20") -> tuple[AlbParts, Targets]:
    action = Action(
        "forward",
        target_groups=(WeightedTargetGroup("blue", 90), WeightedTargetGroup("green", 10)),
        stickiness_seconds=300,
    )
    rules = (Rule(10, (Condition("path-pattern", ("/*",)),), (action,)),)
    lb = LoadBalancer(
        "bluegreen",
        attributes=(("routing.http.xff_client_port.enabled", "true"),),
        listeners=(Listener(port=80, default_actions=(fwd("blue"),), rules=rules),),
    )
    groups = (TargetGroup("blue", port=8080), TargetGroup("green", port=8080))
    targets = {"blue": [Target(blue, 8080, "healthy")], "green": [Target(green, 8080, "healthy")]}
    return AlbParts(lb, groups), targets


def sticky_targets(
    a: str = "10.0.5.10", b: str = "10.0.5.11", other: str = "10.0.5.20"
) -> tuple[AlbParts, Targets]:
    """Target-level ``lb_cookie`` stickiness (AWSALB) on "web": alone as the default action,
    and in a weighted forward with "other" (which has none) and target-group stickiness."""
    split = Action(
        "forward",
        target_groups=(WeightedTargetGroup("web", 1), WeightedTargetGroup("other", 1)),
        stickiness_seconds=60,
    )
    rules = (Rule(10, (Condition("path-pattern", ("/split/*",)),), (split,)),)
    lb = LoadBalancer(
        "sticky", listeners=(Listener(port=80, default_actions=(fwd("web"),), rules=rules),)
    )
    lb_cookie = {"enabled": True, "type": "lb_cookie", "durationSeconds": 3600}
    groups = (
        TargetGroup("web", port=8080, stickiness=lb_cookie),
        TargetGroup("other", port=8080),
    )
    targets = {
        "web": [Target(a, 8080, "healthy"), Target(b, 8080, "healthy")],
        "other": [Target(other, 8080, "healthy")],
    }
    return AlbParts(lb, groups), targets


CDN_DOMAIN = "d1phq4yrkrmw68.cloudfront.net"


def cdn_stack(
    alpha: str = "10.0.4.10", bravo: str = "10.0.4.20", empty_ip: str = "10.0.4.30"
) -> tuple[AlbParts, Targets]:
    """The alpha-bravo example: CloudFront -> internal ALB with path rules, a redirect, a
    url-rewrite that strips /bravo, a target group with nothing registered, translation."""
    rules = (
        path_rule(10, "/alpha/*", "alpha"),
        Rule(
            20,
            (Condition("path-pattern", ("/bravo", "/bravo/*")),),
            (fwd("bravo"),),
            (Transform("url-rewrite", "^/bravo/?(.*)$", "/$1"),),
        ),
        Rule(
            30,
            (Condition("path-pattern", ("/old/*",)),),
            (Action("redirect", redirect={"path": "/new/#{path}", "statusCode": "HTTP_301"}),),
        ),
        path_rule(40, "/empty/*", "empty"),
        path_rule(50, "/down/*", "down"),
        Rule(
            60,
            (
                Condition("host-header", ("*.example.com",)),
                Condition("http-request-method", ("POST",)),
            ),
            (fixed("201", '{"created": true}', "application/json"),),
        ),
        Rule(
            70,
            (
                Condition("http-header", ("beta*",), http_header_name="X-Channel"),
                Condition("query-string", (("v", "2"),)),
            ),
            (fwd("alpha"),),
            (Transform("host-header-rewrite", "^(.+)\\.example\\.com$", "$1.internal"),),
        ),
    )
    lb = LoadBalancer(
        "edge",
        scheme="internal",
        attributes=(
            ("routing.http.preserve_host_header.enabled", "false"),
            ("routing.http.xff_header_processing.mode", "append"),
        ),
        listeners=(
            Listener(
                port=80,
                publish="127.0.0.1:8000",
                default_actions=(fixed("404", "no route"),),
                rules=rules,
            ),
            Listener(port=8080, default_actions=(fwd("alpha"),)),
        ),
    )
    groups = tuple(TargetGroup(n, port=8080) for n in ("alpha", "bravo", "empty", "down"))
    targets = {
        "alpha": [Target(alpha, 8080, "healthy"), Target(empty_ip, 8080, "draining")],
        "bravo": [Target(bravo, 8080, "unhealthy")],  # fail open
        "empty": [Target(empty_ip, 8080, "initial")],  # nothing routable: 503
        "down": [Target(alpha, 9, "healthy")],  # nothing listens on port 9: 502
    }
    cdn = Cdn(
        CDN_DOMAIN,
        "edge",
        origin_protocol="http",
        publish="127.0.0.1:8443",
        viewer_protocol="https",
    )
    return AlbParts(lb, groups, Headers(translate=True), (cdn,), "us-west-2"), targets


STACKS = {
    "simple_forward": simple_forward,
    "twenty_rules": twenty_rules,
    "blue_green": blue_green,
    "cdn_translate": cdn_stack,
    "sticky_targets": sticky_targets,
}


# ---------------------------------------------------------------------------- a reader


def tokens(text: str) -> Iterator[str | tuple[str]]:
    """nginx's tokenizer: words (as 1-tuples) and the punctuation ``{`` ``}`` ``;``."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in "{};":
            yield c
            i += 1
        elif c in "\"'":
            buf, i = [], i + 1
            while text[i] != c:
                if text[i] == "\\" and text[i + 1] in "\"'\\":
                    buf.append(text[i + 1])
                    i += 2
                elif text[i] == "\\" and text[i + 1] in "trn":
                    buf.append({"t": "\t", "r": "\r", "n": "\n"}[text[i + 1]])
                    i += 2
                else:
                    buf.append(text[i])
                    i += 1
            i += 1
            assert i >= n or text[i].isspace() or text[i] in "{};", (
                "a quoted token must end the word"
            )
            yield ("".join(buf),)
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in "{};":
                i += 1
            yield (text[start:i],)


Node = tuple[str, list[str], list["Node"] | None]


def parse(text: str) -> list[Node]:
    stack: list[list[Node]] = [[]]
    words: list[str] = []
    for tok in tokens(text):
        if isinstance(tok, tuple):
            words.append(tok[0])
        elif tok == ";":
            stack[-1].append((words[0], words[1:], None))
            words = []
        elif tok == "{":
            block: list[Node] = []
            stack[-1].append((words[0], words[1:], block))
            stack.append(block)
            words = []
        else:
            assert not words, f"words before }}: {words}"
            stack.pop()
    assert len(stack) == 1 and not words, "unbalanced configuration"
    return stack[0]


TABLES = ("map", "geo", "split_clients")


def skeleton(nodes: list[Node], table: bool = False) -> list[object]:
    """Directive names, argument counts and nesting; entries of a map (whose "name" is a
    key from the layout) count as ``<key>``."""
    out: list[object] = []
    for name, args, kids in nodes:
        shown = "<key>" if table and name != "default" else name
        inner = skeleton(kids, name in TABLES) if kids is not None else None
        out.append((shown, len(args), inner))
    return out


def walk(nodes: list[Node]) -> Iterator[tuple[str, list[str]]]:
    for name, args, kids in nodes:
        yield name, args
        if kids is not None:
            yield from walk(kids)


# ---------------------------------------------------------------------------- golden


@pytest.mark.parametrize("name", sorted(STACKS))
def test_golden(name: str) -> None:
    parts, targets = STACKS[name]()
    text = render(parts, targets)
    path = GOLDEN / f"{name}.conf"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{path.name} changed: review, then UPDATE_GOLDEN=1"


def test_deterministic_and_independent_of_target_order() -> None:
    parts, targets = cdn_stack()
    again = {k: list(reversed(v)) for k, v in targets.items()}
    assert render(parts, targets) == render(parts, targets) == render(parts, again)


def test_configs_parse_and_use_known_directives() -> None:
    for factory in STACKS.values():
        tree = parse(render(*factory()))
        assert [n[0] for n in tree] == ["worker_processes", "pcre_jit", "events", "http"]


# ---------------------------------------------------------------------------- upstreams


def upstream_servers(text: str) -> dict[str, list[str]]:
    http = next(k for n, _, k in parse(text) if n == "http")
    assert http is not None
    out: dict[str, list[str]] = {}
    for name, args, kids in http:
        if name == "upstream" and kids is not None:
            out[args[0]] = [a[0] for n, a, _ in kids if n == "server"]
    return out


def test_upstreams_follow_health() -> None:
    parts, targets = cdn_stack()
    text = render(parts, targets)
    ups = upstream_servers(text)
    assert ups["0.tg"] == ["10.0.4.10:8080"]  # healthy only; the draining one is out
    assert ups["1.tg"] == ["10.0.4.20:8080"]  # only unhealthy: fail open
    assert "2.tg" not in ups  # only initial: no upstream, the rule answers 503
    assert re.search(
        r"location = /\.alb/80/p40 \{\n\s+internal;\n\s+userid off;\n\s+return 503;", text
    )
    ups = upstream_servers(
        render(
            parts,
            {
                **targets,
                "bravo": [
                    Target("10.0.4.21", 8080, "healthy"),
                    Target("10.0.4.20", 8080, "unhealthy"),
                ],
            },
        )
    )
    assert ups["1.tg"] == ["10.0.4.21:8080"]


def test_weighted_to_an_empty_group_guards_with_503() -> None:
    parts, targets = blue_green()
    text = render(parts, {"blue": targets["blue"]})
    assert "90.00% 0.tg;" in text and "* alb_none;" in text
    assert "if ($alb_80_p10_tg = alb_none) {" in text


def test_listens_avoid_listener_ports_and_the_hop_is_a_socket() -> None:
    parts, targets = cdn_stack()
    lbs = parts.load_balancer.listeners
    more = tuple(Listener(port=p, default_actions=lbs[0].default_actions) for p in (18443, 18999))
    crowded = replace(parts, load_balancer=replace(parts.load_balancer, listeners=(*lbs, *more)))
    got = listens(crowded)
    assert [(x.role, x.container_port, x.publish) for x in got] == [
        ("listener", 80, "127.0.0.1:8000"),
        ("listener", 8080, None),
        ("listener", 18443, None),
        ("listener", 18999, None),
        ("cdn", 18444, "127.0.0.1:8443"),
    ]
    text = render(crowded, targets)
    assert f"listen unix:{HOP_SOCKET};" in text
    assert f"proxy_pass http://unix:{HOP_SOCKET}:$alb_hop;" in text
    assert "listen 18999 default_server;" in text and "127.0.0.1:18999" not in text


def test_on_the_hosts_network_nginx_listens_where_each_listener_is_published() -> None:
    parts, targets = cdn_stack()
    lb = parts.load_balancer
    wide = replace(
        parts,
        load_balancer=replace(
            lb, listeners=(lb.listeners[0], replace(lb.listeners[1], publish="[::1]:9090"))
        ),
    )
    inside, host = render(wide, targets), render(wide, targets, on_host=True)
    assert "listen 80 default_server;" in inside and "listen 8080 default_server;" in inside
    assert "listen 18443 default_server;" in inside  # the CDN, published by Docker
    assert "listen 127.0.0.1:8000 default_server;" in host
    assert "listen [::1]:9090 default_server;" in host
    assert "listen 127.0.0.1:8443 default_server;" in host  # the CDN at its own address
    assert re.search(r"listen \d+ default_server;", host) is None
    # the CDN reaches its origin listener where that one listens
    assert "server 127.0.0.1:80;" in inside and "server 127.0.0.1:8000;" in host
    # the rest is the same configuration
    assert len(inside.splitlines()) == len(host.splitlines())
    everywhere = replace(
        wide,
        load_balancer=replace(
            wide.load_balancer,
            listeners=(replace(lb.listeners[0], publish="0.0.0.0:8000"), lb.listeners[1]),
        ),
    )
    text = render(everywhere, targets, on_host=True)
    assert "listen 0.0.0.0:8000 default_server;" in text
    assert "server 127.0.0.1:8000;" in text  # connects over the loopback


def test_alb_dns_name() -> None:
    internal = alb_dns_name(LoadBalancer("edge", scheme="internal"), "us-west-2")
    assert re.fullmatch(r"internal-edge-\d{9}\.us-west-2\.elb\.amazonaws\.com", internal)
    assert alb_dns_name(LoadBalancer("edge"), "us-west-2") == internal.removeprefix("internal-")
    with pytest.raises(UnsafeValueError):
        alb_dns_name(LoadBalancer('bad";name'), "us-west-2")


def test_parts_of_a_layout() -> None:
    from emulator.model.loader import load_layout

    layout = load_layout(Path(__file__).resolve().parents[2] / "layouts/alpha-bravo/ecsdev.yaml")
    parts = AlbParts.of(layout, "edge")
    assert {g.name for g in parts.target_groups} >= {"alpha", "bravo"}
    assert [c.domain_name for c in parts.cdns] == [CDN_DOMAIN]
    assert render(parts, {}).startswith("# ecsdev ALB stand-in")
    with pytest.raises(AlbError):
        AlbParts.of(layout, "nope")


# ---------------------------------------------------------------------------- injection

HOSTILE = 'x";\n} server { listen 1; } # ${hostile_var} $hostile_var \\" \\\\ \'{'
HOSTILE_LINE = HOSTILE.replace("\n", " ")  # for places where control characters are refused


def hostile_stack(text: str, line: str) -> tuple[AlbParts, Targets]:
    """Layout values an attacker controls, in every place one can reach the config."""
    rules = (
        Rule(1, (Condition("path-pattern", ("/p/" + text + "*",)),), (fwd("t" + line),)),
        Rule(2, (Condition("host-header", (line + ".com",)),), (fixed("200", text),)),
        Rule(
            3,
            (
                Condition("http-header", (text,), http_header_name="X-Evil"),
                Condition("http-request-method", (line,)),
                Condition("query-string", ((line, text), (None, line))),
            ),
            (fwd("t" + line),),
            (
                Transform(
                    "url-rewrite",
                    "^/(a)" + re.escape(line),
                    "/" + line.replace(" ", "").replace("#", "") + "$1",
                ),
                Transform("host-header-rewrite", re.escape(line) + "(.*)", line + "$1"),
            ),
        ),
        Rule(
            4,
            (Condition("path-pattern", ("^/r" + re.escape(text) + "$",), regex=True),),
            (
                Action(
                    "redirect",
                    redirect={
                        "host": line,
                        "path": "/" + line + "#{path}",
                        "query": line + "#{query}",
                        "protocol": "HTTPS",
                        "port": "443",
                    },
                ),
            ),
        ),
        Rule(
            5,
            (Condition("host-header", ("^" + re.escape(text) + r'\d"$',), regex=True),),
            (fwd("t" + line),),
        ),
    )
    lb = LoadBalancer(
        "evil", listeners=(Listener(port=80, default_actions=(fixed("404", text),), rules=rules),)
    )
    groups = (TargetGroup("t" + line, port=8080),)
    return AlbParts(lb, groups, Headers(translate=True)), {
        "t" + line: [Target("10.9.9.9", 8080, "healthy")]
    }


BENIGN = "plain value"


def test_hostile_values_do_not_change_the_structure() -> None:
    hostile = render(*hostile_stack(HOSTILE, HOSTILE_LINE))
    benign = render(*hostile_stack(BENIGN, BENIGN))
    assert skeleton(parse(hostile)) == skeleton(parse(benign))


def table_keys(nodes: list[Node], table: bool = False) -> Iterator[str]:
    for name, _args, kids in nodes:
        if table:
            yield name
        if kids is not None:
            yield from table_keys(kids, name in TABLES)


def test_hostile_values_are_only_regex_keys() -> None:
    keys = list(table_keys(parse(render(*hostile_stack(HOSTILE, HOSTILE_LINE)))))
    own = re.compile(r"^(?:default|[A-Za-z0-9_.:/%*]*)$")
    assert keys and all(k.startswith("~") or own.match(k) for k in keys), [
        k for k in keys if not k.startswith("~") and not own.match(k)
    ]
    assert not {"include", "hostnames", "volatile"} & set(keys)


def test_hostile_values_name_no_variable() -> None:
    text = render(*hostile_stack(HOSTILE, HOSTILE_LINE))
    refs: set[str] = set()
    for _name, args in walk(parse(text)):
        for arg in args:
            if arg.startswith("~"):
                continue  # regexes: nginx does not interpolate them
            refs.update(re.findall(r"\$\{?([A-Za-z0-9_]+)", arg))
    assert "hostile_var" not in refs
    assert (
        text.count("${alb_dollar}{hostile_var}") >= 1
        and text.count("${alb_dollar}hostile_var") >= 1
    )
    assert all(r.startswith("alb_") or r in NGINX_VARIABLES for r in refs), sorted(
        refs - NGINX_VARIABLES
    )


NGINX_VARIABLES = {
    *"123456789",  # regex captures ($1-$9: the trace id's regex uses all nine)
    "args", "cookie_AWSALBTG", "host", "http_cloudfront_forwarded_proto", "http_forwarded",
    "http_host", "http_upgrade", "http_via", "http_x_amzn_trace_id", "http_x_evil",
    "http_x_forwarded_for",
    "proxy_add_x_forwarded_for", "remote_addr", "remote_port", "request_id", "request_method",
    "request_uri", "server_port", "server_protocol", "status", "time_iso8601", "uid_set", "upstream_addr",
    "upstream_status", "uri", "request_time",
}  # fmt: skip


def test_hostile_header_name_drops_the_rule() -> None:
    lb = LoadBalancer(
        "x",
        listeners=(
            Listener(
                port=80,
                default_actions=(fwd("a"),),
                rules=(
                    Rule(
                        1,
                        (Condition("http-header", ("v",), http_header_name='X";_Y'),),
                        (fwd("a"),),
                    ),
                ),
            ),
        ),
    )
    text = render(AlbParts(lb, (TargetGroup("a"),)), {})
    assert "/.alb/80/p1" not in text and 'X";_Y' not in text and 'X\\";_Y' not in text


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            lambda r: Rule(1, (Condition("source-ip", ("10.0.0.0/8; allow all",)),), r.actions),
            "not a CIDR",
        ),
        (lambda r: Rule(1, r.conditions, (fixed("200", "x", 'text/html"; x'),)), "media type"),
        (lambda r: Rule(1, r.conditions, (fixed("302", "x"),)), "2XX, 4XX or 5XX"),
        (
            lambda r: Rule(
                1, r.conditions, (Action("redirect", redirect={"host": "a\r\nSet-Cookie: x=1"}),)
            ),
            "control characters",
        ),
        (
            lambda r: Rule(
                1, r.conditions, r.actions, (Transform("url-rewrite", "^/", "/a HTTP/1.1\r\nX: y"),)
            ),
            "not allowed in a URI",
        ),
        (
            lambda r: Rule(1, r.conditions, r.actions, (Transform("url-rewrite", "(", "/"),)),
            "invalid regex",
        ),
        (
            lambda r: Rule(
                1, r.conditions, r.actions, (Transform("url-rewrite", "^/" + "()" * 9, "$9"),)
            ),
            "capture groups",
        ),
        (lambda r: Rule(1, (Condition("path-pattern", ("/caf\u00e9",)),), r.actions), "non-ASCII"),
        (lambda r: Rule(1, r.conditions, (fixed("200", "nul\0"),)), "NUL"),
        (lambda r: Rule(1, r.conditions, (fwd("nowhere"),)), "unknown target group"),
        (
            lambda r: Rule(1, r.conditions, (Action("authenticate-oidc"),)),
            "forward, redirect or fixed-response",
        ),
    ],
)
def test_unsafe_values_are_refused(change: object, error: str) -> None:
    base = Rule(1, (Condition("path-pattern", ("/x",)),), (fwd("a"),))
    assert callable(change)
    lb = LoadBalancer(
        "x", listeners=(Listener(port=80, default_actions=(fwd("a"),), rules=(change(base),)),)
    )
    with pytest.raises(AlbError, match=error):
        render(AlbParts(lb, (TargetGroup("a"),)), {})


def test_bad_targets_cdn_and_attributes_are_refused() -> None:
    parts, targets = simple_forward()
    with pytest.raises(UnsafeValueError, match="not an IP"):
        render(parts, {"web": [Target("10.0.0.1; server evil", 80, "healthy")]})
    with pytest.raises(UnsafeValueError, match="port"):
        render(parts, {"web": [Target("10.0.0.1", 70000, "healthy")]})
    cdn_parts, cdn_targets = cdn_stack()
    bad = replace(cdn_parts, cdns=(replace(cdn_parts.cdns[0], domain_name='x";y'),))
    with pytest.raises(UnsafeValueError, match="DNS name"):
        render(bad, cdn_targets)
    bad = replace(cdn_parts, cdns=(replace(cdn_parts.cdns[0], viewer_protocol="ftp"),))
    with pytest.raises(AlbError, match="viewerProtocol"):
        render(bad, cdn_targets)
    lb = replace(
        parts.load_balancer, attributes=(("routing.http.xff_header_processing.mode", "x;y"),)
    )
    with pytest.raises(AlbError, match="not one of"):
        render(replace(parts, load_balancer=lb), targets)


@pytest.mark.parametrize(
    "text",
    ["plain", 'q"uote', "back\\slash", "tab\tnl\ncr\r", "\\n literally", "end\\", '\\"', "{;}$x#"],
)
def test_quote_reads_back(text: str) -> None:
    assert list(tokens(quote(text))) == [(text,)]


def test_user_regex_cannot_name_a_variable() -> None:
    """nginx makes a variable of every named group: a layout must not set ours."""
    assert user_regex(r"^/(?P<alb_up_uri>.*)$", "t") == "^/(.*)$"
    assert user_regex(r"[(?P<x>]", "t") == "[(?P<x>]"  # inside a class it is text
    assert user_regex(r'a"b\.c', "t") == r"a\x22b\x2ec"
    with pytest.raises(UnsafeValueError, match="by name"):
        user_regex("(?P<a>x)(?P=a)", "t")
    lb = LoadBalancer(
        "x",
        listeners=(
            Listener(
                port=80,
                default_actions=(fwd("a"),),
                rules=(
                    Rule(
                        1,
                        (Condition("path-pattern", (r"^/(?P<alb_up_uri>.*)$",), regex=True),),
                        (fwd("a"),),
                        (Transform("url-rewrite", r"^/(?P<host>x)", "/$1"),),
                    ),
                ),
            ),
        ),
    )
    text = render(AlbParts(lb, (TargetGroup("a"),)), {})
    assert "?P<" not in text and "?<alb_up_uri>" not in text
