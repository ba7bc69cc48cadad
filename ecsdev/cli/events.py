"""``ecsdev events``: a stack's service and task events, oldest first, on stdout.

Why a module of its own: events are the answer here (``ecsdev events | grep unhealthy``),
one per line, and ``--json`` prints them as DescribeServices' ``events`` (id, createdAt,
message) with the level and subject ecsdev knows besides."""

from __future__ import annotations

import time
from typing import Any

import click

from ecsdev.cli import output
from ecsdev.cli.base import FILE_OPT, JSON_OPT, STACK_OPT, cli, iso, stack_ref
from emulator.events import Event


def event_json(eid: int, ev: Event) -> dict[str, Any]:
    """An event as DescribeServices prints one, with ecsdev's level, kind and subject."""
    return {
        "id": str(eid),
        "createdAt": iso(ev.at),
        "message": ev.message,
        "Ecsdev": {"level": ev.level, "kind": ev.kind, "subject": ev.subject},
    }


@cli.command()
@FILE_OPT
@STACK_OPT
@click.argument("service", required=False)
@click.option("-n", "--limit", default=50, show_default=True)
@click.option("--follow", is_flag=True, help="Keep printing new events.")
@JSON_OPT
def events(
    file: str | None,
    stack: str | None,
    service: str | None,
    limit: int,
    follow: bool,
    as_json: bool,
) -> None:
    """Service and task events, oldest first (one per line; --follow for new ones).

    --json prints {"events": [...]} (with --follow: one JSON event per line)."""
    from emulator.store import Store

    ref = stack_ref(file, stack)
    store = Store(ref.name)
    evs = store.events(subject=service, limit=limit)
    if as_json and not follow:
        output.dump_json({"events": [event_json(i, e) for i, e in evs]})
        return
    show = _json_line if as_json else (lambda _i, e: output.event(e))
    for eid, ev in evs:
        show(eid, ev)
    since = evs[-1][0] if evs else 0
    while follow:
        for eid, ev in store.events(subject=service, since_id=since, limit=1_000_000):
            show(eid, ev)
            since = eid
        time.sleep(0.5)


def _json_line(eid: int, ev: Event) -> None:
    import json

    click.echo(json.dumps(event_json(eid, ev)))
