"""The task runtime against a real Docker engine: awsvpc localhost, dependsOn order,
essential exits, OOM, health, bridge ports, stop order and recorded history."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest

from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.lifecycle import parse_time
from emulator.model.taskdef import parse_task_definition
from emulator.tasks import Placement

from .conftest import Stack

pytestmark = pytest.mark.docker

ECHO = "ecsdev/echo:latest"
HEALTH = {
    "command": ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"],
    "interval": 5,
    "timeout": 2,
    "retries": 2,
    "startPeriod": 0,
}


def run(stack: Stack, doc: dict[str, Any], subnet: str = "public") -> str:
    td = parse_task_definition(doc)
    arn, rev = stack.store.register_task_definition(td, stack.runner.account)
    return stack.runner.launch(
        td,
        arn,
        rev,
        base_dir=".",
        placement=stack.placement(subnet) if td.network_mode == "awsvpc" else Placement(),
    )


def wait_for(
    stack: Stack, arn: str, cond: Callable[[dict[str, Any]], bool], timeout: float = 60
) -> dict[str, Any]:
    deadline = time.time() + timeout
    last: dict[str, Any] = {}
    while time.time() < deadline:
        observed = stack.runner.step()
        if arn in observed:
            last = plain(task_json(stack.runner.describe(observed[arn])))
        else:
            time.sleep(0.3)  # the stop may still be finishing in the background
            row = stack.store.task_row(arn) or {}
            if row.get("snapshot"):
                last = plain(task_json(row["snapshot"]))
        if last and cond(last):
            return last
        time.sleep(0.3)
    raise AssertionError(f"condition not reached in {timeout}s; last: {json.dumps(last)[:1500]}")


def container(task: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in task["containers"] if c["name"] == name)


def stopped(t: dict[str, Any]) -> bool:
    return t["lastStatus"] == "STOPPED"


def test_awsvpc_containers_share_localhost_and_the_task_has_its_own_ip(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "pair",
            "networkMode": "awsvpc",
            "containerDefinitions": [
                {"name": "app", "image": ECHO, "portMappings": [{"containerPort": 8080}]},
                {
                    "name": "probe",
                    "image": ECHO,
                    "essential": False,
                    "command": [
                        "sh",
                        "-c",
                        "sleep 1; curl -fs http://localhost:8080/from-sidecar && sleep 600",
                    ],
                    "dependsOn": [{"containerName": "app", "condition": "START"}],
                },
            ],
        },
    )
    task = wait_for(stack, arn, lambda t: t["lastStatus"] == "RUNNING")
    ip = task["attachments"][0]["details"][2]["value"]
    assert ip.count(".") == 3
    assert container(task, "app")["networkInterfaces"][0]["privateIpv4Address"] == ip
    deadline = time.time() + 20
    logs = ""
    probe_id = container(task, "probe")["runtimeId"]
    while time.time() < deadline and "from-sidecar" not in logs:
        logs = stack.runtime.logs(probe_id)
        time.sleep(0.3)
    assert '"path": "/from-sidecar"' in logs
    app_logs = stack.runtime.logs(container(task, "app")["runtimeId"])
    assert "127.0.0.1" in app_logs  # the request came over localhost


def test_depends_on_success_then_healthy_orders_the_start(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "ordered",
            "networkMode": "awsvpc",
            "containerDefinitions": [
                {
                    "name": "init",
                    "image": ECHO,
                    "essential": False,
                    "command": ["sh", "-c", "sleep 1; echo migrated"],
                },
                {
                    "name": "app",
                    "image": ECHO,
                    "healthCheck": HEALTH,
                    "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
                },
                {
                    "name": "sidecar",
                    "image": ECHO,
                    "command": ["sleep", "600"],
                    "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}],
                },
            ],
        },
    )
    task = wait_for(stack, arn, lambda t: t["lastStatus"] == "RUNNING", timeout=90)
    assert task["healthStatus"] == "HEALTHY"
    init, app, side = (
        stack.runtime.inspect(container(task, n)["runtimeId"]) for n in ("init", "app", "sidecar")
    )
    assert init.exit_code == 0
    assert parse_time(app.started_at) >= parse_time(init.finished_at)  # type: ignore[operator]
    assert app.health == "healthy"
    assert parse_time(side.started_at) > parse_time(app.started_at)  # type: ignore[operator]


def test_unmet_success_dependency_stops_the_task_with_a_reason(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "badinit",
            "networkMode": "awsvpc",
            "containerDefinitions": [
                {
                    "name": "init",
                    "image": ECHO,
                    "essential": False,
                    "command": ["sh", "-c", "exit 3"],
                },
                {
                    "name": "app",
                    "image": ECHO,
                    "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
                },
            ],
        },
    )
    task = wait_for(stack, arn, stopped)
    assert task["stopCode"] == "TaskFailedToStart"
    assert "dependency condition SUCCESS on container 'init'" in task["stoppedReason"]
    assert "exited with code 3" in task["stoppedReason"]
    assert container(task, "init")["exitCode"] == 3
    assert "DependencyError" in container(task, "app")["reason"]


def test_essential_exit_stops_the_task_and_keeps_exit_codes_and_logs(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "crash",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": ECHO,
                    "memory": 128,
                    "command": ["sh", "-c", "echo booting; sleep 1; echo dying >&2; exit 7"],
                },
                {
                    "name": "helper",
                    "image": ECHO,
                    "memory": 64,
                    "essential": False,
                    # exits on SIGTERM (a bare `sleep` as PID 1 ignores it, and the stop
                    # would wait out ECS's 30 s stopTimeout before its SIGKILL)
                    "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"],
                },
            ],
        },
    )
    task = wait_for(stack, arn, stopped)
    assert task["stopCode"] == "EssentialContainerExited"
    assert task["stoppedReason"] == "Essential container in task exited"
    assert container(task, "app")["exitCode"] == 7
    assert container(task, "helper")["lastStatus"] == "STOPPED"
    from emulator.tasks import container_log_path

    # the task reads STOPPED as soon as its containers are down; its record (logs first,
    # then the stopped snapshot) is written by the stop that is still finishing
    deadline = time.time() + 30
    while not any(s.task_arn == arn for s in stack.store.stopped_tasks()):
        assert time.time() < deadline, "the stopped task was never recorded"
        stack.runner.step()
        time.sleep(0.2)
    log = container_log_path(stack.store, arn, "app").read_text()
    assert "booting" in log and "dying" in log
    # then its containers are removed (after the record: a second look never spoils it)
    while stack.runtime.list_containers({"ecsdev.task-arn": arn}):
        assert time.time() < deadline + 10, "the stopped task's containers were never removed"
        time.sleep(0.1)
    (kept,) = [s for s in stack.store.stopped_tasks() if s.task_arn == arn]  # history kept
    assert container(plain(task_json(kept)), "app")["exitCode"] == 7


def test_oom_kill_gives_ecs_reason(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "oom",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "hog",
                    "image": ECHO,
                    "memory": 32,
                    "command": ["python3", "-c", "x = bytearray(400 * 1024 * 1024); print(len(x))"],
                },
            ],
        },
    )
    task = wait_for(stack, arn, stopped)
    hog = container(task, "hog")
    assert hog["reason"] == "OutOfMemoryError: Container killed due to memory usage"
    assert hog["exitCode"] == 137
    assert task["stopCode"] == "EssentialContainerExited"


def test_health_status_follows_the_container_check(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "health",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": ECHO,
                    "memory": 128,
                    # one failed check is UNHEALTHY (ECS's least retries): 5 s, not 10
                    "healthCheck": {**HEALTH, "retries": 1},
                    "portMappings": [{"containerPort": 8080, "hostPort": 0}],
                },
            ],
        },
    )
    task = wait_for(stack, arn, lambda t: t["healthStatus"] == "HEALTHY", timeout=60)
    port = container(task, "app")["networkBindings"][0]["hostPort"]
    urllib.request.urlopen(f"http://127.0.0.1:{port}/health/fail", timeout=5).read()
    task = wait_for(stack, arn, lambda t: t["healthStatus"] == "UNHEALTHY", timeout=60)
    assert task["lastStatus"] == "RUNNING"  # a standalone task keeps running when unhealthy
    assert container(task, "app")["healthStatus"] == "UNHEALTHY"


def test_bridge_dynamic_host_port_is_published_on_loopback(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "web",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": ECHO,
                    "memory": 128,
                    "portMappings": [{"containerPort": 8080}],
                },
            ],
        },
    )
    task = wait_for(stack, arn, lambda t: t["lastStatus"] == "RUNNING")
    binding = container(task, "app")["networkBindings"][0]
    assert binding["bindIP"] == "127.0.0.1"
    assert 32768 <= binding["hostPort"] <= 61000  # the ephemeral range ECS uses
    deadline = time.time() + 15
    while True:
        try:
            body = json.loads(
                urllib.request.urlopen(
                    f"http://127.0.0.1:{binding['hostPort']}/hello", timeout=2
                ).read()
            )
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
    assert body["path"] == "/hello"
    assert body["task"] == arn  # the task knows its own ARN


def test_stop_reverses_dependency_order(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "order",
            "networkMode": "awsvpc",
            "containerDefinitions": [
                # stopTimeout 2: the stop comes right after RUNNING, maybe before echo has set
                # its SIGTERM handler (PID 1 ignores SIGTERM until then), and the order is
                # the same after a SIGKILL
                {"name": "db", "image": ECHO, "stopTimeout": 2},
                {
                    "name": "app",
                    "image": ECHO,
                    "stopTimeout": 2,
                    "environment": [{"name": "PORT", "value": "8081"}],
                    "dependsOn": [{"containerName": "db", "condition": "START"}],
                },
            ],
        },
    )
    task = wait_for(stack, arn, lambda t: t["lastStatus"] == "RUNNING")
    ids = {c["runtimeId"]: c["name"] for c in task["containers"]}
    since = int(time.time()) - 1
    stack.runner.stop(arn, "UserInitiated", "test stop")
    snap = plain(task_json(stack.store.task_row(arn)["snapshot"]))  # type: ignore[index]
    assert snap["stopCode"] == "UserInitiated" and snap["stoppedReason"] == "test stop"
    died = [
        ids[e["id"]]
        for e in stack.runtime.client.events(
            since=since,
            until=int(time.time()) + 1,
            decode=True,
            filters={"event": "die", "label": f"ecsdev.task-arn={arn}"},
        )
        if e.get("id") in ids
    ]
    assert died == ["app", "db"]  # dependents first
    events = [e.message for _, e in stack.store.events(subject=arn)]
    assert any("stopped: test stop" in m for m in events)


def test_awsvpc_task_metadata_endpoint_v4(stack: Stack) -> None:
    arn = run(
        stack,
        {
            "family": "meta",
            "networkMode": "awsvpc",
            "containerDefinitions": [
                {"name": "app", "image": ECHO, "portMappings": [{"containerPort": 8080}]}
            ],
        },
    )
    task = wait_for(stack, arn, lambda t: t["lastStatus"] == "RUNNING")
    cid = container(task, "app")["runtimeId"]
    deadline = time.time() + 15
    doc: dict[str, Any] = {}
    while time.time() < deadline:
        stack.runner.step()
        code, out = stack.runtime.exec_run(
            cid, ["sh", "-c", 'curl -fs "$ECS_CONTAINER_METADATA_URI_V4/task"']
        )
        if code == 0 and '"KnownStatus": "RUNNING"' in out:
            doc = json.loads(out)
            break
        time.sleep(0.5)
    assert doc["TaskARN"] == arn and doc["Family"] == "meta" and doc["Revision"] == "1"
    assert doc["Containers"][0]["Name"] == "app" and doc["Containers"][0]["DockerId"] == cid
    assert doc["Containers"][0]["Networks"][0]["NetworkMode"] == "awsvpc"
    code, out = stack.runtime.exec_run(
        cid, ["sh", "-c", 'curl -fs "$ECS_CONTAINER_METADATA_URI_V4"']
    )
    assert code == 0 and json.loads(out)["Name"] == "app"
    # the echo app reads it too: its "task" field comes from the endpoint
    code, out = stack.runtime.exec_run(cid, ["curl", "-fs", "http://localhost:8080/"])
    assert json.loads(out)["task"] == arn
