"""Target health as the ALB keeps it: states, reason codes, thresholds, draining.

Why this exists: nginx has no active health checks, so the controller probes targets itself
and decides which ones get traffic. The state machine is pure, with time passed in, so the
engine tests drive it with a fake clock; ``probe`` (the one blocking HTTP GET) is kept apart.
Behaviour follows reference/aws-semantics.md section C: one passing check after registration
makes a target healthy; after that it takes ``healthyThresholdCount`` consecutive passes or
``unhealthyThresholdCount`` consecutive failures to change; deregistration drains for
``deregistrationDelay`` seconds, then the target is ``unused``.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from emulator.alb import AlbError
from emulator.model.layout import TargetGroup

USER_AGENT = "ELB-HealthChecker/2.0"


class State(StrEnum):
    INITIAL = "initial"
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNUSED = "unused"
    DRAINING = "draining"
    UNAVAILABLE = "unavailable"


REGISTRATION_IN_PROGRESS = "Elb.RegistrationInProgress"
INITIAL_HEALTH_CHECKING = "Elb.InitialHealthChecking"
RESPONSE_CODE_MISMATCH = "Target.ResponseCodeMismatch"
TIMEOUT = "Target.Timeout"
FAILED_HEALTH_CHECKS = "Target.FailedHealthChecks"
DEREGISTRATION_IN_PROGRESS = "Target.DeregistrationInProgress"
NOT_REGISTERED = "Target.NotRegistered"
HEALTH_CHECK_DISABLED = "Target.HealthCheckDisabled"

DESCRIPTIONS = {
    REGISTRATION_IN_PROGRESS: "Target registration is in progress",
    INITIAL_HEALTH_CHECKING: "Initial health checks in progress",
    TIMEOUT: "Request timed out",
    FAILED_HEALTH_CHECKS: "Health checks failed",
    DEREGISTRATION_IN_PROGRESS: "Target deregistration is in progress",
    NOT_REGISTERED: "Target is not registered to the target group",
    HEALTH_CHECK_DISABLED: "Health checks are disabled",
}


class Matcher:
    """The HTTP codes a health check accepts: ``"200"``, ``"200,202"``, ``"200-299"`` or a
    mix such as ``"200,300-399"``."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self._ranges: list[tuple[int, int]] = []
        for part in str(spec).split(","):
            lo, _, hi = part.strip().partition("-")
            try:
                low, high = int(lo), int(hi or lo)
            except ValueError:
                raise AlbError(
                    f"matcher {spec!r}: {part.strip()!r} is not a code or a range"
                ) from None
            if low > high:
                raise AlbError(f"matcher {spec!r}: range {part.strip()!r} runs backwards")
            self._ranges.append((low, high))

    def __contains__(self, code: object) -> bool:
        return isinstance(code, int) and any(lo <= code <= hi for lo, hi in self._ranges)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One health check: ``status`` when a response came back, else ``timed_out`` or an
    ``error`` (refused, reset, ...). ``ok`` says whether the matcher accepted it."""

    ok: bool
    status: int | None = None
    timed_out: bool = False
    error: str = ""

    @property
    def reason(self) -> str | None:
        """The reason code a failure gives an unhealthy target (None when ok)."""
        if self.ok:
            return None
        if self.status is not None:
            return RESPONSE_CODE_MISMATCH
        return TIMEOUT if self.timed_out else FAILED_HEALTH_CHECKS

    @property
    def description(self) -> str:
        if self.ok:
            return ""
        if self.status is not None:
            return f"Health checks failed with these codes: [{self.status}]"
        return DESCRIPTIONS[TIMEOUT if self.timed_out else FAILED_HEALTH_CHECKS]


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of state or reason, for the target-health history."""

    at: float
    from_state: State
    to_state: State
    reason: str | None
    description: str = ""


@dataclass
class TargetHealth:
    """The health of one registered target (``ip``, ``port``) in one target group."""

    ip: str
    port: int
    group: TargetGroup
    registered_at: float
    state: State = State.UNUSED
    reason: str | None = NOT_REGISTERED
    description: str = DESCRIPTIONS[NOT_REGISTERED]
    passes: int = 0
    failures: int = 0
    next_probe_at: float | None = None
    drain_until: float | None = None
    history: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.register(self.registered_at)

    # -- inputs -------------------------------------------------------------------------

    def register(self, now: float) -> Transition | None:
        """(Re-)register: ``initial``, first probe due at once; ``unavailable`` when the
        target group's health checks are disabled."""
        self.registered_at = now
        self.passes = self.failures = 0
        self.drain_until = None
        if not self.group.health_check_enabled:
            self.next_probe_at = None
            return self._move(now, State.UNAVAILABLE, HEALTH_CHECK_DISABLED)
        self.next_probe_at = now
        return self._move(now, State.INITIAL, REGISTRATION_IN_PROGRESS)

    def due(self, now: float) -> bool:
        """Whether a probe should be sent now (every ``healthCheckIntervalSeconds``)."""
        return self.next_probe_at is not None and now >= self.next_probe_at

    def record(self, result: ProbeResult, at: float) -> Transition | None:
        """Apply one probe result; ``at`` is when the probe was sent. Results for a target
        that is draining or unused are ignored."""
        if self.state in (State.DRAINING, State.UNUSED, State.UNAVAILABLE):
            return None
        self.next_probe_at = at + self.group.health_check_interval_seconds
        if result.ok:
            self.passes, self.failures = self.passes + 1, 0
        else:
            self.passes, self.failures = 0, self.failures + 1
        if self.state is State.INITIAL:
            if result.ok:
                return self._move(at, State.HEALTHY, None)
            if self.failures >= self.group.unhealthy_threshold_count:
                return self._move(at, State.UNHEALTHY, result.reason, result.description)
            return self._move(at, State.INITIAL, INITIAL_HEALTH_CHECKING)
        if self.state is State.HEALTHY:
            if self.failures >= self.group.unhealthy_threshold_count:
                return self._move(at, State.UNHEALTHY, result.reason, result.description)
            return None
        # unhealthy: a new failure may change the reason; enough passes bring it back
        if result.ok:
            if self.passes >= self.group.healthy_threshold_count:
                return self._move(at, State.HEALTHY, None)
            return None
        return self._move(at, State.UNHEALTHY, result.reason, result.description)

    def deregister(self, now: float) -> Transition | None:
        """Start draining; the target stays ``draining`` for the whole delay."""
        if self.state in (State.DRAINING, State.UNUSED):
            return None
        self.next_probe_at = None
        self.drain_until = now + self.group.deregistration_delay
        return self._move(now, State.DRAINING, DEREGISTRATION_IN_PROGRESS)

    def tick(self, now: float) -> Transition | None:
        """Let time pass: a drained target becomes ``unused``."""
        if (
            self.state is State.DRAINING
            and self.drain_until is not None
            and now >= self.drain_until
        ):
            self.drain_until = None
            return self._move(now, State.UNUSED, NOT_REGISTERED)
        return None

    # -- internals ----------------------------------------------------------------------

    def _move(
        self, at: float, to: State, reason: str | None, description: str = ""
    ) -> Transition | None:
        text = description or DESCRIPTIONS.get(reason or "", "")
        if to is self.state and reason == self.reason and text == self.description:
            return None
        t = Transition(at, self.state, to, reason, text)
        self.state, self.reason, self.description = to, reason, text
        self.history.append(t)
        return t


def routable(states: Iterable[tuple[str, int, str]]) -> list[tuple[str, int]]:
    """Which ``(ip, port, state)`` targets get traffic: the healthy ones (and those whose
    checks are disabled); when there are none, fail open to every unhealthy target; an
    empty list means the ALB answers 503."""
    targets = list(states)
    up = [(ip, port) for ip, port, s in targets if s in (State.HEALTHY, State.UNAVAILABLE)]
    if up:
        return up
    return [(ip, port) for ip, port, s in targets if s == State.UNHEALTHY]


def probe(ip: str, port: int, group: TargetGroup, timeout: float | None = None) -> ProbeResult:
    """One health check, as the ALB sends it: ``GET <healthCheckPath>`` with
    ``User-Agent: ELB-HealthChecker/2.0`` and ``Host: <ip>:<port>``, within
    ``healthCheckTimeoutSeconds``; the matcher decides. Blocking; never raises for the
    target's failures."""
    check_port = port if group.health_check_port == "traffic-port" else int(group.health_check_port)
    limit = float(group.health_check_timeout_seconds if timeout is None else timeout)
    host = f"[{ip}]:{check_port}" if ":" in ip else f"{ip}:{check_port}"
    conn: http.client.HTTPConnection
    if group.health_check_protocol.upper() == "HTTPS":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(ip, check_port, timeout=limit, context=context)
    else:
        conn = http.client.HTTPConnection(ip, check_port, timeout=limit)
    try:
        conn.putrequest(
            "GET", group.health_check_path or "/", skip_host=True, skip_accept_encoding=True
        )
        conn.putheader("Host", host)
        conn.putheader("User-Agent", USER_AGENT)
        conn.putheader("Connection", "close")
        conn.endheaders()
        response = conn.getresponse()
        response.read(64 * 1024)
        status = response.status
    except TimeoutError:
        return ProbeResult(ok=False, timed_out=True, error="timed out")
    except (OSError, http.client.HTTPException) as exc:
        return ProbeResult(ok=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()
    return ProbeResult(ok=status in Matcher(group.matcher), status=status)
