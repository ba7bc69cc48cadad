"""Issue 11 figure: starting a task with the credentials and metadata endpoint (the agent's
launch hook: registration, ECS's variables, and in a private subnet a second interface for
the pause container) against the same task without it, rounds interleaved so that load
from elsewhere hits both alike; and what a request to the agent costs from inside a task."""

from __future__ import annotations

import secrets
import time
from typing import Any

from benchmarks.common import figure, heading, median
from emulator import labels as L
from emulator.agent.hook import AgentHook
from emulator.arns import Account
from emulator.model.layout import Subnet, Vpc
from emulator.model.taskdef import parse_task_definition
from emulator.networks import ensure_networks, remove_networks
from emulator.runtime.docker import DockerRuntime
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner

ROUNDS = 7
WAIT = ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]


def _td(mode: str) -> Any:
    return parse_task_definition(
        {
            "family": f"bench-{mode}",
            "networkMode": mode,
            "taskRoleArn": "arn:aws:iam::000000000000:role/bench",
            "containerDefinitions": [
                {"name": "app", "image": "ecsdev/base:bookworm", "memory": 64, "command": WAIT}
            ],
        }
    )


def _to_running(runner: TaskRunner, td: Any, placement: Placement) -> tuple[float, str]:
    arn, rev = runner.store.register_task_definition(td, Account())
    t0 = time.perf_counter()
    task = runner.launch(td, arn, rev, base_dir=".", placement=placement)
    while runner.describe(runner.observe()[task]).last_status != "RUNNING":
        time.sleep(0.01)
    return time.perf_counter() - t0, task


def _request_ms(rt: DockerRuntime, runner: TaskRunner, task: str, path: str) -> float:
    observed = runner.observe()[task]
    cid = observed.containers[0].state.id
    code, out = rt.exec_run(
        cid,
        [
            "sh",
            "-c",
            f"for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{{time_total}} ' {path}; done",
        ],
    )
    times = [float(x) for x in out.split()[1:]] if code == 0 else [float("nan")]
    return median(times) * 1000


def main() -> None:
    heading("run-task with the credentials and metadata endpoint, against none (issue 11)")
    rt = DockerRuntime()
    stack = f"bench-{secrets.token_hex(3)}"
    store = Store(stack)
    nets = ensure_networks(rt, stack, Vpc(subnets=(Subnet("private", public=False),)))
    with_agent = TaskRunner(rt, store, stack)
    without = TaskRunner(rt, store, stack)
    without.hooks = [h for h in without.hooks if not isinstance(h, AgentHook)]
    cases = {"bridge": Placement(), "awsvpc": Placement(nets["private"], "private")}
    got: dict[tuple[str, bool], list[float]] = {}
    served: dict[str, float] = {}
    try:
        for mode, placement in cases.items():
            for runner in (without, with_agent):  # one unmeasured round each
                _, task = _to_running(runner, _td(mode), placement)
                runner.stop(task, wait=True)
            for _ in range(ROUNDS):
                for runner in (without, with_agent):
                    took, task = _to_running(runner, _td(mode), placement)
                    got.setdefault((mode, runner is with_agent), []).append(took)
                    if runner is with_agent and mode == "bridge" and not served:
                        for name, path in (
                            ("credentials", "169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
                            ("metadata /task", "$ECS_CONTAINER_METADATA_URI_V4/task"),
                            ("stats", "$ECS_CONTAINER_METADATA_URI_V4/stats"),
                        ):
                            served[name] = _request_ms(rt, runner, task, path)
                    runner.stop(task, wait=True)
    finally:
        for runner in (with_agent, without):
            runner.close()
        for c in rt.list_containers({L.STACK: stack}):
            rt.remove(c.id)
        remove_networks(rt, stack)
        store.purge()
    for mode, what in (("bridge", "bridge"), ("awsvpc", "awsvpc, private subnet")):
        base = median(got[(mode, False)])
        figure(f"run-task, {what}, to RUNNING (baseline)", base)
        figure("  the same with the endpoint", median(got[(mode, True)]), baseline=base,
               goal="<= 1.10")  # fmt: skip
    for name, ms in served.items():
        print(f"  a {name} request from inside the task: {ms:.1f} ms (median of 5, after one)")
    print(f"  (medians of {ROUNDS} interleaved rounds)")
