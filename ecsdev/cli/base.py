"""What every command module of the CLI shares, defined once: the ``ecsdev`` click group the
modules register on, the ``-f``/``--stack`` options, the Docker connection, the stack a
command acts on, and the small conversions of ARNs and timestamps the commands print.

Why a module of its own: the command modules import it and nothing else of each other, so
a new module (``ecsdev serve``) needs no edit anywhere but the list in ``ecsdev/cli/__init__``.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import click

from ecsdev.cli import output
from ecsdev.cli.stackref import StackRef, all_stacks, resolve
from ecsdev.cli.template import compose_template_options
from emulator.errors import UsageError

FILE_OPT = compose_template_options(  # with -f: --parameter, --stack-name ... for templates
    click.option(
        "-f",
        "--file",
        "file",
        metavar="LAYOUT",
        help="Layout (default ./ecsdev.yaml), task-definition JSON, CloudFormation template or cdk.out.",
    )
)
STACK_OPT = click.option("--stack", metavar="NAME", help="Act on a stack by name instead of -f.")
JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Print AWS-shaped JSON.")
WIDE_OPT = click.option(
    "-o",
    "--output",
    "output_format",
    type=click.Choice(["wide"]),
    default=None,
    help="wide: every column, even on a narrow terminal.",
)


def dash_options(f: Any) -> Any:
    """The dashboard's options: on ``ecsdev`` itself (no command) and on ``ecsdev dash``."""
    for opt in reversed(
        [
            click.option(
                "--context",
                help="local (the emulator's endpoint), local:STACK (a stack read directly),"
                " localstack, or an AWS profile (aws:NAME).",
            ),
            click.option("--profile", help="AWS profile (default: AWS_PROFILE)."),
            click.option("--region", help="AWS region (default: AWS_REGION or the profile's)."),
            click.option("--cluster", help="Open on this cluster."),
            click.option("--service", help="Open on this service."),
            click.option(
                "--write", is_flag=True, help="Allow changes against AWS (each one confirmed)."
            ),
            click.option(
                "--refresh", type=float, default=None, help="Seconds between refreshes (0 = off)."
            ),
        ]
    ):
        f = opt(f)
    return f


class LazyGroup(click.Group):
    """A group whose commands' modules are imported when a command is asked for (``lazy``:
    command name -> module), so ``ecsdev ps`` does not pay for the dashboard's imports."""

    lazy: dict[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            module = importlib.import_module(self.lazy[cmd_name])
            command = getattr(module, cmd_name, None)  # a command its module does not register
            if cmd_name not in self.commands and isinstance(command, click.Command):
                self.add_command(command)
        return self.commands.get(cmd_name)


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="ecsdev")
@dash_options
@click.pass_context
def cli(ctx: click.Context, /, **dash_args: Any) -> None:
    """ecsdev: run ECS task definitions and services on Docker behind an ALB stand-in,
    and browse ECS (local, LocalStack, AWS) in a terminal dashboard.

    With no command, opens the dashboard."""
    if ctx.invoked_subcommand is None:
        dash = cli.get_command(ctx, "dash")
        assert dash is not None
        ctx.invoke(dash, **dash_args)


def runtime() -> Any:
    """The Docker engine, answering (or DockerUnavailable naming DOCKER_HOST)."""
    from emulator.runtime.docker import DockerRuntime

    rt = DockerRuntime()
    rt.ping()
    return rt


def stack_ref(file: str | None, stack: str | None, need_layout: bool = False) -> StackRef:
    """The stack named by -f/--stack (./ecsdev.yaml by default); load warnings go to stderr."""
    ref = resolve(file, stack, sink=output.warning)
    assert ref is not None
    if need_layout and ref.layout is None:
        raise UsageError(
            "this command needs a layout (-f LAYOUT)",
            "A bare task definition runs with `ecsdev run-task -f FILE`.",
        )
    return ref


def stacks_for(file: str | None, stack: str | None, rt: Any) -> list[str]:
    """The stack named by -f/--stack, or every stack known when neither names one."""
    ref = resolve(file, stack, sink=output.warning, required=False)
    return [ref.name] if ref else all_stacks(rt)


def arn_tail(arn: str) -> str:
    """``family:3`` of a task-definition ARN, the ID of a task ARN, a name of a service ARN:
    what follows the last ``/`` (the argument itself when it has none)."""
    return arn.rsplit("/", 1)[-1]


def short_id(arn: str) -> str:
    """A task's ID cut to 12 characters, as ``docker ps`` cuts container IDs."""
    return arn_tail(arn)[:12]


def iso(ts: float | None) -> str | None:
    """``2024-05-01T12:00:00.250000+00:00``: how the AWS CLI prints a timestamp."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def parse_iso(value: str | None) -> datetime | None:
    """A timestamp as AWS prints it (``Z`` or an offset, any fraction), or None."""
    if not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def ago(value: str | None) -> str:
    """``3m ago`` for an ISO timestamp; ``-`` when there is none."""
    t = parse_iso(value)
    if t is None:
        return value or "-"
    secs = int((datetime.now(UTC) - t).total_seconds())
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= n:
            return f"{secs // n}{unit} ago"
    return f"{max(secs, 0)}s ago"


__all__ = [
    "FILE_OPT",
    "JSON_OPT",
    "STACK_OPT",
    "WIDE_OPT",
    "ago",
    "arn_tail",
    "cli",
    "dash_options",
    "iso",
    "parse_iso",
    "runtime",
    "short_id",
    "stack_ref",
    "stacks_for",
]
