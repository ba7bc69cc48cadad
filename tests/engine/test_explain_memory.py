"""``ecsdev explain``'s local half on MemoryRuntime, without Docker: the stop path keeps the
health-check runs (``emulator.healthlog``), and a stopped task's record, saved logs and those
runs are explained (container health-check stop; an OOM-killed essential container)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from ecsdev.explain.explain import explain
from ecsdev.explain.local import local_evidence, local_task, local_task_definition
from emulator.arns import Account
from emulator.healthlog import OUTPUT_CHARS, recorded_health_log
from emulator.runtime.base import HealthProbe
from emulator.runtime.memory import MemoryRuntime
from emulator.store import Store
from emulator.tasks import TaskRunner
from tests.engine.test_tasks_memory import APP, launch, memory_runtime, td


@pytest.fixture
def rt() -> MemoryRuntime:
    return memory_runtime()


@pytest.fixture
def runner(rt: MemoryRuntime) -> Iterator[TaskRunner]:
    r = TaskRunner(rt, Store("why-mem"), "why-mem", "default", Account())
    yield r
    r.close()


def test_a_health_check_stop_keeps_the_last_runs_and_explains_them(
    rt: MemoryRuntime, runner: TaskRunner
) -> None:
    check = {"command": ["CMD-SHELL", "curl -f localhost/health"], "interval": 5, "retries": 1}
    arn = launch(
        runner, rt, td(containerDefinitions=[{"name": "app", "image": APP, "healthCheck": check}])
    )
    app = runner.observe()[arn].container("app")
    assert app is not None
    rt.set_health(app.state.id, "healthy")
    rt.set_health(app.state.id, "unhealthy")
    with rt._lock:  # a check that printed a lot: kept cut short
        rt._get(app.state.id).probes.append(HealthProbe("2024-05-01T12:00:00Z", 1, "x" * 5000))
    runner.stop(arn, "ServiceSchedulerInitiated", "Task failed container health checks")

    kept = recorded_health_log(runner.store, arn).containers
    assert [(c.container, c.status) for c in kept] == [("app", "UNHEALTHY")]
    assert [p.exit_code for p in kept[0].probes] == [0, 1, 1]
    assert len(kept[0].probes[-1].output) == OUTPUT_CHARS

    task = local_task(runner, arn)
    e = explain(
        task,
        local_task_definition(runner.store, task.task_definition),
        local_evidence(runner, task),
    )
    assert e.finding is not None and e.finding.key == "task.container-health"
    assert e.cause == "app"
    evidence = e.containers[0].evidence
    assert "health when the task stopped: UNHEALTHY" in evidence
    assert sum(line.startswith("  check at ") for line in evidence) == 3
    assert (
        "health check: CMD-SHELL curl -f localhost/health (every 5s timeout 5s retries 1 start 0s)"
        in evidence
    )


def test_an_oom_killed_essential_container_is_the_cause(
    rt: MemoryRuntime, runner: TaskRunner
) -> None:
    definition = td(
        containerDefinitions=[
            {"name": "app", "image": APP, "memory": 64},
            {"name": "sidecar", "image": APP, "essential": False},
        ]
    )
    arn = launch(runner, rt, definition)
    app = runner.observe()[arn].container("app")
    assert app is not None
    rt.log(app.state.id, "allocating 100 MiB\n")
    rt.exit(app.state.id, 137, oom=True)
    deadline = time.time() + 5  # the stop runs on the runner's pool
    while arn in runner.observe() and time.time() < deadline:
        runner.step()
        time.sleep(0.01)

    task = local_task(runner, arn)
    assert task.last_status == "STOPPED"
    e = explain(
        task,
        local_task_definition(runner.store, task.task_definition),
        local_evidence(runner, task),
    )
    assert e.finding is not None and e.finding.key == "task.essential-exited"
    assert e.cause == "app"
    by_name = {c.name: c for c in e.containers}
    assert by_name["app"].finding is not None and by_name["app"].finding.key == "container.oom"
    assert "memory limit of the container: 64 MiB (hard limit, `memory`)" in by_name["app"].evidence
    assert "  | allocating 100 MiB" in by_name["app"].evidence
    sidecar = by_name["sidecar"].finding
    assert sidecar is not None and sidecar.key in ("exit.sigterm-on-stop", "exit.stop-timeout")
    assert e.next_step.startswith("app: Raise the container's `memory`")
