"""Long-lived exchanges through the ALB stand-in, as an Application Load Balancer passes
them: WebSockets (the client's Upgrade reaches the target, the 101 and every frame come
back, on a listener and through a CloudFront stand-in, closed after the idle timeout like
any connection) and responses streamed as the target writes them (server-sent events are
not held back in a proxy buffer). Real nginx in front of the real echo app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest

from emulator.alb.nginx import listens
from tests.docker.streams import WebSocket, event_times
from tests.docker.test_nginx_routing import TRACE, Lab, Nginx, call
from tests.unit.test_nginx_config import cdn_stack, simple_forward

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lab = Lab()
    try:
        lab.start_echo("alpha", "bravo", "green")
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="module")
def listener(lab: Lab) -> Nginx:
    """One stand-in for the tests that only read from its listener."""
    return lab.nginx(*simple_forward(lab.ip("alpha"), lab.ip("bravo")))


@pytest.fixture(scope="module")
def edge(lab: Lab) -> tuple[Nginx, int]:
    """The CloudFront example's stand-in, and its CDN's container port."""
    parts, targets = cdn_stack(lab.ip("alpha"), lab.ip("bravo"), lab.ip("green"))
    return lab.nginx(parts, targets), next(
        x.container_port for x in listens(parts) if x.role == "cdn"
    )


def test_a_websocket_reaches_the_target_and_frames_go_both_ways(listener: Nginx) -> None:
    ng = listener
    ws = WebSocket(ng.port(80), "/ws?room=1", headers={"X-Forwarded-For": "203.0.113.9"})
    try:
        assert ws.accepted(), (ws.status, ws.headers)
        hello = ws.recv_json()  # what the target's handshake carried
        seen = hello["incoming-headers"]
        assert hello["path"] == "/ws?room=1"
        assert seen["upgrade"] == "websocket"
        assert seen["connection"].lower() == "upgrade"
        assert seen["sec-websocket-version"] == "13"
        assert seen["x-forwarded-for"].startswith("203.0.113.9, ")
        assert seen["x-forwarded-proto"] == "http"
        assert TRACE.match(seen["x-amzn-trace-id"].removeprefix("Root=")), seen
        ws.send(b"hello")
        assert ws.recv() == (0x1, b"hello")
        big = bytes(range(256)) * 300  # 76,800 bytes: a 64-bit length, several TCP segments
        ws.send(big, opcode=0x2)
        assert ws.recv() == (0x2, big)
        ws.send(b"are you there", opcode=0x9)  # ping
        assert ws.recv() == (0xA, b"are you there")  # pong
        ws.send(b"\x03\xe8", opcode=0x8)  # close, 1000
        assert ws.recv() == (0x8, b"\x03\xe8")
    finally:
        ws.close()
    # the listener still serves plain requests, kept alive to the target as before
    r = call(ng.port(80), "/after")
    assert r.status == 200
    assert "upgrade" not in r.json()["incoming-headers"]


def test_only_a_websocket_upgrade_is_passed_on(listener: Nginx) -> None:
    ng = listener
    r = call(ng.port(80), "/h2c", headers={"Upgrade": "h2c", "Connection": "Upgrade"})
    assert r.status == 200
    seen = r.json()["incoming-headers"]
    assert "upgrade" not in seen
    assert "connection" not in seen or "upgrade" not in seen["connection"].lower()


def test_a_websocket_goes_through_the_cloudfront_stand_in(edge: tuple[Nginx, int]) -> None:
    ng, cdn_port = edge
    ws = WebSocket(ng.port(cdn_port), "/bravo/ws")  # url-rewrite: /ws
    try:
        assert ws.accepted(), (ws.status, ws.headers)
        seen = ws.recv_json()["incoming-headers"]
        assert seen["upgrade"] == "websocket"
        assert "(CloudFront)" in seen["via"]
        assert seen["x-forwarded-proto"] == "https"  # the viewer's, translated
        ws.send(b"through two hops")
        assert ws.recv() == (0x1, b"through two hops")
    finally:
        ws.close()


def test_an_idle_websocket_is_closed_at_the_idle_timeout(lab: Lab) -> None:
    parts, targets = simple_forward(lab.ip("alpha"), lab.ip("bravo"))
    lb = parts.load_balancer
    idle = (*lb.attributes, ("idle_timeout.timeout_seconds", "1"))
    parts = replace(parts, load_balancer=replace(lb, attributes=idle))
    ng = lab.nginx(parts, targets)
    ws = WebSocket(ng.port(80))
    try:
        assert ws.accepted()
        ws.recv_json()
        for _ in range(3):  # traffic keeps it open past the timeout
            ws.send(b"tick")
            assert ws.recv() == (0x1, b"tick")
            assert ws.closed_after(0.6) is None
        closed = ws.closed_after(10)
        assert closed is not None and 0.3 < closed < 3, closed
    finally:
        ws.close()


def test_server_sent_events_arrive_as_the_target_writes_them(listener: Nginx) -> None:
    got = event_times(listener.port(80), "/stream/3")  # one event a second
    events = [x for _, chunk in got for x in chunk.split(b"\n\n") if x]
    assert [e.split(b"\n")[0] for e in events] == [b"id: 0", b"id: 1", b"id: 2"]
    first, last = got[0][0], got[-1][0]
    assert first < 0.9, got  # not held until the response ends, two seconds later
    assert last > 1.5, got


def test_server_sent_events_stream_through_the_cloudfront_stand_in(
    edge: tuple[Nginx, int],
) -> None:
    ng, cdn_port = edge
    got = event_times(ng.port(cdn_port), "/bravo/stream/2")  # url-rewrite: /stream/2
    assert got[0][0] < 0.9 and got[-1][0] > 0.7, got
    assert json.dumps([c.decode() for _, c in got]).count("id: ") == 2
