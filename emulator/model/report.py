"""Where validation writes what it finds.

Every check, shape or semantic, reports through a ``Reporter``: it turns a path inside the
document into ``Problem(file, line, path, message)`` for errors and into warning ``Event``s for
things that load but cannot be honoured locally. A reporter for a task definition inside a layout
looks lines up under ``taskDefinitions[1]`` and shows that prefix; one for a bare file (maybe the
whole describe-task-definition response) looks lines up under ``taskDefinition`` and shows none.
"""

from __future__ import annotations

import re

from emulator.errors import Problem
from emulator.events import Event, EventSink, discard
from emulator.model.yamlsource import Lines, PathT, render_path

LONG_RUN = re.compile(r"\S{121,}")


def cut_long(text: str, keep: int = 60) -> str:
    """A message with every run of more than 120 non-blank characters cut to its start, an
    ellipsis and its length: a 10 MB value is named, never echoed."""
    return LONG_RUN.sub(lambda m: f"{m.group()[:keep]}…({len(m.group())} characters)", text)


class Reporter:
    """Collects problems and emits warnings for one file, relative to a base path."""

    def __init__(
        self,
        file: str,
        lines: Lines | None = None,
        *,
        base: PathT = (),
        shown: PathT = (),
        sink: EventSink = discard,
        problems: list[Problem] | None = None,
    ) -> None:
        self.file = file
        self.lines = lines or Lines()
        self.base = base  # prefix for line lookups
        self.shown = shown  # prefix for printed paths
        self.sink = sink
        self.problems: list[Problem] = [] if problems is None else problems
        self.warnings: list[Problem] = []  # emitted by flush(), in file order

    def at(self, sub: PathT, *, shown: bool = True) -> Reporter:
        """A reporter for a part of this document, sharing the problem list. With
        ``shown=False`` the part's path is used to find lines but not printed (the
        ``taskDefinition`` wrapper of a describe-task-definition response)."""
        child = Reporter(
            self.file,
            self.lines,
            base=self.base + sub,
            shown=self.shown + sub if shown else self.shown,
            sink=self.sink,
            problems=self.problems,
        )
        child.warnings = self.warnings
        return child

    def locate(self, path: PathT) -> Problem:
        return Problem(
            self.file, self.lines.line(self.base + path), render_path(self.shown + path), ""
        )

    def error(self, path: PathT, message: str) -> None:
        p = self.locate(path)
        self.problems.append(Problem(p.file, p.line, cut_long(p.path), cut_long(message)))

    def warn(self, path: PathT, message: str) -> None:
        p = self.locate(path)
        warning = Problem(p.file, p.line, cut_long(p.path), cut_long(message))
        if warning not in self.warnings:  # a file named twice in a layout warns once
            self.warnings.append(warning)

    def flush(self, first_file: str | None = None) -> None:
        """Emit the warnings as events: ``first_file``'s (the layout's) first, by line."""
        files = list(dict.fromkeys([first_file or self.file] + [w.file for w in self.warnings]))
        for w in sorted(self.warnings, key=lambda w: (files.index(w.file), w.line or 0)):
            self.sink(Event(str(w), level="warning", subject=w.file, kind="layout"))
        self.warnings.clear()

    @property
    def count(self) -> int:
        return len(self.problems)
