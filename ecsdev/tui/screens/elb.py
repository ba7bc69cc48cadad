"""Load balancers -> listeners -> rules (in evaluation order, in words) -> target groups ->
targets with their state and reason -> the task behind a target.

Users asked for this chain in every AWS TUI (a9s #35, taws #23) and for an unhealthy
target's task "within two keystrokes" (unic #281): on the targets view, ``u`` jumps to
the next unhealthy target and Enter opens its task.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from ecsdev.sources.elbwords import target_group_name
from ecsdev.sources.netviews import RuleView, TargetView
from ecsdev.sources.views import TaskView
from ecsdev.tui import netrows
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import TableScreen
from ecsdev.tui.widgets.table import ResourceTable, Row


class LoadBalancersScreen(TableScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("t", "target_groups", "Target groups")]

    def body(self) -> ComposeResult:
        yield ResourceTable(netrows.LB_COLS, id="lbs", default_sort=0, faults=True)

    def fetch(self) -> None:
        lbs = self.source.list_load_balancers()
        table = self.query_one("#lbs", ResourceTable)
        self.deliver(table.upsert, [netrows.lb_row(lb) for lb in lbs])
        # then the health of every target behind each one: one call per target group
        groups = self.source.list_target_groups()
        health = {g.arn: netrows.tally(self.source.target_health(g.arn)) for g in groups}
        totals: dict[str, tuple[int, int]] = {}
        for g in groups:
            for arn in g.load_balancer_arns:
                ok, bad = totals.get(arn, (0, 0))
                totals[arn] = (ok + health[g.arn][0], bad + health[g.arn][1])
        self.load_rows(
            table, iter([[netrows.lb_row(lb, totals.get(lb.arn, (0, 0))) for lb in lbs]])
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(Route.to("listeners", lb=row.key, label=row.plain(0)))

    def action_target_groups(self) -> None:
        row = self.table.current
        self.dash.navigate(
            Route.to("tgs", lb=row.key, label=f"{row.plain(0)} TGs") if row else Route.to("tgs")
        )


class ListenersScreen(TableScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("t", "target_groups", "Target groups")]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.lb = route.get("lb")

    def body(self) -> ComposeResult:
        yield ResourceTable(netrows.LISTENER_COLS, id="listeners")

    def fetch(self) -> None:
        listeners = self.source.list_listeners(self.lb)
        self.load_rows(
            self.query_one("#listeners", ResourceTable),
            iter([[netrows.listener_row(ls) for ls in listeners]]),
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(
            Route.to("rules", listener=row.key, label=f"{row.plain(1)}:{row.plain(0)}")
        )

    def action_target_groups(self) -> None:
        self.dash.navigate(Route.to("tgs", lb=self.lb))


class RulesScreen(TableScreen):
    """Rules in the order the load balancer evaluates them; Enter follows the forward."""

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.listener = route.get("listener")
        self.rules: dict[str, RuleView] = {}

    def body(self) -> ComposeResult:
        yield ResourceTable(netrows.RULE_COLS, id="rules")

    def fetch(self) -> None:
        found = self.source.list_rules(self.listener)
        self.rules = {r.arn: r for r in found}
        self.load_rows(
            self.query_one("#rules", ResourceTable), iter([[netrows.rule_row(r) for r in found]])
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        rule = self.rules.get(row.key)
        if rule is None or not rule.target_group_arns:
            self.notify("This rule does not forward to a target group", timeout=3)
            return
        arns = rule.target_group_arns
        if len(arns) == 1:
            self.dash.navigate(Route.to("targets", tg=arns[0], label=target_group_name(arns[0])))
            return
        # A weighted forward: every group it sends traffic to, to pick from.
        self.dash.navigate(Route.to("tgs", arns=",".join(arns), label=f"rule {rule.priority} TGs"))


class TargetGroupsScreen(TableScreen):
    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.lb = route.get("lb") or None
        self.only = [a for a in route.get("arns").split(",") if a]
        """The groups of one rule (a weighted forward), when given."""

    def body(self) -> ComposeResult:
        yield ResourceTable(netrows.TG_COLS, id="tgs", default_sort=0, faults=True)

    def fetch(self) -> None:
        groups = self.source.list_target_groups(self.lb)
        if self.only:
            groups = [g for g in groups if g.arn in self.only]
        table = self.query_one("#tgs", ResourceTable)
        self.deliver(table.upsert, [netrows.tg_row(tg) for tg in groups])

        def with_health() -> Iterator[list[Row]]:  # one call per group, drawn as they come
            for tg in groups:
                yield [netrows.tg_row(tg, netrows.tally(self.source.target_health(tg.arn)))]

        self.load_rows(table, with_health())

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(Route.to("targets", tg=row.key, label=row.plain(0)))


class TargetsScreen(TableScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("u", "next_unhealthy", "Next unhealthy")]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.tg = route.get("tg")
        self.targets: dict[str, TargetView] = {}

    def body(self) -> ComposeResult:
        yield ResourceTable(netrows.TARGET_COLS, id="targets", faults=True)

    def on_mount(self) -> None:
        super().on_mount()
        if self.dash.view_state.get(self.route) is None:
            self.table.sort_by(2)  # unhealthy first

    def fetch(self) -> None:
        found = self.source.target_health(self.tg)
        self.targets = {netrows.target_row(t).key: t for t in found}
        self.load_rows(
            self.query_one("#targets", ResourceTable),
            iter([[netrows.target_row(t) for t in found]]),
        )

    def action_next_unhealthy(self) -> None:
        table = self.table
        keys = table.shown_keys
        if not keys:
            return
        start = table.cursor_row
        for step in range(1, len(keys) + 1):
            key = keys[(start + step) % len(keys)]
            target = self.targets.get(key)
            if target is not None and target.unhealthy:
                table.move_to_key(key)
                return
        self.notify("Every target is healthy", timeout=3)

    def open_row(self, table: ResourceTable, row: Row) -> None:
        target = self.targets.get(row.key)
        if target is None:
            return
        self.notify(f"Looking for the task behind {target.id}…", timeout=2)
        self.run_worker(
            lambda: self._find(target),
            thread=True,
            exclusive=True,
            group="find",
            exit_on_error=False,
        )

    def _find(self, target: TargetView) -> None:
        try:
            task = self.source.task_for_target(target)
        except Exception as e:  # noqa: BLE001 - shown to the user, never raised
            self.deliver(partial(self.notify, f"Cannot find the task: {e}", severity="error"))
            return
        self.deliver(self._open_task, target, task)

    def _open_task(self, target: TargetView, task: TaskView | None) -> None:
        if task is None:
            self.notify(f"No task has the address {target.id}", severity="warning", timeout=4)
            return
        self.dash.navigate(Route.to("task", cluster=task.cluster, task=task.arn))
