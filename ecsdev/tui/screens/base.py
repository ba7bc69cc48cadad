"""What every dashboard view shares: the bars, the prompt, and loading data off the UI thread.

boto3 and Docker block, and e1s froze because it called AWS on the UI loop. Here a screen's
``fetch`` runs in a thread worker (exclusive per screen, so a refresh replaces a slow one
rather than piling up) and hands results to the UI with ``deliver``, which drops them if
the user has already left. The screen draws at once, from the rows it had last time when
the user comes back, and fills in as batches arrive. Failures become an error line and a
notification, never a traceback.

``TableScreen`` adds the common case, one or more ``ResourceTable``s: ``/`` filter, ``o``
sort, Enter to drill down, and view state (cursor, sort, filter, tab) kept per route so
back and forward land where the user was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import partial
from threading import Event
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static, TabbedContent
from textual.worker import Worker, get_current_worker

from ecsdev.sources.base import Capability, Source
from ecsdev.tui.routes import Route, ViewState
from ecsdev.tui.widgets.bars import ContextBar, Crumbs, Prompt
from ecsdev.tui.widgets.table import ResourceTable, Row
from emulator.errors import EcsdevError

if TYPE_CHECKING:
    from ecsdev.tui.app import EcsdevApp


class BaseScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("colon", "command", "Command", key_display=":"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("left_square_bracket", "back", "Back", key_display="["),
        Binding("right_square_bracket", "forward", "Fwd", key_display="]", show=False),
        Binding("escape", "escape", "Back", show=False),
        Binding("r", "reload", "Refresh", show=False),
        Binding("p", "pause", "Pause", show=False),
    ]
    AUTO_REFRESH = True
    PROMPT_KEYS: ClassVar[dict[str, str]] = {"colon": "command"}
    """Keys that open the prompt, and the action that opens it (see ``ecsdev.tui.keys``)."""

    def __init__(self, route: Route) -> None:
        super().__init__()
        self.route = route
        self.error: EcsdevError | None = None
        self._busy = False
        self.ready = False
        """Mounted and focused: keys typed while the view was being built are replayed."""

    @property
    def dash(self) -> EcsdevApp:
        return self.app  # type: ignore[return-value]

    @property
    def source(self) -> Source:
        return self.dash.source

    def has(self, capability: Capability) -> bool:
        return capability in self.dash.capabilities

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ContextBar(id="context")
        yield Crumbs(id="crumbs")
        yield Static(id="error")
        yield from self.body()
        yield Prompt()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    @property
    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def on_mount(self) -> None:
        prompt = self.prompt
        prompt.display = False
        prompt.on_done = self.prompt_done
        self.query_one("#error").display = False
        self.update_bars()
        self.restore()
        self.reload()
        self.ready = True
        self.app.call_later(self.dash.pump_keys)

    def open_prompt_for(self, key: str) -> bool:
        """Open the prompt now if ``key`` opens one here; True when it did."""
        action = self.PROMPT_KEYS.get(key)
        if action is None or not self.check_action(action, ()):
            return False
        getattr(self, f"action_{action}")()
        return True

    def update_bars(self, note: str | None = None) -> None:
        app = self.dash
        self.query_one(ContextBar).show(
            app.source.info, app.refresh_interval, app.paused, self._busy
        )
        self.query_one(Crumbs).show(app.trail(), self.note() if note is None else note)

    def note(self) -> str:
        return ""

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        self.start(self.fetch)

    def refresh_data(self) -> None:
        """An automatic refresh; never while the previous one still runs."""
        if not self._busy:
            self.reload()

    def start(self, work: Callable[[], None]) -> None:
        """Run ``work`` (which calls the source) in this view's worker thread."""
        self._set_loading(True)
        self.run_worker(
            partial(self._run_fetch, work),
            thread=True,
            exclusive=True,
            group="load",
            exit_on_error=False,
        )

    def fetch(self) -> None:
        """Runs in a worker thread: call the source, ``deliver`` results."""

    def _run_fetch(self, work: Callable[[], None]) -> None:
        try:
            work()
            self.deliver(self._fetched, None)
        except EcsdevError as e:
            self.deliver(self._fetched, e)
        except Exception as e:  # a bug must not kill the dashboard or show a traceback
            self.deliver(self._fetched, EcsdevError(f"unexpected error: {type(e).__name__}: {e}"))

    def deliver(self, fn: Callable[..., Any], *args: Any) -> None:
        """From a worker: run ``fn(*args)`` on the UI thread unless the work was cancelled."""
        worker: Worker[Any] = get_current_worker()
        if worker.is_cancelled or not self.is_live:
            return
        with suppress(RuntimeError):  # the app is shutting down
            self.app.call_from_thread(fn, *args)

    @property
    def is_live(self) -> bool:
        return self.is_mounted and self.app.is_running

    def _fetched(self, error: EcsdevError | None) -> None:
        self._set_loading(False)
        self.show_error(error)

    def _set_loading(self, loading: bool) -> None:
        self._busy = loading
        if self.is_mounted:
            self.update_bars()

    def show_error(self, error: EcsdevError | None) -> None:
        self.error = error
        panel = self.query_one("#error", Static)
        if error is None:
            panel.display = False
            return
        text = Text(f" {error.message}", style="bold")
        if error.hint:
            text.append(f"\n {error.hint}", style="italic")
        panel.update(text)
        panel.display = True
        self.notify(error.message, title="Error", severity="error", timeout=8)

    # -- keys --------------------------------------------------------------------------

    def action_command(self) -> None:
        self.query_one(Prompt).open(":")

    def action_filter(self) -> None:
        self.query_one(Prompt).open("/", self.current_filter())

    def current_filter(self) -> str:
        return ""

    def apply_filter(self, query: str) -> None:
        """Subclasses filter what they show."""

    def prompt_done(self, mode: str, value: str | None) -> None:
        """The prompt closed (``value`` is None when cancelled), or a filter is being typed."""
        if mode == "/live":
            self.apply_filter(value or "")
            return  # still typing
        self.focus_main()
        if mode == ":":
            if value:
                self.dash.run_command(value)
        elif mode == "/" and value is not None:
            self.apply_filter(value)

    def focus_main(self) -> None:
        """Give focus back to the view's main widget."""

    def action_help(self) -> None:
        from ecsdev.tui.screens.modals import HelpModal

        self.app.push_screen(HelpModal(self))

    def action_back(self) -> None:
        self.dash.back()

    def action_forward(self) -> None:
        self.dash.forward()

    def action_escape(self) -> None:
        if self.current_filter():
            self.apply_filter("")
        else:
            self.dash.back()

    def action_reload(self) -> None:
        self.reload()

    def action_pause(self) -> None:
        self.dash.toggle_pause()

    # -- view state ----------------------------------------------------------------------

    def save(self) -> ViewState | None:
        return None

    def restore(self) -> None:
        pass

    def on_screen_suspend(self) -> None:
        """Leaving this view (or covering it with a dialog): remember where the user was."""
        state = self.save()
        if state is not None:
            self.dash.view_state[self.route] = state


class TableScreen(BaseScreen):
    """A view made of ResourceTables (in tabs when more than one)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("o", "sort", "Sort"),
        Binding("O", "reverse", "Reverse", show=False),
        Binding("ctrl+z", "faults", "Faults", key_display="^z"),
        *(Binding(f"f{n}", f"sort_column({n - 1})", show=False) for n in range(1, 10)),
    ]

    PROMPT_KEYS: ClassVar[dict[str, str]] = {"colon": "command", "slash": "filter"}

    def tables(self) -> list[ResourceTable]:
        return list(self.query(ResourceTable))

    @property
    def table(self) -> ResourceTable:
        """The table the user is looking at (the active tab's, if tabbed)."""
        tabs = self.query(TabbedContent)
        if tabs:
            pane = tabs.first().active_pane
            if pane is not None:
                found = pane.query(ResourceTable)
                if found:
                    return found.first()
        return self.query(ResourceTable).first()

    def focus_main(self) -> None:
        self.set_focus(self.table)

    def current_filter(self) -> str:
        return self.table.filter_text

    def apply_filter(self, query: str) -> None:
        self.table.set_filter(query)
        self.update_bars()

    def note(self) -> str:
        tables = self.query(ResourceTable)
        if not tables:
            return ""
        t = self.table
        shown, total = len(t.shown_keys), len(t.all_rows)
        text = f"{total} rows" if shown == total else f"{shown} of {total} rows"
        if t.faults_only:
            text += "  faults only (^z)"
        return f"{text}  /{t.filter_text}" if t.filter_text else text

    def action_sort(self) -> None:
        self.table.cycle_sort()

    def action_sort_column(self, column: int) -> None:
        """F1…F9: sort by that column; again reverses (k9s's one key per column)."""
        table = self.table
        if column >= len(table.spec):
            return
        same = table.effective_sort == column
        table.sort_by(column, not table.sort_reverse if same else False)

    def action_faults(self) -> None:
        """ctrl+z: only what is failing, in every view (k9s's toggle), until pressed again."""
        self.dash.faults_only = not self.dash.faults_only
        for t in self.tables():
            t.set_faults_only(self.dash.faults_only)
        self.update_bars()
        if not self.table.has_faults:
            self.notify("This view has no faults to pick out", timeout=2)

    def action_reverse(self) -> None:
        self.table.toggle_reverse()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        table = event.data_table
        if isinstance(table, ResourceTable):
            same = table.sort_column == event.column_index
            table.sort_by(event.column_index, not table.sort_reverse if same else False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        if isinstance(table, ResourceTable) and event.row_key.value is not None:
            row = table.all_rows.get(event.row_key.value)
            if row is not None:
                self.open_row(table, row)

    def open_row(self, table: ResourceTable, row: Row) -> None:
        """Enter on a row: drill down."""

    def load_rows(self, table: ResourceTable, batches: Iterator[list[Row]]) -> None:
        """From a worker: stream batches into ``table``, then drop rows no longer there."""
        seen: set[str] = set()
        pending: list[Row] = []
        drawn = Event()  # batches wait while the UI is still drawing the last
        drawn.set()
        for rows in batches:
            seen.update(r.key for r in rows)
            pending.extend(rows)
            if drawn.is_set():
                drawn.clear()
                self.deliver(self._upsert, table, pending, drawn)
                pending = []
        if pending:
            self.deliver(self._upsert, table, pending, None)
        self.deliver(self._retain, table, seen)

    def _upsert(self, table: ResourceTable, rows: list[Row], drawn: Event | None) -> None:
        table.upsert(rows)
        self.update_bars()
        if drawn is not None:  # the next batch once this one is on screen
            self.call_after_refresh(drawn.set)

    def _retain(self, table: ResourceTable, keys: set[str]) -> None:
        table.retain(keys)
        self.dash.row_cache[(self.route, table.id or "")] = list(table.all_rows.values())
        self.update_bars()

    def save(self) -> ViewState:
        tabs = self.query(TabbedContent)
        return ViewState(
            cursor={t.id or "": t.current_key for t in self.tables()},
            sort={t.id or "": (t.sort_column, t.sort_reverse) for t in self.tables()},
            filter=self.table.filter_text if self.tables() else "",
            tab=tabs.first().active if tabs else None,
        )

    def restore(self) -> None:
        state = self.dash.view_state.get(self.route)
        for t in self.tables():
            t.faults_only = self.dash.faults_only and t.has_faults
            cached = self.dash.row_cache.get((self.route, t.id or ""))
            if state:
                col, rev = state.sort.get(t.id or "", (None, False))
                t.sort_column, t.sort_reverse = col, rev
            if cached:
                t.set_rows(cached)
            if state:
                t.pending_cursor = state.cursor.get(t.id or "")
                t.move_to_key(t.pending_cursor)
        if state and state.tab:
            tabs = self.query(TabbedContent)
            if tabs:
                tabs.first().active = state.tab
        if state and state.filter and self.tables():
            self.table.set_filter(state.filter)
        if self.tables():
            self.set_focus(self.table)
