"""Spare pause containers: an awsvpc task's network namespace, made before the task asks.

Why it exists: starting a container on a subnet's Docker network costs what ``docker run``
costs there (a veth pair, an address, the embedded DNS: ~290 ms on a small machine), and an
awsvpc task paid it for its pause container before its own containers could start, so it
reached RUNNING at ~1.6x ``docker run``. A stack's controller now keeps started, unclaimed
pause containers (*spares*) on each subnet where the stack's awsvpc tasks run: one, or one
for each task of the subnet's largest recent burst of launches. A launch on that subnet
claims one, in one atomic update of the stack's store (two launchers, in two processes,
never share one), and the task's containers join its namespace; the controller renames the
claimed spare as the task's pause and makes the next in the background. The first tasks on
a subnet, and a burst beyond its spares, start cold, as before.

A spare carries no task labels (Docker cannot relabel a container): the task's containers
point at it through their network mode (``container:<id>``), which
``lifecycle.group_by_task`` follows. A spare is made without the credentials network; the
agent hook joins it at claim, as it joins a cold pause. Spares of subnets the stack has not
used for ``IDLE_SECONDS``, claims that no task took up within the launch grace, and every
unclaimed spare when the controller exits, are removed; ``ecsdev down`` removes them with
the stack.
"""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from emulator import labels as L
from emulator.arns import task_id_of
from emulator.containers import pause_name
from emulator.errors import EcsdevError, NotFound
from emulator.events import Event
from emulator.images import PAUSE
from emulator.runtime.base import ContainerRuntime, ContainerSpec, ContainerState
from emulator.store import Store

if TYPE_CHECKING:
    from emulator.lifecycle import ObservedTask
    from emulator.tasks import TaskRunner

ROLE = L.SPARE
NETWORK_LABEL = L.SPARE_NETWORK
CLAIMS = "spare-claims"  # store key: spare container id -> {"task": ARN, "at": epoch}
RETIRED = "retired"  # a claim the controller makes on a spare it is about to remove
IDLE_SECONDS = 60.0  # a subnet without awsvpc tasks keeps its spare this long
BURST_SECONDS = 10.0  # launches on a subnet this close together are one burst
BURST_MEMORY = 600.0  # a subnet keeps a spare for each task of its largest burst this long
MAX_SPARES = 4  # per subnet
CLAIM_GRACE = 120.0  # a claim no task took up (its launcher died) is dropped after this


def spare_spec(stack: str, network: str, subnet: str) -> ContainerSpec:
    token = secrets.token_hex(6)
    return ContainerSpec(
        name=f"{stack}-spare-{token}",
        image=PAUSE,
        labels={L.STACK: stack, L.ROLE: ROLE, L.SUBNET: subnet, NETWORK_LABEL: network},
        network_mode=network,
        hostname=f"ip-{token[:8]}",
        stop_timeout=1,
    )


def claim(
    runtime: ContainerRuntime, store: Store, stack: str, network: str, task_arn: str
) -> ContainerState | None:
    """A started spare on ``network`` for ``task_arn``, now claimed; None when there is none
    (the task then makes its own pause container)."""
    found = [
        c
        for c in runtime.list_containers({L.STACK: stack, L.ROLE: ROLE, NETWORK_LABEL: network})
        if c.running
    ]
    if not found:
        return None
    chosen: list[ContainerState] = []

    def take(claims: dict[str, Any] | None) -> dict[str, Any]:
        claims = dict(claims or {})
        chosen.clear()  # the store may run this again
        for c in found:
            if c.id not in claims:
                claims[c.id] = {"task": task_arn, "at": time.time()}
                chosen.append(c)
                break
        return claims

    store.update(CLAIMS, take)
    return chosen[0] if chosen else None


class SparePool:
    """The controller's extension that keeps spares on each subnet in use: one, or as many
    as the subnet's largest burst of launches in the last ``BURST_MEMORY`` seconds (a
    deployment that starts four tasks at once finds four the next time), up to
    ``MAX_SPARES``."""

    busy = False  # spares never keep an idle controller alive

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self.runtime = runner.runtime
        self.store = runner.store
        self.stack = runner.stack
        self.sink = runner.sink
        self._used: dict[str, tuple[float, str]] = {}  # network -> (last seen in use, subnet)
        self._making: dict[str, list[Future[None]]] = {}
        self._launches: dict[str, list[float]] = {}  # network -> when tasks were first seen
        self._known: set[str] | None = None  # task ARNs seen (None: not yet looked)
        self._made_at: dict[str, float] = {}  # network -> when its last spare started
        self._renamed: set[str] = set()  # claimed spares named as their tasks' pauses
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="spare")
        self._lock = threading.Lock()
        self._look = True  # the first tick adopts or removes what an earlier process left
        self._warned = False

    def tick(self, now: float, observed: dict[str, ObservedTask]) -> None:
        in_use: set[str] = set()
        adopting, self._known = self._known is None, self._known or set()
        for task in observed.values():
            p = task.pause
            if p is None:
                continue
            in_use.add(p.id)
            if p.labels.get(L.ROLE) == ROLE and p.id not in self._renamed:
                self._rename(p.id, task)
            if p.running and p.ip_addresses:
                net = sorted(p.ip_addresses)[0]
                self._used[net] = (now, p.labels.get(L.SUBNET, ""))
                if task.task_arn not in self._known and not adopting:  # a launch, just now
                    self._launches.setdefault(net, []).append(now)
                self._known.add(task.task_arn)
        self._known &= set(observed)
        for net in [n for n, (at, _) in self._used.items() if now - at > IDLE_SECONDS]:
            del self._used[net]
            self._look = True  # its spare goes at this look
        if not self._used and not self._look:
            return  # no awsvpc task here and no spare made: nothing to ask Docker
        self._look = False
        listed_at, states = self._listing()
        spares = [s for s in states if s.labels.get(L.ROLE) == ROLE]
        self._renamed &= {s.id for s in spares}
        claims = self._prune({s.id for s in spares})
        ready: dict[str, int] = {}
        wanted = {net: self._wanted(net, now) for net in self._used}
        for s in spares:
            net = s.labels.get(NETWORK_LABEL, "")
            taken = claims.get(s.id)
            if taken is not None:
                late = now - float(taken.get("at", 0)) > CLAIM_GRACE
                if s.id not in in_use and (taken.get("task") == RETIRED or late):
                    self._remove(s.id)
                continue
            if s.running and ready.get(net, 0) < wanted.get(net, 0):
                ready[net] = ready.get(net, 0) + 1
            else:
                self._retire(s.id)
        for net, (_, subnet) in self._used.items():
            with self._lock:
                making = [f for f in self._making.get(net, []) if not f.done()]
                if self._made_at.get(net, 0.0) > listed_at:  # made since: not in the listing
                    continue
                more = wanted[net] - ready.get(net, 0) - len(making)
                making += [self._pool.submit(self._make, net, subnet) for _ in range(more)]
                self._making[net] = making

    def _wanted(self, net: str, now: float) -> int:
        """How many spares ``net`` keeps: its largest recent burst of launches, at least one."""
        times = [t for t in self._launches.get(net, []) if now - t <= BURST_MEMORY]
        self._launches[net] = times  # in the order seen, so a sliding window counts bursts
        burst, first = 1, 0
        for last, t in enumerate(times):
            while t - times[first] > BURST_SECONDS:
                first += 1
            burst = max(burst, last - first + 1)
        return min(MAX_SPARES, burst)

    def _rename(self, spare_id: str, task: ObservedTask) -> None:
        """A claimed spare takes the name a task's own pause container has, so that
        ``docker ps`` reads one naming scheme (its hostname stays the spare's)."""
        self._renamed.add(spare_id)
        family, revision = task.labels.get(L.FAMILY, ""), task.labels.get(L.REVISION, "")
        name = pause_name(self.stack, family, revision, task_id_of(task.task_arn))
        try:
            self.runtime.rename(spare_id, name)
        except NotFound:
            pass
        except EcsdevError as e:
            self._warn(f"could not rename a claimed spare pause container: {e.message}")

    def _listing(self) -> tuple[float, list[ContainerState]]:
        """The stack's containers as this tick's observation listed them (no second call to
        Docker for the spares), or the spares listed now where the runner took none."""
        listing, self.runner.listing = self.runner.listing, None
        if listing is not None:
            return listing
        at = time.monotonic()
        return at, self.runtime.list_containers({L.STACK: self.stack, L.ROLE: ROLE})

    def _prune(self, existing: set[str]) -> dict[str, Any]:
        claims: dict[str, Any] = self.store.get(CLAIMS) or {}
        if any(k not in existing for k in claims):
            claims = self.store.update(
                CLAIMS, lambda c: {k: v for k, v in (c or {}).items() if k in existing}
            )
        return claims

    def _retire(self, spare_id: str) -> None:
        """Remove an unclaimed spare, unless a launch claims it first."""
        mine: list[bool] = []

        def take(claims: dict[str, Any] | None) -> dict[str, Any]:
            claims = dict(claims or {})
            mine[:] = [spare_id not in claims]
            claims.setdefault(spare_id, {"task": RETIRED, "at": time.time()})
            return claims

        self.store.update(CLAIMS, take)
        if mine and mine[0]:
            self._remove(spare_id)

    def _remove(self, spare_id: str) -> None:
        try:
            self.runtime.remove(spare_id)
        except NotFound:
            pass
        except EcsdevError as e:
            self._warn(f"could not remove a spare pause container: {e.message}")

    def _make(self, network: str, subnet: str) -> None:
        spec = spare_spec(self.stack, network, subnet)
        try:
            cid = self.runtime.create(spec)
        except EcsdevError as e:
            self._warn(f"could not make a spare pause container on {network}: {e.message}")
            return
        try:
            self.runtime.start(cid)
        except EcsdevError as e:
            self._remove(cid)
            self._warn(f"could not start a spare pause container on {network}: {e.message}")
            return
        with self._lock:
            self._made_at[network] = time.monotonic()

    def _warn(self, message: str) -> None:
        if self._warned:
            return
        self._warned = True
        ev = Event(message=message, level="warning", kind="task", subject=self.stack)
        self.store.add_event(ev)
        self.sink(ev)

    def wait(self) -> None:
        """Until the spares being made are there (benchmarks and tests)."""
        with self._lock:
            making = [f for fs in self._making.values() for f in fs]
        for f in making:
            f.result()

    def close(self) -> None:
        """Stop making spares and remove the unclaimed ones (a controller that exits leaves
        none behind; the tasks keep theirs)."""
        self._pool.shutdown(wait=True)
        try:
            spares = self.runtime.list_containers({L.STACK: self.stack, L.ROLE: ROLE})
            self._prune({s.id for s in spares})
            for s in spares:
                self._retire(s.id)
        except EcsdevError:
            pass  # Docker went away: `ecsdev down` removes them with the stack
