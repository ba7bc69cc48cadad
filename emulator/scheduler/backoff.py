"""The service throttle: tasks that keep dying before RUNNING are retried less and less often.

ECS (service-throttle-logic.html) backs off, up to 15 minutes, when a service's tasks repeatedly
go PENDING -> STOPPED, and says so once with ``(service NAME) is unable to consistently start
tasks successfully.``; tasks that reached RUNNING and then failed do not count. Without this a
crash-looping image would be restarted as fast as the controller ticks. ECS does not publish its
schedule, so the schedule is a policy object: a few free retries, then exponential growth.
The state is plain data so the store can persist it with the service.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

from emulator.codec import decode, encode


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """How long to wait before the next launch after consecutive start failures."""

    free_failures: int = 1
    """Failures retried at once; the throttle engages on the next one."""
    base_seconds: float = 10.0
    """The first delay."""
    factor: float = 2.0
    """Growth per further failure."""
    max_seconds: float = 900.0
    """ECS's ceiling: 15 minutes."""

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive start failures."""
        over = failures - self.free_failures
        if over <= 0:
            return 0.0
        return float(min(self.base_seconds * self.factor ** (over - 1), self.max_seconds))


@dataclass(frozen=True, slots=True)
class BackoffState:
    """One service's throttle: consecutive start failures and when launching may resume."""

    consecutive_failures: int = 0
    next_start_at: float | None = None
    """No launches before this time; None when not throttled."""
    throttled: bool = False
    """The throttle event was emitted for the current episode."""

    def can_start(self, now: float) -> bool:
        return self.next_start_at is None or now >= self.next_start_at

    def to_dict(self) -> dict[str, Any]:
        return cast(dict[str, Any], encode(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BackoffState:
        return decode(cls, data)


def record_start_failure(
    state: BackoffState, now: float, policy: BackoffPolicy
) -> tuple[BackoffState, bool]:
    """A task went PENDING -> STOPPED. Returns the new state and whether the throttle has just
    engaged (the caller then emits ``messages.unable_to_start``)."""
    failures = state.consecutive_failures + 1
    delay = policy.delay(failures)
    if delay <= 0:
        return replace(state, consecutive_failures=failures), False
    engaged = not state.throttled
    return BackoffState(failures, now + delay, True), engaged


def record_start_success(state: BackoffState) -> BackoffState:
    """A task reached RUNNING: the episode is over."""
    return BackoffState() if state != BackoffState() else state
