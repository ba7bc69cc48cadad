"""Stack commands: ``up``, ``down``, ``scale``, ``redeploy``.

``up`` records the layout (emulator.stack.apply) and hands the work to the stack's controller;
in the foreground it prints the events in the order they happened (on stdout, one line each)
under a live status in a terminal, and Ctrl-C leaves the stack running. ``-d`` returns once
every service is steady, or fails after ``--timeout`` with the events that explain why not.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import click
from rich.console import Group
from rich.live import Live
from rich.text import Text

from ecsdev.cli import output
from ecsdev.cli.base import FILE_OPT, STACK_OPT, cli, runtime, stack_ref
from ecsdev.cli.stackref import StackRef
from ecsdev.cli.tables import print_services, services_table
from emulator.errors import EcsdevError
from emulator.events import Event

SECRETS_PROFILE_OPT = click.option(
    "--secrets-profile",
    metavar="PROFILE",
    help="Also look the tasks' secrets up in this AWS profile's account, after the stack's "
    "own sources (read-only: ssm:GetParameters, secretsmanager:GetSecretValue).",
)
EVENTS_PAGE = 1_000_000  # the store returns the newest N after an id: ask for all of them


def steady(services: list[dict[str, Any]], expected: set[str] | None = None) -> bool:
    if expected is not None and not expected <= {s["serviceName"] for s in services}:
        return False
    for s in services:
        if s.get("status") not in (None, "ACTIVE"):
            continue
        deps = s.get("deployments") or []
        if len(deps) != 1 or deps[0].get("rolloutState") != "COMPLETED":
            return False
        if s["runningCount"] != s["desiredCount"]:
            return False
    return True


def _rows(store: Any, rt: Any) -> list[dict[str, Any]]:
    from emulator.endpoint.ecs_json import plain, services_json
    from emulator.services import describe_services

    return list(plain(services_json(describe_services(rt, store))))


@cli.command()
@FILE_OPT
@click.option("-d", "--detach", is_flag=True, help="Return once every service is steady.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait with -d.")
@click.option("--build", is_flag=True, help="Rebuild the layout's images even if present.")
@SECRETS_PROFILE_OPT
def up(
    file: str | None, detach: bool, timeout: float, build: bool, secrets_profile: str | None
) -> None:
    """Run a layout: networks, images, task definitions, services, controller."""
    from ecsdev.cli.controller import ensure_controller
    from emulator import stack as stackops
    from emulator.secrets.config import with_profile
    from emulator.store import Store, state_home

    ref = stack_ref(file, None, need_layout=True)
    assert ref.layout is not None
    layout = ref.layout
    if secrets_profile:  # until the next `up` without it
        sources = with_profile(layout.secret_sources, secrets_profile, state_home())
        layout = replace(layout, secret_sources=sources)
    rt = runtime()
    store = Store(ref.name)
    res = stackops.apply(rt, store, layout, rebuild=build, sink=_apply_sink)
    for verb, names in (
        ("created", res.created),
        ("updated", res.updated),
        ("removed", res.removed),
    ):
        if names:
            output.note(f"[dim]services {verb}: {', '.join(names)}[/dim]")
    if res.unchanged and not (res.created or res.updated or res.removed):
        output.note(f"[dim]no changes to services ({', '.join(res.unchanged)})[/dim]")
    latest = store.events(limit=1)
    since = latest[-1][0] if latest else 0
    ensure_controller(ref.name, ref.cluster, ref.account, idle_exit=-1)
    listeners = listener_lines(ref)
    if detach:
        _wait_steady(store, rt, ref.name, timeout, since, listeners)
        return
    _follow(store, rt, ref.name, since, listeners)


def _apply_sink(ev: Event) -> None:
    """Image pulls and builds are progress (stderr); what the stack does is the answer."""
    (output.warning if ev.kind == "image" else output.event)(ev)


def listener_lines(ref: StackRef) -> list[str]:
    try:
        from emulator.alb.endpoints import listener_urls
    except ImportError:
        return []
    return listener_urls(ref.layout) if ref.layout else []


def _print_events(store: Any, since: int) -> int:
    for eid, ev in store.events(since_id=since, limit=EVENTS_PAGE):
        output.event(ev)
        since = eid
    return since


def _wait_steady(
    store: Any, rt: Any, stack: str, timeout: float, since: int, listeners: list[str]
) -> None:
    """Until every service is steady, every load balancer's nginx routes to the targets
    the controller last recorded and every service's names reach its tasks (so the first
    request after "steady" reaches a task)."""
    from emulator.albstate import unreachable
    from emulator.discoverytargets import unanswered
    from emulator.services import load_spec, service_names

    deadline = time.time() + timeout
    start = since
    expected = {
        n for n in service_names(store) if (sp := load_spec(store, n)) is not None and sp.active
    }
    while True:
        since = _print_events(store, since)
        rows = _rows(store, rt)
        bodies = store.services()
        applied = all(
            (bodies.get(n) or {}).get("applied") == sp.generation
            for n in expected
            if (sp := load_spec(store, n)) is not None
        )
        desired = {r["serviceName"]: int(r["desiredCount"]) for r in rows}
        waiting = unreachable(store, desired) + unanswered(store, desired)
        if applied and steady(rows, expected) and not waiting:
            print_services(rows)
            output.line(
                f"[green]stack {stack} is steady[/green]"
                + (f"; reach it at {', '.join(listeners)}" if listeners else "")
            )
            return
        if time.time() > deadline:
            print_services(rows)
            errors = [
                ev.message
                for _, ev in store.events(since_id=start, limit=EVENTS_PAGE)
                if ev.level != "info"
            ]
            if applied and steady(rows, expected):  # steady, but not reachable through the ALB
                raise EcsdevError(
                    f"stack {stack}: its services run, but the load balancer does not reach "
                    f"them within {timeout:.0f}s",
                    "\n".join([*waiting, *errors[-5:]])
                    + "\nSee `ecsdev targets` (the health check path, port and matcher).",
                )
            raise EcsdevError(
                f"stack {stack} did not reach a steady state within {timeout:.0f}s",
                "\n".join(errors[-10:]) or "See `ecsdev events` and `ecsdev ps -a`.",
            )
        time.sleep(1.0)


def _status(store: Any, rt: Any, listeners: list[str]) -> Group:
    parts: list[Any] = [services_table(_rows(store, rt), output.out.width)]
    if listeners:
        parts.append(Text("reach it at " + ", ".join(listeners), style="cyan"))
    return Group(*parts)


def _follow(store: Any, rt: Any, stack: str, since: int, listeners: list[str]) -> None:
    try:
        if not output.out.is_terminal:  # a pipe: the events, one per line, nothing redrawn
            if listeners:
                output.note("reach it at " + ", ".join(listeners))
            while True:
                since = _print_events(store, since)
                time.sleep(1.0)
        with Live(
            _status(store, rt, listeners),
            console=output.out,
            refresh_per_second=2,
            transient=False,
        ) as live:
            while True:
                for eid, ev in store.events(since_id=since, limit=EVENTS_PAGE):
                    live.console.print(output.event_line(ev))
                    since = eid
                live.update(_status(store, rt, listeners))
                time.sleep(1.0)
    except KeyboardInterrupt:
        output.note(
            f"\nleft stack {stack} running (ecsdev down -f ... to stop it; ecsdev ps to look)"
        )


@cli.command()
@FILE_OPT
@STACK_OPT
@click.option(
    "--purge", is_flag=True, help="Also forget history: revisions, events, stopped tasks."
)
def down(file: str | None, stack: str | None, purge: bool) -> None:
    """Stop every task in ECS order and remove the stack's containers and networks."""
    from ecsdev.cli.controller import stop_controller
    from emulator import stack as stackops
    from emulator.store import Store

    ref = stack_ref(file, stack)
    rt = runtime()
    stop_controller(ref.name)
    store = Store(ref.name)
    removed = stackops.down(rt, store, sink=lambda e: None)
    tasks = sum(1 for r in removed if r.startswith("task "))
    output.line(
        f"stack {ref.name} is down: {tasks} task(s) stopped, "
        f"{len(removed) - tasks} other Docker object(s) removed"
    )
    if purge:
        store.purge()
        output.line(f"history of {ref.name} forgotten")


@cli.command()
@FILE_OPT
@STACK_OPT
@click.argument("service")
@click.argument("count", type=click.IntRange(0, 1000))
def scale(file: str | None, stack: str | None, service: str, count: int) -> None:
    """Set a service's desiredCount (UpdateService)."""
    from emulator.stack import set_desired
    from emulator.store import Store

    ref = stack_ref(file, stack)
    set_desired(Store(ref.name), service, count=count)
    output.line(f"(service {service}) desiredCount set to {count}")


@cli.command()
@FILE_OPT
@STACK_OPT
@click.argument("service")
def redeploy(file: str | None, stack: str | None, service: str) -> None:
    """Force a new deployment of a service (UpdateService --force-new-deployment)."""
    from emulator.stack import set_desired
    from emulator.store import Store

    ref = stack_ref(file, stack)
    set_desired(Store(ref.name), service, force=True)
    output.line(f"(service {service}) new deployment requested")
