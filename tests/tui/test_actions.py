"""Changes: read-only explains itself; with write access each change shows the exact API
call and needs a yes; production never changes; exec explains a missing plugin."""

from __future__ import annotations

from ecsdev.sources.base import ForceDeployment, ScaleService, StopTask
from ecsdev.tui.screens.modals import ConfirmModal, NumberModal
from tests.tui.conftest import app_for, press, running, settle, wait_for
from tests.tui.fakes import TASKS, FakeSource


def notes(app: object) -> str:
    return " | ".join(str(n.message) for n in app._notifications)  # type: ignore[attr-defined]


async def test_read_only_explains_and_changes_nothing() -> None:
    source = FakeSource()
    app = app_for(source, cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "S")
        assert not isinstance(app.screen, NumberModal)
        assert "read-only: start the dashboard with --write" in notes(app)
        await press(pilot, "ctrl+k")
        assert source.applied == []


async def test_scale_shows_the_call_and_needs_yes() -> None:
    source = FakeSource(writable=True)
    app = app_for(source, cluster="demo")
    async with running(app) as pilot:
        await press(pilot, "down")  # api, web, worker: by name
        await press(pilot, "S")
        assert isinstance(app.screen, NumberModal)
        await press(pilot, "ctrl+a", "ctrl+k", "5", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        call = str(app.screen.query_one("#api-call").render())
        assert call == "ecs:UpdateService(cluster='demo', service='web', desiredCount=5)"
        assert "--desired-count 5" in str(app.screen.query_one("#api-cli").render())
        await press(pilot, "n")
        assert source.applied == []
        await press(pilot, "S", "ctrl+a", "ctrl+k", "5", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await press(pilot, "y")
        await wait_for(pilot, lambda: source.applied == [ScaleService("demo", "web", 5)])


async def test_stop_task_and_force_deployment() -> None:
    source = FakeSource(writable=True)
    app = app_for(source, cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "ctrl+k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "StopTask" in str(app.screen.query_one("#api-call").render())
        await pilot.click("#yes")
        await wait_for(pilot, lambda: source.applied == [StopTask("demo", TASKS[0].arn)])
        await settle(pilot)
        await press(pilot, "F")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await press(pilot, "y")
        await wait_for(pilot, lambda: ForceDeployment("demo", "web") in source.applied)


async def test_production_is_never_writable() -> None:
    source = FakeSource(writable=True, production=True)
    app = app_for(source, cluster="demo", service="web")
    async with running(app) as pilot:
        assert "-production" in app.screen.query_one("#context").classes
        assert "PRODUCTION" in str(app.screen.query_one("#context").render())
        await press(pilot, "F")
        assert "production profile: it stays read-only" in notes(app)
        assert source.applied == []


async def test_exec_without_the_plugin_says_so() -> None:
    app = app_for(FakeSource(writable=True), cluster="demo", service="web")
    async with running(app) as pilot:
        await press(pilot, "s")
        await wait_for(pilot, lambda: "session-manager-plugin" in notes(app))
