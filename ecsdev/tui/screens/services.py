"""The services of a cluster, built to stay cheap at 2,000 services.

Opening the view (or ``r``) lists and describes every service, in batches drawn as they
arrive. An automatic refresh does not: it describes the rows on screen and one more call's
worth of the rest (``ecsdev.tui.refresh.Sweep``), and re-lists the services once a round
has covered them all, so an idle dashboard on a big account costs about a call a second.
A refresh never starts while the previous one runs, and every call runs off the UI thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from ecsdev.sources.views import ServiceView
from ecsdev.tui import rows
from ecsdev.tui.refresh import Sweep, Tick
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import TableScreen
from ecsdev.tui.widgets.table import ResourceTable, Row


class ServicesScreen(TableScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "logs", "Logs"),
        Binding("S", "scale", "Scale"),
        Binding("F", "deploy", "Force deploy"),
        Binding("t", "taskdef", "Task def"),
        Binding("T", "all_tasks", "All tasks", show=False),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.cluster = route.get("cluster")
        self.services: dict[str, ServiceView] = {}
        self.sweep = Sweep()

    def body(self) -> ComposeResult:
        yield ResourceTable(rows.SERVICE_COLS, id="services", default_sort=0, faults=True)

    def fetch(self) -> None:
        """Everything: list and describe every service (opening the view, or ``r``)."""

        def batches() -> Iterator[list[Row]]:
            for batch in self.source.iter_services(self.cluster):
                yield self._rows(batch)

        self.load_rows(self.query_one("#services", ResourceTable), batches())

    def _rows(self, batch: list[ServiceView]) -> list[Row]:
        for s in batch:
            self.services[s.arn] = s
        return [rows.service_row(s) for s in batch]

    def refresh_data(self) -> None:
        """An automatic refresh: what is on screen, and a little of the rest (``Sweep``)."""
        if self._busy or not self.is_mounted:
            return
        table = self.query_one("#services", ResourceTable)
        plan = self.sweep.tick(table.shown_keys, int(table.scroll_y), table.size.height - 1)
        self.start(lambda: self._tick(table, plan))

    def _tick(self, table: ResourceTable, plan: Tick) -> None:
        if plan.relist:
            arns = set(self.source.list_services(self.cluster))
            self.deliver(table.retain, arns)
            new = sorted(arns - set(table.all_rows))
            described = self.source.describe_services(self.cluster, [*plan.describe, *new])
        else:
            described = self.source.describe_services(self.cluster, list(plan.describe))
        if described:
            self.deliver(table.upsert, self._rows(described))

    def selected(self) -> ServiceView | None:
        key = self.table.current_key
        service = self.services.get(key) if key else None
        if service is None:
            self.notify("Select a service first", severity="warning", timeout=3)
        return service

    def open_row(self, table: ResourceTable, row: Row) -> None:
        service = self.services.get(row.key)
        if service:
            self.dash.navigate(Route.to("service", cluster=self.cluster, service=service.name))

    def action_logs(self) -> None:
        s = self.selected()
        if s:
            self.dash.navigate(
                Route.to("logs", cluster=self.cluster, service=s.name, label=f"logs {s.name}")
            )

    def action_scale(self) -> None:
        s = self.selected()
        if s:
            self.dash.scale_service(s)

    def action_deploy(self) -> None:
        s = self.selected()
        if s:
            self.dash.force_deployment(s)

    def action_taskdef(self) -> None:
        s = self.selected()
        if s:
            self.dash.navigate(Route.to("taskdef", arn=s.task_definition))

    def action_all_tasks(self) -> None:
        self.dash.navigate(Route.to("tasks", cluster=self.cluster))
