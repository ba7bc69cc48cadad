"""Spare pause containers: an awsvpc task's network namespace, made before the task asks.

Why it exists: starting a container on a subnet's Docker network costs what ``docker run``
costs there (a veth pair, an address, the embedded DNS: ~290 ms on a small machine), and an
awsvpc task paid it for its pause container before its own containers could start, so it
reached RUNNING at ~1.6x ``docker run``. A stack's controller now keeps one started,
unclaimed pause container (a *spare*) on each subnet where the stack's awsvpc tasks run. A
launch on that subnet claims it, in one atomic update of the stack's store (two launchers,
in two processes, never share one), and the task's containers join its namespace; the
controller makes the next spare in the background. The first task on a subnet, and a burst
beyond the one spare, start cold, as before.

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
    """The controller's extension that keeps one spare per subnet in use."""

    busy = False  # spares never keep an idle controller alive

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self.runtime = runner.runtime
        self.store = runner.store
        self.stack = runner.stack
        self.sink = runner.sink
        self._used: dict[str, tuple[float, str]] = {}  # network -> (last seen in use, subnet)
        self._making: dict[str, Future[None]] = {}
        self._made_at: dict[str, float] = {}  # network -> when its last spare started
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="spare")
        self._lock = threading.Lock()
        self._look = True  # the first tick adopts or removes what an earlier process left
        self._warned = False

    def tick(self, now: float, observed: dict[str, ObservedTask]) -> None:
        in_use: set[str] = set()
        for task in observed.values():
            p = task.pause
            if p is None:
                continue
            in_use.add(p.id)
            if p.running and p.ip_addresses:
                self._used[sorted(p.ip_addresses)[0]] = (now, p.labels.get(L.SUBNET, ""))
        for net in [n for n, (at, _) in self._used.items() if now - at > IDLE_SECONDS]:
            del self._used[net]
            self._look = True  # its spare goes at this look
        if not self._used and not self._look:
            return  # no awsvpc task here and no spare made: nothing to ask Docker
        self._look = False
        listed_at, states = self._listing()
        spares = [s for s in states if s.labels.get(L.ROLE) == ROLE]
        claims = self._prune({s.id for s in spares})
        ready: set[str] = set()
        for s in spares:
            net = s.labels.get(NETWORK_LABEL, "")
            taken = claims.get(s.id)
            if taken is not None:
                late = now - float(taken.get("at", 0)) > CLAIM_GRACE
                if s.id not in in_use and (taken.get("task") == RETIRED or late):
                    self._remove(s.id)
                continue
            if s.running and net in self._used and net not in ready:
                ready.add(net)
            else:
                self._retire(s.id)
        for net, (_, subnet) in self._used.items():
            with self._lock:
                making = self._making.get(net)
                after = self._made_at.get(net, 0.0) > listed_at  # made since: not listed
                if net in ready or after or (making is not None and not making.done()):
                    continue
                self._making[net] = self._pool.submit(self._make, net, subnet)

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
            making = list(self._making.values())
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
