"""The stack's glue without Docker: ``stack.apply`` records a layout, the Controller (with
its ServiceManager) carries it out on MemoryRuntime, replaces a task whose essential
container exits, scales, rolls a new revision out, trips the circuit breaker and rolls back,
is adopted by a second controller with no duplicates, and ``stack.down`` leaves nothing
behind. Only public functions of the modules are used; the controller's clock is moved
ahead where ECS waits (40 s before a task without a health check counts as healthy)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from emulator import labels as L
from emulator import stack
from emulator.controller import Controller
from emulator.model.layout import Layout
from emulator.model.loader import load_layout
from emulator.runtime.memory import Behaviour, MemoryRuntime
from emulator.services import ServiceState, describe_services
from emulator.store import Store
from tests.engine.test_tasks_memory import APP, memory_runtime

LAYOUT = f"""
version: 1
name: mem
vpc:
  subnets:
    - {{name: public, public: true}}
taskDefinitions:
  - family: web
    networkMode: awsvpc
    containerDefinitions:
      - {{name: app, image: "{APP}", memory: 128}}
services:
  - serviceName: web
    taskDefinition: web
    desiredCount: 2
    subnets: [public]
"""


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[MemoryRuntime, Store, Layout]]:
    path = tmp_path / "ecsdev.yaml"
    path.write_text(LAYOUT)
    layout = load_layout(path)
    rt = memory_runtime()
    store = Store(layout.name)
    yield rt, store, layout


def service(rt: MemoryRuntime, store: Store) -> ServiceState:
    (state,) = describe_services(rt, store, names=["web"])
    return state


def tick_until(
    ctl: Controller,
    done: Callable[[], bool],
    seconds: float = 20,
    later: float = 0,
    pace: float = 0,
) -> None:
    """Tick until ``done``; ``later``: the controller's clock runs that far ahead, and
    ``pace`` seconds further at each tick (back-offs and health delays pass)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        ctl.tick(time.time() + later)
        later += pace
        if done():
            return
        time.sleep(0.02)
    raise AssertionError("the controller did not get there")


def app_ids(rt: MemoryRuntime, running: bool = True) -> list[str]:
    return [
        c.id
        for c in rt.list_containers({L.STACK: "mem", L.ROLE: "task"})
        if c.running or not running
    ]


def test_apply_run_replace_scale_adopt_and_down(
    world: tuple[MemoryRuntime, Store, Layout],
) -> None:
    rt, store, layout = world
    res = stack.apply(rt, store, layout)
    assert res.created == ["web"] and len(res.registered) == 1
    ctl = Controller("mem", rt, store, idle_exit=None)
    try:
        tick_until(ctl, lambda: service(rt, store).counts.total.running == 2)
        assert service(rt, store).record.desired_count == 2
        pauses = rt.list_containers({L.STACK: "mem", L.ROLE: "pause"})
        assert len(pauses) == 2 and all(p.ip_addresses for p in pauses)

        # an essential container exits: the task stops and a new one replaces it
        victim = app_ids(rt)[0]
        rt.exit(victim, 2)
        tick_until(
            ctl,
            lambda: victim not in app_ids(rt, running=False) and len(app_ids(rt)) == 2,
        )
        stopped = store.stopped_tasks()
        assert [t.stop_code for t in stopped] == ["EssentialContainerExited"]
        assert stopped[0].containers[0].exit_code == 2

        stack.set_desired(store, "web", 3)
        tick_until(ctl, lambda: service(rt, store).counts.total.running == 3)
    finally:
        for ext in ctl.extensions:
            ext.close()
        ctl.tasks.close()

    # a second controller (the first was killed) adopts what runs: no duplicates
    again = Controller("mem", rt, store, idle_exit=None)
    try:
        for _ in range(5):
            again.tick()
        assert len(app_ids(rt)) == 3
        tick_until(
            again,
            lambda: any("steady state" in e.message for e in service(rt, store).record.events),
            later=60,  # tasks without a health check count as healthy after 40 s, as on ECS
        )
        assert len(app_ids(rt)) == 3
    finally:
        for ext in again.extensions:
            ext.close()
        again.tasks.close()

    removed = stack.down(rt, store)
    assert len([r for r in removed if r.startswith("task ")]) == 3
    assert rt.list_containers({L.STACK: "mem"}) == []
    assert not [n for n in rt.network_names() if n.startswith("mem")]
    assert service(rt, store).spec is not None and not service(rt, store).spec.active  # type: ignore[union-attr]


def test_applying_the_same_layout_again_changes_nothing(
    world: tuple[MemoryRuntime, Store, Layout],
) -> None:
    rt, store, layout = world
    stack.apply(rt, store, layout)
    again = stack.apply(rt, store, layout)
    assert (again.unchanged, again.updated, again.registered) == (["web"], [], [])


def test_controller_reports_an_unreachable_engine_and_recovers(
    world: tuple[MemoryRuntime, Store, Layout],
) -> None:
    rt, store, layout = world
    stack.apply(rt, store, layout)
    ctl = Controller("mem", rt, store, idle_exit=None)
    try:
        rt.available = False
        with pytest.raises(Exception, match="not reachable"):
            ctl.tick()
        rt.available = True
        tick_until(ctl, lambda: service(rt, store).counts.total.running == 2)
    finally:
        for ext in ctl.extensions:
            ext.close()
        ctl.tasks.close()


def _layout(tmp_path: Path, image: str, env: str) -> Layout:
    text = LAYOUT.replace(
        f'{{name: app, image: "{APP}", memory: 128}}',
        f'{{name: app, image: "{image}", memory: 128, environment: [{{name: V, value: "{env}"}}]}}',
    ) + (
        "    deploymentConfiguration:\n"
        "      minimumHealthyPercent: 100\n"
        "      maximumPercent: 200\n"
        "      deploymentCircuitBreaker: {enable: true, rollback: true}\n"
    )
    path = tmp_path / f"{env}.yaml"
    path.write_text(text)
    return load_layout(path)


def _close(ctl: Controller) -> None:
    for ext in ctl.extensions:
        ext.close()
    ctl.tasks.close()


def _completed(rt: MemoryRuntime, store: Store) -> bool:
    return [d.rollout_state for d in service(rt, store).record.deployments] == ["COMPLETED"]


def _revisions(rt: MemoryRuntime) -> list[str]:
    return sorted(
        c.labels.get(L.REVISION, "")
        for c in rt.list_containers({L.STACK: "mem", L.ROLE: "task"})
        if c.running
    )


def test_a_new_revision_rolls_out_and_the_old_tasks_go(
    tmp_path: Path, world: tuple[MemoryRuntime, Store, Layout]
) -> None:
    rt, store, _ = world
    stack.apply(rt, store, _layout(tmp_path, APP, "one"))
    ctl = Controller("mem", rt, store, idle_exit=None)
    try:
        tick_until(ctl, lambda: _revisions(rt) == ["1", "1"])
        res = stack.apply(rt, store, _layout(tmp_path, APP, "two"))
        assert res.updated == ["web"] and len(res.registered) == 1
        tick_until(ctl, lambda: _revisions(rt) == ["2", "2"], later=60, pace=5)
        tick_until(
            ctl,
            lambda: (
                [d.rollout_state for d in service(rt, store).record.deployments] == ["COMPLETED"]
            ),
            later=600,
            pace=5,
        )
    finally:
        _close(ctl)
    stopped = store.stopped_tasks()
    assert len(stopped) == 2 and all(t.task_definition_arn.endswith(":1") for t in stopped)


def test_a_revision_whose_tasks_keep_failing_trips_the_breaker_and_rolls_back(
    tmp_path: Path, world: tuple[MemoryRuntime, Store, Layout]
) -> None:
    rt, store, _ = world
    rt.with_images("bad:1")
    rt.behaviours["bad:1"] = Behaviour(exit_code=1)  # the new image exits at once
    stack.apply(rt, store, _layout(tmp_path, APP, "one"))
    ctl = Controller("mem", rt, store, idle_exit=None)
    try:
        tick_until(ctl, lambda: _completed(rt, store), later=60, pace=5)  # a target to roll back to
        stack.apply(rt, store, _layout(tmp_path, "bad:1", "two"))

        def rolled_back() -> bool:
            reasons = [d.rollout_state_reason for d in service(rt, store).record.deployments]
            return any("circuit breaker: rolling back to deploymentId" in r for r in reasons)

        tick_until(ctl, rolled_back, seconds=30, later=600, pace=30)
        events = [e.message for e in service(rt, store).record.events]
        assert any("deployment failed: tasks failed to start" in m for m in events)
        assert "2" not in _revisions(rt)
        tick_until(ctl, lambda: _completed(rt, store), later=1200, pace=5)
        assert _revisions(rt) == ["1", "1"]  # back on the revision that worked
    finally:
        _close(ctl)
    failed = [t for t in store.stopped_tasks() if t.task_definition_arn.endswith(":2")]
    assert len(failed) >= 3 and all(t.stop_code == "EssentialContainerExited" for t in failed)


def test_a_controller_whose_state_directory_is_removed_exits(
    world: tuple[MemoryRuntime, Store, Layout],
) -> None:
    """A deleted state directory (a test's temporary one, `down --purge`) leaves nothing to
    run: the controller exits instead of failing every tick forever (it never went idle)."""
    import shutil
    import threading

    rt, store, layout = world
    stack.apply(rt, store, layout)
    ctl = Controller("mem", rt, store, idle_exit=None)
    ctl.tick()
    runner = threading.Thread(target=ctl.run, daemon=True)
    runner.start()
    shutil.rmtree(store.dir)
    runner.join(timeout=10)
    stopped = not runner.is_alive()
    ctl.stopping.set()
    assert stopped
