"""``ResourceTable``: a DataTable that keeps its sort, filter and cursor across refreshes.

A refresh must not throw the user's place away (e1s #477), and a 2,000-row table must
stay responsive. The table holds every row by a stable key (the ARN); a refresh or a new
batch of rows updates only the cells that changed when the visible order is unchanged,
appends when rows only arrive, and otherwise rebuilds once with the cursor put back on
the same key. Filtering is k9s's: plain text (case-insensitive), a regular expression,
``!text`` to invert, ``column:value`` to match one column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, RowKey

Cell = str | Text


@dataclass(frozen=True, slots=True)
class Col:
    key: str
    label: str
    width: int | None = None


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    cells: tuple[Cell, ...]
    sort: tuple[object, ...] = ()
    """Values to sort by, one per column (defaults to the cells' text)."""
    fault: bool = False
    """Something is wrong with it (shown when the user asks for faults only)."""

    def plain(self, i: int) -> str:
        cell = self.cells[i]
        return cell.plain if isinstance(cell, Text) else cell

    def sort_value(self, i: int) -> object:
        if self.sort and self.sort[i] is not None:
            return self.sort[i]
        return self.plain(i).lower()


def make_filter(query: str, columns: Sequence[Col]) -> Callable[[Row], bool]:
    """The predicate for a ``/`` query (see the module docstring)."""
    query = query.strip()
    if not query:
        return lambda row: True
    invert = query.startswith("!")
    if invert:
        query = query[1:]
    col_index: int | None = None
    head, sep, rest = query.partition(":")
    if sep and rest:
        for i, col in enumerate(columns):
            if head.lower() in (col.key.lower(), col.label.lower()):
                col_index, query = i, rest
                break
    try:
        pattern = re.compile(query, re.IGNORECASE)
        search: Callable[[str], bool] = lambda text: pattern.search(text) is not None  # noqa: E731
    except re.error:
        needle = query.lower()
        search = lambda text: needle in text.lower()  # noqa: E731

    def match(row: Row) -> bool:
        if col_index is not None:
            found = search(row.plain(col_index))
        else:
            found = any(search(row.plain(i)) for i in range(len(row.cells)))
        return found != invert

    return match


class ResourceTable(DataTable[Cell]):
    """Rows by key, with sort/filter/cursor that survive every update."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def __init__(
        self,
        columns: Sequence[Col],
        *,
        id: str | None = None,
        default_sort: int | None = None,
        faults: bool = False,
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.spec = tuple(columns)
        self.default_sort = default_sort
        """The column rows are ordered by until the user picks one (None: as they came)."""
        self.has_faults = faults
        """Whether its rows say when something is wrong (the faults-only toggle applies)."""
        self.faults_only = False
        self._rows: dict[str, Row] = {}
        self._shown: list[str] = []
        self._filter_text = ""
        self._filter: Callable[[Row], bool] = lambda row: True
        self._hide: Callable[[Row], bool] | None = None
        self.sort_column: int | None = None
        self.sort_reverse = False
        self._ready = False
        self.pending_cursor: str | None = None
        """A key to put the cursor on as soon as that row arrives (restoring a view)."""
        self._chosen = False
        """The user (or a restored view) put the cursor somewhere: follow that row. Until
        then the cursor stays on the first row as rows arrive and sort in above it."""
        self._early_moves = 0
        """Cursor moves typed before the first rows arrived, applied when they do."""
        self._dirty: set[str] = set()
        """Rows whose content changed since they were last drawn: only their cells are
        compared and updated (a batch of 10 must not touch 2,000 rows)."""

    def on_mount(self) -> None:
        for col in self.spec:
            self.add_column(col.label, key=col.key, width=col.width)
        self._ready = True
        self._relabel()
        self._apply()

    # -- data --------------------------------------------------------------------------

    @property
    def all_rows(self) -> dict[str, Row]:
        return self._rows

    @property
    def shown_keys(self) -> list[str]:
        return list(self._shown)

    def set_rows(self, rows: Iterable[Row]) -> None:
        """Replace every row (a complete refresh)."""
        new = {r.key: r for r in rows}
        if new == self._rows and self._shown:
            return  # nothing changed: no sort, no redraw (a refresh of a quiet account)
        self._dirty.update(k for k, r in new.items() if self._rows.get(k) != r)
        self._rows = new
        self._apply()

    def upsert(self, rows: Iterable[Row]) -> None:
        """Add or update some rows (a batch arriving)."""
        changed = False
        for r in rows:
            if self._rows.get(r.key) != r:
                self._dirty.add(r.key)
                self._rows[r.key] = r
                changed = True
        if changed:  # else nothing to sort or redraw (a refresh of a quiet account)
            self._apply()

    def retain(self, keys: set[str]) -> None:
        """Drop rows not in ``keys`` (after a refresh saw every row)."""
        if set(self._rows) - keys:
            self._rows = {k: r for k, r in self._rows.items() if k in keys}
            self._apply()

    @property
    def filter_text(self) -> str:
        return self._filter_text

    def set_filter(self, query: str) -> None:
        self._filter_text = query
        self._filter = make_filter(query, self.spec)
        self._apply()

    def set_hidden(self, hide: Callable[[Row], bool] | None) -> None:
        """Rows to hide whatever the filter (e.g. stopped tasks, toggled with ``x``)."""
        self._hide = hide
        self._apply()

    def set_faults_only(self, on: bool) -> None:
        """Show only the rows that are faults (k9s's ctrl+z), where rows say so."""
        self.faults_only = on and self.has_faults
        self._apply()

    @property
    def effective_sort(self) -> int | None:
        return self.sort_column if self.sort_column is not None else self.default_sort

    def sort_by(self, column: int | None, reverse: bool = False) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        self._relabel()
        self._apply()

    def cycle_sort(self) -> None:
        """Next column (``o``); after the last one, back to the source's order."""
        if self.sort_column is None:
            first = 0 if self.default_sort != 0 else 1
            self.sort_by(first if first < len(self.spec) else None)
        elif self.sort_column + 1 < len(self.spec):
            self.sort_by(self.sort_column + 1, self.sort_reverse)
        else:
            self.sort_by(None)

    def toggle_reverse(self) -> None:
        column = self.effective_sort
        self.sort_by(column if column is not None else 0, not self.sort_reverse)

    @property
    def current_key(self) -> str | None:
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= len(self._shown):
            return None
        return self._shown[self.cursor_row]

    @property
    def current(self) -> Row | None:
        key = self.current_key
        return self._rows.get(key) if key else None

    def move_to_key(self, key: str | None) -> bool:
        """Put the cursor on ``key``'s row (it then follows that row); False if not shown."""
        moved = self._move_to(key)
        self._chosen = self._chosen or moved
        return moved

    def _move_to(self, key: str | None) -> bool:
        if key is None or not self._ready or key not in self._shown:
            return False
        self.move_cursor(row=self._shown.index(key), animate=False)
        return True

    # -- rendering ---------------------------------------------------------------------

    def _relabel(self) -> None:
        for i, col in enumerate(self.spec):
            label = col.label
            if i == self.effective_sort:
                label += " ▼" if self.sort_reverse else " ▲"
            column = self.columns.get(col.key)  # type: ignore[call-overload]
            if column is not None:
                column.label = Text(label)
                column.content_width = max(column.content_width, len(label))
        # The header is cached by Textual's render caches, keyed by the update count: a
        # re-sort that leaves the rows in the same order would keep the old arrow (and the
        # old widths) without this.
        self._clear_caches()
        self._update_count += 1
        self._require_update_dimensions = True
        self.refresh(layout=True)

    def _visible(self) -> list[str]:
        hide = self._hide
        faults = self.faults_only
        rows = [
            r
            for r in self._rows.values()
            if self._filter(r) and not (hide and hide(r)) and (r.fault or not faults)
        ]
        i = self.effective_sort
        if i is not None:  # ties keep a fixed order (by key), whatever order rows came in
            rows.sort(key=lambda r: r.key)
            rows.sort(key=lambda r: _sortable(r.sort_value(i)), reverse=self.sort_reverse)
        return [r.key for r in rows]

    def _apply(self) -> None:
        if not self._ready:
            return
        wanted = self._visible()
        if wanted == self._shown:
            self._update_cells(wanted)
        elif wanted[: len(self._shown)] == self._shown:
            self._update_cells(self._shown)
            for key in wanted[len(self._shown) :]:
                self.add_row(*self._rows[key].cells, key=key)
            self._shown = wanted
        elif not self._restructure(wanted):
            self._rebuild(wanted)
        if self.pending_cursor is not None and self.move_to_key(self.pending_cursor):
            self.pending_cursor = None
            self._chosen = True
        if not self._chosen and self._shown and self.cursor_row != 0:
            self.move_cursor(row=0, animate=False)
        if self._early_moves and self._shown:
            row = min(max(0, self.cursor_row + self._early_moves), len(self._shown) - 1)
            self._early_moves = 0
            self.move_cursor(row=row, animate=False)
        self._dirty.clear()

    def _update_cells(self, keys: list[str]) -> None:
        dirty = self._dirty
        for key in keys:
            if key not in dirty:
                continue
            new = self._rows[key].cells
            old = self.get_row(key)
            for col, before, after in zip(self.spec, old, new, strict=False):
                if before != after:
                    self.update_cell(key, col.key, after, update_width=True)

    def _restructure(self, wanted: list[str]) -> bool:
        """Sort or filter in place: drop the rows no longer shown, append the ones newly
        shown, then reorder, as ``DataTable.sort`` and ``remove_row`` do internally but in
        one pass. Re-adding every row instead would re-measure every cell (about a second
        for 2,000 rows); this keeps a re-sort or a filter keystroke cheap. Returns False
        (and the caller rebuilds) if this Textual's DataTable internals differ."""
        try:
            keep = set(wanted)
            keep_key = self.current_key
            for key in self._shown:
                if key not in keep:
                    row_key = RowKey(key)
                    for column_key in self._data[row_key]:
                        self._updated_cells.discard(CellKey(row_key, column_key))
                    del self.rows[row_key]
                    del self._data[row_key]
            present = set(self._shown) & keep
            self._row_locations = TwoWayDict(
                {RowKey(k): i for i, k in enumerate(k for k in self._shown if k in present)}
            )
            for key in wanted:
                if key not in present:
                    self.add_row(*self._rows[key].cells, key=key)
            self._update_cells([k for k in wanted if k in present])
            self._row_locations = TwoWayDict({RowKey(k): i for i, k in enumerate(wanted)})
            self._shown = wanted
            self._require_update_dimensions = True
            self._update_count += 1
            self.cursor_coordinate = self.cursor_coordinate
            self.refresh(layout=True)
            if not self._move_to(keep_key) and wanted:
                self.move_cursor(row=min(self.cursor_row, len(wanted) - 1), animate=False)
            return True
        except (AttributeError, KeyError, TypeError):
            return False

    def _rebuild(self, wanted: list[str]) -> None:
        keep = self.current_key
        index = self.cursor_row
        self.clear()
        for key in wanted:
            self.add_row(*self._rows[key].cells, key=key)
        self._shown = wanted
        if not self._move_to(keep) and wanted:
            self.move_cursor(row=min(max(index, 0), len(wanted) - 1), animate=False)

    def action_cursor_down(self) -> None:
        self._chosen = True
        if not self._shown:
            self._early_moves += 1
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        self._chosen = True
        if not self._shown:
            self._early_moves -= 1
            return
        super().action_cursor_up()

    def action_page_down(self) -> None:
        self._chosen = True
        super().action_page_down()

    def action_page_up(self) -> None:
        self._chosen = True
        super().action_page_up()

    def action_scroll_top(self) -> None:
        self._chosen = True
        if self._shown:
            self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self._chosen = True
        if self._shown:
            self.move_cursor(row=len(self._shown) - 1)


def _sortable(value: object) -> tuple[int, object]:
    """Sort numbers as numbers and put missing values last, whatever the types."""
    if value is None or value == "-":
        return (2, "")
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value))
