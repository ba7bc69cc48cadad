"""SVG snapshots of the main screens at 120x36 over the FakeSource's fixed data.

Regenerate with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and review the
SVGs (``snapshot_report.html`` shows the differences) before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from ecsdev.tui.app import EcsdevApp
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.widgets.logview import LogView
from tests.tui.conftest import SIZE, app_for, settle, wait_for
from tests.tui.fakes import FakeSource, failing

Compare = Callable[..., bool]


def steps(*commands: str | tuple[str, ...]) -> Callable[[Pilot[None]], Awaitable[None]]:
    """A run_before: wait for data, then run ``:`` commands or press keys, settling after each."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for step in commands:
            if isinstance(step, str):
                pilot.app.run_command(step)  # type: ignore[attr-defined]
            else:
                await pilot.press(*step)
            await settle(pilot)
        await settle(pilot)

    return run


def snap(snap_compare: Compare, app: EcsdevApp, *commands: str | tuple[str, ...]) -> bool:
    return snap_compare(app, terminal_size=SIZE, run_before=steps(*commands))


def test_clusters(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for())


def test_services(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo"))


def test_service_tasks(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo", service="web"))


def test_service_deployments(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo", service="web"), ("2",))


def test_stopped_task(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo", service="web"), ("down", "down", "enter"))


def test_task_network(snap_compare: Compare) -> None:
    app = app_for(cluster="demo", service="web")
    assert snap(snap_compare, app, ("enter",), ("n",))


def test_merged_logs(snap_compare: Compare) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("L")
        await wait_for(
            pilot,
            lambda: (
                isinstance(pilot.app.screen, LogsScreen)
                and pilot.app.screen.query_one(LogView).line_count == 7
            ),
        )
        await settle(pilot)

    assert snap_compare(app_for(cluster="demo", service="web"), terminal_size=SIZE, run_before=run)


def test_rules(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(), "lb", ("enter",), ("enter",))


def test_targets_unhealthy_first(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(), "lb", ("enter",), ("enter",), ("G", "enter"))


def test_vpc_subnets(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(), "vpc", ("enter",))


def test_task_definition_diff(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo", service="web"), ("t",), ("d",))


def test_confirm_shows_the_api_call(snap_compare: Compare) -> None:
    app = app_for(FakeSource(writable=True), cluster="demo", service="web")
    assert snap(snap_compare, app, ("ctrl+k",))


def test_help(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo", service="web"), ("question_mark",))


def test_production_context(snap_compare: Compare) -> None:
    app = app_for(FakeSource(writable=True, production=True, name="aws:prod"), cluster="demo")
    assert snap(snap_compare, app)


def test_error_panel(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(failing("iter_services"), cluster="demo"))


def test_filter_prompt(snap_compare: Compare) -> None:
    assert snap(snap_compare, app_for(cluster="demo", service="web"), ("slash", "U", "N", "H"))
