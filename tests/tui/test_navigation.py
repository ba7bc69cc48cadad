"""Drill-down, history, breadcrumbs, ``:`` commands, ``/`` filter, sort, help and the
palette, driven by key presses over a FakeSource."""

from __future__ import annotations

from ecsdev.tui.app import EcsdevApp
from ecsdev.tui.screens.ecs import ClustersScreen, ServiceScreen, ServicesScreen, TasksScreen
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.screens.modals import HelpModal
from ecsdev.tui.screens.task import TaskScreen
from ecsdev.tui.widgets.bars import Crumbs, Prompt
from ecsdev.tui.widgets.table import ResourceTable
from tests.tui.conftest import app_for, press, running, settle, wait_for
from tests.tui.fakes import TASKS, FakeSource


def table(app: EcsdevApp) -> ResourceTable:
    return app.screen.table  # type: ignore[attr-defined, no-any-return]


def crumbs(app: EcsdevApp) -> str:
    return str(app.screen.query_one(Crumbs).render())


async def test_drill_down_clusters_to_logs() -> None:
    app = app_for()
    async with running(app) as pilot:
        assert isinstance(app.screen, ClustersScreen)
        assert table(app).shown_keys == ["demo", "staging"]
        await press(pilot, "enter")
        assert isinstance(app.screen, ServicesScreen)
        # by name, whatever order the batches came in (web and worker first, then api)
        assert [k.rsplit("/", 1)[-1] for k in table(app).shown_keys] == ["api", "web", "worker"]
        await press(pilot, "down", "enter")
        assert isinstance(app.screen, ServiceScreen)
        assert len(table(app).shown_keys) == 3  # two running, one stopped
        await press(pilot, "enter")
        assert isinstance(app.screen, TaskScreen)
        assert table(app).shown_keys == ["web", "log-router"]
        await press(pilot, "enter")
        assert isinstance(app.screen, LogsScreen)
        await wait_for(pilot, lambda: app.screen.logview.line_count == 4)  # type: ignore[attr-defined]
        assert "clusters › demo › web › 01a1b2c3 › logs web" in crumbs(app)


async def test_back_forward_and_state_survives() -> None:
    app = app_for()
    async with running(app) as pilot:
        await press(pilot, "enter", "down", "down")  # services, cursor on worker
        worker = table(app).current_key
        await press(pilot, "enter")
        assert isinstance(app.screen, ServiceScreen) and app.screen.service_name == "worker"
        await press(pilot, "left_square_bracket")
        assert isinstance(app.screen, ServicesScreen)
        assert table(app).current_key == worker  # cursor restored
        await press(pilot, "right_square_bracket")
        assert isinstance(app.screen, ServiceScreen)
        await press(pilot, "escape", "escape")
        assert isinstance(app.screen, ClustersScreen)


async def test_deep_link() -> None:
    app = app_for(cluster="demo", service="worker")
    async with running(app) as pilot:
        assert isinstance(app.screen, ServiceScreen) and app.screen.service_name == "worker"
        assert "clusters › demo › worker" in crumbs(app)
        await press(pilot, "left_square_bracket")
        assert isinstance(app.screen, ServicesScreen)


async def test_filter_sort_and_refresh_keep_the_view() -> None:
    app = app_for(cluster="demo")
    async with running(app) as pilot:
        await press(pilot, "slash", "w")
        assert len(table(app).shown_keys) == 2  # web, worker
        await press(pilot, "e", "b", "enter")
        assert [k.rsplit("/", 1)[-1] for k in table(app).shown_keys] == ["web"]
        await press(pilot, "escape")  # clears the filter first
        assert len(table(app).shown_keys) == 3
        await press(pilot, "slash", *"!name:w", "enter")  # inverse, one column
        assert [k.rsplit("/", 1)[-1] for k in table(app).shown_keys] == ["api"]
        await press(pilot, "slash", "ctrl+u", "enter")
        # by NAME until another column is chosen
        assert [k.rsplit("/", 1)[-1] for k in table(app).shown_keys] == ["api", "web", "worker"]
        await press(pilot, "O")
        assert [k.rsplit("/", 1)[-1] for k in table(app).shown_keys] == ["worker", "web", "api"]
        await press(pilot, "down")
        here = table(app).current_key
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        assert [k.rsplit("/", 1)[-1] for k in table(app).shown_keys] == ["worker", "web", "api"]
        assert table(app).current_key == here


async def test_command_mode() -> None:
    app = app_for()
    async with running(app) as pilot:
        await press(pilot, "colon", *"lb", "enter")  # typed, as a user would
        assert app.screen.route.kind == "lbs"  # type: ignore[attr-defined]
        for command, kind in (
            ("vpc", "vpcs"),
            ("td", "families"),
            ("tg", "tgs"),
            ("region", "regions"),
        ):
            app.run_command(command)
            await settle(pilot)
            assert app.screen.route.kind == kind  # type: ignore[attr-defined]
        await press(pilot, "colon", *"svc demo", "enter")
        assert isinstance(app.screen, ServicesScreen)
        app.run_command("tasks")  # the current cluster is remembered
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen) and app.screen.cluster == "demo"
        assert len(table(app).shown_keys) == len(TASKS)
        app.run_command("ctx")
        await settle(pilot)
        assert app.screen.route.kind == "contexts"  # type: ignore[attr-defined]
        assert table(app).shown_keys == ["aws:demo"]
        app.run_command("nonsense")
        await settle(pilot)
        assert any("Nothing matched 'nonsense'" in str(n.message) for n in app._notifications)
        await press(pilot, "colon", "escape")
        assert not app.screen.query_one(Prompt).display
        await pilot.press("colon", "q", "enter")
        await pilot.pause()
        assert app._exit  # :q quits


async def test_help_lists_the_keys() -> None:
    app = app_for(cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpModal)
        text = " ".join(f"{key} {description}" for key, description in app.screen.entries())
        for words in ("Stop task", "Logs", "Scale", "Filter", "Back"):
            assert words in text
        await press(pilot, "escape")
        assert isinstance(app.screen, ServiceScreen)


async def test_palette_lists_views_and_actions() -> None:
    app = app_for(cluster="demo", service="web")
    async with running(app):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in (
            ":services",
            ":tasks",
            ":lb",
            ":vpc",
            ":td",
            ":ctx",
            ":logs",
            "Stop task",
            "Scale",
            "Force deploy",
        ):
            assert title in titles


async def test_stopped_tasks_toggle_and_service_tabs() -> None:
    app = app_for(cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "x")
        assert len(table(app).shown_keys) == 2
        await press(pilot, "x")
        assert len(table(app).shown_keys) == 3
        await press(pilot, "2")
        assert table(app).id == "deploy-table" and len(table(app).shown_keys) == 2
        await press(pilot, "3")
        assert table(app).id == "event-table" and len(table(app).shown_keys) == 3
        await press(pilot, "4", "enter")
        assert app.screen.route.kind == "targets"  # type: ignore[attr-defined]


async def test_error_is_shown_not_raised() -> None:
    from tests.tui.fakes import failing

    app = app_for(failing("iter_services"), cluster="demo")
    async with running(app) as pilot:
        await settle(pilot)
        panel = app.screen.query_one("#error")
        assert panel.display
        assert "AccessDeniedException" in str(panel.render())
        assert "not allowed" in str(panel.render())
        assert isinstance(app.screen, ServicesScreen)  # still usable
        await press(pilot, "escape")
        assert isinstance(app.screen, ClustersScreen)


async def test_mouse_click_opens_a_row() -> None:
    app = app_for()
    async with running(app) as pilot:
        await pilot.click(ResourceTable, offset=(3, 1))  # the highlighted row: opens it
        await settle(pilot)
        assert isinstance(app.screen, ServicesScreen)


async def test_task_network_tab_and_security_group() -> None:
    task = TASKS[0]
    app = app_for(FakeSource())
    async with running(app) as pilot:
        app.navigate(app.history[0].to("task", cluster="demo", task=task.arn))
        await settle(pilot)
        await press(pilot, "n")
        summary = str(app.screen.query_one("#net-summary").render())
        assert "private" in summary and "subnet-0private0a" in summary
        assert table(app).id == "sg-rules" and table(app).shown_keys == ["sg-0app/0", "sg-0app/1"]
        await press(pilot, "enter")
        assert app.screen.route.kind == "sg"  # type: ignore[attr-defined]
