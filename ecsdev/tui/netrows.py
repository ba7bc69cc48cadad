"""Network and load balancer views -> table rows: load balancers, listeners, rules, target
groups with their targets' health, VPCs, subnets and security groups.

Split from ``rows`` (the ECS rows) so each file stays readable; the same rules hold: what a
column shows and how it sorts is decided here, rows are keyed by ARN or ID, and a row says
when it is a fault (an unhealthy target, a target group with unhealthy targets).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from rich.text import Text

from ecsdev.sources.elbwords import target_group_name
from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
    RouteView,
    RuleView,
    SecurityGroupView,
    SgRuleView,
    SubnetView,
    TargetGroupView,
    TargetView,
    VpcView,
)
from ecsdev.sources.views import ServiceLoadBalancerView
from ecsdev.tui import fmt
from ecsdev.tui.widgets.table import Col, Row

SERVICE_LB_COLS = (
    Col("tg", "TARGET GROUP"),
    Col("lb", "LOAD BALANCER"),
    Col("healthy", "HEALTHY"),
    Col("unhealthy", "UNHEALTHY"),
    Col("container", "CONTAINER"),
    Col("port", "PORT"),
)


def service_lb_row(
    lb: ServiceLoadBalancerView,
    lb_names: tuple[str, ...] = (),
    health: tuple[int, int] | None = None,
) -> Row:
    """A target group the service feeds, the load balancer(s) in front of it (found from
    the group when the service names none) and its targets' health."""
    tg = target_group_name(lb.target_group_arn) if lb.target_group_arn else "-"
    key = lb.target_group_arn or f"{lb.load_balancer_name}/{lb.container_name}"
    names = ", ".join(lb_names) or lb.load_balancer_name
    healthy, unhealthy = health if health else (None, None)
    return Row(
        key,
        (
            tg,
            fmt.dash(names),
            *health_counts(healthy, unhealthy),
            lb.container_name,
            fmt.dash(lb.container_port),
        ),
        fault=bool(unhealthy),
    )


LB_COLS = (
    Col("name", "NAME"),
    Col("healthy", "HEALTHY"),
    Col("unhealthy", "UNHEALTHY"),
    Col("type", "TYPE"),
    Col("scheme", "SCHEME"),
    Col("state", "STATE"),
    Col("vpc", "VPC"),
    Col("dns", "DNS NAME"),
)


def lb_row(lb: LoadBalancerView, health: tuple[int, int] | None = None) -> Row:
    """A load balancer, with the healthy/unhealthy targets of its target groups."""
    healthy, unhealthy = health if health else (None, None)
    return Row(
        lb.arn,
        (
            lb.name,
            *health_counts(healthy, unhealthy),
            lb.type,
            lb.scheme,
            fmt.status(lb.state),
            fmt.dash(lb.vpc_id),
            lb.dns_name,
        ),
        (None, healthy, unhealthy, None, None, None, None, None),
        bool(unhealthy),
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
    Col("healthy", "HEALTHY"),
    Col("unhealthy", "UNHEALTHY"),
    Col("protocol", "PROTOCOL"),
    Col("port", "PORT"),
    Col("type", "TARGET TYPE"),
    Col("health", "HEALTH CHECK"),
    Col("lbs", "LBS"),
)


def health_counts(healthy: int | None, unhealthy: int | None) -> tuple[Text, Text]:
    """HEALTHY and UNHEALTHY cells (``…`` until the targets' health is known)."""
    if healthy is None or unhealthy is None:
        return Text("…", style="dim"), Text("…", style="dim")
    return (
        Text(str(healthy), style="green" if healthy else "dim"),
        Text(str(unhealthy), style="bold red" if unhealthy else "dim"),
    )


def tally(targets: list[TargetView]) -> tuple[int, int]:
    """(healthy, unhealthy) targets; draining and initial ones are neither."""
    healthy = sum(1 for t in targets if t.state == "healthy")
    return healthy, sum(1 for t in targets if t.state in ("unhealthy", "unavailable"))


def tg_row(tg: TargetGroupView, health: tuple[int, int] | None = None) -> Row:
    healthy, unhealthy = health if health else (None, None)
    return Row(
        tg.arn,
        (
            tg.name,
            *health_counts(healthy, unhealthy),
            fmt.dash(tg.protocol),
            fmt.dash(tg.port),
            tg.target_type,
            fmt.dash(tg.health_check),
            str(len(tg.load_balancer_arns)),
        ),
        (None, healthy, unhealthy, None, tg.port, None, None, len(tg.load_balancer_arns)),
        bool(unhealthy),
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
        t.state in ("unhealthy", "unavailable"),
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


def peer_ids(groups: Iterable[SecurityGroupView]) -> set[str]:
    """Security groups the rules of ``groups`` name as peers."""
    return {
        p for g in groups for r in (*g.inbound, *g.outbound) for p in r.peers if p.startswith("sg-")
    }


def rule_words(r: SgRuleView, names: Mapping[str, str]) -> str:
    """A rule in words, with each peer security group's name beside its ID."""
    if not names:
        return str(r)
    peers = tuple(f"{p} ({names[p]})" if p in names else p for p in r.peers)
    return str(replace(r, peers=peers))


def sg_rule_rows(g: SecurityGroupView, names: Mapping[str, str] | None = None) -> list[Row]:
    out = []
    for i, r in enumerate((*g.inbound, *g.outbound)):
        direction = Text("in", style="green") if r.direction == "in" else Text("out", style="blue")
        words = rule_words(r, names or {})
        out.append(
            Row(f"{g.id}/{i}", (f"{g.name} ({g.id})", direction, words, r.description or "-"))
        )
    return out


ROUTE_COLS = (Col("destination", "DESTINATION"), Col("target", "TARGET"), Col("state", "STATE"))


def route_row(r: RouteView) -> Row:
    """A route; one to an internet gateway is what makes a subnet public."""
    target = Text(r.target, style="yellow" if r.target.startswith("igw-") else "")
    return Row(f"{r.destination}>{r.target}", (r.destination, target, fmt.status(r.state)))
