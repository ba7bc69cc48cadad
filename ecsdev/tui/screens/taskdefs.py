"""Task definitions: families -> revisions -> one revision, and the diff of two revisions.

"What changed in this deploy?" is answered by ``d`` on a service (the revision being rolled
out against the one it replaces), ``d`` here (against the revision registered before it),
or any two revisions marked with space (``D``). Secrets appear as names and
their ``valueFrom`` reference only; a task definition holds no secret values.
"""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from ecsdev.sources.tddiff import DiffLine, diff_task_definitions
from ecsdev.sources.views import TaskDefinitionView, revision_of
from ecsdev.tui import fmt
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import BaseScreen, TableScreen
from ecsdev.tui.widgets.table import Col, ResourceTable, Row
from emulator.errors import EcsdevError


class FamiliesScreen(TableScreen):
    def body(self) -> ComposeResult:
        yield ResourceTable((Col("family", "FAMILY"),), id="families")

    def fetch(self) -> None:
        families = self.source.list_task_definition_families()
        self.load_rows(
            self.query_one("#families", ResourceTable), iter([[Row(f, (f,)) for f in families]])
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(Route.to("revisions", family=row.key))


class RevisionsScreen(TableScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "diff_previous", "Diff with previous"),
        Binding("space", "mark", "Mark"),
        Binding("D", "diff_marked", "Diff marked"),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.family = route.get("family")
        self.marked: list[str] = []

    def body(self) -> ComposeResult:
        yield ResourceTable(
            (Col("revision", "REVISION"), Col("mark", "MARK"), Col("arn", "ARN")), id="revisions"
        )

    def fetch(self) -> None:
        arns = self.source.list_task_definitions(self.family)
        self.load_rows(
            self.query_one("#revisions", ResourceTable), iter([[self._row(a) for a in arns]])
        )

    def _row(self, arn: str) -> Row:
        revision = int(arn.rsplit(":", 1)[-1])
        mark = Text("●", style="bold yellow") if arn in self.marked else ""
        return Row(arn, (revision_of(arn), mark, arn), (revision, None, None))

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(Route.to("taskdef", arn=row.key))

    def action_mark(self) -> None:
        key = self.table.current_key
        if key is None:
            return
        if key in self.marked:
            self.marked.remove(key)
        else:
            self.marked = [*self.marked[-1:], key]
        self.table.upsert(self._row(a) for a in list(self.table.all_rows))

    def action_diff_previous(self) -> None:
        keys = sorted(self.table.all_rows, key=lambda a: int(a.rsplit(":", 1)[-1]))
        key = self.table.current_key
        if key is None or keys.index(key) == 0:
            self.notify("No earlier revision to compare with", timeout=3)
            return
        self.dash.navigate(Route.to("tddiff", old=keys[keys.index(key) - 1], new=key))

    def action_diff_marked(self) -> None:
        if len(self.marked) != 2:
            self.notify("Mark two revisions with space first", timeout=3)
            return
        old, new = sorted(self.marked, key=lambda a: int(a.rsplit(":", 1)[-1]))
        self.dash.navigate(Route.to("tddiff", old=old, new=new))


def describe(td: TaskDefinitionView) -> Text:
    text = Text()
    text.append(f"{td.family}:{td.revision}", style="bold")
    text.append(
        f"  {td.status}  cpu {fmt.dash(td.cpu)}  memory {fmt.dash(td.memory)}  network {fmt.dash(td.network_mode)}"
    )
    text.append(f"  {' '.join(td.compatibilities)}\n")
    text.append(
        f"task role {fmt.dash(td.task_role)}\nexecution role {fmt.dash(td.execution_role)}\n",
        style="dim",
    )
    for c in td.containers:
        text.append(f"\n{c.name}", style="bold cyan")
        text.append(f"  {c.image}{'' if c.essential else '  (not essential)'}\n")
        text.append(
            f"  cpu {fmt.dash(c.cpu)}  memory {fmt.dash(c.memory)}  reservation {fmt.dash(c.memory_reservation)}"
        )
        text.append(f"  ports {', '.join(str(p) for p in c.ports) or '-'}\n")
        if c.entry_point:
            text.append(f"  entryPoint {' '.join(c.entry_point)}\n")
        if c.command:
            text.append(f"  command {' '.join(c.command)}\n")
        if c.health_check:
            text.append(f"  healthCheck {c.health_check}\n")
        if c.depends_on:
            text.append(f"  dependsOn {', '.join(c.depends_on)}\n")
        if c.log:
            options = " ".join(f"{k}={v}" for k, v in c.log.options)
            text.append(f"  log {c.log.driver} {options}\n")
        for name, value in c.environment:
            text.append(f"  env {name}={value}\n")
        for secret in c.secrets:
            text.append(f"  secret {secret.name} from {secret.value_from}\n", style="magenta")
    return text


class TaskDefinitionScreen(BaseScreen):
    AUTO_REFRESH = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "diff_previous", "Diff with previous"),
        Binding("v", "revisions", "Revisions"),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.arn = route.get("arn")
        self.td: TaskDefinitionView | None = None

    def body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(id="taskdef")

    def fetch(self) -> None:
        self.deliver(self._show, self.source.task_definition(self.arn))

    def _show(self, td: TaskDefinitionView) -> None:
        self.td = td
        self.query_one("#taskdef", Static).update(describe(td))

    def action_diff_previous(self) -> None:
        """The revision registered before this one that still exists (not simply N-1,
        which may have been deregistered)."""
        if self.td is None:
            return
        self.run_worker(self._previous, thread=True, exclusive=True, exit_on_error=False)

    def _previous(self) -> None:
        td = self.td
        if td is None:
            return
        try:
            arns = self.source.list_task_definitions(td.family)
        except EcsdevError as e:
            self.deliver(partial(self.notify, e.message, severity="error"))
            return
        older = [a for a in arns if int(a.rsplit(":", 1)[-1]) < td.revision]
        if not older:
            self.deliver(partial(self.notify, "No earlier revision to compare with", timeout=3))
            return
        self.deliver(self.dash.navigate, Route.to("tddiff", old=older[0], new=td.arn))

    def action_revisions(self) -> None:
        if self.td:
            self.dash.navigate(Route.to("revisions", family=self.td.family))


def diff_table(
    old: TaskDefinitionView, new: TaskDefinitionView, lines: list[DiffLine]
) -> Table | Text:
    if not lines:
        return Text(f"{old.family}:{old.revision} and {new.family}:{new.revision} are the same")
    table = Table(expand=True, box=None, header_style="bold")
    table.add_column("WHERE", no_wrap=True)
    table.add_column("FIELD", no_wrap=True)
    table.add_column(f"{old.family}:{old.revision}", style="red", overflow="fold")
    table.add_column(f"{new.family}:{new.revision}", style="green", overflow="fold")
    for d in lines:
        table.add_row(
            d.scope,
            d.field,
            d.old if d.old is not None else "-",
            d.new if d.new is not None else "-",
        )
    return table


class DiffScreen(BaseScreen):
    AUTO_REFRESH = False

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.old = route.get("old")
        self.new = route.get("new")
        self.summary = ""

    def note(self) -> str:
        return self.summary

    def body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(id="diff")

    def fetch(self) -> None:
        old = self.source.task_definition(self.old)
        new = self.source.task_definition(self.new)
        self.deliver(self._show, old, new)

    def _show(self, old: TaskDefinitionView, new: TaskDefinitionView) -> None:
        lines = diff_task_definitions(old, new)
        self.query_one("#diff", Static).update(diff_table(old, new, lines))
        self.summary = f"{len(lines)} differences"
        self.update_bars()
