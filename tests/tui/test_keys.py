"""Keys typed in one burst (a paste, a fast typist, a lagging UI) land where they were meant
to: every key after ``:`` or ``/`` belongs to the prompt, and keys after Enter belong to the
view the command opened. Each test posts all its keys to the app at once, before any is
handled, as a terminal driver does when keys arrive faster than the app takes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from textual import events
from textual.pilot import Pilot

from ecsdev.sources.views import ServiceView
from ecsdev.tui.app import EcsdevApp
from ecsdev.tui.screens.ecs import ServicesScreen, TasksScreen
from ecsdev.tui.widgets.bars import Prompt
from tests.tui.conftest import app_for, running, settle, wait_for
from tests.tui.fakes import FakeSource

NAMES = {"/": "slash", ":": "colon", " ": "space", "\n": "enter", "!": "exclamation_mark"}


async def burst(pilot: Pilot[None], text: str) -> None:
    """Post every key of ``text`` (``\\n`` is Enter) without letting the app run between."""
    app = pilot.app
    for ch in text:
        key = NAMES.get(ch, ch)
        app.post_message(events.Key(key, None if ch == "\n" else ch))
    await settle(pilot, rounds=3)
    await settle(pilot, rounds=3)


def services_shown(app: EcsdevApp) -> list[str]:
    return [k.rsplit("/", 1)[-1] for k in app.screen.table.shown_keys]  # type: ignore[attr-defined]


class GatedSource(FakeSource):
    """Services arrive only when the test says so (after the keys were handled)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def iter_services(self, cluster: str) -> Iterator[list[ServiceView]]:
        self.gate.wait(10)
        yield from super().iter_services(cluster)


async def test_command_then_a_key_for_the_next_view() -> None:
    source = GatedSource()
    app = app_for(source)
    async with running(app) as pilot:
        await burst(pilot, ":svc demo\nj")
        await wait_for(pilot, lambda: isinstance(app.screen, ServicesScreen))
        source.gate.set()
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        assert screen.cluster == "demo"  # not "demoj"
        await wait_for(pilot, lambda: len(screen.table.shown_keys) == 3)
        # j moved the cursor from web (the first row to arrive) to worker, and the cursor
        # stays on worker when api arrives and sorts first.
        assert (screen.table.current_key or "").endswith("/worker")


async def test_filter_letters_are_not_hotkeys() -> None:
    app = app_for(cluster="demo")
    async with running(app) as pilot:
        await burst(pilot, "/worker")
        table = app.screen.table  # type: ignore[attr-defined]
        assert table.sort_column is None  # "o" did not sort
        assert app.screen.query_one(Prompt).value == "worker"
        assert services_shown(app) == ["worker"]
        await burst(pilot, "\n")
        assert isinstance(app.screen, ServicesScreen)  # Enter closed the prompt, opened nothing
        assert services_shown(app) == ["worker"]


async def test_command_letters_are_not_hotkeys() -> None:
    app = app_for(cluster="demo")
    async with running(app) as pilot:
        await burst(pilot, ":tasks\n")
        await wait_for(pilot, lambda: isinstance(app.screen, TasksScreen))
        assert app.screen.route.kind == "tasks"  # type: ignore[attr-defined]  # not "t" (taskdef)


async def test_inverse_filter_typed_at_once() -> None:
    app = app_for(cluster="demo")
    async with running(app) as pilot:
        await burst(pilot, "/!name:w\n")
        assert services_shown(app) == ["api"]
        assert not app.screen.query_one(Prompt).display
