"""How the CLI shows things to a person: rich tables and error panels, on the terminal.
Machine-readable output (``--json``) is printed elsewhere, in ECS's own shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from emulator.errors import EcsdevError, LayoutError
from emulator.events import Event

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

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


def error(e: EcsdevError) -> None:
    if isinstance(e, LayoutError):
        body = Text()
        for i, p in enumerate(e.problems):
            if i:
                body.append("\n")
            body.append(str(p))
        title = (
            f"{len(e.problems)} problem{'s' if len(e.problems) != 1 else ''}; nothing was started"
        )
    else:
        body = Text(e.message)
        title = "error"
    if e.hint:
        body.append("\n" + e.hint, style="dim")
    err.print(Panel(body, title=title, title_align="left", border_style="red", expand=False))


def event(ev: Event) -> None:
    style = {"warning": "yellow", "error": "red"}.get(ev.level, "dim")
    stamp = datetime.fromtimestamp(ev.at).strftime("%H:%M:%S")
    err.print(Text(f"{stamp} {ev.message}", style=style))


def short_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1][:12]


def since(iso_time: str | None) -> str:
    if not iso_time:
        return "-"
    try:
        t = datetime.fromisoformat(iso_time)
    except ValueError:
        return iso_time
    secs = int((datetime.now(t.tzinfo) - t).total_seconds())
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= n:
            return f"{secs // n}{unit} ago"
    return f"{max(secs, 0)}s ago"


def address(task: dict[str, Any]) -> str:
    parts = []
    for att in task.get("attachments") or []:
        for d in att.get("details") or []:
            if d.get("name") == "privateIPv4Address" and att.get("status") != "DELETED":
                parts.append(d["value"])
    for c in task.get("containers") or []:
        for b in c.get("networkBindings") or []:
            parts.append(f"{b['bindIP']}:{b['hostPort']}->{b['containerPort']}")
    return ", ".join(parts) or "-"


def tasks_table(tasks: list[dict[str, Any]], stack_of: dict[str, str] | None = None) -> Table:
    t = Table(box=None, pad_edge=False, header_style="bold")
    if stack_of:
        t.add_column("STACK")
    for col in (
        "TASK",
        "DEFINITION",
        "STATUS",
        "HEALTH",
        "STARTED",
        "ADDRESS",
        "CONTAINERS",
        "STOPPED BECAUSE",
    ):
        t.add_column(col, overflow="fold")
    for task in tasks:
        last, desired = task["lastStatus"], task.get("desiredStatus", "")
        status = Text(last, style=STATUS_STYLE.get(last, ""))
        if desired and desired != last and last != "STOPPED":
            status.append(f" → {desired}", style="dim")
        health = task.get("healthStatus", "UNKNOWN")
        conts = Text()
        for i, c in enumerate(task.get("containers") or []):
            if i:
                conts.append(" ")
            mark = (
                c["lastStatus"][:1]
                if c["lastStatus"] != "STOPPED"
                else f"x{c.get('exitCode', '?')}"
            )
            style = STATUS_STYLE.get(c["lastStatus"], "")
            if c.get("healthStatus") == "UNHEALTHY":
                style = "red bold"
            conts.append(f"{c['name']}:{mark}", style=style)
        stop = ""
        if task.get("stopCode"):
            stop = f"{task['stopCode']}: {task.get('stoppedReason', '')}"
            reasons = [
                f"{c['name']}: {c['reason']}"
                for c in task.get("containers") or []
                if c.get("reason")
            ]
            if reasons:
                stop += " (" + "; ".join(reasons) + ")"
        row = [
            short_id(task["taskArn"]),
            task.get("taskDefinitionArn", "").rsplit("/", 1)[-1],
            status,
            Text(health, style=HEALTH_STYLE.get(health, "")),
            since(task.get("startedAt")),
            address(task),
            conts,
            Text(stop, style="red" if stop else ""),
        ]
        if stack_of:
            row.insert(0, stack_of.get(task["taskArn"], ""))
        t.add_row(*row)
    return t
