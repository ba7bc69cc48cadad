"""The first-cut CLI on a real engine, as a user runs it: a bare describe-task-definition
file through run-task, ps --json in ECS's shape, logs, exec, stop-task, and adoption: the
task carries on (and its essential exit is recorded) after the CLI process is gone."""

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

from emulator import labels as L
from emulator.runtime.docker import DockerRuntime

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
DESCRIBE = REPO / "layouts" / "taskdefs" / "echo-describe.json"


def ecsdev(
    *args: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", *args],
        capture_output=True,
        text=True,
        timeout=180,
        input=stdin,
        env={**os.environ, "COLUMNS": "200"},
    )
    if check and res.returncode != 0:
        raise AssertionError(
            f"ecsdev {' '.join(args)} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        )
    return res


@pytest.fixture
def stack() -> Iterator[str]:
    name = "c-" + secrets.token_hex(4)
    try:
        yield name
    finally:
        cleanup_stack(DockerRuntime(), name)


def tasks(stack: str) -> list[dict[str, Any]]:
    return list(json.loads(ecsdev("ps", "--stack", stack, "--json").stdout)["tasks"])


def test_run_a_describe_task_definition_output_and_inspect_it(stack: str, tmp_path: Path) -> None:
    # the example as it is, but for its health check's interval: 5 s (ECS's least) instead of
    # 10, as Docker runs the first check one interval after the start and run-task waits for
    # HEALTHY
    doc = json.loads(DESCRIBE.read_text())
    (check,) = [c["healthCheck"] for c in doc["taskDefinition"]["containerDefinitions"]]
    check["interval"] = 5
    described = tmp_path / DESCRIBE.name
    described.write_text(json.dumps(doc, indent=4))
    out = ecsdev("run-task", "-f", str(described), "--stack", stack, "--json")
    task = json.loads(out.stdout)["tasks"][0]
    assert task["lastStatus"] == "RUNNING" and task["healthStatus"] == "HEALTHY"
    assert task["taskDefinitionArn"].endswith(":task-definition/echo:1")
    assert task["desiredStatus"] == "RUNNING"
    c = task["containers"][0]
    assert c["name"] == "echo" and c["healthStatus"] == "HEALTHY"
    binding = c["networkBindings"][0]
    assert binding["bindIP"] == "127.0.0.1" and binding["containerPort"] == 8080
    tid = task["taskArn"].rsplit("/", 1)[1]

    # the CLI process is gone; Docker labels still say what this is
    labels = DockerRuntime().inspect(c["runtimeId"]).labels
    assert labels[L.STACK] == stack and labels[L.TASK_ARN] == task["taskArn"]
    assert labels[L.FAMILY] == "echo" and labels[L.REVISION] == "1"
    assert labels[L.ECS_CONTAINER_NAME] == "echo"

    listed = tasks(stack)
    assert [t["taskArn"] for t in listed] == [task["taskArn"]]
    human = ecsdev("ps", "--stack", stack).stdout
    assert tid[:12] in human and "RUNNING" in human and "HEALTHY" in human

    code = ecsdev(
        "exec", "--stack", stack, tid[:8], "echo", "--", "sh", "-c", "echo inside $ECS_TASK_ARN"
    )
    assert f"inside {task['taskArn']}" in code.stdout
    logs = ecsdev("logs", "--stack", stack, tid[:8]).stdout
    assert "echo listening on :8080" in logs

    # kill the essential container behind everyone's back: the background controller
    # records the stop with ECS's code and reason
    subprocess.run(["docker", "kill", c["runtimeId"]], check=True, capture_output=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        done = [
            t
            for t in json.loads(ecsdev("ps", "--stack", stack, "-a", "--json").stdout)["tasks"]
            if t["lastStatus"] == "STOPPED"
        ]
        if done:
            break
        time.sleep(0.5)
    assert done, "the controller did not record the stop"
    assert done[0]["stopCode"] == "EssentialContainerExited"
    assert done[0]["stoppedReason"] == "Essential container in task exited"
    assert done[0]["containers"][0]["exitCode"] == 137
    # stopped tasks keep their logs
    assert "echo listening on :8080" in ecsdev("logs", "--stack", stack, tid[:8]).stdout
    hidden = ecsdev("ps", "--stack", stack).stdout
    assert "no tasks running (1 stopped: ecsdev ps -a)" in hidden


def test_stop_task_and_failing_task_exit_codes(stack: str, tmp_path: Path) -> None:
    td = {
        "family": "crashy",
        "networkMode": "bridge",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "ecsdev/echo:latest",
                "memory": 64,
                "command": ["sh", "-c", "echo about to fail; exit 4"],
            }
        ],
    }
    f = tmp_path / "crashy.json"
    f.write_text(json.dumps(td))
    res = ecsdev("run-task", "-f", str(f), "--stack", stack, check=False)
    assert res.returncode == 1
    assert "EssentialContainerExited" in res.stdout and "x4" in res.stdout

    td2 = {
        "family": "sleeper",
        "networkMode": "bridge",
        "containerDefinitions": [{"name": "app", "image": "ecsdev/echo:latest", "memory": 64}],
    }
    f2 = tmp_path / "sleeper.json"
    f2.write_text(json.dumps(td2))
    task = json.loads(ecsdev("run-task", "-f", str(f2), "--stack", stack, "--json").stdout)[
        "tasks"
    ][0]
    tid = task["taskArn"].rsplit("/", 1)[1]
    out = ecsdev("stop-task", "--stack", stack, tid, "--reason", "done testing").stdout
    assert "UserInitiated" in out and "done testing" in out
    stopped = {
        t["taskArn"]: t
        for t in json.loads(ecsdev("ps", "--stack", stack, "-a", "--json").stdout)["tasks"]
    }
    assert stopped[task["taskArn"]]["stoppedReason"] == "done testing"
    assert stopped[task["taskArn"]]["containers"][0]["exitCode"] == 0  # echo exits 0 on SIGTERM


def test_unknown_task_and_bad_layout_give_clear_errors(stack: str, tmp_path: Path) -> None:
    res = ecsdev("logs", "--stack", stack, "feedface", check=False)
    assert (
        res.returncode == 2 and "no task 'feedface'" in res.stderr and "Traceback" not in res.stderr
    )
    bad = tmp_path / "ecsdev.yaml"
    bad.write_text(
        "version: 1\nname: Bad_Name\nservices:\n  - serviceName: x\n    taskDefinition: nope\n"
    )
    res = ecsdev("up", "-d", "-f", str(bad), check=False)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "ecsdev.yaml:2: name:" in res.stderr
    assert "services[0].taskDefinition" in res.stderr
    assert not DockerRuntime().list_networks({L.STACK: "Bad_Name"})
