"""The pure task lifecycle: ECS status, health and next actions from container states."""

from __future__ import annotations

import json

from emulator import labels as L
from emulator.lifecycle import (
    ESSENTIAL_EXITED,
    OOM_REASON,
    EndTask,
    FinishTask,
    StartContainer,
    TaskContainer,
    decide,
    group_by_task,
    stop_order,
    task_status,
)
from emulator.runtime.base import ContainerState

ARN = "arn:aws:ecs:us-east-1:000000000000:task/default/t1"
T0 = "2026-01-01T00:00:00.000000000Z"


def c(
    name: str,
    status: str = "created",
    *,
    essential: bool = True,
    deps: list[tuple[str, str]] = (),
    exit_code: int | None = None,
    health: str | None = None,
    hc: bool = False,
    started: bool | None = None,
    oom: bool = False,
    index: int = 0,
) -> ContainerState:  # type: ignore[assignment]
    started = status != "created" if started is None else started
    return ContainerState(
        id=f"id-{name}",
        name=name,
        status=status,
        exit_code=exit_code,
        health=health,
        oom_killed=oom,
        started_at=T0 if started else None,
        labels={
            L.TASK_ARN: ARN,
            L.ROLE: "task",
            L.CONTAINER_NAME: name,
            L.CONTAINER_INDEX: str(index),
            L.ESSENTIAL: "true" if essential else "false",
            L.HAS_HEALTH_CHECK: "true" if hc else "false",
            L.DEPENDS_ON: json.dumps([{"containerName": d, "condition": k} for d, k in deps]),
        },
    )


def task(*states: ContainerState):  # type: ignore[no-untyped-def]
    return group_by_task(list(states))[ARN]


def test_containers_without_dependencies_start_first() -> None:
    t = task(c("init", essential=False), c("app", deps=[("init", "SUCCESS")], index=1))
    assert decide(t, "RUNNING", 0, 1) == [StartContainer("id-init", "init")]


def test_success_dependency_waits_then_starts_then_fails_on_nonzero() -> None:
    waiting = task(
        c("init", "running", essential=False), c("app", deps=[("init", "SUCCESS")], index=1)
    )
    assert decide(waiting, "RUNNING", 0, 1) == []
    ok = task(
        c("init", "exited", essential=False, exit_code=0),
        c("app", deps=[("init", "SUCCESS")], index=1),
    )
    assert decide(ok, "RUNNING", 0, 1) == [StartContainer("id-app", "app")]
    bad = task(
        c("init", "exited", essential=False, exit_code=2),
        c("app", deps=[("init", "SUCCESS")], index=1),
    )
    (stop,) = decide(bad, "RUNNING", 0, 1)
    assert isinstance(stop, EndTask) and stop.stop_code == "TaskFailedToStart"
    assert (
        "dependency condition SUCCESS on container 'init'" in stop.reason
        and "exited with code 2" in stop.reason
    )


def test_healthy_dependency_and_start_timeout() -> None:
    deps = [("app", "HEALTHY")]
    starting = task(c("app", "running", health="starting", hc=True), c("side", deps=deps, index=1))
    assert decide(starting, "RUNNING", 0, 10) == []
    healthy = task(c("app", "running", health="healthy", hc=True), c("side", deps=deps, index=1))
    assert decide(healthy, "RUNNING", 0, 10) == [StartContainer("id-side", "side")]
    unhealthy = task(
        c("app", "running", health="unhealthy", hc=True), c("side", deps=deps, index=1)
    )
    assert decide(unhealthy, "RUNNING", 0, 10) == []  # may recover: the task stays PENDING
    (late,) = decide(starting, "RUNNING", 0, 181)  # ECS_CONTAINER_START_TIMEOUT default 3 min
    assert isinstance(late, EndTask) and "within startTimeout 180s" in late.reason


def test_essential_exit_stops_the_task_non_essential_does_not() -> None:
    t = task(c("app", "exited", exit_code=1), c("side", "running", index=1))
    assert decide(t, "RUNNING", 0, 1) == [EndTask("EssentialContainerExited", ESSENTIAL_EXITED)]
    t2 = task(c("app", "running"), c("job", "exited", essential=False, exit_code=1, index=1))
    assert decide(t2, "RUNNING", 0, 1) == []


def test_stopped_task_is_finished_once_nothing_runs() -> None:
    assert decide(task(c("app", "exited", exit_code=0)), "STOPPED", 0, 1) == [FinishTask()]
    assert decide(task(c("app", "running")), "STOPPED", 0, 1) == []


def test_status_and_health_from_essential_containers() -> None:
    t = task(
        c("app", "running", health="healthy", hc=True),
        c("side", "running", essential=False, health="unhealthy", hc=True, index=1),
    )
    st = task_status(t, "RUNNING")
    assert (st.last_status, st.health_status) == ("RUNNING", "HEALTHY")  # non-essential ignored
    t2 = task(
        c("app", "running", health="unhealthy", hc=True),
        c("db", "running", health="healthy", hc=True, index=1),
    )
    assert task_status(t2, "RUNNING").health_status == "UNHEALTHY"  # UNHEALTHY wins
    pending = task(c("init", "running", essential=False), c("app", index=1))
    assert task_status(pending, "RUNNING").last_status == "PENDING"
    assert task_status(task(c("app", "running")), "STOPPED").last_status == "STOPPING"
    assert task_status(task(c("app", "running")), "RUNNING").health_status == "UNKNOWN"  # no checks


def test_oom_reason_and_stop_order() -> None:
    oom = TaskContainer.from_state(c("hog", "exited", exit_code=137, oom=True))
    assert oom.reason == OOM_REASON
    t = task(
        c("db", "running"),
        c("app", "running", deps=[("db", "START")], index=1),
        c("proxy", "running", deps=[("app", "HEALTHY")], index=2),
    )
    assert [[x.name for x in layer] for layer in stop_order(t)] == [["proxy"], ["app"], ["db"]]
