"""Stack commands: ``up``, ``down``, ``events``, ``scale``, ``redeploy``.

``up`` records the layout (emulator.stack.apply) and hands the work to the stack's controller;
in the foreground it shows a live, compact status and the events as they happen, and Ctrl-C
leaves the stack running. ``-d`` returns once every service is steady, or fails after
``--timeout`` with the events that explain why not.
"""

from __future__ import annotations

import time
from typing import Any

import click
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ecsdev import render
from ecsdev.stackref import StackRef, resolve
from emulator.errors import EcsdevError, UsageError

FILE_OPT = click.option(
    "-f", "--file", "file", metavar="LAYOUT", help="Layout (default ./ecsdev.yaml)."
)
STACK_OPT = click.option("--stack", metavar="NAME", help="Act on a stack by name instead of -f.")


def _runtime() -> Any:
    from emulator.runtime.docker import DockerRuntime

    rt = DockerRuntime()
    rt.ping()
    return rt


def _stack(file: str | None, stack: str | None, need_layout: bool = False) -> StackRef:
    ref = resolve(file, stack, sink=render.event)
    assert ref is not None
    if need_layout and ref.layout is None:
        raise UsageError(
            "this command needs a layout (-f LAYOUT)",
            "A bare task definition runs with `ecsdev run-task -f FILE`.",
        )
    return ref


def service_rows(store: Any, runtime: Any, stack: str) -> list[dict[str, Any]]:
    """DescribeServices-shaped dicts for every service of the stack."""
    from emulator.services import describe_services

    return describe_services(runtime, store)


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


def status_table(services: list[dict[str, Any]], listeners: list[str]) -> Table:
    t = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("SERVICE", "DESIRED", "RUNNING", "PENDING", "DEPLOYMENTS"):
        t.add_column(col)
    for s in services:
        deps = Text()
        for i, d in enumerate(s.get("deployments") or []):
            if i:
                deps.append("  ")
            style = {"COMPLETED": "green", "FAILED": "red", "IN_PROGRESS": "yellow"}.get(
                d.get("rolloutState", ""), ""
            )
            deps.append(
                f"{d['status']} {d['taskDefinition'].rsplit('/', 1)[-1]} {d['runningCount']}/{d['desiredCount']} {d.get('rolloutState', '')}",
                style=style,
            )
        t.add_row(
            s["serviceName"],
            str(s["desiredCount"]),
            str(s["runningCount"]),
            str(s["pendingCount"]),
            deps,
        )
    if listeners:
        t.caption = "reach it at " + ", ".join(listeners)
        t.caption_style = "cyan"
        t.caption_justify = "left"
    return t


@click.command()
@FILE_OPT
@click.option("-d", "--detach", is_flag=True, help="Return once every service is steady.")
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait with -d.")
@click.option("--build", is_flag=True, help="Rebuild the layout's images even if present.")
def up(file: str | None, detach: bool, timeout: float, build: bool) -> None:
    """Run a layout: networks, images, task definitions, services, controller."""
    from ecsdev.agent import ensure_controller
    from emulator import stack as stackops
    from emulator.store import Store

    ref = _stack(file, None, need_layout=True)
    assert ref.layout is not None
    rt = _runtime()
    store = Store(ref.name)
    res = stackops.apply(rt, store, ref.layout, rebuild=build, sink=render.event)
    for verb, names in (
        ("created", res.created),
        ("updated", res.updated),
        ("removed", res.removed),
    ):
        if names:
            render.err.print(f"[dim]services {verb}: {', '.join(names)}[/dim]")
    if res.unchanged and not (res.created or res.updated or res.removed):
        render.err.print(f"[dim]no changes to services ({', '.join(res.unchanged)})[/dim]")
    latest = store.events(limit=1)
    since = latest[-1][0] if latest else 0
    ensure_controller(ref.name, ref.cluster, ref.account, idle_exit=-1)
    listeners = listener_lines(ref)
    if detach:
        _wait_steady(store, rt, ref.name, timeout, since, listeners)
        return
    _follow(store, rt, ref.name, since, listeners)


def listener_lines(ref: StackRef) -> list[str]:
    try:
        from emulator.alb.endpoints import listener_urls
    except ImportError:
        return []
    return listener_urls(ref.layout) if ref.layout else []


def _print_events(store: Any, since: int) -> int:
    for eid, ev in store.events(since_id=since, limit=1000):
        render.event(ev)
        since = eid
    return since


def _wait_steady(
    store: Any, rt: Any, stack: str, timeout: float, since: int, listeners: list[str]
) -> None:
    """Until every service is steady and every load balancer's nginx routes to the targets
    the controller last recorded (so the first request after "steady" reaches a task)."""
    from emulator.alb.targets import unreachable
    from emulator.services import load_spec, service_names

    deadline = time.time() + timeout
    start = since
    expected = {
        n for n in service_names(store) if (sp := load_spec(store, n)) is not None and sp.active
    }
    while True:
        since = _print_events(store, since)
        rows = service_rows(store, rt, stack)
        bodies = store.services()
        applied = all(
            (bodies.get(n) or {}).get("applied") == sp.generation
            for n in expected
            if (sp := load_spec(store, n)) is not None
        )
        desired = {r["serviceName"]: int(r["desiredCount"]) for r in rows}
        waiting = unreachable(store, desired)
        if applied and steady(rows, expected) and not waiting:
            render.out.print(status_table(rows, []))
            render.out.print(
                f"[green]stack {stack} is steady[/green]"
                + (f"; reach it at {', '.join(listeners)}" if listeners else "")
            )
            return
        if time.time() > deadline:
            render.out.print(status_table(rows, listeners))
            errors = [
                ev.message
                for _, ev in store.events(since_id=start, limit=1000)
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


def _follow(store: Any, rt: Any, stack: str, since: int, listeners: list[str]) -> None:
    try:
        with Live(
            status_table(service_rows(store, rt, stack), listeners),
            console=render.out,
            refresh_per_second=2,
            transient=False,
        ) as live:
            while True:
                for eid, ev in store.events(since_id=since, limit=1000):
                    live.console.print(
                        Text(
                            f"{time.strftime('%H:%M:%S', time.localtime(ev.at))} {ev.message}",
                            style={"warning": "yellow", "error": "red"}.get(ev.level, "dim"),
                        )
                    )
                    since = eid
                live.update(status_table(service_rows(store, rt, stack), listeners))
                time.sleep(1.0)
    except KeyboardInterrupt:
        render.out.print(
            f"\nleft stack {stack} running (ecsdev down -f ... to stop it; ecsdev ps to look)"
        )


@click.command()
@FILE_OPT
@STACK_OPT
@click.option(
    "--purge", is_flag=True, help="Also forget history: revisions, events, stopped tasks."
)
def down(file: str | None, stack: str | None, purge: bool) -> None:
    """Stop every task in ECS order and remove the stack's containers and networks."""
    from ecsdev.agent import stop_controller
    from emulator import stack as stackops
    from emulator.store import Store

    ref = _stack(file, stack)
    rt = _runtime()
    stop_controller(ref.name)
    store = Store(ref.name)
    removed = stackops.down(rt, store, sink=lambda e: None)
    tasks = sum(1 for r in removed if r.startswith("task "))
    render.out.print(
        f"stack {ref.name} is down: {tasks} task(s) stopped, {len(removed) - tasks} other Docker object(s) removed"
    )
    if purge:
        store.purge()
        render.out.print(f"history of {ref.name} forgotten")


@click.command()
@FILE_OPT
@STACK_OPT
@click.argument("service", required=False)
@click.option("-n", "--limit", default=50, show_default=True)
@click.option("--follow", is_flag=True)
def events(
    file: str | None, stack: str | None, service: str | None, limit: int, follow: bool
) -> None:
    """Service and task events, oldest first."""
    from emulator.store import Store

    ref = _stack(file, stack)
    store = Store(ref.name)
    evs = store.events(subject=service, limit=limit)
    for _, ev in evs:
        render.event(ev)
    since = evs[-1][0] if evs else 0
    while follow:
        for eid, ev in store.events(subject=service, since_id=since):
            render.event(ev)
            since = eid
        time.sleep(0.5)


@click.command()
@FILE_OPT
@STACK_OPT
@click.argument("service")
@click.argument("count", type=click.IntRange(0, 1000))
def scale(file: str | None, stack: str | None, service: str, count: int) -> None:
    """Set a service's desiredCount (UpdateService)."""
    from emulator.stack import set_desired
    from emulator.store import Store

    ref = _stack(file, stack)
    set_desired(Store(ref.name), service, count=count)
    render.out.print(f"(service {service}) desiredCount set to {count}")


@click.command()
@FILE_OPT
@STACK_OPT
@click.argument("service")
def redeploy(file: str | None, stack: str | None, service: str) -> None:
    """Force a new deployment of a service (UpdateService --force-new-deployment)."""
    from emulator.stack import set_desired
    from emulator.store import Store

    ref = _stack(file, stack)
    set_desired(Store(ref.name), service, force=True)
    render.out.print(f"(service {service}) new deployment requested")
