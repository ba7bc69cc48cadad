"""The ECS drill-down: clusters -> services (``services``) -> one service (tasks, deployments, events,
load balancers) -> and every task of a cluster.

Each screen lists through the source in batches, so a cluster with 2,000 services shows
its first rows while the rest load. Actions (scale, force a deployment, stop a task,
exec, logs) are started here and carried out by the app, which previews and confirms
every change.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static, TabbedContent, TabPane

from ecsdev.sources.base import Capability
from ecsdev.sources.views import ServiceView, TaskView
from ecsdev.tui import fmt, netrows, rows
from ecsdev.tui.routes import Route
from ecsdev.tui.screens.base import TableScreen
from ecsdev.tui.screens.modals import DetailModal
from ecsdev.tui.screens.services import ServicesScreen as ServicesScreen  # re-exported
from ecsdev.tui.widgets.table import ResourceTable, Row
from emulator.errors import EcsdevError


def detail(s: ServiceView, key: str) -> tuple[str, Text]:
    """The full text behind an event or deployment row, for the detail view."""
    for e in s.events:
        if e.id == key or f"{fmt.when(e.created_at)}{e.message}" == key:
            return f"event {fmt.when(e.created_at)}", Text(e.message)
    for d in s.deployments:
        if d.id == key:
            text = Text(f"{d.status} {d.task_definition}\n", style="bold")
            text.append(f"rollout {d.rollout_state or '-'}: {d.rollout_reason or '-'}\n")
            text.append(f"running {d.running} of {d.desired}, pending {d.pending}, ")
            text.append(f"failed {d.failed}", style="bold red" if d.failed else "")
            return f"deployment {d.id}", text
    return "detail", Text("(no longer there)")


def _stopped(row: Row) -> bool:
    return row.plain(3) == "STOPPED"  # the DESIRED column


class ClustersScreen(TableScreen):
    def body(self) -> ComposeResult:
        yield ResourceTable(rows.CLUSTER_COLS, id="clusters", default_sort=0)

    def fetch(self) -> None:
        clusters = self.source.list_clusters()
        self.load_rows(
            self.query_one("#clusters", ResourceTable),
            iter([[rows.cluster_row(c) for c in clusters]]),
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.dash.navigate(Route.to("services", cluster=row.key))


class TaskListMixin(TableScreen):
    """Shared by every screen with a task table: open, logs, stop, shell, stopped toggle."""

    TASK_BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "task_logs", "Logs"),
        Binding("x", "toggle_stopped", "Stopped", show=False),
        Binding("ctrl+k", "stop_task", "Stop task"),
        Binding("s", "shell", "Shell", show=False),
        Binding("n", "network", "Network", show=False),
    ]
    hide_stopped = False

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.tasks: dict[str, TaskView] = {}

    def task_batches(
        self, batches: Iterable[list[TaskView]], targets: dict[str, str] | None = None
    ) -> Iterator[list[Row]]:
        """Rows for tasks as they arrive; ``targets`` maps a task's IP to its target state."""
        states = targets or {}
        for batch in batches:
            for t in batch:
                self.tasks[t.arn] = t
            now = self.dash.now()
            yield [rows.task_row(t, now, states.get(t.ip or "")) for t in batch]

    def selected_task(self) -> TaskView | None:
        table = self.query_one("#task-table", ResourceTable)
        key = table.current_key
        return self.tasks.get(key) if key else None

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#task-table", ResourceTable).set_hidden(
            _stopped if self.hide_stopped else None
        )

    def action_toggle_stopped(self) -> None:
        self.hide_stopped = not self.hide_stopped
        self.query_one("#task-table", ResourceTable).set_hidden(
            _stopped if self.hide_stopped else None
        )
        self.notify(
            "Stopped tasks hidden" if self.hide_stopped else "Showing stopped tasks", timeout=2
        )
        self.update_bars()

    def _need_task(self) -> TaskView | None:
        task = self.selected_task()
        if task is None:
            self.notify("Select a task first", severity="warning", timeout=3)
        return task

    def action_task_logs(self) -> None:
        task = self._need_task()
        if task:
            self.dash.navigate(
                Route.to("logs", cluster=task.cluster, task=task.arn, label=f"logs {task.short_id}")
            )

    def action_stop_task(self) -> None:
        task = self._need_task()
        if task:
            self.dash.stop_task(task)

    def action_shell(self) -> None:
        task = self._need_task()
        if task and task.containers:
            self.dash.exec_into(task, task.containers[0].name)

    def action_network(self) -> None:
        task = self._need_task()
        if task:
            self.dash.navigate(Route.to("task", cluster=task.cluster, task=task.arn, tab="network"))

    def open_task(self, row: Row) -> None:
        task = self.tasks.get(row.key)
        if task:
            self.dash.navigate(Route.to("task", cluster=task.cluster, task=task.arn))


class ServiceScreen(TaskListMixin):
    """One service: its tasks (running and stopped), deployments, events, load balancers."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *TaskListMixin.TASK_BINDINGS,
        Binding("L", "service_logs", "All logs"),
        Binding("S", "scale", "Scale"),
        Binding("F", "deploy", "Force deploy"),
        Binding("t", "taskdef", "Task def", show=False),
        Binding("d", "diff", "Diff deploy"),
        Binding("1", "tab('tasks')", "Tasks", show=False),
        Binding("2", "tab('deployments')", "Deployments", show=False),
        Binding("3", "tab('events')", "Events", show=False),
        Binding("4", "tab('lbs')", "LBs", show=False),
    ]

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.cluster = route.get("cluster")
        self.service_name = route.get("service")
        self.service: ServiceView | None = None

    def body(self) -> ComposeResult:
        yield Static(id="summary")
        with TabbedContent(initial=self.route.get("tab") or "tasks"):
            with TabPane("Tasks 1", id="tasks"):
                yield ResourceTable(rows.TASK_COLS, id="task-table", default_sort=7, faults=True)
            with TabPane("Deployments 2", id="deployments"):
                yield ResourceTable(rows.DEPLOYMENT_COLS, id="deploy-table", faults=True)
            with TabPane("Events 3", id="events"):
                yield ResourceTable(rows.EVENT_COLS, id="event-table")
            with TabPane("Load balancers 4", id="lbs"):
                yield ResourceTable(netrows.SERVICE_LB_COLS, id="lb-table", faults=True)

    def fetch(self) -> None:
        service = self.source.describe_service(self.cluster, self.service_name)
        self.deliver(self._show_service, service)
        targets = self._targets(service)
        self.load_rows(
            self.query_one("#task-table", ResourceTable),
            self.task_batches(self.source.iter_tasks(self.cluster, self.service_name), targets),
        )

    def _targets(self, s: ServiceView) -> dict[str, str]:
        """From a worker: each target's state by IP, and the LB tab with the load balancers'
        names and the groups' health (two listing calls and one per target group)."""
        arns = [lb.target_group_arn for lb in s.load_balancers if lb.target_group_arn]
        if not arns or not self.has(Capability.LOAD_BALANCERS):
            return {}
        try:
            groups = {g.arn: g for g in self.source.list_target_groups() if g.arn in arns}
            names = {lb.arn: lb.name for lb in self.source.list_load_balancers()}
            health = {arn: self.source.target_health(arn) for arn in arns}
        except EcsdevError:
            return {}  # the tasks still show; the LB tab keeps what the service says
        out_rows = [
            netrows.service_lb_row(
                lb,
                tuple(names.get(a, a) for a in groups[tg].load_balancer_arns)
                if tg in groups
                else (),
                netrows.tally(health.get(tg, [])),
            )
            for lb in s.load_balancers
            for tg in [lb.target_group_arn or ""]
        ]
        self.deliver(self.query_one("#lb-table", ResourceTable).set_rows, out_rows)
        return {t.id: t.state for targets in health.values() for t in targets}

    def _show_service(self, s: ServiceView) -> None:
        self.service = s
        now = self.dash.now()
        summary = Text()
        summary.append(f" {s.name} ", style="bold")
        summary.append_text(fmt.status(s.status))
        summary.append("  tasks ")
        summary.append_text(fmt.counts(s.running, s.desired, s.pending))
        summary.append(f"  {s.revision}  {fmt.dash(s.launch_type)}")
        state = rows.rollout(s)
        if state:
            summary.append("  rollout ")
            bad = state in ("FAILED", "ROLLING BACK")
            summary.append_text(Text(state, style="bold red") if bad else fmt.status(state))
            failed = rows.failed_tasks(s)
            if failed:
                summary.append(f"  {failed} failed tasks", style="bold red")
        summary.append(
            f"\n subnets {', '.join(s.subnets) or '-'}  security groups {', '.join(s.security_groups) or '-'}"
        )
        summary.append(f"  exec {'on' if s.exec_enabled else 'off'}", style="dim")
        self.query_one("#summary", Static).update(summary)
        self.query_one("#deploy-table", ResourceTable).set_rows(
            rows.deployment_row(d, now) for d in s.deployments
        )
        self.query_one("#event-table", ResourceTable).set_rows(rows.event_row(e) for e in s.events)
        self.query_one("#lb-table", ResourceTable).set_rows(
            netrows.service_lb_row(lb) for lb in s.load_balancers
        )
        self.query_one(TabbedContent).get_tab("events").label = f"Events ({len(s.events)}) 3"  # type: ignore[assignment]

    def open_row(self, table: ResourceTable, row: Row) -> None:
        if table.id == "task-table":
            self.open_task(row)
        elif table.id in ("event-table", "deploy-table") and self.service:
            self.app.push_screen(DetailModal(*detail(self.service, row.key)))
        elif table.id == "lb-table" and row.key.startswith("arn:"):
            self.dash.navigate(Route.to("targets", tg=row.key, label=row.plain(0)))

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.table.focus()

    def action_service_logs(self) -> None:
        self.dash.navigate(
            Route.to(
                "logs",
                cluster=self.cluster,
                service=self.service_name,
                label=f"logs {self.service_name}",
            )
        )

    def action_scale(self) -> None:
        if self.service:
            self.dash.scale_service(self.service)

    def action_deploy(self) -> None:
        if self.service:
            self.dash.force_deployment(self.service)

    def action_taskdef(self) -> None:
        if self.service:
            self.dash.navigate(Route.to("taskdef", arn=self.service.task_definition))

    def action_diff(self) -> None:
        """The revision being rolled out against the one it replaces (PRIMARY vs ACTIVE)."""
        s = self.service
        if s is None:
            return
        primary = next((d for d in s.deployments if d.status == "PRIMARY"), None)
        active = next((d for d in s.deployments if d.status == "ACTIVE"), None)
        if primary is None or active is None or primary.task_definition == active.task_definition:
            self.notify(
                "One revision is deployed: press t, then v to diff any two revisions", timeout=4
            )
            return
        self.dash.navigate(
            Route.to("tddiff", old=active.task_definition, new=primary.task_definition)
        )

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.update_bars()


class TasksScreen(TaskListMixin):
    """Every task of a cluster, in or out of a service (e1s's ``N``)."""

    BINDINGS: ClassVar[list[BindingType]] = TaskListMixin.TASK_BINDINGS

    def __init__(self, route: Route) -> None:
        super().__init__(route)
        self.cluster = route.get("cluster")

    def body(self) -> ComposeResult:
        yield ResourceTable(rows.TASK_COLS, id="task-table", default_sort=7, faults=True)

    def fetch(self) -> None:
        self.load_rows(
            self.query_one("#task-table", ResourceTable),
            self.task_batches(self.source.iter_tasks(self.cluster)),
        )

    def open_row(self, table: ResourceTable, row: Row) -> None:
        self.open_task(row)
