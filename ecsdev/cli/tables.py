"""Tasks and services as tables: the one view of DescribeTasks and DescribeServices output
that ``ps``, ``run-task``, ``stop-task`` and ``up`` print, so a task or a service looks the
same whichever command shows it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from ecsdev.cli.base import ago, arn_tail, short_id
from ecsdev.cli.output import Cell, Column, fitted, table

STATUS_STYLE = {
    "RUNNING": "green",
    "PENDING": "yellow",
    "PROVISIONING": "yellow",
    "ACTIVATING": "yellow",
    "STOPPING": "magenta",
    "DEACTIVATING": "magenta",
    "DEPROVISIONING": "magenta",
    "STOPPED": "red",
}
HEALTH_STYLE = {"HEALTHY": "green", "UNHEALTHY": "red bold", "UNKNOWN": "dim"}

COLUMNS = (
    Column("TASK"),
    Column("DEFINITION"),
    Column("STATUS"),
    Column("HEALTH", drop=2),
    Column("STARTED", drop=4),
    Column("ADDRESS", drop=1),
    Column("CONTAINERS", drop=3),
    Column("STOPPED BECAUSE"),
)


def address(task: dict[str, Any]) -> str:
    parts = []
    for att in task.get("attachments") or []:
        for d in att.get("details") or []:
            if d.get("name") == "privateIPv4Address" and att.get("status") != "DELETED":
                parts.append(d["value"])
    for c in task.get("containers") or []:
        for b in c.get("networkBindings") or []:
            parts.append(f"{b['bindIP']}:{b['hostPort']}->{b['containerPort']}")
    return ",".join(parts) or "-"


def _containers(task: dict[str, Any]) -> Text:
    conts = Text()
    for i, c in enumerate(task.get("containers") or []):
        if i:
            conts.append(" ")
        last = c["lastStatus"]
        mark = last[:1] if last != "STOPPED" else f"x{c.get('exitCode', '?')}"
        style = "red bold" if c.get("healthStatus") == "UNHEALTHY" else STATUS_STYLE.get(last, "")
        conts.append(f"{c['name']}:{mark}", style=style)
    return conts


def _stop(task: dict[str, Any]) -> str:
    if not task.get("stopCode"):
        return ""
    stop = f"{task['stopCode']}: {task.get('stoppedReason', '')}"
    reasons = [
        f"{c['name']}: {c['reason']}" for c in task.get("containers") or [] if c.get("reason")
    ]
    return stop + (" (" + "; ".join(reasons) + ")" if reasons else "")


def task_row(task: dict[str, Any]) -> list[Cell]:
    last, desired = task["lastStatus"], task.get("desiredStatus", "")
    status = Text(last, style=STATUS_STYLE.get(last, ""))
    if desired and desired != last and last != "STOPPED":
        status.append(f"→{desired}", style="dim")
    health = task.get("healthStatus", "UNKNOWN")
    stop = _stop(task)
    return [
        short_id(task["taskArn"]),
        arn_tail(task.get("taskDefinitionArn", "")),
        status,
        Text(health, style=HEALTH_STYLE.get(health, "")),
        ago(task.get("startedAt")),
        address(task),
        _containers(task),
        Text(stop or "-", style="red" if stop else "dim"),
    ]


def print_tasks(
    tasks: Sequence[dict[str, Any]], stack_of: dict[str, str] | None = None, wide: bool = False
) -> None:
    """The tasks table on stdout; a STACK column first when tasks come from several stacks."""
    cols = list(COLUMNS)
    rows = [task_row(t) for t in tasks]
    if stack_of:
        cols.insert(0, Column("STACK"))
        rows = [[stack_of.get(t["taskArn"], ""), *r] for t, r in zip(tasks, rows, strict=True)]
    table(cols, rows, wide=wide)


DEPLOYMENT_STYLE = {"COMPLETED": "green", "FAILED": "red", "IN_PROGRESS": "yellow"}
SERVICE_COLUMNS = (
    Column("SERVICE"),
    Column("DESIRED"),
    Column("RUNNING"),
    Column("PENDING", drop=1),
    Column("DEPLOYMENTS"),
)


def service_row(s: dict[str, Any]) -> list[Cell]:
    deps = Text()
    for i, d in enumerate(s.get("deployments") or []):
        if i:
            deps.append("  ")
        deps.append(
            f"{d['status']} {arn_tail(d['taskDefinition'])} "
            f"{d['runningCount']}/{d['desiredCount']} {d.get('rolloutState', '')}".rstrip(),
            style=DEPLOYMENT_STYLE.get(d.get("rolloutState", ""), ""),
        )
    return [
        s["serviceName"],
        str(s["desiredCount"]),
        str(s["runningCount"]),
        str(s["pendingCount"]),
        deps,
    ]


def services_table(services: Sequence[dict[str, Any]], width: int) -> RenderableType:
    """The services as a rich table (for ``up``'s live view)."""
    return fitted(SERVICE_COLUMNS, [service_row(s) for s in services], width)


def print_services(services: Sequence[dict[str, Any]], wide: bool = False) -> None:
    table(SERVICE_COLUMNS, [service_row(s) for s in services], wide=wide)
