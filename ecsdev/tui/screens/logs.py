"""Logs of a container, a task, or every task of a service merged with a prefix per task.

A worker thread resolves the streams (from the task definition's awslogs options, so the
lines are the selected task's) and then polls the source with a cursor, handing each
batch to the ``LogView``; the UI thread only appends. For a service the task list is
re-read every half minute, so tasks started by a deployment join the view. A failed poll
is shown and retried with back-off rather than ending the view.
"""

from __future__ import annotations

import threading
import time
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.worker import get_current_worker

from ecsdev.sources.base import Unsupported
from ecsdev.sources.views import LogBatch, LogCursor, LogStreamRef
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import BaseScreen
from ecsdev.tui.widgets.bars import Prompt
from ecsdev.tui.widgets.logview import LogView
from emulator.errors import EcsdevError

TAIL = 500
"""Lines of each stream shown when the view opens."""
RESOLVE_EVERY = 30.0
"""Seconds between re-reading a service's tasks in a merged view."""


class LogsScreen(BaseScreen):
    AUTO_REFRESH = False
    PROMPT_KEYS: ClassVar[dict[str, str]] = {
        "colon": "command",
        "slash": "filter",
        "s": "search",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("s", "search", "Search"),
        Binding("n", "next_match", "Next", show=False),
        Binding("N", "previous_match", "Previous", show=False),
        Binding("f", "follow", "Follow"),
        Binding("t", "timestamps", "Time"),
        Binding("w", "wrap", "Wrap"),
        Binding("enter", "detail", "Full line", show=False),
        Binding("c", "clear", "Clear", show=False),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.cluster = route.get("cluster")
        self.service_name = route.get("service") or None
        self.task_arn = route.get("task") or None
        self.container = route.get("container") or None
        self.streams: list[LogStreamRef] = []
        self.missing: tuple[LogStreamRef, ...] = ()
        self._wake = threading.Event()
        self._polling = False
        self._noted = 0.0

    def body(self) -> ComposeResult:
        yield LogView(self.dash.log_buffer, id="log")

    @property
    def logview(self) -> LogView:
        return self.query_one(LogView)

    def focus_main(self) -> None:
        self.set_focus(self.logview)

    def on_mount(self) -> None:
        self.set_focus(self.logview)
        super().on_mount()

    def on_unmount(self) -> None:
        self._wake.set()  # let the polling thread see it was cancelled now, not after a poll

    def note(self) -> str:
        if not self.is_mounted:
            return ""
        log = self.logview
        parts = ["following" if log.follow else "paused (f follows)"]
        if log.wrap:
            parts.append("wrapped")
        parts.append(
            f"{log.shown_count:,} of {log.line_count:,} lines"
            if log.filter_text
            else f"{log.line_count:,} lines"
        )
        parts.append(f"{len(self.streams)} stream{'s' if len(self.streams) != 1 else ''}")
        if self.missing:
            parts.append(f"{len(self.missing)} not created yet")
        if log.filter_text:
            parts.append(f"/{log.filter_text}")
        if log.search_text:
            found = log.matches()
            at = f"{found.index(log.current_match) + 1}/" if log.current_match in found else ""
            parts.append(f"search {log.search_text!r} {at}{len(found)}")
        return "  ".join(parts)

    # -- worker ------------------------------------------------------------------------

    def resolve(self) -> list[LogStreamRef]:
        if self.task_arn:
            task = self.source.describe_task(self.cluster, self.task_arn)
            return self.source.log_streams(task, self.container)
        if not self.service_name:
            raise EcsdevError("choose a service, task or container to read logs from")
        streams: list[LogStreamRef] = []
        problem: EcsdevError | None = None
        for batch in self.source.iter_tasks(self.cluster, self.service_name, stopped=False):
            for task in batch:
                try:
                    streams.extend(self.source.log_streams(task))
                except Unsupported as e:
                    problem = problem or e
        if not streams:
            raise problem or EcsdevError(f"service {self.service_name} has no running tasks")
        return streams

    def fetch(self) -> None:
        worker = get_current_worker()
        self.streams = self.resolve()
        self._polling = True
        resolved = time.monotonic()
        cursor: LogCursor | None = None
        delay = self.dash.log_poll
        while not worker.is_cancelled:
            try:
                if self.service_name and time.monotonic() - resolved > RESOLVE_EVERY:
                    fresh = [s for s in self.resolve() if s not in self.streams]
                    self.streams.extend(fresh)
                    resolved = time.monotonic()
                batch = self.source.read_logs(self.streams, cursor, limit=TAIL)
                cursor = batch.cursor
                self.deliver(self._append, batch)
                delay = self.dash.log_poll
            except EcsdevError as e:
                self.deliver(self.show_error, e)
                delay = min(delay * 2, 30.0)
            if self._wake.wait(delay):
                self._wake.clear()
        self._polling = False

    def _append(self, batch: LogBatch) -> None:
        if self.error is not None:
            self.show_error(None)
        self.missing = batch.missing
        self.logview.append(batch.lines)
        now = time.monotonic()
        if (
            self._busy or now - self._noted > 0.5
        ):  # the line count need not redraw 10 times a second
            self._noted = now
            self._set_loading(False)

    # -- keys --------------------------------------------------------------------------

    def current_filter(self) -> str:
        return self.logview.filter_text

    def apply_filter(self, query: str) -> None:
        self.logview.set_filter(query)
        self.update_bars()

    def action_search(self) -> None:
        self.query_one(Prompt).open("search", self.logview.search_text)

    def prompt_done(self, mode: str, value: str | None) -> None:
        if mode == "search":
            self.focus_main()
            if value is not None:
                found = self.logview.set_search(value)
                if value and not found:
                    self.notify(f"No line matches {value!r}", severity="warning", timeout=3)
                self.update_bars()
            return
        super().prompt_done(mode, value)

    def action_next_match(self) -> None:
        self.notify(self.logview.next_match(forward=True), timeout=2)
        self.update_bars()

    def action_previous_match(self) -> None:
        self.notify(self.logview.next_match(forward=False), timeout=2)
        self.update_bars()

    def action_follow(self) -> None:
        self.logview.follow = not self.logview.follow
        self.update_bars()

    def action_timestamps(self) -> None:
        self.logview.show_time = not self.logview.show_time

    def action_wrap(self) -> None:
        self.logview.set_wrap(not self.logview.wrap)
        self.update_bars()

    def action_detail(self) -> None:
        from ecsdev.tui.screens.modals import DetailModal

        line = self.logview.line_in_view()
        if line is not None:
            self.app.push_screen(DetailModal("log line", line))

    def action_clear(self) -> None:
        self.logview.clear()
        self.update_bars()

    def action_reload(self) -> None:
        if self._polling:
            self._wake.set()  # poll now
        else:
            self.reload()  # the streams could not be found: try again
