"""CLI errors without Docker: a bad layout exits 2 listing every problem; an unreachable
engine exits 1 with one message naming DOCKER_HOST; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecsdev", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def test_docker_unreachable_names_docker_host(tmp_path: Path) -> None:
    res = run("ps", "--stack", "nothing", env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"})
    assert res.returncode == 1
    assert "Docker is not reachable at unix://" in res.stderr and "DOCKER_HOST" in res.stderr
    assert "Traceback" not in res.stderr


def test_validate_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "ecsdev.yaml"
    f.write_text(
        "version: 1\n"
        "name: ok\n"
        "taskDefinitions:\n"
        "  - family: web\n"
        "    networkMode: awsvpc\n"
        "    containerDefinitions:\n"
        "      - name: app\n"
        "        image: x\n"
        "        memory: 64\n"
        "        portMapings: [{containerPort: 80}]\n"
        "      - name: app\n"
        "        image: y\n"
        "        memory: 64\n"
    )
    res = run("validate", "-f", str(f))
    assert res.returncode == 2, res.stderr
    assert "ecsdev.yaml:10: taskDefinitions[0].containerDefinitions[0].portMapings" in res.stderr
    assert "portMappings" in res.stderr  # the nearest valid key
    assert "containerDefinitions[1].name" in res.stderr
    assert "Traceback" not in res.stderr


def test_validate_accepts_every_example() -> None:
    repo = Path(__file__).resolve().parents[2]
    for f in sorted((repo / "layouts").glob("*/ecsdev.yaml")):
        res = run("validate", "-f", str(f))
        assert res.returncode == 0, f"{f}: {res.stderr}"
        assert "is valid" in res.stdout
