"""Target health (emulator.alb.health): states, reason codes and thresholds with a fake
clock, which targets get traffic, the matcher, and the probe against a local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emulator.alb import AlbError
from emulator.alb.health import (
    Matcher,
    ProbeResult,
    State,
    TargetHealth,
    probe,
    routable,
)
from emulator.model.layout import TargetGroup

TG = TargetGroup(
    "alpha",
    port=8080,
    health_check_path="/health",
    health_check_interval_seconds=5,
    health_check_timeout_seconds=2,
    healthy_threshold_count=3,
    unhealthy_threshold_count=2,
    matcher="200-299",
    deregistration_delay=10,
)
OK = ProbeResult(ok=True, status=200)
E404 = ProbeResult(ok=False, status=404)
SLOW = ProbeResult(ok=False, timed_out=True)
REFUSED = ProbeResult(ok=False, error="ConnectionRefusedError")


def states(t: TargetHealth) -> list[tuple[float, str, str, str | None]]:
    return [(x.at, x.from_state.value, x.to_state.value, x.reason) for x in t.history]


def test_registration_then_one_pass_is_healthy() -> None:
    t = TargetHealth("10.0.0.5", 8080, TG, registered_at=100.0)
    assert (t.state, t.reason, t.description) == (
        State.INITIAL,
        "Elb.RegistrationInProgress",
        "Target registration is in progress",
    )
    assert t.due(100.0)
    t.record(OK, 100.0)
    assert t.state is State.HEALTHY and t.reason is None
    assert not t.due(104.9) and t.due(105.0)
    assert states(t) == [
        (100.0, "unused", "initial", "Elb.RegistrationInProgress"),
        (100.0, "initial", "healthy", None),
    ]


def test_initial_failures_then_unhealthy_with_reason() -> None:
    t = TargetHealth("10.0.0.5", 8080, TG, registered_at=0.0)
    t.record(E404, 0.0)
    assert (t.state, t.reason, t.description) == (
        State.INITIAL,
        "Elb.InitialHealthChecking",
        "Initial health checks in progress",
    )
    t.record(E404, 5.0)
    assert (t.state, t.reason, t.description) == (
        State.UNHEALTHY,
        "Target.ResponseCodeMismatch",
        "Health checks failed with these codes: [404]",
    )


def test_thresholds_of_consecutive_results() -> None:
    t = TargetHealth("10.0.0.5", 8080, TG, registered_at=0.0)
    t.record(OK, 0.0)
    t.record(SLOW, 5.0)
    t.record(OK, 10.0)  # the failure streak is broken
    t.record(SLOW, 15.0)
    assert t.state is State.HEALTHY
    t.record(SLOW, 20.0)
    assert (t.state, t.reason, t.description) == (
        State.UNHEALTHY,
        "Target.Timeout",
        "Request timed out",
    )
    t.record(REFUSED, 25.0)  # still unhealthy, the reason follows the last failure
    assert (t.reason, t.description) == ("Target.FailedHealthChecks", "Health checks failed")
    t.record(OK, 30.0)
    t.record(OK, 35.0)
    assert t.state is State.UNHEALTHY
    t.record(OK, 40.0)  # healthyThresholdCount = 3
    assert t.state is State.HEALTHY
    assert [s[2] for s in states(t)] == ["initial", "healthy", "unhealthy", "unhealthy", "healthy"]


def test_draining_for_the_whole_delay_then_unused() -> None:
    t = TargetHealth("10.0.0.5", 8080, TG, registered_at=0.0)
    t.record(OK, 0.0)
    t.deregister(50.0)
    assert (t.state, t.reason) == (State.DRAINING, "Target.DeregistrationInProgress")
    assert not t.due(1000.0)
    assert t.record(OK, 55.0) is None and t.state is State.DRAINING
    assert t.tick(59.9) is None
    moved = t.tick(60.0)
    assert moved is not None and (moved.from_state, moved.to_state, moved.reason) == (
        State.DRAINING,
        State.UNUSED,
        "Target.NotRegistered",
    )
    assert t.deregister(61.0) is None
    t.register(70.0)
    assert t.state is State.INITIAL and t.due(70.0)


def test_health_checks_disabled() -> None:
    tg = TargetGroup("x", health_check_enabled=False)
    t = TargetHealth("10.0.0.5", 80, tg, registered_at=0.0)
    assert (t.state, t.reason) == (State.UNAVAILABLE, "Target.HealthCheckDisabled")
    assert not t.due(100.0)


def test_routable_fails_open() -> None:
    assert routable([("a", 1, "healthy"), ("b", 1, "unhealthy"), ("c", 1, "initial")]) == [("a", 1)]
    assert routable([("b", 1, "unhealthy"), ("c", 1, "draining"), ("d", 1, "unhealthy")]) == [
        ("b", 1),
        ("d", 1),
    ]
    assert routable([("c", 1, "initial"), ("d", 1, "draining")]) == []
    assert routable([]) == []
    assert routable([("e", 1, "unavailable")]) == [("e", 1)]


@pytest.mark.parametrize(
    ("spec", "yes", "no"),
    [
        ("200", [200], [201, 404]),
        ("200,202", [200, 202], [201]),
        ("200-299", [200, 250, 299], [199, 300]),
        ("200,300-302", [200, 301], [299, 303]),
    ],
)
def test_matcher(spec: str, yes: list[int], no: list[int]) -> None:
    m = Matcher(spec)
    assert all(c in m for c in yes) and not any(c in m for c in no)


def test_matcher_errors() -> None:
    for bad in ("abc", "300-200", ""):
        with pytest.raises(AlbError):
            Matcher(bad)


# ---------------------------------------------------------------------------- probe


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        _Handler.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if self.path.startswith("/slow"):
            threading.Event().wait(1.5)
        code = 404 if self.path.startswith("/missing") else 200
        try:
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
        except OSError:
            pass  # the probe gave up (timeout test)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def test_probe_shape_and_results(server: int) -> None:
    _Handler.seen.clear()
    assert probe("127.0.0.1", server, TG) == ProbeResult(ok=True, status=200)
    assert _Handler.seen[-1]["path"] == "/health"
    assert _Handler.seen[-1]["user-agent"] == "ELB-HealthChecker/2.0"
    assert _Handler.seen[-1]["host"] == f"127.0.0.1:{server}"
    assert "x-forwarded-for" not in _Handler.seen[-1]
    missing = TargetGroup("m", health_check_path="/missing")
    res = probe("127.0.0.1", server, missing)
    assert (res.ok, res.status, res.reason, res.description) == (
        False,
        404,
        "Target.ResponseCodeMismatch",
        "Health checks failed with these codes: [404]",
    )
    slow = TargetGroup("s", health_check_path="/slow")
    res = probe("127.0.0.1", server, slow, timeout=0.3)
    assert (res.ok, res.timed_out, res.reason) == (False, True, "Target.Timeout")


def test_probe_refused() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    res = probe("127.0.0.1", port, TG)
    assert (res.ok, res.reason, res.description) == (
        False,
        "Target.FailedHealthChecks",
        "Health checks failed",
    )
