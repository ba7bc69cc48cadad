"""The ALB stand-in in the running stack: the controller extension that registers service
tasks as targets, probes them, drains them and keeps each load balancer's nginx in step.

Why this exists: ECS registers a service task in its target groups when it starts, the ALB
probes it and routes only to healthy targets, and ECS deregisters it and waits out the
deregistration delay before it stops the task. This is that loop, locally:

- ``tick(now, observed)`` (the controller's thread, before the service scheduler): task
  RUNNING -> register (``initial``, first check at once); desired STOPPED, stopped or gone
  -> deregister (``draining`` for ``deregistrationDelay``, then ``unused`` and forgotten).
- ``begin_draining(task_arn, now)``: the service scheduler asks before it stops a task;
  the targets leave nginx at once and the answer is when the task may stop.
- A loop thread (every 0.25 s) sends due health checks to a pool of probe threads
  (``health.probe``: never on the controller's thread) and expires drained targets.
- Any change is recorded (a DescribeTargetHealth-shaped snapshot, see ``albstate``),
  announced with ECS's own event texts, and followed by a re-render of the affected nginx
  configurations on one sync thread; ``proxy.Proxy`` reloads only when the text changed.

Load balancers come from the store (``spec.ALB_KEY``), re-read every tick. Engine-side
glue: ``emulator.alb`` itself stands on the model alone.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from emulator import labels as L
from emulator.alb import AlbError, health, spec
from emulator.alb.health import ProbeResult, State
from emulator.alb.nginx import AlbParts
from emulator.alb.proxy import Proxy, home_networks, listener_mode
from emulator.albregistry import Address, Changes, Registry, TargetKey, address_of
from emulator.albstate import APPLIED_KEY, SNAPSHOT_KEY, snapshot, spec_digest
from emulator.arns import Account
from emulator.errors import EcsdevError
from emulator.events import Event, EventSink, discard
from emulator.lifecycle import ObservedTask, task_status
from emulator.model.layout import Layout, TargetGroup
from emulator.runtime.base import ContainerRuntime
from emulator.scheduler import TargetObservation
from emulator.servicespec import DEPLOYMENT, load_spec, service_names
from emulator.store import Store

LOOP_SECONDS = 0.25
CHECK_SECONDS = 5.0  # how often the proxies' containers are looked at
PROBE_WORKERS = 8

Prober = Callable[[str, int, TargetGroup], ProbeResult]


class AlbTargets:
    """Target registration, health checks and nginx sync for one stack."""

    def __init__(
        self,
        stack: str,
        runtime: ContainerRuntime,
        store: Store,
        account: Account,
        sink: EventSink = discard,
        prober: Prober = health.probe,
        background: bool = True,
    ) -> None:
        self.stack = stack
        self.runtime = runtime
        self.store = store
        self.account = account
        self.sink = sink
        self.prober = prober
        self.layout: Layout | None = None
        self.proxies: dict[str, Proxy] = {}
        self.registry = Registry({}, self.target_group_arn)
        self._lock = threading.RLock()
        self._recorded: str | None = None  # the recorded load balancers last read
        self._running_spec: str | None = None  # ... when the proxies were built from them
        self._retired: list[Proxy] = []
        self._expected: dict[str, tuple[TargetObservation, ...]] = {}
        self._queued_events: list[tuple[str, str]] = []
        self._inflight: set[TargetKey] = set()
        self._previous = _previous_states(store)  # what a previous controller knew
        self._errors: set[str] = set()
        self._sync_queued = False
        self._snapshot_at = 0.0
        self._checked_at = 0.0
        self._probes = ThreadPoolExecutor(PROBE_WORKERS, thread_name_prefix="alb-probe")
        self._syncer = ThreadPoolExecutor(1, thread_name_prefix="alb-sync")
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._loop, name="alb", daemon=True)
            self._thread.start()

    @classmethod
    def for_stack(
        cls,
        stack: str,
        runtime: ContainerRuntime,
        store: Store,
        account: Account,
        sink: EventSink = discard,
    ) -> AlbTargets | None:
        """The extension, when ``stack.apply`` recorded load balancers for the stack."""
        return cls(stack, runtime, store, account, sink) if store.get(spec.ALB_KEY) else None

    def target_group_arn(self, name: str) -> str:
        group = self.registry.groups.get(name)  # made through the API: its own ARN
        return spec.target_group_arn(self.account, self.stack, group or name)

    # -- the controller's side ------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Targets still draining: their tasks wait for it, so the controller must not exit."""
        with self._lock:
            return self.registry.draining()

    def tick(self, now: float, observed: dict[str, ObservedTask]) -> None:
        # one critical section: a sync never sees new proxies without their targets
        with self._lock:
            ch, changed = self._load(now)
            ch.events.extend(self._queued_events)
            self._queued_events.clear()
            ch = _merge(ch, self._follow_tasks(now, observed))
            self._publish(ch, sync=changed)
        self.pump(now)

    def targets_of(self, task_arn: str) -> tuple[TargetObservation, ...]:
        """The task's targets for the scheduler; a service task behind a load balancer that
        is not registered yet reads as ``initial`` (never healthy before its target is)."""
        with self._lock:
            return self.registry.observations(task_arn) or self._expected.get(task_arn, ())

    def begin_draining(self, task_arn: str, now: float) -> float | None:
        """Deregister the task's targets before the scheduler stops it; returns when the
        last one has drained (None: nothing to wait for). ECS's "deregistered" and
        "has begun draining connections" events follow on the next tick, after the
        scheduler's "has stopped" (the order ECS shows)."""
        with self._lock:
            ch, until = self.registry.deregister_task(task_arn, now)
            self._queued_events.extend(ch.events)
            ch.events = []
            self._publish(ch)
        return until

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until no health check is in flight and every nginx runs what the targets
        say now (for tests and benchmarks). False on timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self._lock:
                idle = not self._inflight and not self._sync_queued
            if idle:
                self._syncer.submit(lambda: None).result(max(deadline - time.time(), 0.1))
                with self._lock:
                    if not self._inflight and not self._sync_queued:
                        return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._probes.shutdown(wait=False, cancel_futures=True)
        self._syncer.shutdown(wait=True)

    # -- registration ---------------------------------------------------------------------

    def _follow_tasks(self, now: float, observed: dict[str, ObservedTask]) -> Changes:
        """Register RUNNING service tasks, deregister stopping and vanished ones."""
        ch = Changes()
        specs = {n: load_spec(self.store, n) for n in service_names(self.store)}
        expected: dict[str, tuple[TargetObservation, ...]] = {}
        for arn, task in observed.items():
            sp = specs.get(task.labels.get(L.SERVICE, ""))
            if sp is None or not sp.load_balancers:
                continue
            desired = (self.store.task_row(arn) or {}).get("desiredStatus") or "RUNNING"
            if desired != "RUNNING" or task_status(task, desired).last_status != "RUNNING":
                ch = _merge(ch, self.registry.deregister_task(arn, now)[0])
                continue
            waiting = []
            for lb in sp.load_balancers:
                group, cname, cport = lb.target_group, lb.container_name, lb.container_port
                if task.labels.get(L.NETWORK_MODE) == "host":
                    continue  # not routed by the stand-in (the layout check warns)
                addr = address_of(task, cname, int(cport), self.stack)
                if addr is None:
                    waiting.append(TargetObservation(self.target_group_arn(group), int(cport)))
                    continue
                key = TargetKey(group, arn, cname, int(cport))
                deployment = task.labels.get(DEPLOYMENT, "")
                before = self._previous.pop(key, None)
                if before is None or not self.registry.adopt(
                    key, addr, sp.name, deployment, before, now
                ):
                    ch = _merge(ch, self.registry.register(key, addr, sp.name, deployment, now))
            if waiting:
                expected[arn] = tuple(waiting)
        for arn in {k.task_arn for k in self.registry.entries} - set(observed):
            ch = _merge(ch, self.registry.deregister_task(arn, now)[0])
        self._expected = expected
        self._previous.clear()  # adoption is for the first tick only
        return ch

    def _load(self, now: float) -> tuple[Changes, bool]:
        """(Re)read the recorded load balancers; rebuild what changed. True when it did."""
        data = self.store.get(spec.ALB_KEY)
        text = json.dumps(data, sort_keys=True)
        if text == self._recorded:
            return Changes(), False
        self._recorded = text
        try:
            layout = spec.layout_of(data) if data else None
            parts = (
                {b.name: AlbParts.of(layout, b.name) for b in layout.load_balancers}
                if layout
                else {}
            )
        except AlbError as e:
            self._error(f"load balancers: {e.message}")
            self._running_spec = None  # what runs is not what is recorded
            return Changes(), False
        self._running_spec = text
        self.layout = layout
        groups = {g.name: g for g in layout.target_groups} if layout else {}
        ch = self.registry.set_groups(groups, now)
        for name, p in parts.items():
            assert layout is not None
            nets = home_networks(layout, name)
            old = self.proxies.get(name)
            if old is None or old.parts != p or old.home != nets:
                host = listener_mode(self.runtime) == "host"
                self.proxies[name] = Proxy(self.runtime, self.stack, p, nets, self._emit, host)
        for name in set(self.proxies) - set(parts):
            self._retired.append(self.proxies.pop(name))
        return ch, True

    # -- health checks --------------------------------------------------------------------

    def pump(self, now: float) -> None:
        """Send the health checks that are due, expire drained targets, and look at the
        proxies now and then."""
        with self._lock:
            ch = self.registry.expire(now)
            due = [e for e in self.registry.due(now) if e.key not in self._inflight]
            self._inflight.update(e.key for e in due)
            self._publish(ch)
        for e in due:
            try:
                self._probes.submit(self._probe, e.key, e.address, e.health.group, now)
            except RuntimeError:  # shutting down
                return
        if now - self._checked_at >= CHECK_SECONDS:
            self._checked_at = now
            self._request_sync(check=True)

    def _probe(self, key: TargetKey, addr: Address, group: TargetGroup, sent: float) -> None:
        try:
            result = self.prober(addr.ip, addr.port, group)
        except Exception as e:  # noqa: BLE001 - a probe's failure is the target's, never ours
            result = ProbeResult(ok=False, error=f"{type(e).__name__}: {e}")
        with self._lock:  # the snapshot never lags what the scheduler sees
            ch = self.registry.record(key, result, sent)
            self._publish(ch)
        with self._lock:  # only now: ``settle`` must not see a gap before the resync
            self._inflight.discard(key)

    def _loop(self) -> None:
        while not self._stopping.wait(LOOP_SECONDS):
            try:
                self.pump(time.time())
            except EcsdevError as e:
                self._error(f"health checks: {e.message}")

    # -- what changes mean ----------------------------------------------------------------

    def _publish(self, ch: Changes, sync: bool = False) -> None:
        """Record transitions, emit events, write the snapshot, resync nginx. Called with
        the lock held, in the same critical section as the change: the scheduler (which
        reads the registry) never sees a target healthy before the snapshot says so."""
        if not ch and not sync:
            return
        for e, t in ch.transitions:
            arn = self.target_group_arn(e.key.target_group)
            where = f"{e.address.ip}:{e.address.port}"
            self.store.record_target_health(
                arn, where, str(t.to_state), t.reason, t.description, t.at
            )
            if t.to_state in (State.HEALTHY, State.UNHEALTHY) and t.from_state != t.to_state:
                detail = f" ({t.description})" if t.description else ""
                self._emit(
                    Event(
                        f"(target-group {e.key.target_group}) target {where} of "
                        f"(service {e.service}) is {t.to_state}{detail}",
                        "warning" if t.to_state is State.UNHEALTHY else "info",
                        e.key.target_group,
                        "alb",
                    )  # stamped now, as every event: a check's send time can precede
                    # the registration event of the same tick (the tick's clock lags)
                )
        for service, text in ch.events:
            self._emit(Event(text, "info", service, "service"))
        if ch.transitions or sync:
            with self._lock:
                self._snapshot_at = time.time()
                snapshot = {"at": self._snapshot_at, "targetGroups": self.registry.describe()}
                self.store.put(SNAPSHOT_KEY, snapshot)
            self._request_sync()

    def _request_sync(self, check: bool = False) -> None:
        with self._lock:
            if self._sync_queued and not check:
                return
            self._sync_queued = True
        with contextlib.suppress(RuntimeError):  # shutting down
            self._syncer.submit(self._sync, check)

    def _sync(self, check: bool) -> None:
        """Render every load balancer with its targets now, and have its nginx run it.
        When every one of them runs it, say so under ``APPLIED_KEY`` (the load balancers
        and the target snapshot it was rendered from): ``ecsdev up -d`` waits for that
        before it says the stack can be reached."""
        with self._lock:
            self._sync_queued = False
            retired, self._retired = self._retired, []
            recorded, snapshot_at = self._running_spec, self._snapshot_at
            work = []
            for proxy in self.proxies.values():
                names = [g.name for g in proxy.parts.target_groups]
                work.append((proxy, self.registry.targets(names), self.registry.networks(names)))
        ok = True
        for proxy in retired:  # every one of them, whatever the first did
            ok = self._guard(proxy.name, proxy.remove) is not False and ok
        for proxy, targets, networks in work:

            def run(p: Proxy = proxy, t: Any = targets, n: set[str] = networks) -> bool:
                if check and p.container_id is not None:
                    p.alive()
                return p.ensure(p.render(t), n)  # False: refused (an event said why)

            ok = self._guard(proxy.name, run) is True and ok
        if ok and recorded is not None:
            self.store.put(APPLIED_KEY, {"spec": spec_digest(recorded), "at": snapshot_at})

    def _guard(self, name: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, or False after an error event (once until it works again)."""
        try:
            result = fn()
        except EcsdevError as e:
            self._error(f"{name}: {e.message}")
            return False
        with self._lock:
            self._errors = {x for x in self._errors if not x.startswith(f"{name}:")}
        return result

    def _error(self, message: str) -> None:
        """An error event, once until the same thing works again."""
        with self._lock:
            if message in self._errors:
                return
            self._errors.add(message)
        self._emit(Event(f"load balancer {message}", "error", self.stack, "alb"))

    def _emit(self, ev: Event) -> None:
        self.store.add_event(ev)
        self.sink(ev)


def _merge(a: Changes, b: Changes) -> Changes:
    a.transitions.extend(b.transitions)
    a.events.extend(b.events)
    return a


def _previous_states(store: Store) -> dict[TargetKey, dict[str, Any]]:
    """The targets of the last snapshot, by key: a restarted controller keeps their state
    (a healthy target stays in nginx; no second "registered" event)."""
    out = {}
    for descs in snapshot(store).values():
        for d in descs:
            local = d.get("Ecsdev") or {}
            try:
                key = TargetKey(
                    local["TargetGroupName"],
                    local["TaskArn"],
                    local["ContainerName"],
                    int(local["ContainerPort"]),
                )
            except (KeyError, TypeError, ValueError):
                continue
            out[key] = d
    return out
