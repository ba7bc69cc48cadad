"""The ``ecsdev`` command line: the only place that prints for the engine.

Every command lives in a module of this package and registers itself on the one click group,
``ecsdev.cli.base.cli``, with ``@cli.command()``; the helpers every command shares (the
``-f``/``--stack`` options, the Docker connection, ARN tails, ISO timestamps) are in
``base``, and how things are printed (stdout for the answer, no wrapping in a pipe) in
``output``. ``main`` catches ``EcsdevError`` in one place and shows it on stderr with exit
code 2 for bad input and 1 for runtime trouble: never a traceback for a user's mistake.

Adding a command module (say ``ecsdev serve``) is one line: write ``ecsdev/cli/serve.py``
with ``from ecsdev.cli.base import cli`` and ``@cli.command()`` on its function, then add
``"serve"`` to ``COMMAND_MODULES`` below. ``--help`` lists commands by name.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ecsdev.cli import output
from ecsdev.cli.base import cli
from emulator.errors import EcsdevError
from emulator.providers import PROVIDERS_ENV

os.environ.setdefault(PROVIDERS_ENV, "ecsdev.providers")  # for the processes ecsdev starts
importlib.import_module("ecsdev.providers")

COMMAND_MODULES = (
    "validate",
    "runtask",
    "tasks",
    "stack",
    "events",
    "targets",
    "dash",
    "render",
    "explain",
    "pull",
    "secretcheck",
)

for _name in COMMAND_MODULES:
    importlib.import_module(f"ecsdev.cli.{_name}")
cli.add_command(importlib.import_module("ecsdev.servecmd").serve)  # ecsdev serve (issue 10)


def main() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="ecsdev")
    except click.exceptions.Abort:
        output.note("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except EcsdevError as e:
        output.error(e)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # `ecsdev events | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


__all__ = ["COMMAND_MODULES", "cli", "main"]
