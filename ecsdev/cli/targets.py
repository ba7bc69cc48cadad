"""``ecsdev targets``: target health of a stack's target groups, as DescribeTargetHealth.

Why a module of its own: the controller holds target health in memory and writes a
snapshot to the stack's store whenever it changes (``emulator.albtargets``); this command
only reads that snapshot, so it answers instantly and works while the controller is busy.
The JSON is DescribeTargetHealth's ``TargetHealthDescriptions`` (scripts written for
``aws elbv2 describe-target-health`` read it), each with an ``Ecsdev`` object of local
facts: target group, task, container, and since when the state holds.
"""

from __future__ import annotations

from typing import Any

import click
from rich.text import Text

from ecsdev.cli import output
from ecsdev.cli.base import (
    FILE_OPT,
    JSON_OPT,
    STACK_OPT,
    WIDE_OPT,
    ago,
    cli,
    iso,
    short_id,
    stack_ref,
)
from ecsdev.cli.output import Cell, Column
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
    from emulator.albstate import snapshot
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
        arn = spec.target_group_arn(account, stack, tg)
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
        local["Since"] = iso(local["Since"])
    return {**d, "Ecsdev": local}


COLUMNS = (
    Column("TARGET GROUP"),
    Column("TARGET"),
    Column("TASK", drop=2),
    Column("STATE"),
    Column("REASON", drop=1),
    Column("DESCRIPTION"),
    Column("SINCE", drop=3),
)


def targets_rows(groups: list[tuple[str, str, list[dict[str, Any]]]]) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for name, _, descs in groups:
        if not descs:
            rows.append(
                [name, Text("(none)", style="dim"), "-", "-", "-", "no targets registered", "-"]
            )
        for d in descs:
            target, health, local = d["Target"], d["TargetHealth"], d.get("Ecsdev") or {}
            state = health.get("State", "")
            rows.append(
                [
                    name,
                    f"{target['Id']}:{target['Port']}",
                    short_id(local.get("TaskArn", "")) or "-",
                    Text(state, style=STATE_STYLE.get(state, "")),
                    health.get("Reason", "") or "-",
                    health.get("Description", "") or "-",
                    ago(local.get("Since")),
                ]
            )
    return rows


@cli.command()
@FILE_OPT
@STACK_OPT
@click.argument("target_group", required=False)
@JSON_OPT
@WIDE_OPT
def targets(
    file: str | None,
    stack: str | None,
    target_group: str | None,
    as_json: bool,
    output_format: str | None,
) -> None:
    """Targets of the stack's target groups: state, reason, description, since when.

    --json prints DescribeTargetHealth's {"TargetHealthDescriptions": [...]}."""
    from ecsdev.cli.controller import running_controller

    ref = stack_ref(file, stack)
    groups = target_health(ref.name, target_group)
    if as_json:
        descs = [d for _, _, ds in groups for d in ds]
        output.dump_json({"TargetHealthDescriptions": descs})
    else:
        output.table(COLUMNS, targets_rows(groups), wide=output_format == "wide")
        from ecsdev.cli.tasks import listener_notes

        listener_notes([ref.name])
    if not running_controller(ref.name):
        output.note(
            f"[yellow]the controller of {ref.name} is not running: this is the last known "
            "state (`ecsdev up` starts it)[/yellow]"
        )


__all__ = ["target_health", "targets", "targets_rows"]
