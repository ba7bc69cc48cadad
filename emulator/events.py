"""Events: the engine's only way to tell anyone anything. The engine never prints; it hands
``Event`` objects to a sink, and the CLI or the dashboard decides how to show them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["info", "warning", "error"]


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened. ``subject`` is a task ARN, a service name or a file."""

    message: str
    level: Level = "info"
    subject: str = ""
    kind: str = "engine"
    at: float = field(default_factory=time.time)


EventSink = Callable[[Event], None]


def discard(_: Event) -> None:
    """A sink for callers that do not care."""


class Collector:
    """A sink that keeps every event; handy for tests and for batching warnings."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def messages(self, level: Level | None = None) -> list[str]:
        return [e.message for e in self.events if level is None or e.level == level]
