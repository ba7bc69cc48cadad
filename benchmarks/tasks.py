"""Issue 2 and 14 figures: run-task of the echo task to RUNNING and to HEALTHY against
``docker run`` of the same image (with the same health check) in the same run, rounds
interleaved so that load from elsewhere hits both alike; and the pause image's size.

awsvpc is compared with ``docker run`` on the default bridge (what a user types) and on the
task's own subnet network (the same network set-up, embedded DNS included, that the pause
container pays), so that the figure says what the pause container itself costs. Two awsvpc figures: a launch
on a subnet where the stack's controller keeps a started spare pause container
(``emulator.spares``: the pool is ticked after each task, as the controller's loop does,
and the spare is ready before the next launch), and a cold launch on a subnet without one
(the first task there, or a burst beyond its spares). And a burst: four tasks launched at
once (a deployment's new tasks), until all are RUNNING, on a subnet whose pool has learned
the burst and on one without spares, against four ``docker run -d`` at once."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from benchmarks.common import figure, heading, median, sh
from emulator import labels as L
from emulator.arns import Account
from emulator.images import BASE, PAUSE, ensure_builtin
from emulator.model.layout import Subnet, Vpc
from emulator.model.taskdef import TaskDefinition, parse_task_definition
from emulator.networks import ensure_networks, remove_networks
from emulator.runtime.docker import DockerRuntime
from emulator.spares import SparePool
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner

ROUNDS = 7
BURST = 4  # tasks a deployment starts at once
ECHO = "ecsdev/echo:latest"
POLL = 0.01
HEALTH = ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"]


def _docker_run(network: str | None) -> tuple[float, float]:
    name = f"bench-run-{secrets.token_hex(3)}"
    net = ["--network", network] if network else []
    t0 = time.perf_counter()
    sh(
        "docker",
        "run",
        "-d",
        "--name",
        name,
        *net,
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


def _echo(mode: str) -> TaskDefinition:
    return parse_task_definition(
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


def _burst_docker_run(network: str) -> float:
    """BURST ``docker run -d`` at once on the subnet's network, until all are running."""
    names = [f"bench-burst-{secrets.token_hex(3)}" for _ in range(BURST)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(BURST) as ex:
        list(
            ex.map(
                lambda n: sh("docker", "run", "-d", "--name", n, "--network", network, ECHO), names
            )
        )
    took = time.perf_counter() - t0
    sh("docker", "rm", "-f", *names)
    return took


def _burst(
    runner: TaskRunner, store: Store, placement: Placement, spares: SparePool | None
) -> float:
    """BURST awsvpc launches at once (a deployment's new tasks), until all are RUNNING; then
    the pool's tick, as the controller's, learns the burst."""
    td = _echo("awsvpc")
    arn, rev = store.register_task_definition(td, Account())
    t0 = time.perf_counter()
    with ThreadPoolExecutor(BURST) as ex:
        tasks = list(
            ex.map(
                lambda _: runner.launch(td, arn, rev, base_dir=".", placement=placement),
                range(BURST),
            )
        )
    while True:
        seen = runner.observe()
        if all(runner.describe(seen[t]).last_status == "RUNNING" for t in tasks):
            break
        time.sleep(POLL)
    took = time.perf_counter() - t0
    if spares is not None:
        spares.tick(time.time(), runner.observe())
        spares.wait()
    with ThreadPoolExecutor(BURST) as ex:  # all gone before the pool's next look
        list(ex.map(lambda t: runner.stop(t, "UserInitiated", "bench", wait=True), tasks))
    return took


def _ecsdev_run(
    runner: TaskRunner,
    store: Store,
    placement: Placement,
    mode: str,
    spares: SparePool | None = None,
) -> tuple[float, float]:
    td = _echo(mode)
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
        time.sleep(POLL)
    if spares is not None:  # as the controller's tick does: the next spare for the subnet
        spares.tick(time.time(), runner.observe())
        spares.wait()
    runner.stop(task, "UserInitiated", "bench", wait=True)
    return running, healthy


def _size(ref: str) -> float:
    return int(sh("docker", "image", "inspect", "-f", "{{.Size}}", ref)) / 1e6


def main() -> None:
    heading("run-task: the echo task to RUNNING and HEALTHY, against docker run (issues 2, 14)")
    rt = DockerRuntime()
    for ref in (BASE, PAUSE):
        ensure_builtin(rt, ref)
    stack = f"bench-{secrets.token_hex(3)}"
    store = Store(stack)
    nets = ensure_networks(rt, stack, Vpc(subnets=(Subnet("public"), Subnet("other"))))
    runner = TaskRunner(rt, store, stack)
    spares = SparePool(runner)  # what the stack's controller runs
    subnet = Placement(nets["public"], "public")
    cold = Placement(nets["other"], "other")  # no spare is ever made there
    rounds: dict[str, Callable[[], tuple[float, float]]] = {
        "run": lambda: _docker_run(None),
        "run-net": lambda: _docker_run(nets["public"]),
        "bridge": lambda: _ecsdev_run(runner, store, Placement(), "bridge"),
        "awsvpc": lambda: _ecsdev_run(runner, store, subnet, "awsvpc", spares),
        "awsvpc-cold": lambda: _ecsdev_run(runner, store, cold, "awsvpc"),
    }
    bursts: dict[str, Callable[[], float]] = {
        "run": lambda: _burst_docker_run(nets["public"]),
        "warm": lambda: _burst(runner, store, subnet, spares),
        "cold": lambda: _burst(runner, store, cold, None),
    }
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in rounds}
    burst: dict[str, list[float]] = {k: [] for k in bursts}
    try:
        for fn in [*rounds.values(), *bursts.values()]:  # one unmeasured round each
            fn()
        for _ in range(ROUNDS):
            for k, fn in rounds.items():
                got[k].append(fn())
            for k, b in bursts.items():
                burst[k].append(b())
    finally:
        spares.close()
        runner.close()
        for c in rt.list_containers({L.STACK: stack}):
            rt.remove(c.id)
        remove_networks(rt, stack)
        store.purge()

    def med(k: str, i: int) -> float:
        return median([x[i] for x in got[k]])

    b_run, b_health, n_run = med("run", 0), med("run", 1), med("run-net", 0)
    figure("docker run -d (baseline) to running", b_run)
    figure("docker run -d (baseline) to healthy", b_health)
    figure("docker run -d --network <subnet> to running", n_run, baseline=b_run)
    figure("ecsdev run-task, bridge, to RUNNING", med("bridge", 0), baseline=b_run)
    figure(
        "ecsdev run-task, bridge, to HEALTHY", med("bridge", 1), baseline=b_health, goal="<= 1.20"
    )
    figure(
        "ecsdev run-task, awsvpc (spare ready), to RUNNING",
        med("awsvpc", 0),
        baseline=b_run,
        goal="<= 1.20",
    )
    figure(
        "ecsdev run-task, awsvpc (own pause: cold), to RUNNING",
        med("awsvpc-cold", 0),
        baseline=b_run,
    )
    figure("  the same against docker run on the subnet", med("awsvpc-cold", 0), baseline=n_run)
    figure(
        "ecsdev run-task, awsvpc (spare ready), to HEALTHY",
        med("awsvpc", 1),
        baseline=b_health,
        goal="<= 1.20",
    )
    b_burst = median(burst["run"])
    figure(f"{BURST} x docker run -d --network <subnet> at once, all running", b_burst)
    figure(
        f"{BURST} awsvpc tasks at once, all RUNNING (spares for the burst)",
        median(burst["warm"]),
        baseline=b_burst,
        goal="<= 1.20",
    )
    figure(
        f"{BURST} awsvpc tasks at once, all RUNNING (no spares: cold)",
        median(burst["cold"]),
        baseline=b_burst,
    )
    figure(f"pause image {PAUSE} size", _size(PAUSE), "MB", baseline=_size(BASE))
    print(
        f"  (medians of {ROUNDS} interleaved rounds; the first health check runs one interval,"
        f" 5 s, after start in both; the size ratio is against {BASE}, the old pause's base)"
    )
