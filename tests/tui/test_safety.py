"""Text from an account never drives the terminal: escape sequences in a stop reason, an
environment value or a service event are stripped before anything is drawn (issue 13,
defect 6)."""

from __future__ import annotations

from dataclasses import replace

from ecsdev.sources.clean import clean_text
from ecsdev.sources.views import ServiceEventView
from ecsdev.tui.screens.task import TaskScreen
from tests.tui.conftest import app_for, running, settle
from tests.tui.fakes import TASKS, FakeSource

TITLE = "\x1b]0;owned\x07"
CLIPBOARD = "\x1b]52;c;ZWNobyBldmls\x1b\\"
CSI = "\x1b[2J\x1b[31m"
C1_CSI = "\x9b31m"
C1_OSC = "\x9d0;title\x9c"


def test_clean_text_strips_sequences_and_controls() -> None:
    assert clean_text("plain text, tabs\tand\nlines") == "plain text, tabs\tand\nlines"
    assert clean_text(f"a{TITLE}b{CLIPBOARD}c{CSI}d{C1_CSI}e{C1_OSC}f") == "abcdef"
    assert (
        clean_text("bell\x07 and \x1bc reset and \x08backspace") == "bell and  reset and backspace"
    )
    assert clean_text("unterminated \x1b]52;c;AAAA") == "unterminated "


def _unsafe(text: str) -> bool:
    return any(ch in text for ch in "\x1b\x07\x9b\x9c\x9d")


async def test_task_view_draws_no_sequence_from_aws() -> None:
    source = FakeSource()
    evil = replace(
        TASKS[2],
        stopped_reason=f"Essential container exited{TITLE}{CLIPBOARD}",
        stop_code=f"EssentialContainerExited{C1_CSI}",
    )
    source.tasks = [evil if t.arn == evil.arn else t for t in source.tasks]
    web = source.services[0]
    source.services[0] = replace(
        web, events=(ServiceEventView("x", None, f"(service web) {CSI}was {C1_OSC}hacked"),)
    )
    app = app_for(source, cluster="demo", service="web")
    async with running(app) as pilot:
        event_row = app.screen.query_one("#event-table").all_rows["x"]  # type: ignore[attr-defined]
        assert not _unsafe(event_row.plain(1)) and "was hacked" in event_row.plain(1)
        task_row = app.screen.query_one("#task-table").all_rows[evil.arn]  # type: ignore[attr-defined]
        assert all(not _unsafe(task_row.plain(i)) for i in range(len(task_row.cells)))
        app.navigate(app.history[0].to("task", cluster="demo", task=evil.arn))
        await settle(pilot)
        assert isinstance(app.screen, TaskScreen)
        summary = str(app.screen.query_one("#summary").render())
        assert "Essential container exited" in summary
        assert not _unsafe(summary) and "owned" not in summary
        assert app.screen.task_view is not None
        assert not _unsafe(app.screen.task_view.stopped_reason or "")
