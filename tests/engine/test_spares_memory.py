"""Spare pause containers (emulator.spares) on MemoryRuntime: the controller keeps one started
per subnet its awsvpc tasks use, a launch claims it (once, however many launchers), the task
is observed with it as its pause container, and nothing is left when tasks, subnets or the
controller go. tests/docker/test_spares.py runs the same path on a real engine."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from emulator import labels as L
from emulator.arns import Account, task_id_of
from emulator.errors import EcsdevError, TaskFailedToStart
from emulator.lifecycle import group_by_task
from emulator.model.layout import Subnet, Vpc
from emulator.networks import ensure_networks
from emulator.runtime.base import ContainerState
from emulator.runtime.memory import MemoryRuntime
from emulator.spares import (
    BURST_MEMORY,
    BURST_SECONDS,
    CLAIM_GRACE,
    CLAIMS,
    IDLE_SECONDS,
    MAX_SPARES,
    SparePool,
    claim,
)
from emulator.store import Store
from emulator.taskhooks import Launch
from emulator.tasks import Placement, TaskRunner
from tests.engine.test_tasks_memory import memory_runtime, td


@pytest.fixture
def rt() -> MemoryRuntime:
    return memory_runtime()


@pytest.fixture
def runner(rt: MemoryRuntime) -> Iterator[TaskRunner]:
    r = TaskRunner(rt, Store("spare"), "spare", "default", Account())
    yield r
    r.close()


@pytest.fixture
def pool(runner: TaskRunner) -> Iterator[SparePool]:
    p = SparePool(runner)
    yield p
    p.close()


def placement(rt: MemoryRuntime, subnet: str = "public") -> Placement:
    nets = ensure_networks(rt, "spare", Vpc(subnets=(Subnet("public"), Subnet("other"))))
    return Placement(nets[subnet], subnet)


def launch(runner: TaskRunner, where: Placement) -> str:
    definition = td()
    arn, rev = runner.store.register_task_definition(definition, Account())
    return runner.launch(definition, arn, rev, base_dir=".", placement=where)


def spares(rt: MemoryRuntime) -> list[str]:
    return [c.id for c in rt.list_containers({L.ROLE: L.SPARE})]


def settle(pool: SparePool, runner: TaskRunner, now: float | None = None) -> None:
    pool.tick(now or time.time(), runner.observe())
    pool.wait()


def with_spare(rt: MemoryRuntime, runner: TaskRunner, pool: SparePool) -> tuple[Placement, str]:
    """A task on the public subnet (so the pool makes that subnet's spare), and the spare."""
    where = placement(rt)
    launch(runner, where)
    settle(pool, runner)
    (spare,) = spares(rt)
    return where, spare


def test_a_subnet_in_use_gets_one_started_spare_and_a_launch_takes_it(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool
) -> None:
    where = placement(rt)
    settle(pool, runner)
    assert spares(rt) == []  # no awsvpc task yet: no spare, no Docker call made for one
    first = launch(runner, where)
    assert runner.observe()[first].pause.labels[L.ROLE] == "pause"  # cold: its own
    settle(pool, runner)
    settle(pool, runner)  # a second look makes no second spare
    (spare,) = spares(rt)
    state = rt.inspect(spare)
    assert state.running and state.labels[L.SPARE_NETWORK] == where.network
    assert state.labels[L.SUBNET] == "public"

    second = launch(runner, where)
    task = runner.observe()[second]
    assert task.pause is not None and task.pause.id == spare
    for c in task.containers:
        assert c.state.network_mode == f"container:{spare}"
    d = runner.describe(task)
    assert d.last_status in ("PENDING", "RUNNING") and d.subnet == "public"
    assert d.private_ip == next(iter(state.ip_addresses.values()))
    assert runner.observe_task(second).pause.id == spare  # found by its ARN alone, too
    assert runner.store.get(CLAIMS)[spare]["task"] == second

    assert rt.inspect(spare).name.startswith("spare-spare-")
    settle(pool, runner)  # the claimed one named as a pause, and two more: two launches
    assert len(spares(rt)) == 3  # within BURST_SECONDS are a burst of two
    first_pause = runner.observe()[first].pause
    assert first_pause is not None
    family_rev = first_pause.name.split("-pause-")[0]
    assert rt.inspect(spare).name == f"{family_rev}-pause-{task_id_of(second)[:12]}"
    runner.stop(second, "UserInitiated", "done", wait=True)
    assert spare not in [c.id for c in rt.list_containers({})]  # went with its task
    settle(pool, runner)
    assert spare not in runner.store.get(CLAIMS)  # and its claim with it


def test_a_spare_is_claimed_once(rt: MemoryRuntime, runner: TaskRunner, pool: SparePool) -> None:
    where, _ = with_spare(rt, runner, pool)
    assert where.network is not None
    got = [claim(rt, runner.store, "spare", where.network, f"arn:{i}") for i in range(3)]
    assert len([g for g in got if g is not None]) == 1
    assert claim(rt, runner.store, "spare", "some-other-network", "arn:x") is None


def test_other_subnets_and_bridge_tasks_do_not_take_it(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool
) -> None:
    _, spare = with_spare(rt, runner, pool)
    other = launch(runner, placement(rt, "other"))
    assert runner.observe()[other].pause.id != spare
    assert rt.inspect(spare).labels.get(L.TASK_ARN) is None


class Refuses:
    """A launch hook that refuses every task (as the secrets hook does when one is missing)."""

    def prepare(self, launch: Launch) -> None:
        raise EcsdevError("ResourceInitializationError: no space left on device")

    def created(self, launch: Launch, ids: dict[str, str]) -> None:
        pass

    def released(self, task_arn: str) -> None:
        pass


def test_a_failed_launch_removes_the_spare_it_claimed(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool
) -> None:
    where, spare = with_spare(rt, runner, pool)
    runner.hooks.append(Refuses())
    with pytest.raises(TaskFailedToStart, match="no space left"):
        launch(runner, where)
    assert spare not in [c.id for c in rt.list_containers({})]


def test_spares_of_idle_subnets_orphan_claims_and_the_controllers_exit_clean_up(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool
) -> None:
    where = placement(rt)
    task = launch(runner, where)
    settle(pool, runner)
    (spare,) = spares(rt)
    runner.stop(task, "UserInitiated", "done", wait=True)
    now = time.time()
    settle(pool, runner, now + 1)
    assert spares(rt) == [spare]  # a replacement may come: kept a while
    settle(pool, runner, now + IDLE_SECONDS + 2)
    assert spares(rt) == []

    launch(runner, where)
    settle(pool, runner)
    (spare,) = spares(rt)
    assert where.network is not None
    assert claim(rt, runner.store, "spare", where.network, "arn:died-before-creating") is not None
    settle(pool, runner, time.time() + 5)
    assert spare in spares(rt)  # its launcher may still be creating the task's containers
    settle(pool, runner, time.time() + CLAIM_GRACE + 5)
    assert spare not in spares(rt)

    pool.tick(time.time(), runner.observe())
    pool.wait()
    assert len(spares(rt)) == 1
    pool.close()
    assert spares(rt) == []  # the task's own namespace stays
    (left,) = runner.observe().values()
    assert left.pause is not None and left.pause.running


def test_group_by_task_follows_the_network_mode_to_the_spare(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool
) -> None:
    where, _ = with_spare(rt, runner, pool)
    arn = launch(runner, where)
    members = rt.list_containers({L.TASK_ARN: arn})
    assert group_by_task(members)[arn].pause is None  # the spare is not among them
    found = group_by_task(members, rt.inspect)[arn].pause
    assert found is not None and found.labels[L.ROLE] == L.SPARE


def test_a_tick_reads_the_observation_and_a_spare_made_since_is_not_made_again(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spares come from the listing the tick's observation took (no second Docker call);
    a spare started after that listing, so missing from it, is not made a second time."""
    _, spare = with_spare(rt, runner, pool)
    real = rt.list_containers
    calls: list[object] = []

    def counted(labels: dict[str, str]) -> list[ContainerState]:
        calls.append(labels)
        return real(labels)

    monkeypatch.setattr(rt, "list_containers", counted)
    settle(pool, runner)
    assert calls == [{L.STACK: "spare"}]  # the observation's own listing, nothing more
    assert spares(rt) == [spare]
    before = [s for s in real({L.STACK: "spare"}) if s.id != spare]
    runner.listing = (time.monotonic() - 30, before)  # taken before the spare started
    pool.tick(time.time(), group_by_task(before))
    pool.wait()
    assert spares(rt) == [spare]
    observed = runner.observe()
    runner.listing = None  # a tick without the runner's listing lists the spares itself
    calls.clear()
    pool.tick(time.time(), observed)
    pool.wait()
    assert calls == [{L.STACK: "spare", L.ROLE: L.SPARE}]
    assert spares(rt) == [spare]


def test_a_subnet_keeps_a_spare_for_each_task_of_its_largest_recent_burst(
    rt: MemoryRuntime, runner: TaskRunner, pool: SparePool
) -> None:
    """A deployment that starts four tasks at once takes the one spare and starts three cold;
    the subnet then keeps four, so the next burst of four starts warm; BURST_MEMORY later,
    with no more launches, it is back to one."""
    where = placement(rt)
    t0 = time.time()
    settle(pool, runner, t0)  # the controller's first look: nothing to adopt
    launch(runner, where)
    settle(pool, runner, t0)
    assert len(spares(rt)) == 1
    first = [launch(runner, where) for _ in range(4)]
    kinds = sorted(runner.observe()[arn].pause.labels[L.ROLE] for arn in first)
    assert kinds == ["pause", "pause", "pause", L.SPARE]  # one warm, three cold
    settle(pool, runner, t0 + BURST_SECONDS + 1)
    taken = set(runner.store.get(CLAIMS))
    assert len([s for s in spares(rt) if s not in taken]) == MAX_SPARES == 4
    second = [launch(runner, where) for _ in range(4)]
    assert all(runner.observe()[arn].pause.labels[L.ROLE] == L.SPARE for arn in second)
    settle(pool, runner, t0 + BURST_SECONDS + 2)
    later = t0 + BURST_SECONDS + 3 + BURST_MEMORY
    settle(pool, runner, later)
    taken = set(runner.store.get(CLAIMS))
    assert len([s for s in spares(rt) if s not in taken]) == 1
    fresh = SparePool(runner)  # a controller that starts beside nine running tasks:
    try:  # they are not a burst of launches
        settle(fresh, runner, later + 1)
        settle(fresh, runner, later + 2)
        taken = set(runner.store.get(CLAIMS))
        assert len([s for s in spares(rt) if s not in taken]) == 1
    finally:
        fresh.close()
