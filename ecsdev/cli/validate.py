"""``ecsdev validate``: check a layout or a task-definition file without starting anything.

Why a module of its own: it is the one command whose answer is the problems themselves, so
with ``--json`` they are printed on stdout (file, line, path, message) for editors and CI."""

from __future__ import annotations

import sys

import click

from ecsdev.cli import output
from ecsdev.cli.base import FILE_OPT, JSON_OPT, cli
from ecsdev.cli.stackref import resolve
from emulator.errors import LayoutError
from emulator.events import Event


@cli.command()
@FILE_OPT
@JSON_OPT
def validate(file: str | None, as_json: bool) -> None:
    """Check a layout or task-definition file; exit 0, or 2 with every problem.

    --json prints {"valid": bool, "problems": [{"file", "line", "path", "message"}],
    "warnings": [...]} on stdout, whatever the outcome."""
    warnings: list[Event] = []
    try:
        ref = resolve(file, None, sink=warnings.append)
    except LayoutError as e:
        if not as_json:
            raise
        output.dump_json(
            {
                "valid": False,
                "problems": [
                    {"file": p.file, "line": p.line, "path": p.path, "message": p.message}
                    for p in e.problems
                ],
                "warnings": [w.message for w in warnings],
            }
        )
        sys.exit(e.exit_code)
    assert ref is not None
    if as_json:
        output.dump_json({"valid": True, "problems": [], "warnings": [w.message for w in warnings]})
        return
    for w in warnings:
        output.warning(w)
    what = (
        f"layout {ref.name!r}"
        if ref.layout
        else f"task definition {ref.task_definition.family!r}"
        if ref.task_definition
        else ref.name
    )
    click.echo(
        f"{ref.file}: {what} is valid" + (f" ({len(warnings)} warning(s))" if warnings else "")
    )
