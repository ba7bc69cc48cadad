"""Small formatting rules shared by every screen: ages, times, counts and status colours.

One place decides that RUNNING is green, UNHEALTHY red and a 137 exit an out-of-memory
kill, so the same fact looks the same in every table. Times are shown in UTC and ages are
computed against the app's clock, which tests fix so snapshots do not drift.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

GOOD = {"RUNNING", "HEALTHY", "ACTIVE", "COMPLETED", "PRIMARY", "healthy", "active", "available"}
WARN = {
    "PENDING",
    "PROVISIONING",
    "ACTIVATING",
    "IN_PROGRESS",
    "DEACTIVATING",
    "STOPPING",
    "DEPROVISIONING",
    "DRAINING",
    "initial",
    "draining",
    "provisioning",
    "UNKNOWN",
}
BAD = {"STOPPED", "UNHEALTHY", "FAILED", "INACTIVE", "unhealthy", "unavailable", "unused", "failed"}

EXIT_MEANINGS = {
    137: "killed (SIGKILL; out of memory or stop timeout)",
    139: "segmentation fault (SIGSEGV)",
    143: "terminated (SIGTERM)",
    1: "application error",
    0: "exited normally",
}


def status(value: str | None) -> Text:
    value = value or "-"
    if value in GOOD:
        return Text(value, style="green")
    if value in BAD:
        return Text(value, style="red")
    if value in WARN:
        return Text(value, style="yellow")
    return Text(value)


def exit_code(code: int | None) -> Text:
    if code is None:
        return Text("-", style="dim")
    return Text(str(code), style="green" if code == 0 else "bold red")


def exit_meaning(code: int | None) -> str:
    if code is None:
        return ""
    return EXIT_MEANINGS.get(code, "killed by a signal" if code > 128 else "error")


def age(then: datetime | None, now: datetime) -> str:
    """``42s``, ``5m``, ``3h``, ``2d`` (k9s style)."""
    if then is None:
        return "-"
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return "0s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def when(value: datetime | None) -> str:
    if value is None:
        return "-"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def counts(running: int, desired: int, pending: int = 0) -> Text:
    style = "green" if running == desired and not pending else ("yellow" if running else "red")
    if desired == 0 and running == 0:
        style = "dim"
    text = Text(f"{running}/{desired}", style=style)
    if pending:
        text.append(f" +{pending}", style="yellow")
    return text


def dash(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def label_style(label: str) -> str:
    """A stable colour per task, so merged log lines can be told apart at a glance."""
    palette = (
        "cyan",
        "magenta",
        "green",
        "yellow",
        "blue",
        "bright_cyan",
        "bright_magenta",
        "bright_green",
    )
    return palette[sum(label.encode()) % len(palette)]
