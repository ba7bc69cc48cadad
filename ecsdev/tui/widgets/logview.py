"""``LogView``: a capped, filterable, searchable log pane that keeps up with chatty tasks.

k9s's log view falls minutes behind chatty pods (#776, #1019) and caps at 5,000 lines
because its text widget is slow (#3281, #1120). Here lines live in a plain list capped at
``max_lines`` (oldest dropped first) and only the rows on screen are rendered, so
appending 10,000 lines costs list appends, not layout. Filter (``/``, show only matching
lines) and search (highlight and jump with ``n``/``N``) take plain text, a regular
expression, or ``!text`` to invert the filter. In a merged view each line carries its
task's prefix in a stable colour.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ecsdev.sources.views import LogLine
from ecsdev.tui.fmt import label_style

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
MATCH = "black on yellow"
"""Every match of the search."""
CURRENT = "bold white on red"
"""The match ``n``/``N`` moved to."""


class Entry(NamedTuple):
    seq: int
    time: str
    label: str
    text: str


def line_matcher(query: str) -> Callable[[str, str], bool] | None:
    """The predicate for a filter over a line's text and its label: a line matches when
    either does; ``!query`` keeps the lines where neither does."""
    query = query.strip()
    if not query:
        return None
    invert = query.startswith("!")
    if invert:
        query = query[1:]
    try:
        pattern = re.compile(query, re.IGNORECASE)
        search: Callable[[str], bool] = lambda text: pattern.search(text) is not None  # noqa: E731
    except re.error:
        needle = query.lower()
        search = lambda text: needle in text.lower()  # noqa: E731
    return lambda text, label: (search(text) or search(label)) != invert


class LogView(ScrollView, can_focus=True):
    BINDINGS = [
        Binding("j,down", "line_down", "Down", show=False),
        Binding("k,up", "line_up", "Up", show=False),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "bottom", "Bottom (follow)", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    follow: reactive[bool] = reactive(True)
    show_time: reactive[bool] = reactive(True)

    def __init__(self, max_lines: int = 20_000, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_lines = max_lines
        self._entries: list[Entry] = []
        self._shown: list[Entry] = []
        self._seq = 0
        self._width = 0
        self._labels: set[str] = set()
        self._label_width = 0
        self._filter: Callable[[str, str], bool] | None = None
        self._search: re.Pattern[str] | None = None
        self.wrap = False
        """Long lines continue on the next rows instead of running off to the right."""
        self._starts: list[int] = []
        """With wrap on: the first display row of each shown line."""
        self._rows = 0
        self._wrap_width = 0
        self.current_match: int | None = None
        """Index (in the shown lines) of the match ``n``/``N`` last moved to."""
        self.filter_text = ""
        self.search_text = ""
        self.dropped = 0
        """Lines dropped because of the cap, since the view opened."""

    # -- content -----------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        return len(self._entries)

    @property
    def shown_count(self) -> int:
        return len(self._shown)

    def shown_text(self) -> list[str]:
        return [e.text for e in self._shown]

    def append(self, lines: Sequence[LogLine]) -> None:
        if not lines:
            return
        new: list[Entry] = []
        for line in lines:
            stamp = line.timestamp.strftime("%H:%M:%S.%f")[:-3]
            for part in line.message.splitlines() or [""]:
                self._seq += 1
                new.append(
                    Entry(self._seq, stamp, line.label, _CONTROL.sub("?", part.expandtabs()))
                )
            if line.label not in self._labels:
                self._labels.add(line.label)
                self._label_width = max(self._label_width, len(line.label))
        self._entries.extend(new)
        match = self._filter
        shown = new if match is None else [e for e in new if match(e.text, e.label)]
        self._shown.extend(shown)
        if shown:
            self._width = max(self._width, max(len(e.text) for e in shown) + 40)
        if self.wrap:
            self._wrap_more(shown)
        if self._trim() and self.wrap:
            self._rewrap()
        self._resize()

    def _trim(self) -> bool:
        excess = len(self._entries) - self.max_lines
        if excess <= 0:
            return False
        cutoff = self._entries[excess].seq
        del self._entries[:excess]
        self.dropped += excess
        gone = bisect_left(self._shown, cutoff, key=lambda e: e.seq)
        if gone:
            del self._shown[:gone]
            if self.current_match is not None:
                self.current_match = (
                    self.current_match - gone if self.current_match >= gone else None
                )
            if not self.follow:  # keep the lines the user is reading in place
                self.scroll_to(y=max(0, self.scroll_y - gone), animate=False, immediate=True)
        return True

    def clear(self) -> None:
        self._entries.clear()
        self._shown.clear()
        self.current_match = None
        self._width = 0
        self._starts.clear()
        self._rows = 0
        self._resize()

    # -- wrapping ----------------------------------------------------------------------

    def _prefix_width(self) -> int:
        width = 13 if self.show_time else 0
        return width + (self._label_width + 1 if len(self._labels) > 1 else 0)

    def _body_width(self) -> int:
        return max(10, (self.size.width or 80) - self._prefix_width() - 2)

    def _wrap_more(self, entries: Sequence[Entry]) -> None:
        width = self._wrap_width
        for e in entries:
            self._starts.append(self._rows)
            self._rows += max(1, -(-len(e.text) // width))

    def _rewrap(self) -> None:
        self._starts, self._rows = [], 0
        self._wrap_width = self._body_width()
        self._wrap_more(self._shown)

    def set_wrap(self, wrap: bool) -> None:
        """Wrap long lines (``w``), keeping the line at the top of the view in view."""
        top = self._entry_at(int(self.scroll_y))[0]
        self.wrap = wrap
        if wrap:
            self._rewrap()
        self._resize()
        if not self.follow and self._shown:
            self.scroll_to(y=self._row_of(top), animate=False, immediate=True)

    def _entry_at(self, row: int) -> tuple[int, int]:
        """(shown line, character offset) drawn on display ``row``."""
        if not self.wrap:
            return row, 0
        i = max(0, bisect_right(self._starts, row) - 1)
        return i, (row - self._starts[i]) * self._wrap_width if self._starts else 0

    def _row_of(self, index: int) -> int:
        if not self.wrap or not self._starts:
            return index
        return self._starts[min(index, len(self._starts) - 1)]

    def on_resize(self) -> None:
        if self.wrap and self._body_width() != self._wrap_width:
            self._rewrap()
            self._resize()

    def line_in_view(self) -> str | None:
        """The line to open in full: the current match, else the last one on screen."""
        if not self._shown:
            return None
        if self.current_match is not None and self.current_match < len(self._shown):
            return self._shown[self.current_match].text
        bottom = int(self.scroll_y) + max(0, self.size.height - 1)
        return self._shown[min(self._entry_at(bottom)[0], len(self._shown) - 1)].text

    def _resize(self) -> None:
        rows = self._rows if self.wrap else len(self._shown)
        self.virtual_size = Size(self.size.width if self.wrap else self._width, rows)
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def set_filter(self, query: str) -> None:
        self.filter_text = query
        self._filter = line_matcher(query)
        match = self._filter
        self._shown = (
            list(self._entries)
            if match is None
            else [e for e in self._entries if match(e.text, e.label)]
        )
        self.current_match = None
        if self.wrap:
            self._rewrap()
        self._resize()

    def set_search(self, query: str) -> int:
        """Highlight ``query`` and jump to its last match; returns the number of lines matching."""
        self.search_text = query.strip()
        self._search = None
        self.current_match = None
        if self.search_text:
            try:
                self._search = re.compile(self.search_text, re.IGNORECASE)
            except re.error:
                self._search = re.compile(re.escape(self.search_text), re.IGNORECASE)
        self.refresh()
        if self._search is None:
            return 0
        matches = self.matches()
        if matches:
            self._go(matches[-1])
        return len(matches)

    def matches(self) -> list[int]:
        """Indexes of the shown lines the search matches."""
        if self._search is None:
            return []
        search = self._search.search
        return [i for i, e in enumerate(self._shown) if search(e.text)]

    def next_match(self, forward: bool = True) -> str:
        """Move to the next (or previous) match, wrapping around; says where it landed."""
        if self._search is None:
            return "No search: press s to search"
        matches = self.matches()
        if not matches:
            return f"No line matches {self.search_text!r}"
        here = self.current_match
        if here is None:
            top = self._entry_at(int(self.scroll_y))[0]
            here = top - 1 if forward else top + 1
        after = [i for i in matches if (i > here if forward else i < here)]
        wrapped = not after
        target = (after[0] if forward else after[-1]) if after else matches[0 if forward else -1]
        self._go(target)
        where = f"match {matches.index(target) + 1} of {len(matches)}"
        if wrapped:
            where += ", wrapped to the " + ("top" if forward else "bottom")
        return where

    def _go(self, index: int) -> None:
        self.current_match = index
        self.follow = False
        row = self._row_of(index)
        self.scroll_to(y=max(0, row - self.size.height // 2), animate=False, immediate=True)
        self.refresh()

    # -- rendering ---------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        style = self.rich_style
        index, offset = self._entry_at(scroll_y + y)
        if index >= len(self._shown) or (self.wrap and scroll_y + y >= self._rows):
            return Strip.blank(width, style)
        entry = self._shown[index]
        text = Text(no_wrap=True, end="", style=style)
        if offset:  # a continuation of a wrapped line
            text.append(" " * self._prefix_width() + "↪ ", "dim")
        else:
            if self.show_time:
                text.append(entry.time + " ", "dim")
            if len(self._labels) > 1:
                text.append(entry.label.ljust(self._label_width) + " ", label_style(entry.label))
        chunk = entry.text[offset : offset + self._wrap_width] if self.wrap else entry.text
        body = Text(chunk)
        if self._search is not None:
            current = index == self.current_match
            body.highlight_regex(self._search, CURRENT if current else MATCH)
            if current:
                text.append("▶ ", CURRENT)
        text.append_text(body)
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    def watch_show_time(self) -> None:
        if self.wrap:
            self._rewrap()
            self._resize()
        self.refresh()

    def watch_follow(self, follow: bool) -> None:
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    # -- keys --------------------------------------------------------------------------

    def action_line_down(self) -> None:
        self.scroll_relative(y=1, animate=False)

    def action_line_up(self) -> None:
        self.follow = False
        self.scroll_relative(y=-1, animate=False)

    def action_page_up(self) -> None:
        self.follow = False
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_top(self) -> None:
        self.follow = False
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.follow = True
