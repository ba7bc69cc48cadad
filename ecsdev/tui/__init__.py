"""The terminal dashboard (Textual) for the local emulator, LocalStack and AWS.

``run_dashboard`` is what the CLI calls for ``ecsdev`` and ``ecsdev dash``. It resolves
everything that can be wrong on the command line (an unknown context or profile, a bad
config file) before the screen is taken over, so such mistakes are reported by the CLI as
ordinary ``EcsdevError``s rather than inside the app.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from ecsdev.sources.base import Source
from ecsdev.sources.config import load_config
from emulator.errors import EcsdevError

if TYPE_CHECKING:
    from ecsdev.sources.contexts import ContextCatalog, LocalEndpoint


def run_dashboard(
    context: str | None,
    profile: str | None,
    region: str | None,
    cluster: str | None,
    service: str | None,
    write: bool,
    refresh: float | None,
    local_sources: Callable[[], list[Source]] | None,
    local_endpoint: LocalEndpoint | None = None,
) -> None:
    """Open the dashboard and return when the user quits.

    Args:
        context: a context name (``local``, ``aws:prod``, ``prod``, ``localstack``,
            ``local:demo``).
        profile: an AWS profile (ignored when ``context`` is given).
        region: the region to open (else the profile's, ``AWS_REGION``, ...).
        cluster, service: open deep at this cluster / service.
        write: allow changes on AWS contexts (production profiles stay read-only).
        refresh: seconds between refreshes; ``None`` takes the config file's (default 5),
            0 turns refreshing off.
        local_sources: returns a Source per stack the local emulator runs (read directly).
        local_endpoint: where ecsdev's endpoint answers (starting it when asked): the
            ``local`` context, opened at start-up when it runs or there are local stacks.

    Raises:
        EcsdevError: bad config file, unknown context or profile.
    """
    from ecsdev.sources.contexts import ContextCatalog
    from ecsdev.tui.app import make_app

    config = load_config()
    catalog = ContextCatalog(config, local_sources, write=write, local_endpoint=local_endpoint)
    source = open_first(catalog, context, profile, region)
    app = make_app(
        source,
        catalog=catalog,
        cluster=cluster,
        service=service,
        refresh=config.refresh if refresh is None else refresh,
        log_buffer=config.log_buffer,
    )
    try:
        app.run()
    finally:
        app.source.close()


def open_first(
    catalog: ContextCatalog, context: str | None, profile: str | None, region: str | None
) -> Source:
    """The source the dashboard opens on. When ``local`` was chosen for the user and its
    endpoint cannot start (its port taken, ...), it opens the first local stack directly
    instead and says so on stderr: what opened before the endpoint existed still opens."""
    from ecsdev.sources.contexts import LOCAL

    chosen = catalog.initial(context=context, profile=profile)
    try:
        return catalog.open(chosen, region)
    except EcsdevError as e:
        stacks = catalog.local_contexts() if chosen.name == LOCAL and not context else []
        if not stacks:
            raise
        print(f"warning: {e.message}; opening {stacks[0].name} directly", file=sys.stderr)
        return catalog.open(stacks[0], region)


__all__ = ["open_first", "run_dashboard"]
