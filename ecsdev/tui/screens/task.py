"""One task: why it is in the state it is in, its containers, and where it sits on the
network.

The summary answers "why did it stop" first: stop code, stopped reason, each container's
exit code and what that code usually means (137: killed, out of memory or stop timeout).
The why tab explains a stopped task with the knowledge table of ``ecsdev.explain`` (the
same words as ``ecsdev explain``): which container made it stop, the evidence (exit code,
memory limit, health-check runs, last log lines, the target group) and the next step.
The network tab joins the task to its subnet (public or private) and the rules of its
security groups, the question no other ECS tool answers in one place.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from ecsdev.explain.explain import TaskExplanation, explain
from ecsdev.explain.gather import source_evidence
from ecsdev.explain.render import explanation_text
from ecsdev.sources.base import Capability, Unsupported
from ecsdev.sources.netviews import TaskNetworkView
from ecsdev.sources.views import TaskDefinitionView, TaskView
from ecsdev.tui import fmt, netrows, rows
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import TableScreen
from ecsdev.tui.screens.network import peer_names
from ecsdev.tui.widgets.table import ResourceTable, Row


def task_summary(t: TaskView, now_age: str, td: TaskDefinitionView | None) -> Text:
    text = Text()
    text.append(f" task {t.id}  ", style="bold")
    text.append_text(fmt.status(t.last_status))
    text.append(f" (desired {t.desired_status})  health ")
    text.append_text(fmt.status(t.health))
    text.append(
        f"  {t.revision}  {fmt.dash(t.launch_type)}  cpu {fmt.dash(t.cpu or (td.cpu if td else None))}"
    )
    text.append(f" mem {fmt.dash(t.memory or (td.memory if td else None))}")
    text.append(
        f"\n started {fmt.when(t.started_at)} ({now_age})  stopped {fmt.when(t.stopped_at)}"
    )
    text.append(
        f"  ip {fmt.dash(t.ip)}  subnet {fmt.dash(t.subnet_id)}  az {fmt.dash(t.availability_zone)}"
    )
    if t.stop_code or t.stopped_reason:
        text.append("\n stop ", style="bold red")
        text.append(f"{fmt.dash(t.stop_code)}: {fmt.dash(t.stopped_reason)}", style="red")
    for c in t.containers:
        if c.exit_code not in (None, 0):
            text.append(
                f"\n {c.name} exited {c.exit_code}: {fmt.exit_meaning(c.exit_code)}", style="red"
            )
            if c.reason:
                text.append(f" ({c.reason})", style="red")
    return text


def network_summary(n: TaskNetworkView) -> Text:
    text = Text(f" {fmt.dash(n.network_mode)}  ip {fmt.dash(n.ip)}")
    if n.public_ip:
        text.append(f"  public ip {n.public_ip}")
    if n.eni_id:
        text.append(f"  eni {n.eni_id}")
    if n.subnet:
        s = n.subnet
        kind = Text("public", style="yellow") if s.public else Text("private", style="cyan")
        text.append(f"\n subnet {s.id} {s.name}  ")
        text.append_text(kind)
        text.append(
            f"  {s.cidr}  {s.availability_zone}  vpc {s.vpc_id}  route table {fmt.dash(s.route_table_id)}"
        )
    else:
        text.append(
            "\n subnet unknown (bridge or host networking: the task shares its instance's network)"
        )
    return text


class TaskScreen(TableScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "logs", "Logs"),
        Binding("s", "shell", "Shell"),
        Binding("ctrl+k", "stop_task", "Stop task"),
        Binding("t", "taskdef", "Task def"),
        Binding("n", "tab('network')", "Network"),
        Binding("3", "tab('why')", "Why stopped", show=False),
        Binding("1", "tab('containers')", "Containers", show=False),
        Binding("2", "tab('network')", "Network", show=False),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.cluster = route.get("cluster")
        self.task_arn = route.get("task")
        self.task_view: TaskView | None = None
        self.explained: TaskExplanation | None = None

    def body(self) -> ComposeResult:
        yield Static(id="summary")
        with TabbedContent(initial=self.route.get("tab") or "containers"):
            with TabPane("Containers 1", id="containers"):
                yield ResourceTable(rows.CONTAINER_COLS, id="container-table")
            with TabPane("Network 2", id="network"):
                yield Static(id="net-summary")
                yield ResourceTable(netrows.SG_RULE_COLS, id="sg-rules")
            with TabPane("Why stopped 3", id="why"), VerticalScroll(id="why-scroll"):
                yield Static(" the task has not stopped", id="why-text")

    def fetch(self) -> None:
        task = self.source.describe_task(self.cluster, self.task_arn)
        td = None
        if self.has(Capability.TASK_DEFINITIONS):
            try:
                td = self.source.task_definition(task.task_definition)
            except Unsupported:
                td = None
        self.deliver(self._show_task, task, td)
        stopped = task.last_status == "STOPPED" or task.desired_status == "STOPPED"
        if stopped and (self.explained is None or self.explained.last_status != "STOPPED"):
            # once stopped, its explanation does not change: refreshes skip these calls
            self.deliver(self._show_why, explain(task, td, source_evidence(self.source, task, td)))
        if self.has(Capability.NETWORK):
            network = self.source.task_network(task)
            names = peer_names(self.source, network.security_groups)
            self.deliver(self._show_network, network, names)
        else:
            self.deliver(
                self.query_one("#net-summary", Static).update,
                " networking is not available in this context",
            )

    def _show_task(self, t: TaskView, td: TaskDefinitionView | None) -> None:
        self.task_view = t
        self.query_one("#summary", Static).update(
            task_summary(t, fmt.age(t.started_at, self.dash.now()), td)
        )
        table = self.query_one("#container-table", ResourceTable)
        out: list[Row] = []
        for c in t.containers:
            cdef = td.container(c.name) if td else None
            ports = "" if c.ports or cdef is None else ", ".join(str(p) for p in cdef.ports)
            out.append(rows.container_row(c, ports))
        table.set_rows(out)
        self.update_bars()

    def _show_why(self, e: TaskExplanation) -> None:
        self.explained = e
        self.query_one("#why-text", Static).update(explanation_text(e))

    def _show_network(self, n: TaskNetworkView, names: dict[str, str]) -> None:
        self.query_one("#net-summary", Static).update(network_summary(n))
        self.query_one("#sg-rules", ResourceTable).set_rows(
            r for g in n.security_groups for r in netrows.sg_rule_rows(g, names)
        )

    def _container(self) -> str | None:
        table = self.query_one("#container-table", ResourceTable)
        if table.current_key:
            return table.current_key
        if self.task_view and self.task_view.containers:
            return self.task_view.containers[0].name
        return None

    def open_row(self, table: ResourceTable, row: Row) -> None:
        if table.id == "container-table":
            self.dash.navigate(
                Route.to(
                    "logs",
                    cluster=self.cluster,
                    task=self.task_arn,
                    container=row.key,
                    label=f"logs {row.key}",
                )
            )
        elif table.id == "sg-rules":
            self.dash.navigate(Route.to("sg", sg=row.key.split("/", 1)[0]))

    def action_logs(self) -> None:
        short = self.task_arn.rsplit("/", 1)[-1][:8]
        self.dash.navigate(
            Route.to("logs", cluster=self.cluster, task=self.task_arn, label=f"logs {short}")
        )

    def action_shell(self) -> None:
        container = self._container()
        if self.task_view and container:
            self.dash.exec_into(self.task_view, container)

    def action_stop_task(self) -> None:
        if self.task_view:
            self.dash.stop_task(self.task_view)

    def action_taskdef(self) -> None:
        if self.task_view:
            self.dash.navigate(Route.to("taskdef", arn=self.task_view.task_definition))

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        if tab == "why":
            self.query_one("#why-scroll", VerticalScroll).focus()
        else:
            self.table.focus()
