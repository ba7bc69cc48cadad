"""The stack's controller: the loop that carries tasks (and services) on.

One controller runs per stack, in the background, holding an exclusive lock in the stack's
state directory so a second one hands over instead of running twice. Each tick it observes
Docker (labels are the truth), steps every task (dependsOn, essential exits, stops) and,
when the stack has services, runs the scheduler. It emits events and never prints; events
are also stored, so ``ecsdev events`` and the dashboard read them. Kill it at any moment and
start it again: it adopts what runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from emulator.agent.watch import AgentWatch
from emulator.arns import Account
from emulator.errors import DockerUnavailable, EcsdevError
from emulator.events import Event, EventSink, discard
from emulator.runtime.base import ContainerRuntime
from emulator.scheduler import SchedulerSettings
from emulator.spares import SparePool
from emulator.stacklock import StackLock as StackLock  # where callers have found it
from emulator.store import Store, stack_dir
from emulator.tasks import TaskRunner

TICK_SECONDS = 1.0


UNCHECKED_HEALTHY_AFTER = "ECSDEV_UNCHECKED_HEALTHY_AFTER"
"""Seconds after RUNNING before a task without a container health check counts as healthy
(ECS: 40). The test suite lowers it; so can an impatient developer."""


def scheduler_settings() -> SchedulerSettings:
    value = os.environ.get(UNCHECKED_HEALTHY_AFTER, "")
    try:
        return SchedulerSettings(no_health_check_healthy_after=float(value))
    except ValueError:
        return SchedulerSettings()


class Controller:
    """Runs one stack: ``tick`` is one reconcile pass; ``run`` loops until told to stop."""

    def __init__(
        self,
        stack: str,
        runtime: ContainerRuntime,
        store: Store,
        *,
        cluster: str = "default",
        account: Account | None = None,
        sink: EventSink = discard,
        idle_exit: float | None = 30.0,
    ) -> None:
        self.stack = stack
        self.runtime = runtime
        self.store = store
        self.sink = sink
        self.tasks = TaskRunner(runtime, store, stack, cluster, account, sink)
        self.idle_exit = idle_exit
        self._idle_since: float | None = None
        self.stopping = threading.Event()
        from emulator.services import ServiceManager

        self.services = ServiceManager(
            self.tasks, store, account or Account(), cluster, sink, settings=scheduler_settings()
        )
        # tick(now, observed), after the scheduler: spares follow the subnets tasks use
        self.extensions: list[Any] = [self.services, AgentWatch(runtime), SparePool(self.tasks)]
        self.alb: Any = None
        self._attach_alb()
        from emulator.discoverytargets import attach

        attach(self)  # names between tasks (Service Connect, Cloud Map), after the scheduler

    def _attach_alb(self) -> None:
        """The ALB stand-in, once ``stack.apply`` recorded load balancers: it registers and
        probes targets before the scheduler plans (the scheduler reads their health)."""
        from emulator.albtargets import AlbTargets

        alb = AlbTargets.for_stack(
            self.stack, self.runtime, self.store, self.tasks.account, self.sink
        )
        if alb is not None:
            self.alb = self.services.targets = alb
            self.extensions.insert(0, alb)

    def tick(self, now: float | None = None) -> None:
        now = now or time.time()
        if self.alb is None:
            self._attach_alb()
        observed = self.tasks.step(now)
        for ext in self.extensions:
            ext.tick(now, observed)
        busy = bool(observed) or any(getattr(e, "busy", False) for e in self.extensions)
        self._idle_since = None if busy else (self._idle_since or now)

    @property
    def idle_for(self) -> float:
        return 0.0 if self._idle_since is None else time.time() - self._idle_since

    def run(self) -> None:
        docker_down_reported = False
        while not self.stopping.is_set():
            if not self.store.dir.exists():
                break  # the stack's state is gone (down --purge, a deleted state directory)
            try:
                self.tick()
                if docker_down_reported:
                    self._event("Docker engine is back; reconciling", "info")
                    docker_down_reported = False
            except DockerUnavailable as e:
                if not docker_down_reported:
                    self._event(f"controller: {e.message}", "error")
                    docker_down_reported = True
            except EcsdevError as e:
                self._event(f"controller: {e.message}", "error")
            except Exception as e:  # noqa: BLE001 - the loop must outlive any one bad tick
                traceback.print_exc()  # to the controller's log file
                self._event(
                    f"controller: internal error in a tick: {e!r} (see controller.log)", "error"
                )
            if self.idle_exit is not None and self.idle_exit > 0 and self.idle_for > self.idle_exit:
                self._event("controller: nothing left to run; exiting", "info")
                break
            self.stopping.wait(TICK_SECONDS)
        for ext in self.extensions:
            ext.close()
        self.tasks.close()

    def _event(self, message: str, level: str) -> None:
        ev = Event(message=message, level=level, kind="controller", subject=self.stack)  # type: ignore[arg-type]
        self.store.add_event(ev)
        self.sink(ev)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the background controller process (started by the CLI)."""
    ap = argparse.ArgumentParser(prog="ecsdev-controller")
    ap.add_argument("--stack", required=True)
    ap.add_argument("--cluster", default="default")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account-id", default="000000000000")
    ap.add_argument("--idle-exit", type=float, default=30.0)
    args = ap.parse_args(argv)
    lock = StackLock(args.stack)
    if not lock.acquire():
        return 0  # another controller runs this stack: hand over to it
    from emulator.runtime.docker import DockerRuntime

    store = Store(args.stack)
    ctl = Controller(
        args.stack,
        DockerRuntime(),
        store,
        cluster=args.cluster,
        account=Account(args.region, args.account_id),
        idle_exit=args.idle_exit,
    )
    signal.signal(signal.SIGTERM, lambda *_: ctl.stopping.set())
    signal.signal(signal.SIGINT, lambda *_: ctl.stopping.set())
    ctl.run()
    return 0


def log_path(stack: str) -> Path:
    return stack_dir(stack) / "controller.log"


if __name__ == "__main__":
    sys.exit(main())
