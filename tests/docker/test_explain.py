"""``ecsdev explain`` on real stops, few and fast: one task whose non-essential init container
is OOM-killed under a 16 MiB limit, which fails its app's dependsOn SUCCESS (an OOM and a
dependency failure in one run); then one stack with two services that the scheduler stops,
one for its container health check and one for its target group's health check (ELB)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.runtime.docker import DockerRuntime
from emulator.store import Store

from .albstack import free_port
from .conftest import cleanup_stack

pytestmark = pytest.mark.docker


class Cli:
    def __init__(self, root: Path, name: str) -> None:
        self.root, self.name = root, name
        self.env = {**os.environ, "ECSDEV_STATE_DIR": str(root / "state"), "COLUMNS": "200"}

    def __call__(self, *args: str, check: bool = True) -> str:
        res = subprocess.run(
            [sys.executable, "-m", "ecsdev", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=self.root,
            env=self.env,
        )
        if check:
            assert res.returncode == 0, (
                f"ecsdev {args}: {res.returncode}\n{res.stdout}\n{res.stderr}"
            )
        return res.stdout

    def explain(self, task: str) -> dict[str, Any]:
        doc = json.loads(self("explain", "--stack", self.name, task, "--json"))
        assert len(doc["tasks"]) == 1
        return dict(doc["tasks"][0])


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    c = Cli(tmp_path, "x-" + secrets.token_hex(3))
    try:
        yield c
    finally:
        before = os.environ.get("ECSDEV_STATE_DIR")
        os.environ["ECSDEV_STATE_DIR"] = c.env["ECSDEV_STATE_DIR"]  # to find the controller
        try:
            cleanup_stack(DockerRuntime(), c.name)
        finally:
            if before is None:
                os.environ.pop("ECSDEV_STATE_DIR", None)
            else:
                os.environ["ECSDEV_STATE_DIR"] = before


def _container(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["containers"] if c["name"] == name)


def test_explain_an_oom_killed_init_that_fails_its_dependent(cli: Cli) -> None:
    td = {
        "family": "why",
        "networkMode": "bridge",
        "containerDefinitions": [
            {
                "name": "init",
                "image": "ecsdev/base:bookworm",
                "essential": False,
                "memory": 16,
                "command": [
                    "sh",
                    "-c",
                    "echo warming the cache; exec dd if=/dev/zero of=/dev/null bs=256M count=1",
                ],
            },
            {
                "name": "app",
                "image": "ecsdev/base:bookworm",
                "memory": 32,
                "command": ["sleep", "30"],
                "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}],
            },
        ],
    }
    layout = {"version": 1, "name": cli.name, "taskDefinitions": [td]}
    (cli.root / "ecsdev.yaml").write_text(yaml.safe_dump(layout))
    out = json.loads(cli("run-task", "--task-definition", "why", "--json", check=False))
    arn = out["tasks"][0]["taskArn"]
    doc = cli.explain(arn.rsplit("/", 1)[1][:12])

    assert doc["stopCode"] == "TaskFailedToStart"
    assert doc["explanation"]["key"] == "dependency.failed"
    assert doc["cause"] == "init"
    init, app = _container(doc, "init"), _container(doc, "app")
    assert init["explanation"]["key"] == "container.oom" and init["cause"]
    assert init["exitCode"] == 137
    assert "memory limit of the container: 16 MiB (hard limit, `memory`)" in init["evidence"]
    assert "  | warming the cache" in init["evidence"]
    assert app["explanation"]["key"] == "dependency.failed"
    assert "depends on: init:SUCCESS" in app["evidence"]
    assert doc["nextStep"].startswith("init: Raise the container's `memory`")


def _service(name: str, health: dict[str, Any] | None, lb: bool) -> tuple[dict[str, Any], ...]:
    container: dict[str, Any] = {
        "name": "app",
        "image": "ecsdev/echo:latest",
        "memory": 64,
        "portMappings": [{"containerPort": 8080}],
    }
    if health:
        container["healthCheck"] = health
    td = {"family": name, "networkMode": "awsvpc", "containerDefinitions": [container]}
    svc: dict[str, Any] = {
        "serviceName": name,
        "taskDefinition": name,
        "desiredCount": 1,
        "subnets": ["private-a"],
    }
    if lb:
        svc["loadBalancers"] = [
            {"targetGroup": name, "containerName": "app", "containerPort": 8080}
        ]
    return td, svc


def test_explain_container_and_elb_health_check_stops(cli: Cli) -> None:
    port = free_port()
    failing = {"command": ["CMD-SHELL", "echo db unreachable; exit 1"], "interval": 5, "retries": 1}
    td1, sick = _service("sick", failing, lb=False)
    td2, lost = _service("lost", None, lb=True)
    doc = {
        "version": 1,
        "name": cli.name,
        "vpc": {
            "subnets": [
                {"name": "public-a", "public": True},
                {"name": "private-a", "public": False},
            ]
        },
        "loadBalancers": [
            {
                "name": "edge",
                "subnets": ["public-a"],
                "listeners": [
                    {
                        "port": 80,
                        "publish": f"127.0.0.1:{port}",
                        "defaultActions": [{"type": "forward", "targetGroup": "lost"}],
                    }
                ],
            }
        ],
        "targetGroups": [
            {
                "name": "lost",
                "port": 8080,
                "targetType": "ip",
                "healthCheckPath": "/health",
                "matcher": "202",  # the app answers 200: every check fails
                "healthCheckIntervalSeconds": 5,
                "healthCheckTimeoutSeconds": 2,
                "healthyThresholdCount": 2,
                "unhealthyThresholdCount": 2,
                "deregistrationDelay": 0,
            }
        ],
        "taskDefinitions": [td1, td2],
        "services": [sick, lost],
    }
    (cli.root / "ecsdev.yaml").write_text(yaml.safe_dump(doc))
    cli("up", "-d", "--timeout", "1", check=False)  # never steady: returns, the controller runs
    store = Store(cli.name, cli.root / "state" / "stacks" / cli.name)
    found: dict[str, str] = {}
    deadline = time.time() + 45
    while len(found) < 2 and time.time() < deadline:
        for t in store.stopped_tasks():
            if t.stop_code == "ServiceSchedulerInitiated":
                found.setdefault(t.group.split(":", 1)[1], t.task_arn)
        time.sleep(0.5)
    assert set(found) == {"sick", "lost"}, found

    health = cli.explain(found["sick"])
    assert health["stoppedReason"] == "Task failed container health checks"
    assert health["explanation"]["key"] == "task.container-health"
    assert health["cause"] == "app"
    ev = _container(health, "app")["evidence"]
    assert "health when the task stopped: UNHEALTHY" in ev
    assert any("exit 1: db unreachable" in line for line in ev), ev
    assert any(line.startswith("health check: CMD-SHELL echo db unreachable") for line in ev)

    elb = cli.explain(found["lost"])
    assert elb["explanation"]["key"] == "task.elb-health"
    tg = next(
        x for x in elb["evidence"] if x.startswith("target group: arn:aws:elasticloadbalancing")
    )
    assert tg.endswith(elb["stoppedReason"].rsplit(" ", 1)[1].strip("()"))
    assert any(
        "unhealthy — Target.ResponseCodeMismatch Health checks failed with these codes: [200]" in x
        for x in elb["evidence"]
    ), elb["evidence"]
