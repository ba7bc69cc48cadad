"""Helpers for driving the dashboard with Textual's Pilot over a FakeSource.

``tui`` opens the app at a fixed size with automatic refresh off and a fixed clock;
``settle`` waits until the background workers have delivered (data arrives from threads,
so a fixed sleep would be flaky); ``wait_for`` polls a condition. A socket guard fails any
test that tries to reach the network.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from textual.pilot import Pilot

from ecsdev.tui.app import EcsdevApp, make_app
from ecsdev.tui.screens.logs import LogsScreen
from tests.tui.fakes import NOW, FakeSource

SIZE = (120, 36)

_real_connect = socket.socket.connect


def _guarded(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in (
        "127.0.0.1",
        "localhost",
        "::1",
    ):
        raise AssertionError(f"test tried to reach {address[0]}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded)
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def app_for(source: FakeSource | None = None, **kwargs: Any) -> EcsdevApp:
    kwargs.setdefault("refresh", 0)
    kwargs.setdefault("log_poll", 0.05)
    return make_app(source or FakeSource(), now=lambda: NOW, **kwargs)


async def settle(pilot: Pilot[None], rounds: int = 1) -> None:
    """Let workers finish (except endless log pollers) and their results be drawn."""
    app = pilot.app
    for _ in range(200):
        busy = [w for w in app.workers if w.is_running and not isinstance(w.node, LogsScreen)]
        if not busy:
            break
        await asyncio.sleep(0.01)
    for _ in range(rounds):
        await pilot.pause()


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met in time")


@asynccontextmanager
async def running(app: EcsdevApp) -> AsyncIterator[Pilot[None]]:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot[None], *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
