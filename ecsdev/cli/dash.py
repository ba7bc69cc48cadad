"""``ecsdev dash`` (and ``ecsdev`` with no command): the terminal dashboard.

Why a module of its own: it is the only command that imports textual, and only when run."""

from __future__ import annotations

from typing import Any

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
    )


def _local_sources() -> list[Any]:
    from ecsdev.sources.local import local_sources

    return list(local_sources())
