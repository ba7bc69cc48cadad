"""The task view's "why stopped" tab: a stopped task explained with the knowledge table
(the words of ``ecsdev explain``), its evidence read through the source, and the next step."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static, TabbedContent

from ecsdev.tui.screens.task import TaskScreen
from tests.tui.conftest import app_for, running, settle, wait_for
from tests.tui.fakes import FakeSource
from tests.tui.test_snapshots import snap


def _why(screen: Any) -> str:
    return str(screen.query_one("#why-text", Static).render())


async def test_a_stopped_task_says_why_with_evidence_and_next_step() -> None:
    source = FakeSource()
    async with running(app_for(source, cluster="demo", service="web")) as pilot:
        await pilot.press("down", "down", "enter")  # the OOM-killed task of web:6
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TaskScreen)
        await pilot.press("3")
        await wait_for(pilot, lambda: screen.explained is not None)
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "why"
        text = _why(screen)
        assert "Essential container in task exited: An essential container stopped" in text
        assert "container web  ← why the task stopped" in text
        assert "OutOfMemoryError: The container used more memory than its limit" in text
        assert "memory limit of the container: 512 MiB (hard limit, `memory`)" in text
        assert "health check: CMD-SHELL curl -f localhost:8080/health" in text
        assert "| ERROR upstream timed out (110: Connection timed out)" in text  # CloudWatch
        assert "next step: web: Raise the container's `memory`" in text
        assert screen.explained is not None and screen.explained.cause == "web"
        reads = source.calls.count("read_logs")
        screen.reload()  # a refresh does not gather the evidence of a stopped task again
        await settle(pilot)
        assert source.calls.count("read_logs") == reads


async def test_a_running_task_has_nothing_to_explain_and_costs_no_calls() -> None:
    source = FakeSource()
    async with running(app_for(source, cluster="demo", service="web")) as pilot:
        await pilot.press("enter")  # a running task
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, TaskScreen)
        await pilot.press("3")
        await settle(pilot)
        assert screen.explained is None
        assert "has not stopped" in _why(screen)
        assert "read_logs" not in source.calls  # no evidence is gathered for a running task


def test_snapshot_why_stopped(snap_compare: Any) -> None:
    app = app_for(cluster="demo", service="web")
    assert snap(snap_compare, app, ("down", "down", "enter"), ("3",))
