"""The terminal dashboard (Textual) for the local emulator, LocalStack and AWS.

``run_dashboard`` is what the CLI calls for ``ecsdev`` and ``ecsdev dash``. It resolves
everything that can be wrong on the command line (an unknown context or profile, a bad
config file) before the screen is taken over, so such mistakes are reported by the CLI as
ordinary ``EcsdevError``s rather than inside the app.
"""

from __future__ import annotations

from collections.abc import Callable

from ecsdev.sources.base import Source
from ecsdev.sources.config import load_config


def run_dashboard(
    context: str | None,
    profile: str | None,
    region: str | None,
    cluster: str | None,
    service: str | None,
    write: bool,
    refresh: float | None,
    local_sources: Callable[[], list[Source]] | None,
) -> None:
    """Open the dashboard and return when the user quits.

    Args:
        context: a context name (``aws:prod``, ``prod``, ``localstack``, ``local:demo``).
        profile: an AWS profile (ignored when ``context`` is given).
        region: the region to open (else the profile's, ``AWS_REGION``, ...).
        cluster, service: open deep at this cluster / service.
        write: allow changes on AWS contexts (production profiles stay read-only).
        refresh: seconds between refreshes; ``None`` takes the config file's (default 5),
            0 turns refreshing off.
        local_sources: returns a Source per stack the local emulator runs.

    Raises:
        EcsdevError: bad config file, unknown context or profile.
    """
    from ecsdev.sources.contexts import ContextCatalog
    from ecsdev.tui.app import make_app

    config = load_config()
    catalog = ContextCatalog(config, local_sources, write=write)
    chosen = catalog.initial(context=context, profile=profile)
    source = catalog.open(chosen, region)
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


__all__ = ["run_dashboard"]
