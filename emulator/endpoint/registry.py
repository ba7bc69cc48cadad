"""The routing table: which of ecsdev's own modules answers which service.

Why this exists: registering a service is one line, here, in ``HANDLER_MODULES``. Each module
named there exposes ``handlers``: a function ``handlers(ctx: EndpointContext) ->
ServiceHandlers`` (or a ready ``ServiceHandlers`` object); ``ctx`` carries the account, the
event sink, the shared ``resources`` tables and ``runtime()`` (Docker, connected on first use),
from which a module builds whatever context of its own it needs. Modules are imported when the
server starts; a module that does not exist yet is skipped (its service goes to the fallback),
and one that fails to import is reported on the event sink and skipped, so one engineer's
half-written module never takes the endpoint down.
"""

from __future__ import annotations

import importlib
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field

from emulator.endpoint.api import DEFAULT_ACCOUNT, ServiceHandlers
from emulator.endpoint.resources import Resources
from emulator.endpoint.wire import operation_model
from emulator.events import Event, EventSink, discard
from emulator.runtime.base import ContainerRuntime

HANDLER_MODULES: dict[str, str] = {
    "ecs": "emulator.endpoint.ecs",
    "elbv2": "emulator.endpoint.elbv2",
    "logs": "emulator.endpoint.logs",
    "ec2": "emulator.endpoint.ec2",
    "sts": "emulator.endpoint.sts",
}
"""botocore service name -> the module that handles it."""


@dataclass
class EndpointContext:
    """What the server hands each handler module once, at start."""

    account_id: str = DEFAULT_ACCOUNT
    sink: EventSink = discard
    _resources: Resources | None = field(default=None, repr=False)
    _runtime: ContainerRuntime | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def resources(self) -> Resources:
        """The endpoint's resource tables (``$ECSDEV_STATE_DIR/endpoint/resources.db``),
        opened on first use and shared by every module."""
        with self._lock:
            if self._resources is None:
                self._resources = Resources()
            return self._resources

    def runtime(self) -> ContainerRuntime:
        """The Docker runtime, connected on first use (raises ``DockerUnavailable``)."""
        with self._lock:
            if self._runtime is None:
                from emulator.runtime.docker import DockerRuntime

                self._runtime = DockerRuntime()
            return self._runtime


def routing_table(
    ctx: EndpointContext,
    modules: Mapping[str, str] | None = None,
    extra: Mapping[str, ServiceHandlers] | None = None,
) -> dict[str, ServiceHandlers]:
    """service name -> its handlers, from ``modules`` (default ``HANDLER_MODULES``) plus
    ``extra`` (tests register fake services this way)."""
    table: dict[str, ServiceHandlers] = {}
    for service, module_name in (HANDLER_MODULES if modules is None else modules).items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name != module_name:
                _report(ctx, service, module_name)
            continue
        except Exception:
            _report(ctx, service, module_name)
            continue
        factory = getattr(module, "handlers", None)
        if isinstance(factory, ServiceHandlers):
            table[service] = factory
        elif callable(factory):
            try:
                table[service] = factory(ctx)
            except Exception:
                _report(ctx, service, module_name)
        else:
            ctx.sink(
                Event(
                    f"{module_name} has no handlers(); {service} goes to the fallback",
                    level="warning",
                    kind="endpoint",
                )
            )
    table.update(extra or {})
    for service, handlers in table.items():
        unknown = unknown_operations(service, handlers)
        if unknown:
            ctx.sink(
                Event(
                    f"{service} handlers name operations its model does not have: {unknown}",
                    level="warning",
                    kind="endpoint",
                )
            )
    return table


def unknown_operations(service: str, handlers: ServiceHandlers) -> list[str]:
    """Operation names a module registered that botocore's model of ``service`` lacks (a typo
    there would silently send the operation to the fallback)."""
    return sorted(op for op in handlers.handlers if operation_model(service, op) is None)


def _report(ctx: EndpointContext, service: str, module_name: str) -> None:
    ctx.sink(
        Event(
            f"{module_name} failed to load; {service} goes to the fallback\n"
            + traceback.format_exc(),
            level="error",
            kind="endpoint",
        )
    )
