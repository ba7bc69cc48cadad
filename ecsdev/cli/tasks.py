"""Commands on tasks that run: ``ps``, ``logs``, ``exec``, ``stop-task``.

Why a module of its own: they share finding a task by ID prefix across stacks, and the
TaskRunner of a stack built with the identity the stack was applied with."""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import Any

import click

from ecsdev.cli import output
from ecsdev.cli.base import (
    FILE_OPT,
    JSON_OPT,
    STACK_OPT,
    WIDE_OPT,
    cli,
    runtime,
    short_id,
    stacks_for,
)
from ecsdev.cli.tables import print_services, print_tasks
from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.errors import NotFound, UsageError


def _runner(rt: Any, store: Any) -> Any:
    """A TaskRunner with the account and cluster the stack was applied with."""
    from emulator.services import stack_identity
    from emulator.tasks import TaskRunner

    account, cluster = stack_identity(store)
    return TaskRunner(rt, store, store.stack, cluster, account)


@cli.command()
@FILE_OPT
@STACK_OPT
@click.option(
    "-a", "--all", "show_all", is_flag=True, help="Include stopped tasks (kept until purged)."
)
@JSON_OPT
@WIDE_OPT
def ps(
    file: str | None, stack: str | None, show_all: bool, as_json: bool, output_format: str | None
) -> None:
    """Services and tasks with status, health, address, stop code and reason.

    --json prints {"services": DescribeServices, "tasks": DescribeTasks, "failures": []}."""
    from ecsdev.cli.controller import running_controller
    from emulator.endpoint.ecs_json import plain, services_json
    from emulator.services import describe_services
    from emulator.store import Store

    rt = runtime()
    tasks: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    stack_of: dict[str, str] = {}
    stopped_hidden = 0
    names = stacks_for(file, stack, rt)
    for name in names:
        store = Store(name)
        runner = _runner(rt, store)
        observed = runner.observe()  # once: services and tasks are described from it
        rows = plain(services_json(describe_services(rt, store, observed)))
        services += rows
        if any(r.get("status") == "ACTIVE" for r in rows) and not running_controller(name):
            output.note(
                f"[yellow]the controller of stack {name} is not running: nothing replaces "
                f"stopped tasks (`ecsdev up` starts it again)[/yellow]"
            )
        for desc in runner.describe_tasks(include_stopped=True, observed=observed):
            t = plain(task_json(desc))
            if t["lastStatus"] == "STOPPED" and not show_all and not as_json:
                stopped_hidden += 1
                continue
            tasks.append(t)
            stack_of[t["taskArn"]] = name
        runner.close()
    if as_json:
        output.dump_json({"services": services, "tasks": tasks, "failures": []})
        return
    wide = output_format == "wide"
    shown = [s for s in services if show_all or s.get("status") != "INACTIVE"]  # taken down
    if shown:
        print_services(shown, wide=wide)
        output.line("")
    if not tasks:
        output.line(
            "no tasks"
            + (f" running ({stopped_hidden} stopped: ecsdev ps -a)" if stopped_hidden else "")
        )
        return
    print_tasks(tasks, stack_of if len(set(stack_of.values())) > 1 else None, wide=wide)
    listener_notes(names)
    if stopped_hidden:
        output.note(f"[dim]{stopped_hidden} stopped task(s) not shown: ecsdev ps -a[/dim]")


def listener_notes(stacks: list[str]) -> None:
    """Where the load balancers made through the endpoint answer (a listener whose port
    was taken answers elsewhere)."""
    from emulator.endpoint.listenerports import stack_listeners

    for name in stacks:
        for a in stack_listeners(name):
            moved = f" (port {a['port']} was taken)" if a["moved"] else ""
            output.note(
                f"load balancer {a['loadBalancer']}: listener {a['port']} at {a['url']}{moved}"
            )


def find_task(file: str | None, stack: str | None, ref: str, rt: Any) -> tuple[Any, str]:
    """(TaskRunner of its stack, task ARN) of the one task whose ID starts with ``ref``."""
    from emulator.store import Store

    hits = []
    for name in stacks_for(file, stack, rt):
        runner = _runner(rt, Store(name))
        try:
            hits.append((runner, runner.find(ref)))
        except NotFound:
            runner.close()
    if not hits:
        raise NotFound(f"no task {ref!r}", "List tasks with `ecsdev ps -a`.")
    if len(hits) > 1:
        raise NotFound(f"{ref!r} matches tasks in several stacks", "Name the stack with --stack.")
    return hits[0]


@cli.command()
@FILE_OPT
@STACK_OPT
@click.argument("task")
@click.argument("container", required=False)
@click.option("-f", "--follow", "follow", is_flag=True, help="Keep printing new lines.")
@click.option("--tail", type=int, default=None, help="Only the last N lines.")
def logs(
    file: str | None,
    stack: str | None,
    task: str,
    container: str | None,
    follow: bool,
    tail: int | None,
) -> None:
    """A task's container logs (running or stopped)."""
    from ecsdev.cli.logs import print_logs

    rt = runtime()
    runner, arn = find_task(file, stack, task, rt)
    print_logs(runner, arn, container, follow=follow, tail=tail)


@cli.command(name="exec", context_settings={"ignore_unknown_options": True})
@FILE_OPT
@STACK_OPT
@click.argument("task")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def exec_(file: str | None, stack: str | None, task: str, args: tuple[str, ...]) -> None:
    """Run a command in a task's container: ecsdev exec TASK [CONTAINER] -- CMD..."""
    rt = runtime()
    runner, arn = find_task(file, stack, task, rt)
    args_l = list(args)
    if "--" in args_l:
        i = args_l.index("--")
        head, cmd = args_l[:i], args_l[i + 1 :]
    else:
        head, cmd = args_l[:1], args_l[1:]
    observed = runner.observe().get(arn)
    if observed is None:
        raise UsageError(
            f"task {short_id(arn)} is stopped; exec needs a running task",
            "Read its logs: ecsdev logs TASK",
        )
    running = [c for c in observed.containers if c.state.running]
    if head:
        target = next((c for c in observed.containers if c.name == head[0]), None)
        if target is None:
            raise NotFound(
                f"no container {head[0]!r} in task {short_id(arn)}",
                f"Containers: {', '.join(c.name for c in observed.containers)}",
            )
    elif running:
        target = next((c for c in running if c.essential), running[0])
    else:
        raise UsageError(f"no container of task {short_id(arn)} is running")
    if not target.state.running:
        raise UsageError(f"container {target.name!r} is not running ({target.last_status})")
    cmd = cmd or ["sh"]
    docker_cli = shutil.which("docker")
    if docker_cli:
        flags = ["-i", "-t"] if sys.stdin.isatty() and sys.stdout.isatty() else ["-i"]
        os.execvp(docker_cli, [docker_cli, "exec", *flags, target.state.id, *cmd])
    code, text = rt.exec_run(target.state.id, cmd)
    click.echo(text, nl=False)
    sys.exit(code)


@cli.command("stop-task")
@FILE_OPT
@STACK_OPT
@click.argument("task")
@click.option("--reason", default="Task stopped by user", show_default=True)
def stop_task(file: str | None, stack: str | None, task: str, reason: str) -> None:
    """Stop a task: SIGTERM in reverse dependency order, SIGKILL after stopTimeout."""
    rt = runtime()
    runner, arn = find_task(file, stack, task, rt)
    if arn not in runner.observe():
        output.line(f"task {short_id(arn)} is already stopped")
        return
    from ecsdev.cli.controller import running_controller
    from emulator import labels as L
    from emulator.albstate import drain_seconds

    observed = runner.observe_task(arn)
    service = observed.labels.get(L.SERVICE, "") if observed else ""
    drain = drain_seconds(runner.store, service)
    if drain and running_controller(runner.stack):
        # like ECS: deregister from the target groups first; the controller stops the task
        # once the deregistration delay has passed (lastStatus DEACTIVATING until then)
        runner.stop(arn, "UserInitiated", reason, wait=False, not_before=time.time() + drain)
        runner.close()
        output.line(
            f"task {short_id(arn)} is draining from its target groups for {drain}s, "
            "then stops (ecsdev ps shows DEACTIVATING)"
        )
        return
    runner.stop(arn, "UserInitiated", reason)
    runner.close()
    snap = (runner.store.task_row(arn) or {}).get("snapshot")
    if snap:
        print_tasks([plain(task_json(snap))])
    else:
        output.line(f"task {short_id(arn)} stopped")
