"""The load balancer chain (with the two-key jump from an unhealthy target to its task),
logs (merged, filter, search, follow, cap), network and task definitions."""

from __future__ import annotations

from ecsdev.tui.screens.elb import TargetsScreen
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.screens.task import TaskScreen
from ecsdev.tui.screens.taskdefs import DiffScreen, TaskDefinitionScreen
from ecsdev.tui.widgets.logview import LogView
from tests.tui.conftest import app_for, press, running, settle, wait_for
from tests.tui.fakes import LB, LISTENER, TASKS, WEB_TG, FakeSource


async def test_load_balancer_chain_to_the_task_of_an_unhealthy_target() -> None:
    app = app_for()
    async with running(app) as pilot:
        app.run_command("lb")
        await settle(pilot)
        assert app.screen.table.shown_keys == [LB]  # type: ignore[attr-defined]
        await press(pilot, "enter")
        assert app.screen.route.kind == "listeners"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        rules = app.screen.table  # type: ignore[attr-defined]
        assert [rules.all_rows[k].plain(0) for k in rules.shown_keys] == [
            "5",
            "10",
            "20",
            "default",
        ]
        assert (
            rules.all_rows[f"{LISTENER}/r10"].plain(1)
            == "path matches /api/* and method is GET or POST"
        )
        await press(pilot, "G", "enter")  # the default rule forwards to web-tg
        assert isinstance(app.screen, TargetsScreen) and app.screen.tg == WEB_TG
        targets = app.screen.table
        assert targets.shown_keys[0] == "10.0.11.12:8080"  # unhealthy first
        await press(pilot, "G")  # move away, then the two keys:
        await press(pilot, "u", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskScreen))
        assert app.screen.task_arn == TASKS[1].arn  # type: ignore[attr-defined]


async def test_merged_service_logs_filter_search_follow() -> None:
    source = FakeSource()
    app = app_for(source, cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "L")
        assert isinstance(app.screen, LogsScreen)
        log = app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.line_count == 7)  # 3 lines x 2 web streams + 1 error
        assert len(app.screen.streams) == 4  # two running tasks x two containers
        assert app.screen.missing  # the log-router streams do not exist
        labels = {e.label for e in log._entries}
        assert labels == {"01a1b2c3/web", "02a1b2c3/web"}  # a prefix per task
        source.push_log("02a1b2c3/web", "POST /orders 500", "POST /orders 201")
        await wait_for(pilot, lambda: log.line_count == 9)
        await press(pilot, "slash", *"orders", "enter")
        assert log.shown_text() == ["POST /orders 500", "POST /orders 201"]
        await press(pilot, "escape")  # clears the filter
        assert log.shown_count == 9
        await press(pilot, "s", *"timed out", "enter")
        assert log.search_text == "timed out" and not log.follow
        await press(pilot, "f")
        assert log.follow
        await press(pilot, "t")
        assert not log.show_time


async def test_log_buffer_is_capped() -> None:
    from datetime import UTC, datetime

    from ecsdev.sources.views import LogLine

    app = app_for(log_buffer=1000)
    async with running(app) as pilot:
        app.run_command("svc demo")
        await settle(pilot)
        await press(pilot, "l")
        log = app.screen.query_one(LogView)
        stamp = datetime(2024, 1, 1, tzinfo=UTC)
        log.append([LogLine(stamp, f"line {i}", "x") for i in range(5000)])
        assert log.line_count == 1000
        assert log.shown_text()[-1] == "line 4999"


async def test_task_definition_and_diff() -> None:
    app = app_for(cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "t")
        assert isinstance(app.screen, TaskDefinitionScreen)
        shown = str(app.screen.query_one("#taskdef").render())
        assert "secret DB_PASSWORD from arn:aws:secretsmanager" in shown
        await press(pilot, "d")
        assert isinstance(app.screen, DiffScreen)
        assert app.screen.summary == "5 differences"  # memory, image, container memory, 2 env


async def test_revisions_mark_and_diff() -> None:
    app = app_for()
    async with running(app) as pilot:
        app.run_command("td web")
        await settle(pilot)
        assert [k.rsplit(":", 1)[-1] for k in app.screen.table.shown_keys] == ["7", "6"]  # type: ignore[attr-defined]
        await press(pilot, "space", "down", "space", "D")
        assert isinstance(app.screen, DiffScreen)
        assert app.screen.old.endswith("web:6") and app.screen.new.endswith("web:7")


async def test_vpc_subnets_and_groups() -> None:
    app = app_for()
    async with running(app) as pilot:
        app.run_command("vpc")
        await settle(pilot)
        await press(pilot, "enter")
        subnets = app.screen.table  # type: ignore[attr-defined]
        kinds = {k: subnets.all_rows[k].plain(2) for k in subnets.shown_keys}
        assert kinds["subnet-0public0a"] == "public" and kinds["subnet-0private0a"] == "private"
        app.screen.query_one("TabbedContent").active = "groups"  # type: ignore[attr-defined]
        await settle(pilot)
        assert app.screen.table.id == "sg-table"  # type: ignore[attr-defined]
        await press(pilot, "enter")
        assert app.screen.route.kind == "sg"  # type: ignore[attr-defined]
        rules = [app.screen.table.all_rows[k].plain(2) for k in app.screen.table.shown_keys]  # type: ignore[attr-defined]
        assert "tcp port 443 from 0.0.0.0/0" in rules
