"""The ``ecsdev`` command line: the only place that prints for the engine.

Every command lives in a module of this package and registers itself on the one click group,
``ecsdev.cli.base.cli``, with ``@cli.command()``; the helpers every command shares (the
``-f``/``--stack`` options, the Docker connection, ARN tails, ISO timestamps) are in
``base``, and how things are printed (stdout for the answer, no wrapping in a pipe) in
``output``. ``main`` catches ``EcsdevError`` in one place and shows it on stderr with exit
code 2 for bad input and 1 for runtime trouble: never a traceback for a user's mistake.

Adding a command is one line: write its module (say ``ecsdev/cli/serve.py``) with ``from
ecsdev.cli.base import cli`` and ``@cli.command()`` on its function, then add
``"serve": "serve"`` to ``COMMANDS`` below. A module is imported only when one of its
commands runs; ``--help`` imports them all to list them.
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

COMMANDS = {
    "validate": "validate",
    "run-task": "runtask",
    "ps": "tasks",
    "logs": "tasks",
    "exec": "tasks",
    "stop-task": "tasks",
    "up": "stack",
    "down": "stack",
    "scale": "stack",
    "redeploy": "stack",
    "events": "events",
    "targets": "targets",
    "dash": "dash",
    "render": "render",
    "explain": "explain",
    "pull": "pull",
    "secrets": "secretcheck",
}
"""Command name -> the module of this package that registers it, imported when the command
runs (or ``--help`` lists them): every ``ecsdev`` run starts without the others."""

COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))

cli.lazy.update({name: f"ecsdev.cli.{module}" for name, module in COMMANDS.items()})
cli.lazy["serve"] = "ecsdev.servecmd"  # ecsdev serve (issue 10): a command of its own module


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


__all__ = ["COMMANDS", "COMMAND_MODULES", "cli", "main"]
