"""The defects found using the dashboard in an incident (issue 13), one test each: log search
that shows its matches and where ``n`` went, an inverse filter that hides a container's
lines, a sort header that follows the sort, one-off tasks that are not a service's, and a
weighted forward whose every target group can be opened."""

from __future__ import annotations

from dataclasses import replace

from rich.segment import Segment
from rich.style import Style

from ecsdev.sources.netviews import RuleView
from ecsdev.sources.views import LogLine
from ecsdev.tui.app import EcsdevApp
from ecsdev.tui.screens.elb import RulesScreen, TargetGroupsScreen, TargetsScreen
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.widgets.logview import LogView
from ecsdev.tui.widgets.table import ResourceTable
from tests.tui import fakes
from tests.tui.conftest import app_for, press, running, settle, wait_for
from tests.tui.fakes import API_TG, LISTENER, NOW, TASKS, WEB_TG, FakeSource


def _background(segments: list[Segment], word: str) -> list[str]:
    """The background colour of each segment holding ``word``."""
    out = []
    for seg in segments:
        if word in seg.text:
            style = seg.style or Style()
            out.append(style.bgcolor.name if style.bgcolor else "")
    return out


def _notes(app: EcsdevApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_log_search_highlights_every_match_and_the_current_one() -> None:
    app = app_for(FakeSource(), cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "L")
        assert isinstance(app.screen, LogsScreen)
        log = app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.line_count == 7)
        await press(pilot, "s", *"health", "enter")
        matches = log.matches()
        assert len(matches) == 6 and log.current_match == matches[-1]
        top = int(log.scroll_y)
        current = list(log.render_line(matches[-1] - top))
        other = list(log.render_line(matches[0] - top))
        assert _background(current, "health") == ["red"]  # the current match stands out
        assert _background(other, "health") == ["yellow"]  # and every other match shows
        await press(pilot, "N")
        assert log.current_match == matches[-2]
        assert "match 5 of 6" in _notes(app)[-1]
        await press(pilot, "n", "n")
        assert log.current_match == matches[0]
        assert "match 1 of 6, wrapped to the top" in _notes(app)[-1]
        assert "search 'health' 1/6" in str(app.screen.note())


async def test_inverse_log_filter_hides_a_containers_lines() -> None:
    app = app_for(FakeSource(), cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "L")
        log = app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.line_count == 7)
        log.append(
            [
                LogLine(NOW, "[info] upstream connect ok", "01a1b2c3/envoy"),
                LogLine(NOW, "envoy said hello", "01a1b2c3/web"),
            ]
        )
        await press(pilot, "slash", *"!envoy", "enter")
        assert log.shown_count == 7  # neither envoy's line nor the one that names it
        assert all("envoy" not in text for text in log.shown_text())
        await press(pilot, "slash", "ctrl+u", *"envoy", "enter")
        assert log.shown_count == 2


def _header(table: ResourceTable) -> str:
    return "".join(seg.text for seg in table.render_line(0))


async def test_sort_arrow_follows_a_sort_that_keeps_the_order() -> None:
    app = app_for(cluster="demo")
    async with running(app) as pilot:
        table = app.screen.table  # type: ignore[attr-defined]
        order = list(table.shown_keys)  # by NAME (the default): api, web, worker
        assert "NAME ▲" in _header(table)
        await press(pilot, "f2")  # STATUS: every one ACTIVE, so the order does not change
        assert table.shown_keys == order
        header = _header(table)
        assert "STATUS ▲" in header and "NAME ▲" not in header
        for key in table.shown_keys:  # cells still line up under their headers
            line = "".join(seg.text for seg in table.render_line(table.get_row_index(key) + 1))
            assert line.index("ACTIVE") == header.index("STATUS")
        await press(pilot, "f2")  # again: reversed (ties keep their order: unchanged again)
        assert "STATUS ▼" in _header(table) and table.shown_keys == order
        await press(pilot, "f1", "f1")  # NAME, then NAME reversed
        assert "NAME ▼" in _header(table) and "STATUS ▼" not in _header(table)
        assert table.shown_keys == order[::-1]


async def test_one_off_task_is_not_a_service_task() -> None:
    source = FakeSource()
    one_off = replace(TASKS[3], arn=TASKS[3].arn + "ff", id="ffa1b2c3", group="family:checkout")
    source.tasks = [*source.tasks, one_off]
    app = app_for(source, cluster="demo")
    async with running(app) as pilot:
        app.run_command("tasks")
        await settle(pilot)
        table = app.screen.table  # type: ignore[attr-defined]
        row = table.all_rows[one_off.arn]
        assert row.plain(1) != "checkout"
        assert "run-task" in row.plain(1)
        assert table.all_rows[TASKS[0].arn].plain(1) == "web"


async def test_weighted_forward_reaches_every_target_group() -> None:
    weighted = RuleView(
        f"{LISTENER}/r30",
        LISTENER,
        "30",
        ("path matches /checkout/*",),
        ("forward to web-tg (weight 90), api-tg (weight 10)",),
        (WEB_TG, API_TG),
    )
    original = list(fakes.RULES)
    fakes.RULES[:] = [*original, weighted]
    try:
        app = app_for(FakeSource())
        async with running(app) as pilot:
            app.navigate(app.history[0].to("rules", listener=LISTENER))
            await settle(pilot)
            assert isinstance(app.screen, RulesScreen)
            table = app.screen.table
            table.move_to_key(weighted.arn)
            await press(pilot, "enter")
            assert isinstance(app.screen, TargetGroupsScreen)
            groups = app.screen.table
            assert sorted(groups.shown_keys) == sorted([WEB_TG, API_TG])
            groups.move_to_key(API_TG)
            await press(pilot, "enter")
            assert isinstance(app.screen, TargetsScreen) and app.screen.tg == API_TG
    finally:
        fakes.RULES[:] = original
