"""Triage from the first screen (issue 13): a failing rollout and its failed tasks are visible
on the service list, ctrl+z keeps only what is failing in every view, long text opens in
full, rows keep their order, ``:`` finds resources by name, load balancers and target
groups count healthy and unhealthy targets, and ``d`` diffs what is being rolled out with
what it replaces. Snapshots of the views an incident starts from close the file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from textual.pilot import Pilot

from ecsdev.sources.views import DeploymentView, LogLine
from ecsdev.tui.app import EcsdevApp
from ecsdev.tui.screens.ecs import ServiceScreen
from ecsdev.tui.screens.modals import DetailModal
from ecsdev.tui.screens.taskdefs import DiffScreen
from ecsdev.tui.widgets.logview import LogView
from ecsdev.tui.widgets.table import ResourceTable
from tests.tui.conftest import SIZE, app_for, press, running, settle, wait_for
from tests.tui.fakes import TASKS, WEB_TG, FakeSource, ago, td_arn


def incident() -> FakeSource:
    """web's deployment of web:7 failed (circuit breaker): web:6 is being rolled back to."""
    source = FakeSource()
    web = source.services[0]
    source.services[0] = replace(
        web,
        deployments=(
            DeploymentView(
                "ecs-svc/8", "PRIMARY", td_arn("web", 6), 3, 2, 1, 0, "IN_PROGRESS",
                "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/6.",
                ago(5), ago(1),
            ),
            DeploymentView(
                "ecs-svc/7", "ACTIVE", td_arn("web", 7), 0, 0, 0, 3, "FAILED",
                "ECS deployment circuit breaker: tasks failed to start.", ago(30), ago(5),
            ),
        ),
    )  # fmt: skip
    return source


def names(app: EcsdevApp) -> list[str]:
    table: ResourceTable = app.screen.table  # type: ignore[attr-defined]
    return [table.all_rows[k].plain(0) for k in table.shown_keys]


def notes(app: EcsdevApp) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


async def test_failing_rollout_on_the_service_list_and_faults_only() -> None:
    app = app_for(incident(), cluster="demo")
    async with running(app) as pilot:
        table: ResourceTable = app.screen.table  # type: ignore[attr-defined]
        web = table.all_rows[incident().services[0].arn]
        assert web.plain(4) == "3"  # FAILED: the failed deployment's tasks
        assert web.plain(5) == "ROLLING BACK"
        assert "red" in str(web.cells[5].style)  # type: ignore[union-attr]
        assert web.fault and not table.all_rows[incident().services[1].arn].fault
        await press(pilot, "ctrl+z")
        assert names(app) == ["web"]
        assert "faults only" in app.screen.note()  # type: ignore[attr-defined]
        await press(pilot, "enter")  # the toggle holds in the next view
        assert isinstance(app.screen, ServiceScreen)
        tasks = app.screen.table
        # the unhealthy task and the one that stopped with 137; the healthy one is hidden
        assert sorted(tasks.shown_keys) == sorted([TASKS[1].arn, TASKS[2].arn])
        await press(pilot, "ctrl+z")
        assert len(tasks.shown_keys) == 3


async def test_task_behind_an_unhealthy_target_and_the_lb_tab() -> None:
    app = app_for(FakeSource(), cluster="demo", service="web")
    async with running(app) as pilot:
        tasks = app.screen.table  # type: ignore[attr-defined]
        assert "target unhealthy" in tasks.all_rows[TASKS[1].arn].plain(4)
        assert tasks.all_rows[TASKS[0].arn].plain(4) == "HEALTHY"
        await press(pilot, "4")
        lb = app.screen.table  # type: ignore[attr-defined]
        row = lb.all_rows[WEB_TG]
        assert [row.plain(i) for i in range(4)] == ["web-tg", "demo-alb", "1", "1"]


async def test_long_text_opens_in_full_and_last_event_drops_the_prefix() -> None:
    app = app_for(FakeSource(), cluster="demo")
    async with running(app) as pilot:
        last = {names(app)[i]: app.screen.table.all_rows[k].plain(9)  # type: ignore[attr-defined]
                for i, k in enumerate(app.screen.table.shown_keys)}  # type: ignore[attr-defined]  # fmt: skip
        assert last["worker"] == "has reached a steady state."
        await press(pilot, "down", "enter", "3")  # web, its events
        assert app.screen.table.shown_keys  # type: ignore[attr-defined]
        await press(pilot, "enter")
        assert isinstance(app.screen, DetailModal)
        assert app.screen.text().startswith("(service web) has started 1 tasks")
        await press(pilot, "escape")
        assert isinstance(app.screen, ServiceScreen)


async def test_log_lines_wrap_and_open_in_full() -> None:
    app = app_for(FakeSource(), cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "L")
        log = app.screen.query_one(LogView)
        await wait_for(pilot, lambda: log.line_count == 7)
        long = "x" * 250 + " the end"
        log.append([LogLine(datetime(2024, 5, 1, 12, tzinfo=UTC), long, "01a1b2c3/web")])
        await press(pilot, "w")
        assert log.wrap and log.virtual_size.height >= 8 + 2  # the long line takes 3+ rows
        text = "".join("".join(s.text for s in log.render_line(y)) for y in range(SIZE[1]))
        assert "the end" in text  # no longer cut off at the right edge
        await press(pilot, "s", *"the end", "enter", "enter")
        assert isinstance(app.screen, DetailModal) and app.screen.text() == long


async def test_rows_keep_their_order_across_refreshes() -> None:
    source = FakeSource()
    app = app_for(source, cluster="demo")
    async with running(app) as pilot:
        assert names(app) == ["api", "web", "worker"]
        source.services.reverse()  # batches now come in another order
        app.screen.reload()  # type: ignore[attr-defined]
        await settle(pilot)
        assert names(app) == ["api", "web", "worker"]


async def test_colon_finds_resources_by_name() -> None:
    app = app_for(FakeSource(), cluster="demo")
    async with running(app) as pilot:
        await press(pilot, "colon", *"worker", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ServiceScreen) and app.screen.service_name == "worker"
        await press(pilot, "colon", *"api-tg", "enter")
        await settle(pilot)
        assert app.screen.route.kind == "targets"  # type: ignore[attr-defined]
        await press(pilot, "colon", *"td nosuch", "enter")
        await settle(pilot)
        assert "Nothing matched 'nosuch'" in notes(app)
        assert app.screen.route.kind == "targets"  # type: ignore[attr-defined]
        await press(pilot, "colon", *"td wor", "enter")
        await settle(pilot)
        assert app.screen.route == app.history[-1] and app.screen.route.get("family") == "worker"  # type: ignore[attr-defined]
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "service worker" in titles  # the palette finds loaded resources by name


async def test_target_groups_count_healthy_and_unhealthy() -> None:
    app = app_for(FakeSource())
    async with running(app) as pilot:
        app.run_command("tg")
        await settle(pilot)
        rows = {r.plain(0): (r.plain(1), r.plain(2), r.fault) for r in app.screen.table.all_rows.values()}  # type: ignore[attr-defined]  # fmt: skip
        assert rows == {"api-tg": ("2", "0", False), "web-tg": ("1", "1", True)}
        app.run_command("lb")
        await settle(pilot)
        lb = next(iter(app.screen.table.all_rows.values()))  # type: ignore[attr-defined]
        assert (lb.plain(1), lb.plain(2)) == ("3", "1")


async def test_diff_compares_the_rollout_with_what_it_replaces() -> None:
    app = app_for(incident(), cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "d")
        assert isinstance(app.screen, DiffScreen)
        # PRIMARY (being rolled back to) web:6 against the ACTIVE, failed web:7
        assert (app.screen.old, app.screen.new) == (td_arn("web", 7), td_arn("web", 6))


async def test_peer_security_groups_by_name() -> None:
    app = app_for(FakeSource())
    async with running(app) as pilot:
        app.navigate(app.history[0].to("task", cluster="demo", task=TASKS[0].arn))
        await settle(pilot)
        await press(pilot, "n")
        rules = app.screen.table  # type: ignore[attr-defined]
        assert rules.all_rows["sg-0app/0"].plain(2) == "tcp port 8080 from sg-0alb (alb)"


async def test_taskdef_diff_skips_deregistered_revisions() -> None:
    class Gap(FakeSource):  # web:6 was deregistered: the one before web:7 is web:5
        def list_task_definitions(self, family: str) -> list[str]:
            return [td_arn("web", 7), td_arn("web", 5)] if family == "web" else []

    app = app_for(Gap())
    async with running(app) as pilot:
        app.navigate(app.history[0].to("taskdef", arn=td_arn("web", 7)))
        await settle(pilot)
        await press(pilot, "d")
        await settle(pilot)
        assert isinstance(app.screen, DiffScreen)
        assert (app.screen.old, app.screen.new) == (td_arn("web", 5), td_arn("web", 7))


async def test_a_subnet_opens_its_route_table() -> None:
    app = app_for(FakeSource())
    async with running(app) as pilot:
        app.run_command("vpc")
        await settle(pilot)
        await press(pilot, "enter")  # VPC main: its subnets, public ones first
        subnets = app.screen.table  # type: ignore[attr-defined]
        subnets.move_to_key("subnet-0public0a")
        await press(pilot, "enter")
        assert app.screen.route.kind == "routes"  # type: ignore[attr-defined]
        routes = {r.plain(0): r.plain(1) for r in app.screen.table.all_rows.values()}  # type: ignore[attr-defined]
        assert routes == {"10.0.0.0/16": "local", "0.0.0.0/0": "igw-0main"}


# -- snapshots of the views an incident starts from ---------------------------------------

Compare = Callable[..., bool]


def keys(*presses: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await press(pilot, key)
        await settle(pilot)

    return run


def test_snapshot_failing_service_list(snap_compare: Compare) -> None:
    app = app_for(incident(), cluster="demo")
    assert snap_compare(app, terminal_size=SIZE, run_before=keys())


def test_snapshot_faults_only_tasks(snap_compare: Compare) -> None:
    app = app_for(incident(), cluster="demo")
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("ctrl+z", "enter"))


def test_snapshot_event_in_full(snap_compare: Compare) -> None:
    app = app_for(incident(), cluster="demo", service="web")
    assert snap_compare(app, terminal_size=SIZE, run_before=keys("2", "enter"))


def test_snapshot_target_group_health(snap_compare: Compare) -> None:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.run_command("tg")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(app_for(FakeSource()), terminal_size=SIZE, run_before=run)
