"""How the CLI prints, by the Unix conventions scripts rely on.

The command's answer (tables, events, JSON) goes to stdout, progress and warnings to
stderr. When stdout is not a terminal nothing is wrapped or cut: one record per line, with
columns aligned by spaces as ``docker ps`` and ``kubectl get`` print them, so ``grep`` and
``awk`` see whole ARNs and whole messages. In a terminal, tables never split a word: cells are
shortened with ``…`` and low-value columns dropped to fit, and ``-o wide`` shows them all.
Errors are a panel in a terminal and plain ``FILE:LINE: path: what`` lines otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from rich.console import Console, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emulator.errors import EcsdevError, LayoutError
from emulator.events import Event

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

LEVEL_STYLE = {"warning": "yellow", "error": "red"}
GAP = 2  # spaces between columns
FLEX_MIN = 24  # the last column is cut to this before a droppable column is dropped


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def line(text: str | Text, to_err: bool = False) -> None:
    """One record, never wrapped: styled in a terminal, plain text in a pipe."""
    stream = sys.stderr if to_err else sys.stdout
    if _is_tty(stream):
        (err if to_err else out).print(text)
        return
    stream.write((text.plain if isinstance(text, Text) else Text.from_markup(text).plain) + "\n")
    stream.flush()


def note(markup: str) -> None:
    """Progress or a warning for the person at the terminal: stderr, one line."""
    line(markup, to_err=True)


def event_line(ev: Event) -> Text:
    """``HH:MM:SS message`` on one line (line breaks in a message become spaces)."""
    stamp = datetime.fromtimestamp(ev.at).strftime("%H:%M:%S")
    message = " ".join(ev.message.splitlines())
    return Text(f"{stamp} {message}", style=LEVEL_STYLE.get(ev.level, "dim"))


def event(ev: Event) -> None:
    """An event as the command's answer (``events``, ``up``): stdout, one line each."""
    line(event_line(ev))


def warning(ev: Event) -> None:
    """An event that is not the answer (a load warning, an image pulled): stderr."""
    line(event_line(ev), to_err=True)


def error(e: EcsdevError) -> None:
    problems = [str(p) for p in e.problems] if isinstance(e, LayoutError) else [e.message]
    if not _is_tty(sys.stderr):
        for p in problems:
            sys.stderr.write(f"{p}\n" if isinstance(e, LayoutError) else f"ecsdev: {p}\n")
        if isinstance(e, LayoutError):
            n = len(problems)
            sys.stderr.write(f"{n} problem{'s' if n != 1 else ''}; nothing was started\n")
        if e.hint:
            sys.stderr.write(e.hint + "\n")
        sys.stderr.flush()
        return
    body = Text("\n".join(problems))
    title = "error"
    if isinstance(e, LayoutError):
        n = len(problems)
        title = f"{n} problem{'s' if n != 1 else ''}; nothing was started"
    if e.hint:
        body.append("\n" + e.hint, style="dim")
    err.print(Panel(body, title=title, title_align="left", border_style="red", expand=False))


@dataclass(frozen=True)
class Column:
    """A table column; ``drop`` > 0 columns go first (highest first) on a narrow terminal."""

    name: str
    drop: int = 0


Cell = str | Text


def _plain(c: Cell) -> str:
    return c.plain if isinstance(c, Text) else c


def table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]], wide: bool = False) -> None:
    """Print a table on stdout by the rules in this module's docstring."""
    if not _is_tty(sys.stdout):
        sys.stdout.write(plain_table(columns, rows))
        sys.stdout.flush()
        return
    out.print(fitted(columns, rows, out.width, wide))


def plain_table(columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> str:
    """Aligned columns, nothing cut; one line per row, newlines in a cell made spaces."""
    cells = [[c.name for c in columns]] + [
        [" ".join(_plain(c).split("\n")) for c in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    return "".join(
        (" " * GAP).join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n"
        for r in cells
    )


def fitted(
    columns: Sequence[Column], rows: Sequence[Sequence[Cell]], width: int, wide: bool = False
) -> RenderableType:
    """For a terminal of ``width``: droppable columns dropped while the natural width does
    not fit, then the widest cells shortened with … (short columns keep their width; nothing
    wraps). With ``wide``: every column, whole (the terminal folds long lines itself)."""
    if wide:
        return Text(plain_table(columns, rows).rstrip("\n"))
    keep = list(range(len(columns)))

    def natural(i: int) -> int:
        return max([len(columns[i].name)] + [len(_plain(r[i])) for r in rows])

    def need() -> int:  # the last column (reasons, descriptions) may be cut to FLEX_MIN
        last = keep[-1]
        return sum(min(natural(i), FLEX_MIN) if i == last else natural(i) for i in keep) + (
            GAP * (len(keep) - 1)
        )

    while need() > width:
        droppable = [i for i in keep if columns[i].drop > 0]
        if not droppable:
            break
        keep.remove(max(droppable, key=lambda i: (columns[i].drop, i)))
    widths = {i: natural(i) for i in keep}
    room = width - GAP * (len(keep) - 1)
    while sum(widths.values()) > room:
        widest = max(keep, key=lambda i: (widths[i], i))
        if widths[widest] <= max(len(columns[widest].name), 4):
            break
        widths[widest] -= 1
    t = Table(box=None, pad_edge=False, header_style="bold")
    for i in keep:
        t.add_column(columns[i].name, no_wrap=True, overflow="ellipsis", width=widths[i])
    for r in rows:
        t.add_row(*(r[i] for i in keep))
    return t


def shorten(text: str, limit: int = 200) -> str:
    """A value cut for a message: its start, ``…``, and how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def dump_json(doc: Any) -> None:
    import json

    sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    sys.stdout.flush()


__all__ = [
    "Column",
    "dump_json",
    "err",
    "error",
    "event",
    "fitted",
    "line",
    "note",
    "out",
    "plain_table",
    "shorten",
    "table",
    "warning",
]
