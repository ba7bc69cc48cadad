"""The CLI by Unix conventions, run for real with stdout a pipe: the command's answer on
stdout, one record per line, never wrapped (whatever COLUMNS says); ``--json`` shaped like
AWS's output. In a terminal, tables fit its width without splitting a word: cells are cut
with … and low-value columns dropped, ``-o wide`` shows them all."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ecsdev.cli.output import Column, fitted, plain_table
from ecsdev.cli.tables import COLUMNS, task_row
from emulator.events import Event
from emulator.store import Store

ARN = "arn:aws:ecs:us-east-1:000000000000:task/default/" + "0123456789abcdef" * 2
TG = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef"
MESSAGES = [
    f"(service web) (task {ARN.rsplit('/', 1)[-1]}) is unhealthy in (target-group {TG}) "
    "due to (reason Health checks failed with these codes: [503]).",
    "(service web) has reached a steady state.",
    f"task {ARN} stopped: Essential container in task exited " + "x" * 200,
    "controller: Docker is not reachable\nretrying",
]


def run(*args: str, columns: str = "40") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecsdev", *args],
        capture_output=True,  # stdout and stderr are pipes
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": columns},
    )


@pytest.fixture
def stack(_isolated_state: Path) -> str:
    store = Store("pipes")
    for i, m in enumerate(MESSAGES):
        store.add_event(Event(m, level="warning" if i == 0 else "info", subject="web", at=1e9 + i))
    store.close()
    return "pipes"


def test_events_are_one_line_each_on_stdout(stack: str) -> None:
    res = run("events", "--stack", stack)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == len(MESSAGES)
    for line, message in zip(lines, MESSAGES, strict=True):
        # whole: no wrap at COLUMNS, no cut ARN; a line break in a message is a space
        assert line.endswith(" " + message.replace("\n", " "))
    assert [x for x in lines if "is unhealthy in (target-group" in x]  # what grep looks for
    assert res.stderr == ""
    assert "\x1b[" not in res.stdout  # no colour codes in a pipe


def test_events_json_is_describe_services_events(stack: str) -> None:
    res = run("events", "--stack", stack, "--json")
    doc = json.loads(res.stdout)
    assert [e["message"] for e in doc["events"]] == MESSAGES
    first = doc["events"][0]
    assert set(first) >= {"id", "createdAt", "message"}
    assert first["createdAt"].startswith("2001-09-09T01:46:40")


def test_validate_json_lists_problems_with_file_line_path(tmp_path: Path) -> None:
    f = tmp_path / "ecsdev.yaml"
    f.write_text("version: 1\nname: Bad_Name\n")
    res = run("validate", "-f", str(f), "--json")
    assert res.returncode == 2
    doc = json.loads(res.stdout)
    assert doc["valid"] is False
    assert doc["problems"][0]["file"] == str(f)
    assert doc["problems"][0]["line"] == 2 and doc["problems"][0]["path"] == "name"


def test_errors_in_a_pipe_are_plain_lines(tmp_path: Path) -> None:
    f = tmp_path / "ecsdev.yaml"
    f.write_text("version: 1\nname: Bad_Name\ncluster: " + "c" * 300 + "\n")
    res = run("validate", "-f", str(f))
    assert res.returncode == 2
    lines = res.stderr.splitlines()
    assert lines[0].startswith(f"{f}:2: name: ") and lines[1].startswith(f"{f}:3: cluster: ")
    assert "│" not in res.stderr and "Traceback" not in res.stderr


TASK = {
    "taskArn": ARN,
    "taskDefinitionArn": "arn:aws:ecs:us-east-1:000000000000:task-definition/a-long-family-name:12",
    "lastStatus": "STOPPED",
    "desiredStatus": "STOPPED",
    "healthStatus": "UNKNOWN",
    "startedAt": "2024-01-01T00:00:00+00:00",
    "stopCode": "EssentialContainerExited",
    "stoppedReason": "Essential container in task exited",
    "attachments": [
        {"status": "ATTACHED", "details": [{"name": "privateIPv4Address", "value": "10.42.1.2"}]}
    ],
    "containers": [
        {"name": "app", "lastStatus": "STOPPED", "exitCode": 1, "reason": "x " * 40},
        {"name": "sidecar", "lastStatus": "STOPPED", "exitCode": 0},
    ],
}


def render(width: int, wide: bool = False) -> list[str]:
    console = Console(file=io.StringIO(), width=width, color_system=None, soft_wrap=True)
    console.print(fitted(COLUMNS, [task_row(TASK)] * 2, width, wide))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [x.rstrip() for x in text.splitlines()]


def test_terminal_table_fits_without_splitting_a_word() -> None:
    lines = render(80)
    assert len(lines) == 3  # header and two rows: nothing wrapped onto a second line
    assert all(len(x) <= 80 for x in lines)
    header = lines[0].split()
    assert header[:3] == ["TASK", "DEFINITION", "STATUS"]
    assert "STARTED" not in header and "ADDRESS" not in header  # low-value columns dropped
    assert "10.42.1." not in "".join(lines)
    assert "…" in lines[1]  # the stop reason is cut, not wrapped


def test_wide_shows_every_column() -> None:
    lines = render(80, wide=True)
    assert len(lines) == 3
    for col in ("HEALTH", "STARTED", "ADDRESS", "CONTAINERS"):
        assert col in lines[0]


def test_pipe_table_is_whole_and_aligned() -> None:
    text = plain_table(COLUMNS, [task_row(TASK)] * 2)
    lines = text.splitlines()
    assert len(lines) == 3
    assert "10.42.1.2" in lines[1] and "a-long-family-name:12" in lines[1]
    assert lines[1].index("10.42.1.2") == lines[0].index("ADDRESS")
    assert plain_table([Column("A"), Column("B")], [["x\ny", "z"]]) == "A    B\nx y  z\n"
