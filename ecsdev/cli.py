"""The ``ecsdev`` command line: the only place that prints for the engine.

Every command catches ``EcsdevError`` in one place (``main``) and shows it as a panel on
stderr with exit code 2 for bad input and 1 for runtime trouble: never a traceback for a
user's mistake. With no command, ``ecsdev`` opens the dashboard.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import click

from ecsdev import render
from ecsdev.stackref import all_stacks, resolve, task_definition_for
from emulator.errors import EcsdevError, NotFound, UsageError
from emulator.events import Event

FILE_OPT = click.option(
    "-f",
    "--file",
    "file",
    metavar="LAYOUT",
    help="Layout (default ./ecsdev.yaml) or task-definition JSON.",
)
STACK_OPT = click.option("--stack", metavar="NAME", help="Act on a stack by name instead of -f.")


def _sink(ev: Event) -> None:
    render.event(ev)


def _runtime() -> Any:
    from emulator.runtime.docker import DockerRuntime

    rt = DockerRuntime()
    rt.ping()
    return rt


def _dash_options(f: Any) -> Any:
    for opt in reversed(
        [
            click.option(
                "--context", help="local:STACK, localstack, or an AWS profile (aws:NAME)."
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


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ecsdev")
@_dash_options
@click.pass_context
def cli(ctx: click.Context, /, **dash_args: Any) -> None:
    """ecsdev: run ECS task definitions and services on Docker behind an ALB stand-in,
    and browse ECS (local, LocalStack, AWS) in a terminal dashboard.

    With no command, opens the dashboard."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(dash, **dash_args)


# ---- validate ------------------------------------------------------------------------------
@cli.command()
@FILE_OPT
def validate(file: str | None) -> None:
    """Check a layout or task-definition file; exit 0, or 2 with every problem."""
    warnings: list[Event] = []
    ref = resolve(file, None, sink=warnings.append)
    assert ref is not None
    for w in warnings:
        render.event(w)
    what = (
        f"layout {ref.name!r}"
        if ref.layout
        else f"task definition {ref.task_definition.family!r}"
        if ref.task_definition
        else ref.name
    )
    render.out.print(
        f"{ref.file}: {what} is valid" + (f" ({len(warnings)} warning(s))" if warnings else "")
    )


# ---- run-task ------------------------------------------------------------------------------
@cli.command("run-task")
@FILE_OPT
@STACK_OPT
@click.option(
    "--task-definition",
    "td_spec",
    metavar="FAMILY[:REV]",
    help="Family (latest) or family:N of the layout.",
)
@click.option(
    "--subnet", help="awsvpc: the layout subnet to place the task in (default: the first)."
)
@click.option("--count", default=1, show_default=True, type=click.IntRange(1, 10))
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait until RUNNING (and HEALTHY) or STOPPED.",
)
@click.option("--timeout", default=300.0, show_default=True, help="Seconds to wait.")
@click.option("--json", "as_json", is_flag=True, help="Print the tasks as DescribeTasks output.")
def run_task(
    file: str | None,
    stack: str | None,
    td_spec: str | None,
    subnet: str | None,
    count: int,
    wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Run one task of a task definition, as ECS RunTask does.

    -f LAYOUT --task-definition FAMILY[:REV] runs a layout's definition; -f td.json runs a
    bare task-definition file exactly as `aws ecs describe-task-definition` prints it."""
    from ecsdev.agent import ensure_controller
    from emulator.images import ensure_images
    from emulator.networks import ensure_networks
    from emulator.store import Store
    from emulator.tasks import Placement, TaskRunner

    if file is None and not Path("ecsdev.yaml").exists():
        raise UsageError("run-task needs -f LAYOUT or -f TASKDEF.json")
    ref = resolve(file, stack, sink=_sink)
    assert ref is not None
    td = task_definition_for(ref, td_spec)
    rt = _runtime()
    store = Store(ref.name)
    if ref.layout:
        ensure_images(rt, ref.layout, {c.image for c in td.container_definitions}, sink=_sink)
    placement = Placement()
    if td.network_mode == "awsvpc":
        nets = ensure_networks(rt, ref.name, ref.vpc)
        name = subnet or ref.vpc.subnets[0].name
        if name not in nets:
            raise NotFound(f"subnet {name!r} is not in the layout", f"Subnets: {', '.join(nets)}")
        placement = Placement(nets[name], name)
    arn, revision = store.register_task_definition(td, ref.account)
    ensure_controller(ref.name, ref.cluster, ref.account)
    runner = TaskRunner(
        rt, store, ref.name, ref.cluster, ref.account, sink=_sink if not as_json else lambda e: None
    )
    arns = [
        runner.launch(
            td, arn, revision, base_dir=ref.base_dir, placement=placement, started_by="ecsdev"
        )
        for _ in range(count)
    ]
    final = (
        _watch(runner, arns, timeout, quiet=as_json)
        if wait
        else [runner.describe(runner.observe()[a]) for a in arns if a in runner.observe()]
    )
    runner.close()
    if as_json:
        click.echo(json.dumps({"tasks": final, "failures": []}, indent=2, default=str))
    else:
        render.out.print(render.tasks_table(final))
        render.out.print(
            f"[dim]logs: ecsdev logs --stack {ref.name} {render.short_id(arns[0])}   "
            f"exec: ecsdev exec --stack {ref.name} {render.short_id(arns[0])} -- sh   "
            f"stop: ecsdev stop-task --stack {ref.name} {render.short_id(arns[0])}[/dim]"
        )
    if any(t["lastStatus"] == "STOPPED" for t in final):
        sys.exit(1)


def _watch(runner: Any, arns: list[str], timeout: float, quiet: bool) -> list[dict[str, Any]]:
    deadline = time.time() + timeout
    last: dict[str, str] = {}
    result: dict[str, dict[str, Any]] = {}
    stopped_at: dict[str, float] = {}
    while True:
        observed = runner.observe()
        recorded = set()
        for arn in arns:
            if arn in observed:
                d = runner.describe(observed[arn])
                d["_checks"] = any(
                    c.has_health_check and c.essential for c in observed[arn].containers
                )
            else:
                row = runner.store.task_row(arn) or {}
                if row.get("snapshot"):
                    recorded.add(arn)
                d = (
                    row.get("snapshot")
                    or result.get(arn)
                    or {"taskArn": arn, "lastStatus": "STOPPED", "containers": []}
                )
            if d["lastStatus"] == "STOPPED":
                stopped_at.setdefault(arn, time.time())
            state = f"{d['lastStatus']}/{d.get('healthStatus', 'UNKNOWN')}"
            if last.get(arn) != state and not quiet:
                render.err.print(
                    f"[dim]{time.strftime('%H:%M:%S')}[/dim] task {render.short_id(arn)} {d['lastStatus']} health {d.get('healthStatus', 'UNKNOWN')}"
                )
                last[arn] = state
            result[arn] = d
        # a stopped task's record (stop code, exit codes, logs) is written by whoever stops
        # it, just after its containers exit: wait for it a little before printing
        settled = all(
            a in recorded or a not in stopped_at or time.time() - stopped_at[a] > 10 for a in arns
        )
        if (all(_done(result[a]) for a in arns) and settled) or time.time() > deadline:
            break
        time.sleep(0.2)
    for d in result.values():
        d.pop("_checks", None)
    return [result[a] for a in arns]


def _done(task: dict[str, Any]) -> bool:
    if task["lastStatus"] == "STOPPED":
        return True
    if task["lastStatus"] != "RUNNING":
        return False
    return not task.get("_checks") or task.get("healthStatus") != "UNKNOWN"


def _runner(rt: Any, store: Any) -> Any:
    """A TaskRunner with the account and cluster the stack was applied with."""
    from emulator.services import stack_identity
    from emulator.tasks import TaskRunner

    account, cluster = stack_identity(store)
    return TaskRunner(rt, store, store.stack, cluster, account)


# ---- ps ------------------------------------------------------------------------------------
def _stacks_for(file: str | None, stack: str | None, rt: Any) -> list[str]:
    ref = resolve(file, stack, sink=_sink, required=False)
    return [ref.name] if ref else all_stacks(rt)


@cli.command()
@FILE_OPT
@STACK_OPT
@click.option(
    "-a", "--all", "show_all", is_flag=True, help="Include stopped tasks (kept until purged)."
)
@click.option("--json", "as_json", is_flag=True, help="DescribeTasks-shaped output.")
def ps(file: str | None, stack: str | None, show_all: bool, as_json: bool) -> None:
    """Tasks with status, health, address, stop code and reason."""
    from emulator.services import describe_services
    from emulator.store import Store

    rt = _runtime()
    tasks: list[dict[str, Any]] = []
    services: list[dict[str, Any]] = []
    stack_of: dict[str, str] = {}
    stopped_hidden = 0
    from ecsdev.agent import running_controller

    for name in _stacks_for(file, stack, rt):
        store = Store(name)
        runner = _runner(rt, store)
        observed = runner.observe()  # once: services and tasks are described from it
        rows = describe_services(rt, store, observed)
        services += rows
        if any(r.get("status") == "ACTIVE" for r in rows) and not running_controller(name):
            render.err.print(
                f"[yellow]the controller of stack {name} is not running: nothing replaces "
                f"stopped tasks (`ecsdev up` starts it again)[/yellow]"
            )
        for t in runner.describe_tasks(include_stopped=True, observed=observed):
            if t["lastStatus"] == "STOPPED" and not show_all and not as_json:
                stopped_hidden += 1
                continue
            tasks.append(t)
            stack_of[t["taskArn"]] = name
        runner.close()
    if as_json:
        click.echo(
            json.dumps(
                {"services": services, "tasks": tasks, "failures": []}, indent=2, default=str
            )
        )
        return
    shown = [s for s in services if show_all or s.get("status") != "INACTIVE"]  # taken down
    if shown:
        render.out.print(status_table(shown, []))
        render.out.print()
    if not tasks:
        render.out.print(
            "no tasks"
            + (f" running ({stopped_hidden} stopped: ecsdev ps -a)" if stopped_hidden else "")
        )
        return
    render.out.print(
        render.tasks_table(tasks, stack_of if len(set(stack_of.values())) > 1 else None)
    )
    if stopped_hidden:
        render.out.print(f"[dim]{stopped_hidden} stopped task(s) not shown: ecsdev ps -a[/dim]")


# ---- task lookup shared by logs / exec / stop-task ------------------------------------------
def _find_task(file: str | None, stack: str | None, ref: str, rt: Any) -> tuple[Any, str]:
    from emulator.store import Store

    hits = []
    for name in _stacks_for(file, stack, rt):
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
    from ecsdev.logs import print_logs

    rt = _runtime()
    runner, arn = _find_task(file, stack, task, rt)
    print_logs(runner, arn, container, follow=follow, tail=tail)


@cli.command(name="exec", context_settings={"ignore_unknown_options": True})
@FILE_OPT
@STACK_OPT
@click.argument("task")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def exec_(file: str | None, stack: str | None, task: str, args: tuple[str, ...]) -> None:
    """Run a command in a task's container: ecsdev exec TASK [CONTAINER] -- CMD..."""
    rt = _runtime()
    runner, arn = _find_task(file, stack, task, rt)
    args_l = list(args)
    if "--" in args_l:
        i = args_l.index("--")
        head, cmd = args_l[:i], args_l[i + 1 :]
    else:
        head, cmd = args_l[:1], args_l[1:]
    observed = runner.observe().get(arn)
    if observed is None:
        raise UsageError(
            f"task {render.short_id(arn)} is stopped; exec needs a running task",
            "Read its logs: ecsdev logs TASK",
        )
    running = [c for c in observed.containers if c.state.running]
    if head:
        target = next((c for c in observed.containers if c.name == head[0]), None)
        if target is None:
            raise NotFound(
                f"no container {head[0]!r} in task {render.short_id(arn)}",
                f"Containers: {', '.join(c.name for c in observed.containers)}",
            )
    elif running:
        target = next((c for c in running if c.essential), running[0])
    else:
        raise UsageError(f"no container of task {render.short_id(arn)} is running")
    if not target.state.running:
        raise UsageError(f"container {target.name!r} is not running ({target.last_status})")
    cmd = cmd or ["sh"]
    docker_cli = shutil.which("docker")
    if docker_cli:
        flags = ["-i", "-t"] if sys.stdin.isatty() and sys.stdout.isatty() else ["-i"]
        os.execvp(docker_cli, [docker_cli, "exec", *flags, target.state.id, *cmd])
    code, output = rt.exec_run(target.state.id, cmd)
    click.echo(output, nl=False)
    sys.exit(code)


@cli.command("stop-task")
@FILE_OPT
@STACK_OPT
@click.argument("task")
@click.option("--reason", default="Task stopped by user", show_default=True)
def stop_task(file: str | None, stack: str | None, task: str, reason: str) -> None:
    """Stop a task: SIGTERM in reverse dependency order, SIGKILL after stopTimeout."""
    rt = _runtime()
    runner, arn = _find_task(file, stack, task, rt)
    if arn not in runner.observe():
        render.out.print(f"task {render.short_id(arn)} is already stopped")
        return
    from ecsdev.agent import running_controller
    from emulator import labels as L
    from emulator.alb.targets import drain_seconds

    observed = runner.observe_task(arn)
    service = observed.labels.get(L.SERVICE, "") if observed else ""
    drain = drain_seconds(runner.store, service)
    if drain and running_controller(runner.stack):
        # like ECS: deregister from the target groups first; the controller stops the task
        # once the deregistration delay has passed (lastStatus DEACTIVATING until then)
        runner.stop(arn, "UserInitiated", reason, wait=False, not_before=time.time() + drain)
        runner.close()
        render.out.print(
            f"task {render.short_id(arn)} is draining from its target groups for {drain}s, "
            "then stops (ecsdev ps shows DEACTIVATING)"
        )
        return
    runner.stop(arn, "UserInitiated", reason)
    runner.close()
    snap = (runner.store.task_row(arn) or {}).get("snapshot") or {}
    render.out.print(render.tasks_table([snap]) if snap else f"task {render.short_id(arn)} stopped")


# ---- dashboard -----------------------------------------------------------------------------
@cli.command()
@_dash_options
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


from ecsdev.stackcmds import down, events, redeploy, scale, status_table, up  # noqa: E402
from ecsdev.targets_cmd import targets  # noqa: E402

for _cmd in (up, down, events, scale, redeploy, targets):
    cli.add_command(_cmd)


def main() -> None:
    try:
        cli.main(standalone_mode=False, prog_name="ecsdev")
    except click.exceptions.Abort:
        render.err.print("aborted")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except EcsdevError as e:
        render.error(e)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["cli", "main"]
