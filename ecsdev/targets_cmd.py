"""``ecsdev targets``: target health of a stack's target groups, as DescribeTargetHealth.

Why a module of its own: the controller holds target health in memory and writes a
snapshot to the stack's store whenever it changes (``emulator.alb.targets``); this command
only reads that snapshot, so it answers instantly and works while the controller is busy.
The JSON is DescribeTargetHealth's ``TargetHealthDescriptions`` (scripts written for
``aws elbv2 describe-target-health`` read it), each with an ``Ecsdev`` object of local
facts: target group, task, container, and since when the state holds.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from ecsdev import render
from ecsdev.stackcmds import FILE_OPT, STACK_OPT, _stack
from emulator.errors import NotFound, UsageError

STATE_STYLE = {
    "healthy": "green",
    "unhealthy": "red bold",
    "initial": "yellow",
    "draining": "magenta",
    "unused": "dim",
    "unavailable": "dim",
}


def target_health(
    stack: str, target_group: str | None
) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(name, ARN, TargetHealthDescriptions) of the stack's target groups (or of one, by
    name or ARN), from the controller's last snapshot."""
    from emulator.alb import spec
    from emulator.alb.targets import snapshot
    from emulator.arns import Account
    from emulator.store import Store

    store = Store(stack)
    data = store.get(spec.ALB_KEY)
    if not data:
        raise UsageError(
            f"stack {stack} has no load balancers (or was never brought up)",
            "Target groups come with `ecsdev up -f LAYOUT` of a layout with loadBalancers.",
        )
    meta = store.get("stack") or {}
    account = Account(meta.get("region", "us-east-1"), meta.get("accountId", "000000000000"))
    snap = snapshot(store)
    groups = []
    for tg in spec.layout_of(data).target_groups:
        arn = spec.target_group_arn(account, stack, tg.name)
        if target_group in (None, tg.name, arn):
            groups.append((tg.name, arn, [_iso_since(d) for d in snap.get(arn, [])]))
    if not groups:
        names = ", ".join(tg.name for tg in spec.layout_of(data).target_groups)
        raise NotFound(
            f"no target group {target_group!r} in stack {stack}", f"Target groups: {names}"
        )
    return groups


def _iso_since(d: dict[str, Any]) -> dict[str, Any]:
    local = dict(d.get("Ecsdev") or {})
    if isinstance(local.get("Since"), int | float):
        local["Since"] = datetime.fromtimestamp(local["Since"], UTC).isoformat()
    return {**d, "Ecsdev": local}


def targets_table(groups: list[tuple[str, str, list[dict[str, Any]]]]) -> Table:
    t = Table(box=None, pad_edge=False, header_style="bold")
    for col in ("TARGET GROUP", "TARGET", "TASK", "STATE", "REASON", "DESCRIPTION", "SINCE"):
        t.add_column(col)
    for name, _, descs in groups:
        if not descs:
            t.add_row(name, Text("(no targets registered)", style="dim"), "", "", "", "", "")
        for d in descs:
            target, health, local = d["Target"], d["TargetHealth"], d.get("Ecsdev") or {}
            state = health.get("State", "")
            t.add_row(
                name,
                f"{target['Id']}:{target['Port']}",
                render.short_id(local.get("TaskArn", "")) or "-",
                Text(state, style=STATE_STYLE.get(state, "")),
                health.get("Reason", ""),
                health.get("Description", ""),
                render.since(local.get("Since")),
            )
    return t


@click.command()
@FILE_OPT
@STACK_OPT
@click.argument("target_group", required=False)
@click.option("--json", "as_json", is_flag=True, help="DescribeTargetHealth-shaped output.")
def targets(file: str | None, stack: str | None, target_group: str | None, as_json: bool) -> None:
    """Targets of the stack's target groups: state, reason, description, since when."""
    from ecsdev.agent import running_controller

    ref = _stack(file, stack)
    groups = target_health(ref.name, target_group)
    if as_json:
        descs = [d for _, _, ds in groups for d in ds]
        click.echo(json.dumps({"TargetHealthDescriptions": descs}, indent=2))
        return
    render.out.print(targets_table(groups))
    if not running_controller(ref.name):
        render.err.print(
            f"[yellow]the controller of {ref.name} is not running: this is the last known "
            "state (`ecsdev up` starts it)[/yellow]"
        )


__all__ = ["target_health", "targets", "targets_table"]
