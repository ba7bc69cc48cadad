"""``linuxParameters.devices`` and ``ipcMode: host`` reach the container Docker runs (as in
the ECS agent), through ``ecsdev run-task`` with a real engine."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from emulator.runtime.docker import DockerRuntime

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker


@pytest.fixture
def stack() -> Iterator[str]:
    name = "d-" + secrets.token_hex(3)
    try:
        yield name
    finally:
        cleanup_stack(DockerRuntime(), name)


def test_devices_and_ipc_mode_reach_docker(stack: str, tmp_path: Path) -> None:
    td = {
        "family": "dev",
        "networkMode": "bridge",
        "ipcMode": "host",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "ecsdev/base:bookworm",
                "memory": 64,
                "command": ["sleep", "60"],
                "linuxParameters": {
                    "devices": [{"hostPath": "/dev/null", "containerPath": "/dev/mynull"}]
                },
            }
        ],
    }
    f = tmp_path / "td.json"
    f.write_text(json.dumps(td))
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", "run-task", "-f", str(f), "--stack", stack, "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        env=os.environ,
    )
    assert res.returncode == 0, res.stderr
    assert "ipcMode" not in res.stderr and "devices" not in res.stderr  # no warning
    task = json.loads(res.stdout)["tasks"][0]
    assert task["lastStatus"] == "RUNNING"
    client = docker.from_env()
    (c,) = client.containers.list(filters={"label": f"ecsdev.stack={stack}"})
    host = c.attrs["HostConfig"]
    assert host["IpcMode"] == "host"
    assert host["Devices"][0]["PathInContainer"] == "/dev/mynull"
    code, _ = c.exec_run(["test", "-c", "/dev/mynull"])
    assert code == 0
