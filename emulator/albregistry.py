"""The registered targets of a stack's target groups: who is registered where, in which
health state, and what ECS says when that changes.

Why this exists apart from ``targets`` (the controller extension): registration,
deregistration with draining, probe results and the ECS event texts are bookkeeping with
time passed in, so they are tested with a fake clock and no Docker. The extension feeds it
what Docker shows and what probes return, and carries out what comes back (events, store
records, nginx reloads). One ``Entry`` is one target: a task's container port in one
target group, each with its own ``health.TargetHealth``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator import labels as L
from emulator.alb.health import ProbeResult, State, TargetHealth, Transition
from emulator.alb.nginx import Target
from emulator.alb.spec import instance_id
from emulator.lifecycle import ObservedTask
from emulator.model.layout import TargetGroup
from emulator.networks import bridge_network
from emulator.scheduler import TargetObservation
from emulator.scheduler import messages as M


@dataclass(frozen=True, slots=True)
class TargetKey:
    """One target: a task's container port registered in one target group."""

    target_group: str
    task_arn: str
    container: str
    container_port: int


@dataclass(frozen=True, slots=True)
class Address:
    """Where nginx and the probes reach a target (``ip``:``port`` on Docker ``network``),
    and how DescribeTargetHealth names it (``target_id``:``target_port``)."""

    ip: str
    port: int
    network: str
    target_id: str
    target_port: int
    instance_id: str | None = None


@dataclass
class Entry:
    key: TargetKey
    address: Address
    service: str
    deployment_id: str
    health: TargetHealth

    @property
    def since(self) -> float:
        """When the current state (and reason) began."""
        return self.health.history[-1].at if self.health.history else self.health.registered_at


@dataclass
class Changes:
    """What one step changed: target transitions and ECS service events."""

    transitions: list[tuple[Entry, Transition]] = field(default_factory=list)
    events: list[tuple[str, str]] = field(default_factory=list)  # (service, ECS event text)

    def __bool__(self) -> bool:
        return bool(self.transitions or self.events)

    def add(self, entry: Entry, t: Transition | None) -> None:
        if t is not None:
            self.transitions.append((entry, t))


def address_of(task: ObservedTask, container: str, port: int, stack: str) -> Address | None:
    """Where ``container``:``port`` of ``task`` is reached; None while it is not running or
    has no address yet, and for host/none network modes (not routed by the stand-in).

    awsvpc: the task's IP (its pause container on the subnet's network) and the container
    port, as the ALB's ``ip`` targets. bridge: the ALB's ``instance`` target is
    ``instance:hostPort``; locally the host port is bound to 127.0.0.1, which the proxy
    container cannot reach, so traffic goes to the container's IP on Docker's network and
    the container port (the same socket), while the target is *named* instance:hostPort."""
    c = task.container(container)
    if c is None or not c.state.running:
        return None
    mode = task.labels.get(L.NETWORK_MODE, "")
    if mode == "awsvpc":
        if task.pause is None or not task.pause.running or not task.pause.ip_addresses:
            return None
        network, ip = sorted(task.pause.ip_addresses.items())[0]
        return Address(ip, port, network, ip, port)
    if mode == "bridge":
        ips = c.state.ip_addresses
        if not ips:
            return None
        own = next((n for n in (bridge_network(stack), "bridge") if n in ips), None)
        network, ip = (own, ips[own]) if own else sorted(ips.items())[0]
        host_port = next(
            (hp for cp, proto, _, hp in c.state.ports if cp == port and proto == "tcp"), port
        )
        inst = instance_id(stack)
        return Address(ip, port, network, inst, host_port, inst)
    return None


class Registry:
    """Every registered target of the stack, keyed by ``TargetKey``."""

    def __init__(self, groups: Mapping[str, TargetGroup], arn: Callable[[str], str]) -> None:
        self.groups = dict(groups)
        self.arn = arn  # target group name -> ARN
        self.entries: dict[TargetKey, Entry] = {}

    # -- inputs -------------------------------------------------------------------------

    def set_groups(self, groups: Mapping[str, TargetGroup], now: float) -> Changes:
        """The layout changed: new health settings apply at once; targets of a removed
        target group are gone (unused)."""
        self.groups = dict(groups)
        ch = Changes()
        for key, e in list(self.entries.items()):
            tg = self.groups.get(key.target_group)
            if tg is None:
                ch.add(e, e.health.deregister(now))
                e.health.drain_until = now
                ch.add(e, e.health.tick(now))
                del self.entries[key]
            else:
                e.health.group = tg
        return ch

    def register(
        self, key: TargetKey, address: Address, service: str, deployment_id: str, now: float
    ) -> Changes:
        """RegisterTargets (ECS does it when the task is ACTIVATING): ``initial``, with
        the first health check due at once. A known target is left alone."""
        ch = Changes()
        group = self.groups.get(key.target_group)
        if key in self.entries or group is None:
            return ch
        health = TargetHealth(address.ip, address.port, group, registered_at=now)
        e = Entry(key, address, service, deployment_id, health)
        self.entries[key] = e
        if health.history:
            ch.transitions.append((e, health.history[-1]))
        ch.events.append((service, M.registered_targets(service, 1, self.arn(key.target_group))))
        return ch

    def adopt(
        self,
        key: TargetKey,
        address: Address,
        service: str,
        deployment_id: str,
        before: Mapping[str, Any],
        now: float,
    ) -> bool:
        """Take over a target that a previous controller registered (``before`` is its
        TargetHealthDescription): same state, reason and since-when, next check at once,
        no event. False when there is nothing to take over (then register it)."""
        group = self.groups.get(key.target_group)
        th = before.get("TargetHealth") or {}
        try:
            state = State(str(th.get("State")))
            since = float((before.get("Ecsdev") or {}).get("Since", now))
        except (ValueError, TypeError):
            return False
        if key in self.entries or group is None or state not in _ADOPTABLE:
            return False
        health = TargetHealth(address.ip, address.port, group, registered_at=since)
        health.state, health.reason = state, th.get("Reason")
        health.description = th.get("Description", "")
        health.history = [Transition(since, State.UNUSED, state, health.reason, health.description)]
        self.entries[key] = Entry(key, address, service, deployment_id, health)
        return True

    def deregister_task(self, task_arn: str, now: float) -> tuple[Changes, float | None]:
        """DeregisterTargets for every target of the task: each drains for its group's
        deregistrationDelay. Returns the changes and when the last drain ends (None when
        the task had no target still serving)."""
        ch = Changes()
        services: dict[str, str] = {}
        until: float | None = None
        for e in self.of_task(task_arn):
            t = e.health.deregister(now)
            if t is None:
                continue
            ch.add(e, t)
            ch.events.append(
                (e.service, M.deregistered_targets(e.service, 1, self.arn(e.key.target_group)))
            )
            services.setdefault(e.service, e.deployment_id)
            if e.health.drain_until is not None:
                until = max(until or now, e.health.drain_until)
        for service, deployment in services.items():
            ch.events.append((service, M.draining_connections(service, 1, deployment or None)))
        return ch, until

    def record(self, key: TargetKey, result: ProbeResult, at: float) -> Changes:
        ch = Changes()
        e = self.entries.get(key)
        if e is not None:
            ch.add(e, e.health.record(result, at))
        return ch

    def expire(self, now: float) -> Changes:
        """Drained targets become ``unused`` and are forgotten, as the ALB forgets them."""
        ch = Changes()
        for key, e in list(self.entries.items()):
            t = e.health.tick(now)
            if t is not None:
                ch.add(e, t)
            if e.health.state is State.UNUSED:
                del self.entries[key]
        return ch

    # -- views --------------------------------------------------------------------------

    def of_task(self, task_arn: str) -> list[Entry]:
        return [e for k, e in sorted(self.entries.items(), key=_order) if k.task_arn == task_arn]

    def due(self, now: float) -> list[Entry]:
        return [e for e in self.entries.values() if e.health.due(now)]

    def draining(self) -> bool:
        return any(e.health.state is State.DRAINING for e in self.entries.values())

    def targets(self, groups: Iterable[str]) -> dict[str, list[Target]]:
        """What ``nginx.render`` takes: every registered target with its state."""
        out: dict[str, list[Target]] = {g: [] for g in groups}
        for k, e in sorted(self.entries.items(), key=_order):
            if k.target_group in out:
                out[k.target_group].append(Target(e.address.ip, e.address.port, e.health.state))
        return out

    def networks(self, groups: Iterable[str]) -> set[str]:
        """The Docker networks where targets of ``groups`` live."""
        wanted = set(groups)
        return {e.address.network for k, e in self.entries.items() if k.target_group in wanted}

    def observations(self, task_arn: str) -> tuple[TargetObservation, ...]:
        """The task's targets as the scheduler reads them (state, and the description that
        ECS quotes in its "is unhealthy in" event)."""
        return tuple(
            TargetObservation(
                target_group_arn=self.arn(e.key.target_group),
                port=e.address.target_port,
                state=str(e.health.state),
                reason=e.health.description,
                instance_id=e.address.instance_id,
            )
            for e in self.of_task(task_arn)
        )

    def describe(self) -> dict[str, list[dict[str, Any]]]:
        """Target group ARN -> DescribeTargetHealth's TargetHealthDescriptions (with an
        ``Ecsdev`` object of local facts: group name, task, container, since when)."""
        out: dict[str, list[dict[str, Any]]] = {self.arn(g): [] for g in sorted(self.groups)}
        for k, e in sorted(self.entries.items(), key=_order):
            out.setdefault(self.arn(k.target_group), []).append(description(e, self.arn))
        return out


_ADOPTABLE = (State.INITIAL, State.HEALTHY, State.UNHEALTHY, State.UNAVAILABLE)


def description(e: Entry, arn: Callable[[str], str]) -> dict[str, Any]:
    h = e.health
    hc_port = h.group.health_check_port
    health: dict[str, Any] = {"State": str(h.state)}
    if h.reason:
        health["Reason"] = h.reason
    if h.description:
        health["Description"] = h.description
    return {
        "Target": {"Id": e.address.target_id, "Port": e.address.target_port},
        "HealthCheckPort": str(e.address.target_port) if hc_port == "traffic-port" else hc_port,
        "TargetHealth": health,
        "Ecsdev": {
            "TargetGroupName": e.key.target_group,
            "TargetGroupArn": arn(e.key.target_group),
            "Address": f"{e.address.ip}:{e.address.port}",
            "TaskArn": e.key.task_arn,
            "ContainerName": e.key.container,
            "ContainerPort": e.key.container_port,
            "ServiceName": e.service,
            "Since": e.since,
        },
    }


def _order(item: tuple[TargetKey, Entry]) -> tuple[str, str, str, int]:
    k = item[0]
    return (k.target_group, k.task_arn, k.container, k.container_port)


__all__ = ["Address", "Changes", "Entry", "Registry", "TargetKey", "address_of", "description"]
