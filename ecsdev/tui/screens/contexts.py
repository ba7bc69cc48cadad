"""Switching where the dashboard looks: contexts (``local``, the emulator through its
endpoint; each local stack directly, marked "local (direct)"; LocalStack; AWS profiles) and
regions, inside the app (e1s's ctrl-p/ctrl-r, k9s's ``:ctx``).

Discovering local stacks may ask Docker, so the list is built in a worker like any other
data. Production profiles are marked, so choosing one is never an accident.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult

from ecsdev.sources.contexts import LOCAL, Context
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import TableScreen
from ecsdev.tui.widgets.table import Col, ResourceTable, Row

CONTEXT_COLS = (
    Col("name", "CONTEXT"),
    Col("kind", "KIND"),
    Col("region", "REGION"),
    Col("endpoint", "ENDPOINT"),
    Col("mode", "MODE"),
)


class ContextsScreen(TableScreen):
    AUTO_REFRESH = False

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.contexts: dict[str, Context] = {}

    def body(self) -> ComposeResult:
        yield ResourceTable(CONTEXT_COLS, id="contexts")

    def fetch(self) -> None:
        catalog = self.dash.catalog
        info = self.source.info
        if catalog is None:
            found = [
                Context(
                    info.name,
                    info.kind,
                    info.profile,
                    info.region,
                    info.endpoint_url,
                    info.production,
                )
            ]
        else:
            found = catalog.contexts()
        self.contexts = {c.name: c for c in found}
        self.load_rows(
            self.query_one("#contexts", ResourceTable), iter([[self._row(c) for c in found]])
        )

    def _row(self, c: Context) -> Row:
        current = c.name == self.source.info.name
        name = Text(("● " if current else "  ") + c.name, style="bold" if current else "")
        if c.production:
            mode = Text("production", style="bold red")
        elif self.dash.catalog is not None and self.dash.catalog.writable(c):
            mode = Text("writable", style="yellow")
        else:
            mode = Text("read-only")
        endpoint = c.endpoint_url or ("starts when opened" if c.name == LOCAL else "-")
        return Row(c.name, (name, c.kind_label, c.region or "-", endpoint, mode))

    def open_row(self, table: ResourceTable, row: Row) -> None:
        context = self.contexts.get(row.key)
        if context is not None:
            self.dash.switch_context(context, None)


class RegionsScreen(TableScreen):
    AUTO_REFRESH = False

    def body(self) -> ComposeResult:
        yield ResourceTable((Col("region", "REGION"),), id="regions")

    def fetch(self) -> None:
        catalog = self.dash.catalog
        regions = catalog.regions() if catalog else [self.source.info.region or "us-east-1"]
        current = self.source.info.region
        self.load_rows(
            self.query_one("#regions", ResourceTable),
            iter([[Row(r, (Text(("● " if r == current else "  ") + r),)) for r in regions]]),
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.switch_region(row.key)
