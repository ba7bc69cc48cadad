"""Request headers of the ALB stand-in (emulator.alb.headers): X-Forwarded-*, the trace id,
Host rules, the CloudFront hop and the standard translation, ending with the field-notes
case: through CloudFront and an internal ALB, the echo app must build the viewer's URL."""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

from emulator.alb import AlbError
from emulator.alb import headers as H
from emulator.alb import rules as R
from emulator.model.layout import Cdn, Listener, LoadBalancer

REPO = Path(__file__).resolve().parents[2]
TRACE = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
CDN = Cdn("d1phq4yrkrmw68.cloudfront.net", "edge", publish="127.0.0.1:8443")


def echo_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("echo_app", REPO / "layouts/apps/echo/app.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------------------- X-Forwarded-For


@pytest.mark.parametrize(
    ("existing", "mode", "port_on", "out"),
    [
        (None, "append", False, "127.0.0.1"),
        ("127.0.0.4", "append", False, "127.0.0.4, 127.0.0.1"),
        ("127.0.0.4, 127.0.0.8", "append", False, "127.0.0.4, 127.0.0.8, 127.0.0.1"),
        (None, "append", True, "127.0.0.1:51234"),
        ("1.2.3.4", "append", True, "1.2.3.4, 127.0.0.1:51234"),
        ("1.2.3.4", "preserve", False, "1.2.3.4"),
        (None, "preserve", True, None),  # absent stays absent
        ("1.2.3.4", "remove", False, None),
    ],
)
def test_forwarded_for(existing: str | None, mode: str, port_on: bool, out: str | None) -> None:
    assert (
        H.forwarded_for(existing, "127.0.0.1", 51234, mode=mode, client_port_enabled=port_on) == out
    )


def test_forwarded_for_ipv6_port_and_bad_mode() -> None:
    assert (
        H.forwarded_for(None, "2001:db8::1", 443, client_port_enabled=True) == "[2001:db8::1]:443"
    )
    with pytest.raises(AlbError):
        H.forwarded_for(None, "1.1.1.1", 1, mode="drop")
    with pytest.raises(AlbError):
        H.xff_mode(LoadBalancer("x", attributes=((H.XFF_MODE_ATTRIBUTE, "sideways"),)))


def test_parse_xff_both_separators_and_limits() -> None:
    assert H.parse_xff("192.0.2.4,192.0.2.3, 192.0.2.2") == ["192.0.2.4", "192.0.2.3", "192.0.2.2"]
    assert H.last_forwarded("1.1.1.1,2.2.2.2, 3.3.3.3 ") == "3.3.3.3"
    assert H.last_forwarded(None) == "unknown"
    assert not H.too_many_forwarded(", ".join(["1.1.1.1"] * 30))
    assert H.too_many_forwarded(", ".join(["1.1.1.1"] * 31))


# ---------------------------------------------------------------------------- trace id


def test_new_trace_id_format() -> None:
    tid = H.new_trace_id(0x63441C4A, 0xABCDEF012345678912345678)
    assert tid == "1-63441c4a-abcdef012345678912345678"
    assert TRACE.match(H.new_trace_id())


@pytest.mark.parametrize(
    ("existing", "out"),
    [
        (None, "Root=NEW"),
        ("", "Root=NEW"),
        (
            "Root=1-67891233-abcdef012345678912345678",
            "Self=NEW;Root=1-67891233-abcdef012345678912345678",
        ),
        ("Root=1-a-b;CalledFrom=app", "Self=NEW;Root=1-a-b;CalledFrom=app"),
        ("Self=1-old-x;Root=1-a-b", "Self=NEW;Root=1-a-b"),
        ("Root=1-a-b;Self=1-old-x;Foo=1", "Root=1-a-b;Self=NEW;Foo=1"),
        ("CalledFrom=app", "Root=NEW;CalledFrom=app"),
    ],
)
def test_trace_header(existing: str | None, out: str) -> None:
    assert H.trace_header(existing, "NEW") == out


# ---------------------------------------------------------------------------- Host


@pytest.mark.parametrize(
    ("host", "port", "preserve", "out"),
    [
        ("example.com:80", 80, False, "example.com"),
        ("example.com:8080", 443, False, "example.com"),
        ("example.com", 8080, False, "example.com:8080"),
        ("example.com:9000", 8080, False, "example.com:9000"),
        ("[::1]", 8080, False, "[::1]:8080"),
        ("[::1]:80", 80, False, "[::1]"),
        ("example.com:80", 80, True, "example.com:80"),
        (None, 80, False, None),
    ],
)
def test_target_host(host: str | None, port: int, preserve: bool, out: str | None) -> None:
    assert H.target_host(host, port, preserve=preserve) == out


def test_alb_request_headers() -> None:
    lb = LoadBalancer("edge", attributes=((H.XFF_CLIENT_PORT_ATTRIBUTE, "true"),))
    got = H.alb_request_headers(
        [("Host", "app.example.com"), ("X-Forwarded-Proto", "https"), ("Accept", "*/*")],
        client_ip="203.0.113.9",
        client_port=40000,
        listener=Listener(port=8080),
        load_balancer=lb,
        trace_id="1-00000000-000000000000000000000000",
    )
    assert dict(got) == {
        "Host": "app.example.com:8080",
        "Accept": "*/*",
        "X-Forwarded-For": "203.0.113.9:40000",
        "X-Forwarded-Proto": "http",  # the ALB overwrites what the client sent
        "X-Forwarded-Port": "8080",
        "X-Amzn-Trace-Id": "Root=1-00000000-000000000000000000000000",
    }


# ---------------------------------------------------------------------------- CloudFront


def test_cloudfront_hop() -> None:
    cf_id = H.new_cf_id()
    assert (
        re.fullmatch(r"[A-Za-z0-9_-]{54}==", cf_id) and len(base64.urlsafe_b64decode(cf_id)) == 40
    )
    got = H.cloudfront_request_headers(
        [
            ("Host", "127.0.0.1:8443"),
            ("X-Forwarded-Proto", "https"),
            ("X-Real-IP", "1"),
            ("X-Forwarded-For", "192.0.2.4,192.0.2.3"),
        ],
        viewer_ip="192.0.2.2",
        cdn=CDN,
        origin_host="internal-edge-1.us-west-2.elb.amazonaws.com",
        cf_id=cf_id,
    )
    d = dict(got)
    assert d["Host"] == "internal-edge-1.us-west-2.elb.amazonaws.com"
    assert "X-Forwarded-Proto" not in d and "X-Real-IP" not in d
    assert d["X-Forwarded-For"] == "192.0.2.4,192.0.2.3,192.0.2.2"
    assert re.fullmatch(r"1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)", d["Via"])
    assert d["CloudFront-Forwarded-Proto"] == "https"
    assert d["CloudFront-Viewer-Country"] == "US"
    assert [d[f"CloudFront-Is-{k}-Viewer"] for k in ("Desktop", "Mobile", "Tablet", "SmartTV")] == [
        "true",
        "false",
        "false",
        "false",
    ]
    assert H.cdn_of(d["Via"], [CDN]) is CDN
    assert H.cdn_of("1.1 abc.cloudfront.net (CloudFront)", [CDN]) is None
    assert H.cloudfront_via("x.cloudfront.net", "2.0").startswith("2.0 ")


# ---------------------------------------------------------------------------- translation


@pytest.mark.parametrize(
    ("node", "out"),
    [
        ("192.0.2.60", "192.0.2.60"),
        ("unknown", "unknown"),
        ("_hidden", "_hidden"),
        ("2001:db8:cafe::17", '"[2001:db8:cafe::17]"'),
        ("[2001:db8:cafe::17]:4711", '"[2001:db8:cafe::17]:4711"'),
        ("192.0.2.43:47011", '"192.0.2.43:47011"'),
        ('evil";x', "unknown"),
    ],
)
def test_forwarded_node(node: str, out: str) -> None:
    assert H.forwarded_node(node) == out


def test_forwarded_element_quotes_host() -> None:
    assert (
        H.forwarded_element("10.0.0.1", "http", "example.com")
        == "for=10.0.0.1;proto=http;host=example.com"
    )
    assert (
        H.forwarded_element("::1", "https", "localhost:8000")
        == 'for="[::1]";proto=https;host="localhost:8000"'
    )
    assert H.forwarded_element("10.0.0.1", "http", 'bad"host') == "for=10.0.0.1;proto=http"


def test_translate_direct() -> None:
    got = H.translate(
        [("Host", "127.0.0.1:8000"), ("X-Forwarded-For", "198.51.100.1")],
        listener=Listener(port=80),
        peer_ip="172.17.0.1",
    )
    assert got == [
        ("Forwarded", 'for=172.17.0.1;proto=http;host="127.0.0.1:8000"'),
        ("X-Forwarded-Host", "127.0.0.1:8000"),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Port", "8000"),
    ]
    plain = H.translate(
        [("Host", "example.com"), ("Forwarded", "for=1.1.1.1")],
        listener=Listener(port=80),
        peer_ip="10.0.0.9",
        prefix="/app",
    )
    assert plain[0] == ("Forwarded", "for=1.1.1.1, for=10.0.0.9;proto=http;host=example.com")
    assert ("X-Forwarded-Port", "80") in plain and ("X-Forwarded-Prefix", "/app") in plain


def test_translate_prefers_cloudfront_proto() -> None:
    got = dict(
        H.translate(
            [("Host", "x.example.com"), ("CloudFront-Forwarded-Proto", "HTTPS")],
            listener=Listener(port=80),
            peer_ip="10.0.0.1",
        )
    )
    assert got["X-Forwarded-Proto"] == "https"


def test_cloudfront_then_internal_alb_gives_the_viewer_url() -> None:
    """reference/field-notes.md: viewer -> CloudFront (https) -> internal ALB -> echo."""
    lb = LoadBalancer("edge", scheme="internal")
    listener = Listener(port=80)
    viewer = [("Host", "d1phq4yrkrmw68.cloudfront.net"), ("User-Agent", "curl/8")]
    origin = "internal-edge-477287101.us-west-2.elb.amazonaws.com"
    at_alb = H.cloudfront_request_headers(
        viewer, viewer_ip="73.140.151.157", cdn=CDN, origin_host=origin, cf_id=H.new_cf_id()
    )
    rule = R.Rule(40, (), (), (R.Transform("url-rewrite", "^/bravo/?(.*)$", "/$1"),))
    request = R.Request.get("/bravo/", host=origin)
    new_target = R.rewritten_target(rule, request)
    prefix = R.removed_prefix(request.path, new_target.split("?")[0])
    got = H.to_target(
        at_alb,
        client_ip="64.252.140.92",
        client_port=5555,
        listener=listener,
        load_balancer=lb,
        trace_id=H.new_trace_id(),
        translate_headers=True,
        cdns=[CDN],
        prefix=prefix,
    )
    d = dict(got)
    assert d["Host"] == origin
    assert d["X-Forwarded-For"] == "73.140.151.157, 64.252.140.92"
    assert d["X-Forwarded-Proto"] == "https" and d["X-Forwarded-Port"] == "443"
    assert d["X-Forwarded-Host"] == "d1phq4yrkrmw68.cloudfront.net"
    assert d["X-Forwarded-Prefix"] == "/bravo"
    assert d["Forwarded"] == (
        "for=73.140.151.157;proto=https;host=d1phq4yrkrmw68.cloudfront.net, "
        f"for=64.252.140.92;proto=http;host={origin}"
    )
    assert TRACE.match(d["X-Amzn-Trace-Id"].removeprefix("Root="))
    app = echo_app()
    assert app.return_path(d, new_target) == "https://d1phq4yrkrmw68.cloudfront.net/bravo/"
    # Without the translation, the app builds the broken link of the field notes.
    untranslated = dict(
        H.to_target(
            at_alb,
            client_ip="64.252.140.92",
            client_port=1,
            listener=listener,
            load_balancer=lb,
            trace_id="t",
        )
    )
    assert app.return_path(untranslated, "/bravo") == f"http://{origin}/bravo"
