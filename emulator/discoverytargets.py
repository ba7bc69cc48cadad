"""Names between tasks in the running stack: the controller extension that keeps each
discoverable service's forwarders holding its names and pointing at its healthy tasks.

Why this exists: ECS registers a service task in Cloud Map (Service Connect included) once it
runs and passes its container health checks, and deregisters it when it stops or is told to.
Each tick this reads the services' specs (``ServiceSpec.discovery``), works out their
endpoints (``discovery.plan``), picks the tasks that are RUNNING, wanted RUNNING, not
draining and not unhealthy (HEALTHY when an essential container has a health check), and
hands their addresses to the service's forwarders (``discovery.proxy``), which join every
network of the stack (its subnets, the networks its tasks live on, its bridge network) so a
client in any of them resolves the names. Host-mode tasks are not reached (no Docker DNS
there). Engine-side glue: ``emulator.discovery`` stands on the model alone.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from emulator import labels as L
from emulator.discovery.plan import Backends, Endpoint, aliases, config, endpoints, groups
from emulator.discovery.proxy import IMAGE, Forwarder, stray
from emulator.errors import EcsdevError
from emulator.events import Event, EventSink, discard
from emulator.images import obtain
from emulator.lifecycle import ObservedTask, task_status
from emulator.model.taskdef import TaskDefinition, parse_task_definition
from emulator.networks import BRIDGE_ROLE, bridge_network, ensure_bridge_network
from emulator.runtime.base import ContainerRuntime
from emulator.servicespec import ServiceSpec, load_spec, service_names
from emulator.store import Store

CHECK_SECONDS = 5.0  # how often the stack's networks and forwarders are listed in Docker
ANSWERED_KEY = "discovery/answered"
"""service -> {generation, tasks}: how many tasks answer its names (read by ``unanswered``)."""
NOT_ANSWERED = -1  # host mode, or no port: no names are served, nobody waits for them


class DiscoveryTargets:
    """Forwarders of the stack's discoverable services, fed from task observations."""

    def __init__(
        self, stack: str, runtime: ContainerRuntime, store: Store, sink: EventSink = discard
    ) -> None:
        self.stack = stack
        self.runtime = runtime
        self.store = store
        self.sink = sink
        self.forwarders: dict[tuple[str, int], Forwarder] = {}
        self._tds: dict[str, TaskDefinition | None] = {}
        self._networks: set[str] = set()
        self._checked = 0.0
        self._failed: dict[tuple[str, int], str] = {}
        self._answered: dict[str, dict[str, int]] | None = None
        self.busy = False

    # the controller's tick ------------------------------------------------------------
    def tick(self, now: float, observed: dict[str, ObservedTask]) -> None:
        specs = [s for s in self._specs() if not s.discovery.empty]
        check = now - self._checked >= CHECK_SECONDS
        if check:
            self._checked = now
        if not specs and not self.forwarders:
            if check:
                stray(self.runtime, self.stack, set())
            return
        networks = self._stack_networks(specs, observed, check)
        wanted: set[tuple[str, int]] = set()
        answered: dict[str, dict[str, int]] = {}
        for spec in specs:
            td = self._td(spec.task_definition)
            if td is None:
                continue
            if td.network_mode == "host":  # no Docker DNS there: nothing to answer (warned)
                answered[spec.name] = {"generation": spec.generation, "tasks": NOT_ANSWERED}
                continue
            eps = endpoints(spec.discovery, td)
            if not eps:  # no port to answer on (a registry of a task without ports)
                answered[spec.name] = {"generation": spec.generation, "tasks": NOT_ANSWERED}
                continue
            backends, arns = self._backends(spec, observed)
            ok = True
            for i, group in enumerate(groups(eps)):
                wanted.add((spec.name, i))
                ok = self._sync(spec.name, i, group, networks, backends) and ok
            answered[spec.name] = {"generation": spec.generation, "tasks": len(arns) if ok else 0}
        if answered != self._answered:
            self.store.put(ANSWERED_KEY, answered)
            self._answered = answered
        for key in set(self.forwarders) - wanted:
            self.forwarders.pop(key).remove()
        if check:
            for name in stray(self.runtime, self.stack, wanted):
                self._event(f"names: removed forwarder {name} (no longer wanted)", name)
            for fw in self.forwarders.values():
                fw.alive()  # removed behind ecsdev's back: made again next tick

    def _sync(
        self,
        service: str,
        index: int,
        group: list[Endpoint],
        networks: list[str],
        backends: Backends,
    ) -> bool:
        key = (service, index)
        names = aliases(group)
        fw = self.forwarders.get(key)
        if fw is None or fw.aliases != names:
            fw = self.forwarders[key] = Forwarder(self.runtime, self.stack, service, index, names)
        try:
            if fw.container_id is None:
                obtain(self.runtime, IMAGE, self.sink)  # made when missing (cheap when not)
            made = fw.ensure(networks, config(group, backends))
        except EcsdevError as e:
            if key not in self._failed:  # once, until it works again
                self._failed[key] = e.message
                self._event(f"(service {service}) names: {e.message}", service, "error")
            fw.container_id = None  # try afresh next tick
            return False
        self._failed.pop(key, None)
        if made:
            ports = ", ".join(str(e.port) for e in group)
            self._event(
                f"(service {service}) names {', '.join(names)} answer on port {ports} "
                f"(forwarder {fw.name})",
                service,
            )
        return True

    # what the stack has ---------------------------------------------------------------
    def _specs(self) -> list[ServiceSpec]:
        out = []
        for name in service_names(self.store):
            spec = load_spec(self.store, name)
            if spec is not None and spec.active:
                out.append(spec)
        return out

    def _td(self, arn: str) -> TaskDefinition | None:
        if arn not in self._tds:
            found = self.store.task_definition_by_arn(arn)
            self._tds[arn] = parse_task_definition(found[0]) if found else None
        return self._tds[arn]

    def _stack_networks(
        self, specs: list[ServiceSpec], observed: dict[str, ObservedTask], check: bool
    ) -> list[str]:
        """Every network a client of the stack may be on: the stack's subnets and bridge
        network, the services' placements, and the networks its tasks live on (link-local
        ones, such as the credentials endpoint's, left out)."""
        if check or not self._networks:
            found = set()
            for n in self.runtime.list_networks({L.STACK: self.stack}):
                if n.labels.get(L.ROLE) in ("network", BRIDGE_ROLE) and not _link_local(n.subnet):
                    found.add(n.name)
            self._networks = found
        nets = set(self._networks)
        nets |= {p.network for s in specs for p in s.placements if p.network}
        for task in observed.values():
            for c in [task.pause] + [t.state for t in task.containers]:
                if c is not None:
                    nets |= {n for n, ip in c.ip_addresses.items() if not _link_local(ip)}
        nets.discard("bridge")  # Docker's default bridge has no DNS
        nets.discard("host")
        if not nets:  # nothing of the stack on a network yet: its bridge network
            nets.add(ensure_bridge_network(self.runtime, self.stack))
            self._networks.add(bridge_network(self.stack))
        return sorted(nets)

    def _backends(
        self, spec: ServiceSpec, observed: dict[str, ObservedTask]
    ) -> tuple[Backends, set[str]]:
        """The healthy tasks' addresses by endpoint, and those tasks' ARNs."""
        out: Backends = {}
        arns: set[str] = set()
        for task in observed.values():
            if task.labels.get(L.SERVICE) != spec.name or not self._eligible(task):
                continue
            td = self._td(task.labels.get(L.TASK_DEFINITION_ARN, ""))
            if td is None:
                continue
            for ep in endpoints(spec.discovery, td):
                ip = self._address(task, ep.container)
                if ip is not None:
                    out.setdefault(ep.key, []).append((ip, ep.container_port))
                    arns.add(task.task_arn)
        return out, arns

    def _eligible(self, task: ObservedTask) -> bool:
        row = self.store.task_row(task.task_arn) or {}
        if (row.get("desiredStatus") or "RUNNING") != "RUNNING":
            return False
        st = task_status(task, "RUNNING")
        if st.last_status != "RUNNING":
            return False
        checked = any(c.essential and c.has_health_check for c in task.containers)
        return st.health_status == "HEALTHY" if checked else st.health_status != "UNHEALTHY"

    def _address(self, task: ObservedTask, container: str) -> str | None:
        mode = task.labels.get(L.NETWORK_MODE, "")
        if mode == "awsvpc":
            state = task.pause
        else:
            c = task.container(container)
            state = c.state if c is not None else None
        if state is None or not state.running:
            return None
        ips = {n: ip for n, ip in state.ip_addresses.items() if ip and not _link_local(ip)}
        own = bridge_network(self.stack)
        if own in ips:
            return ips[own]
        return ips[sorted(ips)[0]] if ips and mode != "host" else None

    def _event(self, message: str, subject: str, level: str = "info") -> None:
        ev = Event(message, level, subject, "service")  # type: ignore[arg-type]
        self.store.add_event(ev)
        self.sink(ev)

    def close(self) -> None:
        pass


def unanswered(store: Store, desired: dict[str, int]) -> list[str]:
    """Why a service's names do not reach all its tasks yet, one line each; empty once each
    discoverable service with ``desired[service]`` tasks has that many behind its names
    (so ``up -d`` returns when the first request by name reaches a task)."""
    answered = store.get(ANSWERED_KEY) or {}
    out = []
    for name, count in sorted(desired.items()):
        spec = load_spec(store, name)
        if spec is None or not spec.active or not count or spec.discovery.empty:
            continue
        got = answered.get(name) or {}
        tasks = int(got.get("tasks") or 0) if got.get("generation") == spec.generation else 0
        if tasks != NOT_ANSWERED and tasks < count:
            out.append(f"service {name}: {tasks} of {count} tasks answer its names")
    return out


def _link_local(value: Any) -> bool:
    if not value:
        return False
    try:
        return ipaddress.ip_network(str(value), strict=False).is_link_local
    except ValueError:
        return False


def attach(controller: Any) -> None:
    """Add the extension to ``controller`` (after the scheduler: a stop it decides this tick
    leaves the names on the next one)."""
    controller.extensions.append(
        DiscoveryTargets(controller.stack, controller.runtime, controller.store, controller.sink)
    )


__all__ = ["ANSWERED_KEY", "DiscoveryTargets", "attach", "unanswered"]
