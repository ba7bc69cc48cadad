"""The stack's glue without Docker: ``stack.apply`` records a layout, the Controller (with
its ServiceManager) carries it out on MemoryRuntime, replaces a task whose essential
container exits, scales, is adopted by a second controller with no duplicates, and
``stack.down`` leaves nothing behind. Only public functions of the modules are used."""

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
from emulator.runtime.memory import MemoryRuntime
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
    ctl: Controller, done: Callable[[], bool], seconds: float = 20, later: float = 0
) -> None:
    """Tick until ``done``; ``later``: the controller's clock runs that far ahead."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        ctl.tick(time.time() + later)
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


@pytest.mark.xfail(
    strict=True,
    reason="known defect (reported to the lead): ServiceSpec's deployment_id and changed_at, "
    "added with the ECS endpoint, are not left out of stack.apply's unchanged check",
)
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
