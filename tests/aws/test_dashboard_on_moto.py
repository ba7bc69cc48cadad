"""The dashboard over the real AwsSource against moto's server: the drill-down draws what
AWS returns, and the log view shows the selected task's CloudWatch lines."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from ecsdev.sources.aws import AwsSource
from ecsdev.tui.app import make_app
from ecsdev.tui.screens.ecs import ServiceScreen
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.widgets.logview import LogView
from tests.aws.moto_world import World


async def _until(pilot: object, condition: object, timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():  # type: ignore[operator]
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("condition not met in time")


async def test_service_tasks_and_logs_from_aws(source: AwsSource, world: World) -> None:
    app = make_app(source, cluster="demo", service="web", refresh=0, log_poll=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, ServiceScreen)
        table = app.screen.table
        await _until(pilot, lambda: set(table.all_rows) == {*world.web_tasks, world.stopped_task})
        table.move_to_key(world.web_tasks[0])
        await pilot.press("l")
        await _until(pilot, lambda: isinstance(app.screen, LogsScreen))
        log = app.screen.query_one(LogView)
        await _until(pilot, lambda: log.line_count == 5)
        assert log.shown_text() == [f"task0 line {i}" for i in range(5)]
        await asyncio.sleep(0)


def test_sources_never_import_textual_or_rich() -> None:
    code = (
        "import sys, ecsdev.sources, ecsdev.sources.aws, ecsdev.sources.tddiff, ecsdev.sources.contexts;"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
