"""VPCs -> subnets (public or private, AZ, CIDR) -> their route table, and security groups
-> their rules.

None of the ECS dashboards show the network, yet "why can't task A reach B" is answered
there: whether a subnet routes to an internet gateway and which security group admits
which peer on which port (peer groups by name as well as ID).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from textual.app import ComposeResult
from textual.widgets import Static, TabbedContent, TabPane

from ecsdev.sources.base import Source
from ecsdev.sources.netviews import SecurityGroupView
from ecsdev.tui import netrows
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import TableScreen
from ecsdev.tui.widgets.table import ResourceTable, Row
from emulator.errors import EcsdevError


class VpcsScreen(TableScreen):
    def body(self) -> ComposeResult:
        yield ResourceTable(netrows.VPC_COLS, id="vpcs")

    def fetch(self) -> None:
        vpcs = self.source.list_vpcs()
        self.load_rows(
            self.query_one("#vpcs", ResourceTable), iter([[netrows.vpc_row(v) for v in vpcs]])
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(
            Route.to("vpc", vpc=row.key, label=row.plain(1) if row.plain(1) != "-" else row.key)
        )


class VpcScreen(TableScreen):
    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.vpc = route.get("vpc")

    def body(self) -> ComposeResult:
        with TabbedContent(initial=self.route.get("tab") or "subnets"):
            with TabPane("Subnets", id="subnets"):
                yield ResourceTable(netrows.SUBNET_COLS, id="subnet-table")
            with TabPane("Security groups", id="groups"):
                yield ResourceTable(netrows.SG_COLS, id="sg-table")

    def fetch(self) -> None:
        subnets = self.source.list_subnets(self.vpc)
        self.load_rows(
            self.query_one("#subnet-table", ResourceTable),
            iter([[netrows.subnet_row(s) for s in subnets]]),
        )
        groups = self.source.list_security_groups(self.vpc)
        self.load_rows(
            self.query_one("#sg-table", ResourceTable), iter([[netrows.sg_row(g) for g in groups]])
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        if table.id == "sg-table":
            self.dash.navigate(Route.to("sg", sg=row.key, label=row.plain(1)))
        elif table.id == "subnet-table" and row.plain(6) not in ("", "-"):
            self.dash.navigate(Route.to("routes", rt=row.plain(6), label=row.plain(6)))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.table.focus()
        self.update_bars()


class RouteTableScreen(TableScreen):
    """A route table: where traffic from its subnets goes (Enter on a subnet)."""

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.rt = route.get("rt")

    def body(self) -> ComposeResult:
        yield Static(id="summary")
        yield ResourceTable(netrows.ROUTE_COLS, id="routes")

    def fetch(self) -> None:
        table = self.source.route_table(self.rt)
        summary = f" {table.id}  vpc {table.vpc_id}  {'main  ' if table.main else ''}"
        summary += f"subnets {', '.join(table.subnets) or '-'}"
        self.deliver(self.query_one("#summary", Static).update, summary)
        self.load_rows(
            self.query_one("#routes", ResourceTable),
            iter([[netrows.route_row(r) for r in table.routes]]),
        )


def peer_names(source: Source, groups: Sequence[SecurityGroupView]) -> dict[str, str]:
    """From a worker: the name of every security group the rules of ``groups`` name (one
    call for those not already at hand)."""
    names = {g.id: g.name for g in groups}
    missing = sorted(netrows.peer_ids(groups) - set(names))
    if missing:
        with suppress(EcsdevError):  # else IDs alone, as before
            names.update((g.id, g.name) for g in source.list_security_groups(ids=missing))
    return names


class SecurityGroupScreen(TableScreen):
    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.group_id = route.get("sg")

    def body(self) -> ComposeResult:
        yield Static(id="summary")
        yield ResourceTable(netrows.SG_RULE_COLS, id="rules")

    def fetch(self) -> None:
        groups = self.source.list_security_groups(ids=[self.group_id])
        if groups:
            self.deliver(self._show, groups[0], peer_names(self.source, groups))

    def _show(self, g: SecurityGroupView, names: dict[str, str]) -> None:
        self.query_one("#summary", Static).update(
            f" {g.id}  {g.name}  vpc {g.vpc_id}  {g.description}"
        )
        self.query_one("#rules", ResourceTable).set_rows(netrows.sg_rule_rows(g, names))
        self.update_bars()

    def open_row(self, table: ResourceTable, row: Row) -> None:
        rule = row.plain(2)
        for word in rule.replace(",", " ").split():
            if word.startswith("sg-") and word != self.group_id:
                self.dash.navigate(Route.to("sg", sg=word))
                return
