"""``ecsdev dash`` (and ``ecsdev`` with no command): the terminal dashboard.

Why a module of its own: it is the only command that imports textual, and only when run. It
also hands the dashboard the two ways to the emulator, as callables (ecsdev/sources never
imports the engine): the endpoint's URL, for the ``local`` context (the main one: the same
AwsSource that reads AWS, on ``ecsdev serve``), and the stacks read directly
(``local:<stack>``, the direct view kept alongside it)."""

from __future__ import annotations

from typing import Any

import click

from ecsdev.cli.base import cli, dash_options


@cli.command()
@dash_options
def dash(
    context: str | None,
    profile: str | None,
    region: str | None,
    cluster: str | None,
    service: str | None,
    write: bool,
    refresh: float | None,
) -> None:
    """Open the terminal dashboard."""
    from ecsdev.tui import run_dashboard

    run_dashboard(
        context=context,
        profile=profile,
        region=region,
        cluster=cluster,
        service=service,
        write=write,
        refresh=refresh,
        local_sources=_local_sources,
        local_endpoint=local_endpoint,
    )


def _local_sources() -> list[Any]:
    from ecsdev.sources.local import local_sources

    return list(local_sources())


def local_endpoint(*, start: bool) -> str | None:
    """The URL of the endpoint serving this state directory; with ``start``, one is started
    in the background (as ``ecsdev serve -d``) when none runs, saying so on stderr."""
    from emulator.endpoint import daemon

    state = daemon.running()
    if state is not None:
        return str(state["url"])
    if not start:
        return None
    click.echo("Starting the ecsdev endpoint in the background (ecsdev serve -d)...", err=True)
    state, started = daemon.start()
    url = str(state["url"])
    if started:
        click.echo(f"ecsdev endpoint on {url} (stop it with: ecsdev serve --stop)", err=True)
    return url
