"""The CLI package's one rule for commands: a module of ``ecsdev/cli`` that registers a command
on the group is listed in ``COMMAND_MODULES`` (that list is the one line a new command module
adds), and the console entry point ``ecsdev.cli:main`` sees every command."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

import ecsdev.cli as package
from ecsdev.cli import COMMAND_MODULES, cli, main

HERE = Path(package.__file__).parent


def test_every_module_with_commands_is_listed() -> None:
    registering = {
        p.stem for p in HERE.glob("*.py") if re.search(r"^@cli\.command\(", p.read_text(), re.M)
    }
    assert registering == set(COMMAND_MODULES)


def test_help_lists_the_commands_and_main_is_the_entry_point() -> None:
    res = CliRunner().invoke(cli, ["--help"])
    assert res.exit_code == 0
    for name in ("validate", "run-task", "ps", "logs", "exec", "stop-task", "up", "down"):
        assert re.search(rf"^\s+{name}\s", res.output, re.M), name
    for name in ("events", "scale", "redeploy", "targets", "dash"):
        assert re.search(rf"^\s+{name}\s", res.output, re.M), name
    assert callable(main)
    text = (HERE.parents[1] / "pyproject.toml").read_text()
    assert 'ecsdev = "ecsdev.cli:main"' in text


def test_each_command_is_found_in_the_module_the_lazy_map_names() -> None:
    import importlib
    import subprocess
    import sys

    from ecsdev.cli import COMMANDS

    for name in [*COMMANDS, "serve"]:
        assert cli.get_command(None, name) is not None, name  # type: ignore[arg-type]
    for module in COMMAND_MODULES:  # nothing registered that the map does not name
        importlib.import_module(f"ecsdev.cli.{module}")
    assert set(cli.commands) == {*COMMANDS, "serve"}
    for name, module in COMMANDS.items():
        assert cli.commands[name].callback.__module__ == f"ecsdev.cli.{module}", name  # type: ignore[union-attr]
    # a command run imports its own module, not the others (the dashboard's Textual above all)
    code = (
        "import sys; from ecsdev.cli import cli; cli.get_command(None, 'ps'); "
        "print('textual' in sys.modules, 'ecsdev.cli.pull' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
