"""Views -> table rows and columns, one function per kind of row.

Kept apart from the screens so what a column shows, and how it sorts, is decided in one
place and can be read (and tested) without running the app. Rows are keyed by ARN (or ID)
so the tables can update them in place on refresh.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from ecsdev.sources.elbwords import target_group_name
from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
    RuleView,
    SecurityGroupView,
    SubnetView,
    TargetGroupView,
    TargetView,
    VpcView,
)
from ecsdev.sources.views import (
    ClusterView,
    ContainerView,
    DeploymentView,
    ServiceEventView,
    ServiceLoadBalancerView,
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
    Col("rollout", "ROLLOUT"),
    Col("deployments", "DEPLOYS"),
    Col("taskdef", "TASK DEF"),
    Col("launch", "LAUNCH"),
    Col("event", "LAST EVENT", width=44),
)


def service_row(s: ServiceView) -> Row:
    last = s.events[0].message if s.events else ""
    return Row(
        s.arn,
        (
            s.name,
            fmt.status(s.status),
            fmt.counts(s.running, s.desired),
            str(s.pending),
            fmt.status(s.rollout_state) if s.rollout_state else Text("-", style="dim"),
            str(len(s.deployments)),
            s.revision,
            fmt.dash(s.launch_type),
            _short(last, 44),
        ),
        (None, None, s.running - s.desired, s.pending, None, len(s.deployments), None, None, None),
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


def task_row(t: TaskView, now: datetime) -> Row:
    group = task_group(t)
    reason = " ".join(x for x in (t.stop_code, t.stopped_reason) if x)
    return Row(
        t.arn,
        (
            t.short_id,
            group,
            fmt.status(t.last_status),
            fmt.status(t.desired_status),
            fmt.status(t.health),
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
    )


EVENT_COLS = (Col("time", "TIME"), Col("message", "MESSAGE"))


def event_row(e: ServiceEventView) -> Row:
    return Row(
        e.id or f"{fmt.when(e.created_at)}{e.message}",
        (fmt.when(e.created_at), e.message),
        (_ts(e.created_at), None),
    )


SERVICE_LB_COLS = (
    Col("tg", "TARGET GROUP"),
    Col("container", "CONTAINER"),
    Col("port", "PORT"),
    Col("lb", "LOAD BALANCER"),
)


def service_lb_row(lb: ServiceLoadBalancerView) -> Row:
    tg = target_group_name(lb.target_group_arn) if lb.target_group_arn else "-"
    key = lb.target_group_arn or f"{lb.load_balancer_name}/{lb.container_name}"
    return Row(
        key, (tg, lb.container_name, fmt.dash(lb.container_port), fmt.dash(lb.load_balancer_name))
    )


LB_COLS = (
    Col("name", "NAME"),
    Col("type", "TYPE"),
    Col("scheme", "SCHEME"),
    Col("state", "STATE"),
    Col("vpc", "VPC"),
    Col("dns", "DNS NAME"),
)


def lb_row(lb: LoadBalancerView) -> Row:
    return Row(
        lb.arn,
        (lb.name, lb.type, lb.scheme, fmt.status(lb.state), fmt.dash(lb.vpc_id), lb.dns_name),
    )


LISTENER_COLS = (Col("port", "PORT"), Col("protocol", "PROTOCOL"), Col("default", "DEFAULT ACTION"))


def listener_row(ls: ListenerView) -> Row:
    return Row(
        ls.arn,
        (fmt.dash(ls.port), ls.protocol, "; ".join(ls.default_actions)),
        (ls.port, None, None),
    )


RULE_COLS = (Col("priority", "PRIORITY"), Col("if", "IF"), Col("then", "THEN"))


def rule_row(r: RuleView) -> Row:
    conditions = " and ".join(r.conditions) or ("anything else" if r.is_default else "always")
    return Row(
        r.arn,
        (
            Text(r.priority, style="dim" if r.is_default else "bold"),
            conditions,
            "; ".join(r.actions),
        ),
        (r.order, None, None),
    )


TG_COLS = (
    Col("name", "NAME"),
    Col("protocol", "PROTOCOL"),
    Col("port", "PORT"),
    Col("type", "TARGET TYPE"),
    Col("health", "HEALTH CHECK"),
    Col("lbs", "LBS"),
)


def tg_row(tg: TargetGroupView) -> Row:
    return Row(
        tg.arn,
        (
            tg.name,
            fmt.dash(tg.protocol),
            fmt.dash(tg.port),
            tg.target_type,
            fmt.dash(tg.health_check),
            str(len(tg.load_balancer_arns)),
        ),
        (None, None, tg.port, None, None, len(tg.load_balancer_arns)),
    )


TARGET_COLS = (
    Col("id", "TARGET"),
    Col("port", "PORT"),
    Col("state", "STATE"),
    Col("reason", "REASON"),
    Col("description", "DESCRIPTION"),
    Col("az", "AZ"),
)


def target_row(t: TargetView) -> Row:
    rank = {
        "unhealthy": 0,
        "unavailable": 1,
        "draining": 2,
        "unused": 3,
        "initial": 4,
        "healthy": 5,
    }
    return Row(
        f"{t.id}:{t.port}",
        (
            t.id,
            fmt.dash(t.port),
            fmt.status(t.state),
            fmt.dash(t.reason),
            fmt.dash(t.description),
            fmt.dash(t.availability_zone),
        ),
        (None, t.port, rank.get(t.state, 1), None, None, None),
    )


VPC_COLS = (
    Col("id", "VPC"),
    Col("name", "NAME"),
    Col("cidr", "CIDR"),
    Col("default", "DEFAULT"),
    Col("state", "STATE"),
)


def vpc_row(v: VpcView) -> Row:
    return Row(
        v.id, (v.id, v.name or "-", v.cidr, "yes" if v.is_default else "", fmt.status(v.state))
    )


SUBNET_COLS = (
    Col("id", "SUBNET"),
    Col("name", "NAME"),
    Col("type", "TYPE"),
    Col("az", "AZ"),
    Col("cidr", "CIDR"),
    Col("free", "FREE IPS"),
    Col("rt", "ROUTE TABLE"),
)


def subnet_row(s: SubnetView) -> Row:
    kind = Text("public", style="yellow") if s.public else Text("private", style="cyan")
    return Row(
        s.id,
        (
            s.id,
            s.name or "-",
            kind,
            s.availability_zone,
            s.cidr,
            fmt.dash(s.available_ips),
            fmt.dash(s.route_table_id),
        ),
        (None, None, None, None, None, s.available_ips, None),
    )


SG_COLS = (
    Col("id", "GROUP"),
    Col("name", "NAME"),
    Col("in", "INBOUND"),
    Col("out", "OUTBOUND"),
    Col("description", "DESCRIPTION"),
)


def sg_row(g: SecurityGroupView) -> Row:
    return Row(
        g.id,
        (g.id, g.name, str(len(g.inbound)), str(len(g.outbound)), g.description),
        (None, None, len(g.inbound), len(g.outbound), None),
    )


SG_RULE_COLS = (
    Col("group", "GROUP"),
    Col("dir", "DIR"),
    Col("rule", "RULE"),
    Col("description", "DESCRIPTION"),
)


def sg_rule_rows(g: SecurityGroupView) -> list[Row]:
    out = []
    for i, r in enumerate((*g.inbound, *g.outbound)):
        direction = Text("in", style="green") if r.direction == "in" else Text("out", style="blue")
        out.append(
            Row(f"{g.id}/{i}", (f"{g.name} ({g.id})", direction, str(r), r.description or "-"))
        )
    return out
