"""Services on a real engine, driven through the CLI as a user would: replacement after a
``docker kill``, a rolling deployment that a polling client never sees fail, a kill -9 of
the controller with no duplicate task, and ``down`` leaving nothing behind."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator import labels as L
from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.runtime.docker import DockerRuntime
from emulator.store import Store

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker

HEALTH = {
    "command": ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"],
    "interval": 5,
    "timeout": 2,
    "retries": 2,
}


def layout(
    name: str, desired: int = 2, env: str = "v1", min_pct: int = 100, max_pct: int = 200
) -> dict[str, Any]:
    return {
        "version": 1,
        "name": name,
        "taskDefinitions": [
            {
                "family": "web",
                "networkMode": "bridge",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "ecsdev/echo:latest",
                        "memory": 64,
                        "portMappings": [{"containerPort": 8080}],
                        "environment": [{"name": "VERSION", "value": env}],
                        "healthCheck": HEALTH,
                    }
                ],
            }
        ],
        "services": [
            {
                "serviceName": "web",
                "taskDefinition": "web",
                "desiredCount": desired,
                "deploymentConfiguration": {
                    "minimumHealthyPercent": min_pct,
                    "maximumPercent": max_pct,
                },
            }
        ],
    }


class Cli:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, doc: dict[str, Any]) -> None:
        self.path.write_text(yaml.safe_dump(doc))

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        res = subprocess.run(
            [sys.executable, "-m", "ecsdev", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.path.parent,
            env={**os.environ, "COLUMNS": "200"},
        )
        if check and res.returncode != 0:
            raise AssertionError(
                f"ecsdev {' '.join(args)} exited {res.returncode}\n{res.stdout}\n{res.stderr}"
            )
        return res

    def ps(self) -> dict[str, Any]:
        return json.loads(self("ps", "--json").stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[tuple[Cli, str]]:
    name = "s-" + secrets.token_hex(4)
    c = Cli(tmp_path / "ecsdev.yaml")
    try:
        yield c, name
    finally:
        cleanup_stack(DockerRuntime(), name)


def running(ps: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in ps["tasks"] if t["lastStatus"] != "STOPPED"]


def wait(pred: Any, timeout: float = 90, every: float = 0.5) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(every)
    raise AssertionError("timed out waiting")


def test_a_killed_essential_container_is_replaced(cli: tuple[Cli, str]) -> None:
    run, name = cli
    run.write(layout(name))
    run("up", "-d", "--timeout", "120")
    before = running(run.ps())
    assert len(before) == 2
    victim = before[0]
    subprocess.run(
        ["docker", "kill", victim["containers"][0]["runtimeId"]], check=True, capture_output=True
    )

    def replaced() -> dict[str, Any] | None:
        ps = run.ps()
        live = [t for t in running(ps) if t["healthStatus"] == "HEALTHY"]
        gone = [
            t
            for t in ps["tasks"]
            if t["taskArn"] == victim["taskArn"] and t["lastStatus"] == "STOPPED"
        ]
        return (
            ps
            if len(live) == 2 and gone and victim["taskArn"] not in {t["taskArn"] for t in live}
            else None
        )

    ps = wait(replaced)
    stopped = next(t for t in ps["tasks"] if t["taskArn"] == victim["taskArn"])
    assert stopped["stopCode"] == "EssentialContainerExited"
    assert stopped["stoppedReason"] == "Essential container in task exited"
    assert stopped["containers"][0]["exitCode"] == 137
    events = run("events", "web").stdout
    assert "has started 1 tasks" in events
    service = ps["services"][0]
    assert service["runningCount"] == 2 and service["desiredCount"] == 2


def _serving(stack: str) -> list[tuple[str, int]]:
    from emulator.tasks import TaskRunner

    rt = DockerRuntime()
    runner = TaskRunner(rt, Store(stack), stack)
    out = []
    for desc in runner.describe_tasks(include_stopped=False):
        t = plain(task_json(desc))
        if (
            t["lastStatus"] == "RUNNING"
            and t["desiredStatus"] == "RUNNING"
            and t["healthStatus"] == "HEALTHY"
        ):
            b = t["containers"][0].get("networkBindings") or []
            if b:
                out.append((t["taskArn"], b[0]["hostPort"]))
    runner.close()
    return out


def test_rolling_deployment_never_fails_a_polling_client(cli: tuple[Cli, str]) -> None:
    run, name = cli
    run.write(layout(name, desired=2, env="v1"))
    run("up", "-d", "--timeout", "120")
    failures: list[str] = []
    low_water = [99]
    versions: set[str] = set()
    stop = threading.Event()
    store = Store(name)

    def poll() -> None:
        while not stop.is_set():
            serving = _serving(name)
            low_water[0] = min(low_water[0], len(serving))
            for arn, port in serving:
                try:
                    body = json.loads(
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3).read()
                    )
                    versions.add(body["task"])
                except OSError as e:
                    row = store.task_row(arn) or {}
                    if row.get("desiredStatus") != "STOPPED":  # not already told to stop
                        failures.append(f"{arn}: {e}")
            time.sleep(0.2)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        run.write(layout(name, desired=2, env="v2"))
        out = run("up", "-d", "--timeout", "150")
        assert "registered task definition web:2" in out.stdout
    finally:
        stop.set()
        poller.join()
    assert failures == []
    assert low_water[0] >= 2  # minimumHealthyPercent 100: never below 2 healthy tasks
    ps = run.ps()
    live = running(ps)
    assert len(live) == 2 and all(t["taskDefinitionArn"].endswith("web:2") for t in live)
    deps = ps["services"][0]["deployments"]
    assert len(deps) == 1 and deps[0]["rolloutState"] == "COMPLETED"
    events = run("events", "web", "-n", "100").stdout
    assert "deployment completed." in events and "has reached a steady state." in events


def test_controller_kill_9_adopts_tasks_without_duplicates(cli: tuple[Cli, str]) -> None:
    run, name = cli
    run.write(layout(name, desired=3))
    run("up", "-d", "--timeout", "120")
    before = {t["taskArn"] for t in running(run.ps())}
    store = Store(name)
    events_before = [e.message for _, e in store.events(limit=1000)]
    stopped_before = {s.task_arn for s in store.stopped_tasks()}
    pid = int((store.dir / "controller.lock").read_text())
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    run("up", "-d", "--timeout", "60")  # starts a new controller, which adopts what runs
    time.sleep(3)
    after = {t["taskArn"] for t in running(run.ps())}
    assert after == before
    new_pid = int((store.dir / "controller.lock").read_text())
    assert new_pid != pid
    events_after = [e.message for _, e in store.events(limit=1000)]
    assert events_after[: len(events_before)] == events_before  # nothing recorded was lost
    assert stopped_before <= {s.task_arn for s in store.stopped_tasks()}
    assert not any("has started" in m for m in events_after[len(events_before) :])


def test_down_leaves_nothing_behind(cli: tuple[Cli, str]) -> None:
    run, name = cli
    run.write(layout(name, desired=2))
    run("up", "-d", "--timeout", "120")
    run("down")
    ps = subprocess.run(
        ["docker", "ps", "-a", "-q", "--filter", f"label={L.STACK}={name}"],
        capture_output=True,
        text=True,
        check=True,
    )
    nets = subprocess.run(
        ["docker", "network", "ls", "-q", "--filter", f"label={L.STACK}={name}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ps.stdout.strip() == ""
    assert nets.stdout.strip() == ""
    stopped = Store(name).stopped_tasks()
    assert len(stopped) == 2 and all(s.stop_code == "UserInitiated" for s in stopped)
    run("down", "--purge")
    assert not Store(name).stopped_tasks()
