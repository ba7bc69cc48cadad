"""TaskRunner on MemoryRuntime: the task lifecycle's glue (pause container, dependsOn,
essential exits, stop order, the stopped record, the metadata endpoint's file) without
Docker. The same behaviours are checked against a real engine in tests/docker."""

from __future__ import annotations

import stat
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import labels as L
from emulator.arns import Account
from emulator.errors import TaskFailedToStart
from emulator.images.builtin import HASH_LABEL, PAUSE, pause_hash
from emulator.metadata import METADATA_PATH, decode
from emulator.model.layout import Subnet, Vpc
from emulator.model.taskdef import parse_task_definition
from emulator.networks import ensure_networks
from emulator.runtime.memory import Behaviour, MemoryRuntime
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner

APP = "ecsdev/echo:latest"


def memory_runtime() -> MemoryRuntime:
    """Images present as `make images` leaves them (the pause image current)."""
    rt = MemoryRuntime().with_images(APP)
    rt.images[PAUSE] = {HASH_LABEL: pause_hash()}
    return rt


@pytest.fixture
def rt() -> MemoryRuntime:
    return memory_runtime()


@pytest.fixture
def runner(rt: MemoryRuntime) -> Iterator[TaskRunner]:
    r = TaskRunner(rt, Store("mem"), "mem", "default", Account())
    yield r
    r.close()


def td(**extra: Any) -> Any:
    body = {
        "family": "web",
        "networkMode": "awsvpc",
        "containerDefinitions": [
            {"name": "init", "image": APP, "essential": False},
            {
                "name": "app",
                "image": APP,
                "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
            },
        ],
    }
    body.update(extra)
    return parse_task_definition(body)


def launch(runner: TaskRunner, rt: MemoryRuntime, definition: Any) -> str:
    arn, rev = runner.store.register_task_definition(definition, Account())
    nets = ensure_networks(rt, "mem", Vpc(subnets=(Subnet("public"),)))
    return runner.launch(
        definition, arn, rev, base_dir=".", placement=Placement(nets["public"], "public")
    )


def status(runner: TaskRunner, arn: str) -> str:
    task = runner.observe().get(arn)
    if task is None:
        stopped = {t.task_arn: t for t in runner.store.stopped_tasks()}
        return stopped[arn].last_status
    return runner.describe(task).last_status


def test_awsvpc_task_owns_a_pause_namespace_and_follows_depends_on(
    rt: MemoryRuntime, runner: TaskRunner
) -> None:
    rt.behaviours["init"] = Behaviour(exit_code=0, output="migrated\n")
    arn = launch(runner, rt, td())
    task = runner.observe()[arn]
    assert task.pause is not None and task.pause.running
    assert task.pause.labels[L.ROLE] == "pause" and task.pause.ip_addresses
    app, init = task.container("app"), task.container("init")
    assert app is not None and init is not None
    assert app.state.network_mode == f"container:{task.pause.id}"
    # init ran at launch and exited 0; app waited for that, then the next step starts it
    assert init.state.exit_code == 0 and not app.started
    runner.step()
    assert status(runner, arn) == "RUNNING"
    d = runner.describe(runner.observe()[arn])
    assert d.private_ip == next(iter(task.pause.ip_addresses.values()))


def test_metadata_endpoint_file_follows_the_task(rt: MemoryRuntime, runner: TaskRunner) -> None:
    rt.behaviours["init"] = Behaviour(exit_code=0)
    arn = launch(runner, rt, td())
    runner.step()
    pause = runner.observe()[arn].pause
    assert pause is not None
    deadline = time.time() + 5
    doc: dict[str, Any] = {}
    while time.time() < deadline:  # written by the runner's background writer
        runner.step()
        data = rt.file(pause.id, METADATA_PATH)
        if data is not None:
            doc, containers = decode(data)
            if doc["KnownStatus"] == "RUNNING":
                break
        time.sleep(0.01)
    assert doc["TaskARN"] == arn and doc["Family"] == "web" and doc["KnownStatus"] == "RUNNING"
    assert containers["app"]["Name"] == "app" and containers["init"]["ExitCode"] == 0
    assert containers["app"]["Networks"][0]["NetworkMode"] == "awsvpc"


def test_an_essential_exit_stops_the_task_and_records_it(
    rt: MemoryRuntime, runner: TaskRunner
) -> None:
    rt.behaviours["init"] = Behaviour(exit_code=0)
    arn = launch(runner, rt, td())
    runner.step()
    app = runner.observe()[arn].container("app")
    assert app is not None
    rt.log(app.state.id, "boom\n")
    rt.exit(app.state.id, 3)
    deadline = time.time() + 5
    while arn in runner.observe() and time.time() < deadline:
        runner.step()
        time.sleep(0.01)
    assert rt.list_containers({L.TASK_ARN: arn}) == []  # pause included
    (stopped,) = [t for t in runner.store.stopped_tasks() if t.task_arn == arn]
    assert stopped.stop_code == "EssentialContainerExited"
    assert {c.name: c.exit_code for c in stopped.containers} == {"init": 0, "app": 3}
    logs = runner.store.logs_dir / arn.rsplit("/", 1)[-1] / "app.log"
    assert logs.read_text() == "boom\n"
    assert stat.S_IMODE(logs.stat().st_mode) == 0o600  # container output is the user's alone


def test_stop_takes_dependents_first_and_keeps_exit_codes(
    rt: MemoryRuntime, runner: TaskRunner
) -> None:
    rt.behaviours["db"] = Behaviour(ignores_sigterm=True)
    definition = td(
        containerDefinitions=[
            {"name": "db", "image": APP},
            {
                "name": "app",
                "image": APP,
                "dependsOn": [{"containerName": "db", "condition": "START"}],
            },
        ]
    )
    arn = launch(runner, rt, definition)
    runner.step()
    assert status(runner, arn) == "RUNNING"
    names = {c.state.id: c.name for c in runner.observe()[arn].containers}
    runner.stop(arn, "UserInitiated", "test stop", wait=True)
    stopped_in_order = [names[cid] for op, cid in rt.calls if op == "stop" and cid in names]
    assert stopped_in_order == ["app", "db"]  # dependents first
    (stopped,) = [t for t in runner.store.stopped_tasks() if t.task_arn == arn]
    assert {c.name: c.exit_code for c in stopped.containers} == {"db": 137, "app": 143}
    assert stopped.stopped_reason == "test stop" and stopped.last_status == "STOPPED"
    assert rt.list_containers({L.TASK_ARN: arn}) == []


def test_a_missing_image_fails_the_launch_and_leaves_nothing(
    rt: MemoryRuntime, runner: TaskRunner
) -> None:
    definition = td(
        containerDefinitions=[{"name": "app", "image": "ghost:1"}],
    )
    with pytest.raises(TaskFailedToStart, match="CannotPullContainerError") as err:
        launch(runner, rt, definition)
    assert rt.list_containers({L.STACK: "mem"}) == []
    (stopped,) = [t for t in runner.store.stopped_tasks() if t.task_arn == err.value.task_arn]
    assert stopped.stop_code == "TaskFailedToStart"


def test_health_checks_drive_the_task_health(rt: MemoryRuntime, runner: TaskRunner) -> None:
    check = {"command": ["CMD", "true"], "interval": 5, "timeout": 2, "retries": 2}
    definition = td(
        containerDefinitions=[{"name": "app", "image": APP, "healthCheck": check}],
    )
    arn = launch(runner, rt, definition)
    assert runner.describe(runner.observe()[arn]).health_status == "UNKNOWN"
    rt.tick()
    assert runner.describe(runner.observe()[arn]).health_status == "HEALTHY"
    app = runner.observe()[arn].container("app")
    assert app is not None
    rt.set_health(app.state.id, "unhealthy")
    assert runner.describe(runner.observe()[arn]).health_status == "UNHEALTHY"
