"""Issue 2 figures: run-task of the echo task to RUNNING and to HEALTHY, against
``docker run`` of the same image (with the same health check) in the same run."""

from __future__ import annotations

import secrets
import time

from benchmarks.common import figure, heading, median, sh
from emulator import labels as L
from emulator.arns import Account
from emulator.model.layout import Subnet, Vpc
from emulator.model.taskdef import parse_task_definition
from emulator.networks import ensure_networks, remove_networks
from emulator.runtime.docker import DockerRuntime
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner

ROUNDS = 5
HEALTH = ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"]


def _docker_run() -> tuple[float, float]:
    name = f"bench-run-{secrets.token_hex(3)}"
    t0 = time.perf_counter()
    sh(
        "docker",
        "run",
        "-d",
        "--name",
        name,
        "--health-cmd",
        HEALTH[1],
        "--health-interval",
        "5s",
        "--health-timeout",
        "2s",
        "--health-retries",
        "2",
        "ecsdev/echo:latest",
    )
    running = time.perf_counter() - t0
    while sh("docker", "inspect", "-f", "{{.State.Health.Status}}", name) != "healthy":
        time.sleep(0.05)
    healthy = time.perf_counter() - t0
    sh("docker", "rm", "-f", name)
    return running, healthy


def _ecsdev_run(
    runner: TaskRunner, store: Store, placement: Placement, mode: str
) -> tuple[float, float]:
    td = parse_task_definition(
        {
            "family": f"bench-{mode}",
            "networkMode": mode,
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": "ecsdev/echo:latest",
                    "memory": 128,
                    "portMappings": [{"containerPort": 8080}],
                    "healthCheck": {"command": HEALTH, "interval": 5, "timeout": 2, "retries": 2},
                }
            ],
        }
    )
    arn, rev = store.register_task_definition(td, Account())
    t0 = time.perf_counter()
    task = runner.launch(
        td, arn, rev, base_dir=".", placement=placement if mode == "awsvpc" else Placement()
    )
    running = healthy = 0.0
    while True:
        d = runner.describe(runner.observe()[task])
        if not running and d.last_status == "RUNNING":
            running = time.perf_counter() - t0
        if d.health_status == "HEALTHY":
            healthy = time.perf_counter() - t0
            break
        time.sleep(0.05)
    runner.stop(task, "UserInitiated", "bench", wait=True)
    return running, healthy


def main() -> None:
    heading("run-task: the echo task to RUNNING and HEALTHY, against docker run (issue 2)")
    rt = DockerRuntime()
    stack = f"bench-{secrets.token_hex(3)}"
    store = Store(stack)
    nets = ensure_networks(rt, stack, Vpc(subnets=(Subnet("public"),)))
    runner = TaskRunner(rt, store, stack)
    try:
        base = [_docker_run() for _ in range(ROUNDS)]
        bridge = [_ecsdev_run(runner, store, Placement(), "bridge") for _ in range(ROUNDS)]
        awsvpc = [
            _ecsdev_run(runner, store, Placement(nets["public"], "public"), "awsvpc")
            for _ in range(ROUNDS)
        ]
    finally:
        runner.close()
        for c in rt.list_containers({L.STACK: stack}):
            rt.remove(c.id)
        remove_networks(rt, stack)
        store.purge()
    b_run, b_health = median([x[0] for x in base]), median([x[1] for x in base])
    figure("docker run -d (baseline) to running", b_run)
    figure("docker run -d (baseline) to healthy", b_health)
    figure("ecsdev run-task, bridge, to RUNNING", median([x[0] for x in bridge]), baseline=b_run)
    figure(
        "ecsdev run-task, bridge, to HEALTHY",
        median([x[1] for x in bridge]),
        baseline=b_health,
        goal="<= 1.20",
    )
    figure(
        "ecsdev run-task, awsvpc (pause included), to RUNNING",
        median([x[0] for x in awsvpc]),
        baseline=b_run,
    )
    figure(
        "ecsdev run-task, awsvpc (pause included), to HEALTHY",
        median([x[1] for x in awsvpc]),
        baseline=b_health,
        goal="<= 1.20",
    )
    print(
        f"  (medians of {ROUNDS} rounds; the first health check runs one interval, 5 s, after start in both)"
    )
