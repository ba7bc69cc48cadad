"""Changes and exec, for the app: preview the exact call, confirm, apply, all off the UI thread.

Kept apart from ``app`` so the path every change to a live account takes can be read in
one place: a capability check that says why not (read-only, production, unsupported),
``Source.preview`` for the literal API call, a ``ConfirmModal`` that needs a yes, then
``Source.apply`` in a worker and a notification with the result. Exec suspends the
dashboard and runs the source's command (``aws ecs execute-command``) in the terminal.
"""

from __future__ import annotations

import subprocess
from functools import partial
from typing import TYPE_CHECKING

from textual.app import App, SuspendNotSupported

from ecsdev.sources.base import (
    Capability,
    Change,
    ForceDeployment,
    ScaleService,
    StopTask,
    capability_for,
)
from ecsdev.sources.views import ServiceView, TaskView
from ecsdev.tui.screens.modals import ConfirmModal, NumberModal
from emulator.errors import EcsdevError

if TYPE_CHECKING:
    from ecsdev.sources.base import Source


class ChangesMixin(App[None]):
    source: Source
    capabilities: frozenset[Capability]

    def _reload_current(self) -> None:
        raise NotImplementedError

    def why_not(self, capability: Capability) -> str:
        info = self.source.info
        if info.production:
            return f"{info.name} is a production profile: it stays read-only"
        if not info.writable:
            return f"{info.name} is read-only: start the dashboard with --write to make changes"
        return f"{info.name} cannot {capability.value.replace('-', ' ')}"

    def request_change(self, change: Change, title: str) -> None:
        """Preview the call, confirm it, apply it; every step off the UI thread."""
        capability = capability_for(change)
        if capability not in self.capabilities:
            self.notify(self.why_not(capability), severity="warning", timeout=5)
            return
        self.run_worker(partial(self._preview, change, title), thread=True, exit_on_error=False)

    def _preview(self, change: Change, title: str) -> None:
        try:
            call = self.source.preview(change)
        except EcsdevError as e:
            self.call_from_thread(self.notify, e.message, severity="error")
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.run_worker(partial(self._apply, change), thread=True, exit_on_error=False)
            else:
                self.notify("Nothing was changed", timeout=2)

        modal = ConfirmModal(title, call, production=self.source.info.production)
        self.call_from_thread(self.push_screen, modal, confirmed)

    def _apply(self, change: Change) -> None:
        try:
            summary = self.source.apply(change)
        except EcsdevError as e:
            self.call_from_thread(
                self.notify,
                f"{e.message}\n{e.hint}".strip(),
                title="Failed",
                severity="error",
                timeout=8,
            )
            return
        self.call_from_thread(self.notify, summary, title="Done", timeout=4)
        self.call_from_thread(self._reload_current)

    def stop_task(self, task: TaskView) -> None:
        self.request_change(StopTask(task.cluster, task.arn), f"Stop task {task.short_id}?")

    def force_deployment(self, service: ServiceView) -> None:
        self.request_change(
            ForceDeployment(service.cluster, service.name),
            f"Start a new deployment of {service.name}?",
        )

    def scale_service(self, service: ServiceView) -> None:
        if Capability.SCALE_SERVICE not in self.capabilities:
            self.notify(self.why_not(Capability.SCALE_SERVICE), severity="warning", timeout=5)
            return

        def chosen(count: int | None) -> None:
            if count is not None and count != service.desired:
                change = ScaleService(service.cluster, service.name, count)
                self.request_change(
                    change, f"Scale {service.name} from {service.desired} to {count} tasks?"
                )

        self.push_screen(
            NumberModal(
                f"Desired count for {service.name} (now {service.desired})", service.desired
            ),
            chosen,
        )

    def exec_into(self, task: TaskView, container: str) -> None:
        if Capability.EXEC not in self.capabilities:
            self.notify(self.why_not(Capability.EXEC), severity="warning", timeout=5)
            return
        self.run_worker(partial(self._exec_plan, task, container), thread=True, exit_on_error=False)

    def _exec_plan(self, task: TaskView, container: str) -> None:
        try:
            plan = self.source.exec_command(task, container, "/bin/sh")
        except EcsdevError as e:
            self.call_from_thread(
                self.notify,
                f"{e.message}\n{e.hint}".strip(),
                title="Exec",
                severity="error",
                timeout=10,
            )
            return
        self.call_from_thread(self._run_exec, plan.argv)

    def _run_exec(self, argv: tuple[str, ...]) -> None:
        try:
            with self.suspend():
                subprocess.run(argv, check=False)
        except SuspendNotSupported:
            self.notify(
                f"Cannot leave the dashboard here; run: {' '.join(argv)}",
                severity="warning",
                timeout=10,
            )
