"""Views -> table rows and columns, one function per kind of row.

Kept apart from the screens so what a column shows, and how it sorts, is decided in one
place and can be read (and tested) without running the app. Rows are keyed by ARN (or ID)
so the tables can update them in place on refresh.
"""

from __future__ import annotations

import re
from datetime import datetime

from rich.text import Text

from ecsdev.sources.views import (
    ClusterView,
    ContainerView,
    DeploymentView,
    ServiceEventView,
    ServiceView,
    TaskView,
    revision_of,
)
from ecsdev.tui import fmt
from ecsdev.tui.widgets.table import Col, Row


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def _short(text: str | None, width: int) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


CLUSTER_COLS = (
    Col("name", "NAME"),
    Col("status", "STATUS"),
    Col("services", "SERVICES"),
    Col("running", "RUNNING"),
    Col("pending", "PENDING"),
    Col("instances", "INSTANCES"),
)


def cluster_row(c: ClusterView) -> Row:
    return Row(
        c.name,
        (
            c.name,
            fmt.status(c.status),
            str(c.active_services),
            str(c.running_tasks),
            str(c.pending_tasks),
            str(c.container_instances),
        ),
        (None, None, c.active_services, c.running_tasks, c.pending_tasks, c.container_instances),
    )


SERVICE_COLS = (
    Col("name", "NAME"),
    Col("status", "STATUS"),
    Col("tasks", "RUN/DESIRED"),
    Col("pending", "PENDING"),
    Col("failed", "FAILED"),
    Col("rollout", "ROLLOUT"),
    Col("deployments", "DEPLOYS"),
    Col("taskdef", "TASK DEF"),
    Col("launch", "LAUNCH"),
    Col("event", "LAST EVENT", width=44),
)

_SERVICE_PREFIX = re.compile(r"^\(service [^)]*\)\s*")


def event_text(message: str) -> str:
    """An event without the ``(service X)`` every service event starts with."""
    return _SERVICE_PREFIX.sub("", message)


def rollout(s: ServiceView) -> str | None:
    """The rollout as an incident reads it: FAILED (a deployment failed), ROLLING BACK (the
    circuit breaker is undoing it), else the PRIMARY deployment's state."""
    if any(d.rollout_state == "FAILED" for d in s.deployments):
        primary = next((d for d in s.deployments if d.status == "PRIMARY"), None)
        if primary is not None and primary.rollout_state == "IN_PROGRESS":
            return "ROLLING BACK"
        return "FAILED"
    for d in s.deployments:
        if d.status == "PRIMARY" and "rolling back" in (d.rollout_reason or "").lower():
            return "ROLLING BACK"
    return s.rollout_state


def failed_tasks(s: ServiceView) -> int:
    """Tasks that failed to start or stay up in the deployments still running."""
    return sum(d.failed for d in s.deployments if d.status != "INACTIVE")


def service_fault(s: ServiceView) -> bool:
    return (
        failed_tasks(s) > 0
        or rollout(s) in ("FAILED", "ROLLING BACK")
        or (s.status == "ACTIVE" and s.running < s.desired and s.pending == 0)
    )


def service_row(s: ServiceView) -> Row:
    last = event_text(s.events[0].message) if s.events else ""
    failed = failed_tasks(s)
    state = rollout(s)
    bad = state in ("FAILED", "ROLLING BACK")
    return Row(
        s.arn,
        (
            s.name,
            fmt.status(s.status),
            fmt.counts(s.running, s.desired),
            str(s.pending),
            Text(str(failed), style="bold red") if failed else Text("0", style="dim"),
            Text(state, style="bold red")
            if bad and state
            else (fmt.status(state) if state else Text("-", style="dim")),
            str(len(s.deployments)),
            s.revision,
            fmt.dash(s.launch_type),
            _short(last, 44),
        ),
        (
            None,
            None,
            s.running - s.desired,
            s.pending,
            failed,
            None,
            len(s.deployments),
            None,
            None,
            None,
        ),
        service_fault(s),
    )


TASK_COLS = (
    Col("id", "TASK"),
    Col("group", "SERVICE"),
    Col("status", "STATUS"),
    Col("desired", "DESIRED"),
    Col("health", "HEALTH"),
    Col("revision", "REVISION"),
    Col("ip", "IP"),
    Col("age", "AGE"),
    Col("stopped", "STOPPED"),
    Col("exit", "EXIT"),
    Col("reason", "STOP REASON", width=34),
)


def task_group(t: TaskView) -> Text:
    """The SERVICE cell: a service's name, never a one-off task's family (``family:x``)."""
    if t.service:
        return Text(t.service)
    return Text("(run-task)" if (t.group or "").startswith("family:") else "-", style="dim")


def task_fault(t: TaskView, target_state: str | None = None) -> bool:
    """Stopped with a non-zero exit (or failing to start), unhealthy, or behind an
    unhealthy target."""
    exited_badly = t.last_status == "STOPPED" and (
        any(c.exit_code not in (None, 0) for c in t.containers)
        or (t.stop_code or "") in ("TaskFailedToStart", "ServiceSchedulerInitiated")
        and any(c.exit_code is None for c in t.containers)
    )
    unhealthy = t.health == "UNHEALTHY" or any(c.health == "UNHEALTHY" for c in t.containers)
    return exited_badly or unhealthy or target_state in ("unhealthy", "unavailable")


def task_health(t: TaskView, target_state: str | None) -> Text:
    """Container health, and the load balancer's view of the task beside it when bad."""
    text = fmt.status(t.health)
    if target_state in ("unhealthy", "unavailable", "draining"):
        text.append(" · target ", style="dim")
        text.append_text(fmt.status(target_state))
    return text


def task_row(t: TaskView, now: datetime, target_state: str | None = None) -> Row:
    group = task_group(t)
    reason = " ".join(x for x in (t.stop_code, t.stopped_reason) if x)
    return Row(
        t.arn,
        (
            t.short_id,
            group,
            fmt.status(t.last_status),
            fmt.status(t.desired_status),
            task_health(t, target_state),
            t.revision,
            fmt.dash(t.ip),
            fmt.age(t.started_at or t.created_at, now),
            fmt.age(t.stopped_at, now) if t.stopped_at else "-",
            Text(
                t.exit_codes or "-",
                style="red" if any(c.exit_code for c in t.containers) else "dim",
            ),
            _short(reason, 34),
        ),
        (
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            -(_ts(t.started_at or t.created_at) or 0),
            -(_ts(t.stopped_at) or 0),
            None,
            None,
        ),
        task_fault(t, target_state),
    )


CONTAINER_COLS = (
    Col("name", "CONTAINER"),
    Col("image", "IMAGE"),
    Col("status", "STATUS"),
    Col("health", "HEALTH"),
    Col("ports", "PORTS"),
    Col("exit", "EXIT"),
    Col("reason", "REASON", width=40),
)


def container_row(c: ContainerView, ports: str = "") -> Row:
    reason = c.reason or ""
    if c.exit_code not in (None, 0):
        reason = f"{reason} ({fmt.exit_meaning(c.exit_code)})".strip()
    return Row(
        c.name,
        (
            c.name,
            c.image,
            fmt.status(c.last_status),
            fmt.status(c.health),
            ports or ", ".join(str(p) for p in c.ports) or "-",
            fmt.exit_code(c.exit_code),
            _short(reason, 40),
        ),
    )


DEPLOYMENT_COLS = (
    Col("id", "DEPLOYMENT"),
    Col("status", "STATUS"),
    Col("rollout", "ROLLOUT"),
    Col("taskdef", "TASK DEF"),
    Col("counts", "RUN/DESIRED"),
    Col("pending", "PENDING"),
    Col("failed", "FAILED"),
    Col("updated", "UPDATED"),
    Col("reason", "REASON", width=36),
)


def deployment_row(d: DeploymentView, now: datetime) -> Row:
    return Row(
        d.id,
        (
            d.id,
            fmt.status(d.status),
            fmt.status(d.rollout_state) if d.rollout_state else Text("-", style="dim"),
            revision_of(d.task_definition),
            fmt.counts(d.running, d.desired),
            str(d.pending),
            Text(str(d.failed), style="red" if d.failed else ""),
            fmt.age(d.updated_at or d.created_at, now),
            _short(d.rollout_reason, 36),
        ),
        fault=d.rollout_state == "FAILED" or (d.failed > 0 and d.status != "INACTIVE"),
    )


EVENT_COLS = (Col("time", "TIME"), Col("message", "MESSAGE"))


def event_row(e: ServiceEventView) -> Row:
    return Row(
        e.id or f"{fmt.when(e.created_at)}{e.message}",
        (fmt.when(e.created_at), event_text(e.message)),
        (_ts(e.created_at), None),
    )
