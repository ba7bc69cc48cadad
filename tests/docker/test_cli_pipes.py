"""The real CLI against the real engine with stdout a pipe (as ``ecsdev ... | grep`` runs it):
``up -d`` prints the events in the order they happened, one per line on stdout; ``events``,
``ps`` and ``run-task`` print one record per line, never wrapped at COLUMNS; ``--json`` is
AWS-shaped."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulator.runtime.docker import DockerRuntime

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker

STAMP = re.compile(r"^(\d\d):(\d\d):(\d\d) ")
LAYOUT = """version: 1
name: {name}
vpc: {{cidr: 10.77.0.0/16, subnets: [{{name: a, cidr: 10.77.0.0/24, public: true}}]}}
taskDefinitions:
  - family: {name}-web
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: ecsdev/echo:latest
        memory: 64
        portMappings: [{{containerPort: 8080}}]
        environment: [{{name: PORT, value: "8080"}}]
services:
  - serviceName: web
    taskDefinition: {name}-web
    desiredCount: 2
    subnets: [a]
"""


def ecsdev(*args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", *args],
        capture_output=True,  # pipes
        text=True,
        timeout=240,
        env={**os.environ, "COLUMNS": "40"},
    )
    assert res.returncode == 0, f"ecsdev {' '.join(args)}\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture
def layout(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    name = "p-" + secrets.token_hex(3)
    path = tmp_path / "ecsdev.yaml"
    path.write_text(LAYOUT.format(name=name))
    try:
        yield name, path
    finally:
        cleanup_stack(DockerRuntime(), name)


def seconds(line: str) -> int:
    m = STAMP.match(line)
    assert m, line
    h, mi, s = (int(x) for x in m.groups())
    return h * 3600 + mi * 60 + s


def test_up_ps_events_through_a_pipe(layout: tuple[str, Path]) -> None:
    name, path = layout
    up = ecsdev("up", "-d", "-f", str(path), "--timeout", "120")
    events = [x for x in up.stdout.splitlines() if STAMP.match(x)]
    assert any("has started 2 tasks" in x for x in events), up.stdout
    times = [seconds(x) for x in events]
    assert times == sorted(times), events  # in the order they happened
    assert f"stack {name} is steady" in up.stdout
    assert "\x1b[" not in up.stdout

    logged = ecsdev("events", "--stack", name).stdout.splitlines()
    assert logged and all(STAMP.match(x) for x in logged)  # one event per line
    started = [x for x in logged if "has started 2 tasks" in x]
    assert len(started) == 1 and re.search(r"\(task [0-9a-f]{32}\)", started[0]), logged
    doc = json.loads(ecsdev("events", "--stack", name, "--json").stdout)
    assert [e["message"] for e in doc["events"]] == [STAMP.sub("", x) for x in logged]

    ps = ecsdev("ps", "--stack", name).stdout.splitlines()
    header = next(i for i, x in enumerate(ps) if x.startswith("TASK "))
    rows = ps[header + 1 :]
    assert len(rows) == 2, ps  # one line per task, whatever COLUMNS says
    for row in rows:
        assert f"{name}-web:1" in row and "RUNNING" in row and re.search(r"10\.77\.0\.\d+", row)
    assert ps[0].split()[:3] == ["SERVICE", "DESIRED", "RUNNING"]
    assert any(x.startswith("web ") for x in ps[1:header])
    described = json.loads(ecsdev("ps", "--stack", name, "--json").stdout)
    assert {t["lastStatus"] for t in described["tasks"]} == {"RUNNING"}
    assert described["services"][0]["serviceName"] == "web"


def test_a_redeploy_records_its_events_in_order(layout: tuple[str, Path]) -> None:
    name, path = layout
    ecsdev("up", "-d", "-f", str(path), "--timeout", "120")
    ecsdev("redeploy", "--stack", name, "web")
    deadline = time.time() + 150
    while time.time() < deadline:
        ps = json.loads(ecsdev("ps", "--stack", name, "--json").stdout)
        deps = ps["services"][0]["deployments"]
        if (
            len(deps) == 1
            and deps[0]["rolloutState"] == "COMPLETED"
            and any("has stopped" in e["message"] for e in ps["services"][0]["events"])
        ):
            break
        time.sleep(2)
    events = json.loads(ecsdev("events", "--stack", name, "-n", "500", "--json").stdout)
    stamps = [e["createdAt"] for e in events["events"]]
    assert any("has stopped" in e["message"] for e in events["events"])
    assert stamps == sorted(stamps), [(e["createdAt"], e["message"]) for e in events["events"]]
