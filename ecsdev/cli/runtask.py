"""``ecsdev run-task``: one task of a task definition, as ECS RunTask runs it, watched until
it is RUNNING (and HEALTHY when it has health checks) or STOPPED.

Why a module of its own: watching a task settle (a stopped task's record is written just
after its containers exit, by whoever stopped it) is the only waiting loop over tasks."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from ecsdev.cli import output
from ecsdev.cli.base import FILE_OPT, JSON_OPT, STACK_OPT, WIDE_OPT, cli, runtime, short_id
from ecsdev.cli.fromaws import from_aws_file, from_aws_options
from ecsdev.cli.stack import SECRETS_PROFILE_OPT
from ecsdev.cli.stackref import resolve, task_definition_for
from ecsdev.cli.tables import print_tasks
from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.errors import NotFound, UsageError


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
@JSON_OPT
@WIDE_OPT
@SECRETS_PROFILE_OPT
@click.option(
    "--role-profile",
    metavar="PROFILE",
    help="Serve the task its taskRoleArn assumed with this AWS profile (this run only; "
    "default: the stack's credentials).",
)
@from_aws_options
def run_task(
    file: str | None,
    stack: str | None,
    td_spec: str | None,
    subnet: str | None,
    count: int,
    wait: bool,
    timeout: float,
    as_json: bool,
    output_format: str | None,
    secrets_profile: str | None,
    role_profile: str | None,
    **aws: str | None,
) -> None:
    """Run one task of a task definition, as ECS RunTask does.

    -f LAYOUT --task-definition FAMILY[:REV] runs a layout's definition; -f td.json runs a
    bare task-definition file exactly as `aws ecs describe-task-definition` prints it;
    --from-aws TASK_ARN reruns an AWS task's definition with its overrides.
    Progress goes to stderr; the tasks (a table, or RunTask's JSON) to stdout."""
    from ecsdev.cli.controller import ensure_controller
    from emulator.agent.config import CredentialsSpec
    from emulator.agent.hook import AgentHook
    from emulator.images import ensure_images
    from emulator.networks import ensure_networks
    from emulator.secrets.config import SourceSpec
    from emulator.secrets.resolve import SecretsHook
    from emulator.store import Store
    from emulator.tasks import Placement, TaskRunner

    if any(aws.values()):  # --from-aws TASK_ARN: its definition and overrides, as a file
        file = from_aws_file(file, td_spec, **aws)
    if file is None and not Path("ecsdev.yaml").exists():
        raise UsageError("run-task needs -f LAYOUT or -f TASKDEF.json")
    ref = resolve(file, stack, sink=output.warning)
    assert ref is not None
    td = task_definition_for(ref, td_spec)
    rt = runtime()
    store = Store(ref.name)
    if ref.layout:
        images = {c.image for c in td.container_definitions}
        ensure_images(rt, ref.layout, images, sink=output.warning)
    placement = Placement()
    if td.network_mode == "awsvpc":
        nets = ensure_networks(rt, ref.name, ref.vpc)
        name = subnet or ref.vpc.subnets[0].name
        if name not in nets:
            raise NotFound(f"subnet {name!r} is not in the layout", f"Subnets: {', '.join(nets)}")
        placement = Placement(nets[name], name)
    arn, revision = store.register_task_definition(td, ref.account)
    ensure_controller(ref.name, ref.cluster, ref.account)
    runner = TaskRunner(rt, store, ref.name, ref.cluster, ref.account, sink=output.warning)
    for hook in runner.hooks:
        if isinstance(hook, SecretsHook):
            if ref.layout is not None:  # the layout's sources, stored or not yet
                hook.specs = ref.layout.secret_sources
            if secrets_profile:  # this run only
                hook.extra = (SourceSpec("aws", (("profile", secrets_profile),)),)
        if isinstance(hook, AgentHook):
            if role_profile:
                hook.spec = CredentialsSpec("assume-role", role_profile)
            elif ref.layout is not None:  # the layout's choice, stored or not yet
                hook.spec = ref.layout.credentials
    arns = [
        runner.launch(
            td, arn, revision, base_dir=ref.base_dir, placement=placement, started_by="ecsdev"
        )
        for _ in range(count)
    ]
    final = (
        _watch(runner, arns, timeout)
        if wait
        else [
            plain(task_json(runner.describe(runner.observe()[a])))
            for a in arns
            if a in runner.observe()
        ]
    )
    runner.close()
    if as_json:
        output.dump_json({"tasks": final, "failures": []})
    else:
        print_tasks(final, wide=output_format == "wide")
        tid = short_id(arns[0])
        if final and final[0]["lastStatus"] == "STOPPED":
            output.note(
                f"[dim]why: ecsdev explain --stack {ref.name} {tid}   "
                f"logs: ecsdev logs --stack {ref.name} {tid}[/dim]"
            )
        else:
            output.note(
                f"[dim]logs: ecsdev logs --stack {ref.name} {tid}   "
                f"exec: ecsdev exec --stack {ref.name} {tid} -- sh   "
                f"stop: ecsdev stop-task --stack {ref.name} {tid}[/dim]"
            )
    if any(t["lastStatus"] == "STOPPED" for t in final):
        sys.exit(1)


SETTLE = 1.5
"""Seconds a task is watched RUNNING before run-task calls it running."""


def _watch(runner: Any, arns: list[str], timeout: float) -> list[dict[str, Any]]:
    """Each task's DescribeTasks entry once it settled; its state changes as progress."""
    deadline = time.time() + timeout
    last: dict[str, str] = {}
    result: dict[str, dict[str, Any]] = {}
    stopped_at: dict[str, float] = {}
    running_at: dict[str, float] = {}
    while True:
        observed = runner.observe()
        recorded = set()
        for arn in arns:
            if arn in observed:
                d = plain(task_json(runner.describe(observed[arn])))
                d["_checks"] = any(
                    c.has_health_check and c.essential for c in observed[arn].containers
                )
            else:
                row = runner.store.task_row(arn) or {}
                if row.get("snapshot"):
                    recorded.add(arn)
                d = (
                    (plain(task_json(row["snapshot"])) if row.get("snapshot") else None)
                    or result.get(arn)
                    or {"taskArn": arn, "lastStatus": "STOPPED", "containers": []}
                )
            if d["lastStatus"] == "STOPPED":
                stopped_at.setdefault(arn, time.time())
            elif d["lastStatus"] == "RUNNING":
                running_at.setdefault(arn, time.time())
            health = d.get("healthStatus", "UNKNOWN")
            state = f"{d['lastStatus']}/{health}"
            if last.get(arn) != state:
                output.note(
                    f"[dim]{time.strftime('%H:%M:%S')}[/dim] task {short_id(arn)} "
                    f"{d['lastStatus']} health {health}"
                )
                last[arn] = state
            result[arn] = d
        # a stopped task's record (stop code, exit codes, logs) is written by whoever stops
        # it, just after its containers exit: wait for it a little before printing
        settled = all(
            a in recorded or a not in stopped_at or time.time() - stopped_at[a] > 10 for a in arns
        )
        # a container that crashes at once is RUNNING for a moment: say so, not "running"
        steady = all(time.time() - running_at.get(a, 0) > SETTLE for a in arns if a in running_at)
        if (all(_done(result[a]) for a in arns) and settled and steady) or time.time() > deadline:
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
