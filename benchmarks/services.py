"""Issue 3 figures: ``ecsdev up -d`` of N services x 2 echo tasks until steady, against
docker compose of an equivalent compose file generated in the same run (Debian's
docker-compose 1.29 has no ``--wait``, so the baseline is ``up -d`` then polling until every
container is healthy, which is what ``--wait`` does); and the controller's idle CPU."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from benchmarks.common import figure, heading, sh

HEALTH = "curl -fs http://localhost:8080/health || exit 1"


def _layout(name: str, n: int) -> dict[str, object]:
    tds, svcs = [], []
    for i in range(n):
        tds.append(
            {
                "family": f"svc{i:02d}",
                "networkMode": "bridge",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "ecsdev/echo:latest",
                        "memory": 64,
                        "portMappings": [{"containerPort": 8080}],
                        "healthCheck": {
                            "command": ["CMD-SHELL", HEALTH],
                            "interval": 5,
                            "timeout": 5,
                            "retries": 3,
                            "startPeriod": 10,
                        },
                    }
                ],
            }
        )
        svcs.append(
            {"serviceName": f"svc{i:02d}", "taskDefinition": f"svc{i:02d}", "desiredCount": 2}
        )
    return {"version": 1, "name": name, "taskDefinitions": tds, "services": svcs}


def _compose(n: int) -> dict[str, object]:
    services = {
        f"svc{i:02d}": {
            "image": "ecsdev/echo:latest",
            "mem_limit": "64m",
            "scale": 2,
            "ports": ["127.0.0.1::8080"],
            "healthcheck": {
                "test": ["CMD-SHELL", HEALTH],
                "interval": "5s",
                "timeout": "5s",
                "retries": 3,
                "start_period": "10s",
            },
        }
        for i in range(n)
    }
    return {"version": "2.4", "services": services}


def _ensure_compose() -> str:
    exe = shutil.which("docker-compose")
    if exe is None and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "docker-compose"],
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        exe = shutil.which("docker-compose")
    if exe is None:
        raise SystemExit(
            "docker-compose is needed for the baseline (apt-get install docker-compose)"
        )
    return exe


def _compose_up(exe: str, n: int, workdir: Path) -> float:
    project = f"bench{secrets.token_hex(3)}"
    f = workdir / "docker-compose.yml"
    f.write_text(yaml.safe_dump(_compose(n)))
    t0 = time.perf_counter()
    subprocess.run([exe, "-f", str(f), "-p", project, "up", "-d"], check=True, capture_output=True)
    ids = sh(
        "docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}"
    ).split()
    while True:
        states = sh("docker", "inspect", "-f", "{{.State.Health.Status}}", *ids).split()
        if states and all(s == "healthy" for s in states):
            break
        time.sleep(0.2)
    took = time.perf_counter() - t0
    subprocess.run([exe, "-f", str(f), "-p", project, "down", "-t", "1"], capture_output=True)
    return took


def _ecsdev(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "ecsdev", *args], check=True, capture_output=True, cwd=cwd
    )


def _ecsdev_up(n: int, workdir: Path, measure_idle: bool) -> tuple[float, float | None]:
    name = f"bench-{secrets.token_hex(3)}"
    f = workdir / "ecsdev.yaml"
    f.write_text(yaml.safe_dump(_layout(name, n)))
    t0 = time.perf_counter()
    _ecsdev("up", "-d", "--timeout", "600", cwd=workdir)
    took = time.perf_counter() - t0
    idle = None
    if measure_idle:
        from emulator.store import stack_dir

        pid = int((stack_dir(name) / "controller.lock").read_text())
        time.sleep(5)
        idle = _cpu_percent(pid, 20.0)
    _ecsdev("down", "--purge", cwd=workdir)
    return took, idle


def _cpu_percent(pid: int, seconds: float) -> float:
    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    hz = os.sysconf("SC_CLK_TCK")
    a = ticks()
    time.sleep(seconds)
    return (ticks() - a) / hz / seconds * 100


def main() -> None:
    heading("ecsdev up -d until steady, against docker compose (issue 3)")
    exe = _ensure_compose()
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        for n in (10, 50):
            base = _compose_up(exe, n, work)
            took, idle = _ecsdev_up(n, work, measure_idle=n == 10)
            figure(f"docker-compose up -d + wait healthy, {n} services x 2", base)
            figure(
                f"ecsdev up -d until steady, {n} services x 2", took, baseline=base, goal="<= 1.20"
            )
            if idle is not None:
                figure(
                    f"controller CPU while {n} x 2 tasks idle (% of one core)",
                    idle,
                    unit="%",
                    goal="< 2",
                )
