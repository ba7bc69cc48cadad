"""The dashboard application: navigation, history, refresh, context switching and changes.

``make_app`` is the one way to build it, shared by the CLI and the tests (posting's
pattern), so what the tests drive is what users run. The app owns the current ``Source``
and nothing else talks to AWS or Docker: screens ask the source from worker threads, and
changes go through ``request_change``, which previews the exact API call, asks for
confirmation, then applies it in a worker. Navigation is a list of ``Route``s with a
position, so back/forward, breadcrumbs, ``:`` commands and the palette share one model.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

from ecsdev.sources.base import (
    Source,
)
from ecsdev.sources.clean import sanitized
from ecsdev.sources.contexts import Context, ContextCatalog
from ecsdev.tui import finder
from ecsdev.tui.actions import ChangesMixin
from ecsdev.tui.keys import KeyRouter
from ecsdev.tui.routes import COMMANDS, Route, ViewState, find_command, route_for
from ecsdev.tui.screens.base import BaseScreen
from ecsdev.tui.screens.contexts import ContextsScreen, RegionsScreen
from ecsdev.tui.screens.ecs import ClustersScreen, ServiceScreen, ServicesScreen, TasksScreen
from ecsdev.tui.screens.elb import (
    ListenersScreen,
    LoadBalancersScreen,
    RulesScreen,
    TargetGroupsScreen,
    TargetsScreen,
)
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.screens.network import (
    RouteTableScreen,
    SecurityGroupScreen,
    VpcScreen,
    VpcsScreen,
)
from ecsdev.tui.screens.task import TaskScreen
from ecsdev.tui.screens.taskdefs import (
    DiffScreen,
    FamiliesScreen,
    RevisionsScreen,
    TaskDefinitionScreen,
)
from ecsdev.tui.widgets.bars import Prompt
from ecsdev.tui.widgets.table import Row
from emulator.errors import EcsdevError

SCREENS_BY_KIND: dict[str, type[BaseScreen]] = {
    "contexts": ContextsScreen,
    "regions": RegionsScreen,
    "clusters": ClustersScreen,
    "services": ServicesScreen,
    "service": ServiceScreen,
    "tasks": TasksScreen,
    "task": TaskScreen,
    "logs": LogsScreen,
    "lbs": LoadBalancersScreen,
    "listeners": ListenersScreen,
    "rules": RulesScreen,
    "tgs": TargetGroupsScreen,
    "targets": TargetsScreen,
    "vpcs": VpcsScreen,
    "vpc": VpcScreen,
    "sg": SecurityGroupScreen,
    "routes": RouteTableScreen,
    "families": FamiliesScreen,
    "revisions": RevisionsScreen,
    "taskdef": TaskDefinitionScreen,
    "tddiff": DiffScreen,
}

SWITCH_INTERVAL = 0.0005
"""Seconds a thread holds the interpreter before the UI thread may take it."""

TRAIL = 7
"""Breadcrumbs shown (the most recent views)."""


def start_routes(cluster: str | None, service: str | None) -> list[Route]:
    """The history a deep link (``--cluster --service``) opens with, so back still works."""
    routes = [Route.to("clusters")]
    if cluster:
        routes.append(Route.to("services", cluster=cluster))
        if service:
            routes.append(Route.to("service", cluster=cluster, service=service))
    return routes


class EcsdevApp(ChangesMixin, KeyRouter):
    CSS_PATH = "ecsdev.tcss"
    TITLE = "ecsdev"

    def __init__(
        self,
        source: Source,
        *,
        catalog: ContextCatalog | None = None,
        start: list[Route] | None = None,
        refresh: float = 5.0,
        log_buffer: int = 20_000,
        log_poll: float = 1.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.source = sanitized(source)
        self.catalog = catalog
        self.capabilities = source.capabilities()
        self.refresh_interval = refresh
        self.log_buffer = log_buffer
        self.log_poll = log_poll
        self.paused = False
        self.faults_only = False
        """ctrl+z: every table shows only the rows that are failing."""
        self.history: list[Route] = []
        self.position = -1
        self.view_state: dict[Route, ViewState] = {}
        self.row_cache: dict[tuple[Route, str], list[Row]] = {}
        self._start = start or [Route.to("clusters")]
        self._now = now or (lambda: datetime.now(UTC))
        self._switch = sys.getswitchinterval()

    def on_unmount(self) -> None:
        sys.setswitchinterval(self._switch)

    def now(self) -> datetime:
        return self._now()

    def on_mount(self) -> None:
        # Worker threads parse AWS responses while the user types: hand the interpreter
        # lock to the UI thread sooner than Python's default 5 ms, so keys stay prompt.
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        if self.refresh_interval > 0:
            self.set_interval(self.refresh_interval, self._tick)
        self.history = list(self._start[:-1])
        self.position = len(self.history) - 1
        self.navigate(self._start[-1])

    # -- navigation ----------------------------------------------------------------------

    def trail(self) -> list[Route]:
        return self.history[: self.position + 1][-TRAIL:]

    def navigate(self, route: Route) -> None:
        del self.history[self.position + 1 :]
        if not self.history or self.history[-1] != route:
            self.history.append(route)
        self.position = len(self.history) - 1
        self._show(route)

    def _show(self, route: Route) -> None:
        screen = SCREENS_BY_KIND[route.kind](route)
        if isinstance(self.screen, BaseScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def back(self) -> None:
        if self.position > 0:
            self.position -= 1
            self._show(self.history[self.position])

    def forward(self) -> None:
        if self.position + 1 < len(self.history):
            self.position += 1
            self._show(self.history[self.position])

    def current_cluster(self) -> str | None:
        for route in reversed(self.history[: self.position + 1]):
            if route.get("cluster"):
                return route.get("cluster")
        return None

    # -- refresh -------------------------------------------------------------------------

    def _tick(self) -> None:
        screen = self.screen
        if self.paused or not isinstance(screen, BaseScreen) or not screen.AUTO_REFRESH:
            return
        if screen.query_one(Prompt).display:  # the user is typing: do not move rows under them
            return
        screen.refresh_data()

    def _reload_current(self) -> None:
        if isinstance(self.screen, BaseScreen):
            self.screen.reload()

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        if isinstance(self.screen, BaseScreen):
            self.screen.update_bars()
        self.notify("Refresh paused" if self.paused else "Refresh resumed", timeout=2)

    # -- commands ------------------------------------------------------------------------

    def run_command(self, text: str) -> None:
        word, _, arg = text.strip().lstrip(":").strip().partition(" ")
        arg = arg.strip()
        command = find_command(word)
        screen = self.screen
        if command is None:  # a name: a service, task family, target group, load balancer
            self.run_worker(
                partial(self._find_resource, word, arg), thread=True, exit_on_error=False
            )
            return
        match command.name:
            case "quit":
                self.exit()
            case "help" if isinstance(screen, BaseScreen):
                screen.action_help()
            case "refresh" if isinstance(screen, BaseScreen):
                screen.reload()
            case "pause":
                self.toggle_pause()
            case "back":
                self.back()
            case "logs":
                for action in ("service_logs", "logs", "task_logs"):
                    if hasattr(screen, f"action_{action}"):
                        self.call_later(screen.run_action, action)
                        return
                self.notify("Select a service, task or container, then :logs", timeout=4)
            case "ctx" if arg:
                self.run_worker(partial(self._find_context, arg), thread=True, exit_on_error=False)
            case "region" if arg:
                self.switch_region(arg)
            case "td" if arg:
                self.run_worker(partial(self._find_family, arg), thread=True, exit_on_error=False)
            case _:
                route = route_for(command, arg or None, self.current_cluster())
                if route is not None:
                    self.navigate(route)

    def _find_resource(self, word: str, arg: str) -> None:
        """From a worker: open the resource named ``word`` (``:checkout``)."""
        known = finder.loaded(self.row_cache)
        found = finder.lookup(self.source, word, self.current_cluster(), known)
        self.call_from_thread(self._open_found, found, word, "command or name")

    def _find_family(self, name: str) -> None:
        try:
            families = self.source.list_task_definition_families()
        except EcsdevError as e:
            self.call_from_thread(self.notify, e.message, severity="error")
            return
        candidates = [
            finder.Found("task definition", f, Route.to("revisions", family=f)) for f in families
        ]
        self.call_from_thread(
            self._open_found, finder.best(candidates, name), name, "task definition family"
        )

    def _open_found(self, found: list[finder.Found], word: str, what: str) -> None:
        exact = [f for f in found if f.name.lower() == word.lower()]
        if len(found) == 1 or exact:
            self.navigate(found[0].route)
            if len(exact) > 1:
                also = ", ".join(f.title for f in exact[1:])
                self.notify(f"Also named {word!r}: {also}", timeout=4)
        elif found:
            names = ", ".join(f.title for f in found[:6])
            self.notify(f"{len(found)} match {word!r}: {names}", severity="warning", timeout=6)
        else:
            self.notify(
                f"Nothing matched {word!r}: no {what} of that name. Press ? for help.",
                severity="warning",
                timeout=5,
            )

    def _find_context(self, name: str) -> None:
        if self.catalog is None:
            self.call_from_thread(self.notify, "No other contexts", severity="warning")
            return
        try:
            context = self.catalog.find(name)
        except EcsdevError as e:
            self.call_from_thread(self.notify, f"{e.message}\n{e.hint}", severity="error")
            return
        self.call_from_thread(self.switch_context, context, None)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette lists every view, every action of the current view, and contexts."""
        yield from super().get_system_commands(screen)
        for command in COMMANDS:
            yield SystemCommand(
                f":{command.name}", command.help, partial(self.run_command, command.name)
            )
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.description and binding.action not in seen and active.node is screen:
                seen.add(binding.action)
                yield SystemCommand(
                    binding.description,
                    f"key {binding.key_display or binding.key}",
                    partial(self.call_later, screen.run_action, binding.action),
                )
        for found in finder.loaded(self.row_cache):  # resources already loaded, by name
            yield SystemCommand(
                found.title, f"Open {found.title}", partial(self.navigate, found.route)
            )
        if self.catalog is not None:
            for context in self.catalog.api_contexts():
                yield SystemCommand(
                    f"Context {context.name}",
                    f"Switch to {context.name}",
                    partial(self.switch_context, context, None),
                    discover=False,
                )

    # -- contexts --------------------------------------------------------------------------

    def switch_context(self, context: Context, region: str | None) -> None:
        if self.catalog is None:
            self.notify("No other contexts", severity="warning")
            return
        catalog = self.catalog
        self.run_worker(
            partial(self._open, lambda: catalog.open(context, region)),
            thread=True,
            exit_on_error=False,
        )

    def switch_region(self, region: str) -> None:
        info = self.source.info
        if self.catalog is None or (info.kind == "local" and not info.endpoint_url):
            self.notify("This context has no other regions", severity="warning")  # a stack
            return
        try:
            context = next(c for c in self.catalog.api_contexts() if c.name == info.name)
        except StopIteration:
            self.notify(f"Unknown context {info.name}", severity="error")
            return
        self.switch_context(context, region)

    def _open(self, opener: Callable[[], Source]) -> None:
        try:
            source = opener()
        except EcsdevError as e:
            self.call_from_thread(self.notify, f"{e.message}\n{e.hint}".strip(), severity="error")
            return
        self.call_from_thread(self._use_source, source)

    def _use_source(self, source: Source) -> None:
        old = self.source
        self.source = sanitized(source)
        self.capabilities = source.capabilities()
        self.view_state.clear()
        self.row_cache.clear()
        self.history.clear()
        self.position = -1
        self.navigate(Route.to("clusters"))
        self.run_worker(old.close, thread=True, exit_on_error=False)
        info = source.info
        self.notify(f"{info.name} {info.region or ''}".strip(), title="Context", timeout=3)


def make_app(
    source: Source,
    *,
    catalog: ContextCatalog | None = None,
    cluster: str | None = None,
    service: str | None = None,
    refresh: float = 5.0,
    log_buffer: int = 20_000,
    log_poll: float = 1.0,
    now: Callable[[], datetime] | None = None,
) -> EcsdevApp:
    """The dashboard over ``source``, opened at ``cluster``/``service`` when given."""
    return EcsdevApp(
        source,
        catalog=catalog,
        start=start_routes(cluster, service),
        refresh=refresh,
        log_buffer=log_buffer,
        log_poll=log_poll,
        now=now,
    )
