"""Issue 10 figures: the endpoint against moto's server, started in the same run on the same
machine, with the same request mix through boto3 (RegisterTaskDefinition, DescribeServices of
10 out of 100 services, DescribeTasks of 100, DescribeTargetHealth, ListTasks): requests/s and
p50/p99 of each, as ratios (goal: at least moto's throughput, p50 under 5 ms); and the time
from CreateService to ``services-stable`` against ``ecsdev up -d`` of the same service
(goal <= 1.1x).

moto answers from memory with tasks that never run; ecsdev answers from its store and from
Docker, where the 100 tasks really run (a shell that sleeps, 16 MiB each).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.common import figure, heading

ROUNDS = 200
SLEEPER = {
    "name": "app",
    "image": "ecsdev/base:bookworm",
    "memory": 16,
    "essential": True,
    "command": ["sleep", "3600"],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(url: str, service: str) -> Any:
    session: Any = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
    )
    return session.client(
        service, endpoint_url=url, config=Config(retries={"total_max_attempts": 1})
    )


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited")
        try:
            _client(url, "sts").get_caller_identity()
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


@contextmanager
def servers(state: Path) -> Iterator[tuple[str, str]]:
    ep_port, moto_port = _free_port(), _free_port()
    env = {**os.environ, "ECSDEV_STATE_DIR": str(state)}
    ep = subprocess.Popen(
        [sys.executable, "-m", "emulator.endpoint.main", "--port", str(ep_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    urls = (f"http://127.0.0.1:{ep_port}", f"http://127.0.0.1:{moto_port}")
    try:
        _wait(urls[0], ep)
        _wait(urls[1], moto)
        yield urls
    finally:
        for p in (ep, moto):
            p.terminate()
            p.wait(timeout=20)


def _setup(url: str, moto: bool) -> dict[str, Any]:
    ecs, elb, ec2 = _client(url, "ecs"), _client(url, "elbv2"), _client(url, "ec2")
    ecs.create_cluster(clusterName="bench")
    ecs.register_task_definition(
        family="sleeper", networkMode="bridge", containerDefinitions=[SLEEPER]
    )
    for i in range(100):
        ecs.create_service(
            cluster="bench", serviceName=f"svc{i:03d}", taskDefinition="sleeper", desiredCount=0
        )
    tasks: list[str] = []
    while len(tasks) < 100:
        # moto has no container instance to place EC2 tasks on: it is told FARGATE (and does
        # not check the network mode); ecsdev runs them on this machine, as EC2 tasks
        extra = {"launchType": "FARGATE"} if moto else {}
        ran = ecs.run_task(cluster="bench", taskDefinition="sleeper", count=10, **extra)
        tasks += [t["taskArn"] for t in ran["tasks"]]
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    tg = elb.create_target_group(
        Name="bench", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    return {"tasks": tasks, "tg": tg}


def _mix(url: str, data: dict[str, Any]) -> dict[str, Callable[[], object]]:
    ecs, elb = _client(url, "ecs"), _client(url, "elbv2")
    names = [f"svc{i:03d}" for i in range(0, 100, 10)]
    return {
        "RegisterTaskDefinition": lambda: ecs.register_task_definition(
            family="mix", containerDefinitions=[SLEEPER]
        ),
        "DescribeServices (10 of 100)": lambda: ecs.describe_services(
            cluster="bench", services=names
        ),
        "DescribeTasks (100)": lambda: ecs.describe_tasks(cluster="bench", tasks=data["tasks"]),
        "DescribeTargetHealth": lambda: elb.describe_target_health(TargetGroupArn=data["tg"]),
        "ListTasks": lambda: ecs.list_tasks(cluster="bench"),
    }


def _measure(fn: Callable[[], object]) -> tuple[float, float, float]:
    fn()  # warm
    times = []
    t0 = time.perf_counter()
    for _ in range(ROUNDS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    times.sort()
    return ROUNDS / total, statistics.median(times), times[int(len(times) * 0.99) - 1]


def _cleanup(state: Path) -> None:
    if shutil.which("docker") is None:
        return
    for stack in [p.name for p in (state / "stacks").glob("*")]:
        pid = state / "stacks" / stack / "controller.pid"
        if pid.exists() and pid.read_text().strip().isdigit():
            subprocess.run(["kill", "-9", pid.read_text().strip()], capture_output=True)
        ids = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=ecsdev.stack={stack}"],
            capture_output=True,
            text=True,
        ).stdout.split()
        if ids:
            subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)


CHECKED = {
    **SLEEPER,
    "image": "ecsdev/echo:latest",
    "memory": 64,
    "command": None,
    "portMappings": [{"containerPort": 8080}],
    "healthCheck": {
        "command": ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"],
        "interval": 5,
        "timeout": 2,
        "retries": 2,
        "startPeriod": 0,
    },
}
CHECKED = {k: v for k, v in CHECKED.items() if v is not None}


def _layout(name: str) -> dict[str, Any]:
    return {
        "version": 1,
        "name": name,
        "region": "us-east-1",
        "cluster": name,
        "taskDefinitions": [
            {"family": name, "networkMode": "bridge", "containerDefinitions": [CHECKED]}
        ],
        "services": [{"serviceName": "web", "taskDefinition": name, "desiredCount": 2}],
    }


def _up_seconds(name: str, state: Path) -> float:
    import yaml

    path = state / f"{name}.yaml"
    path.write_text(yaml.safe_dump(_layout(name)))
    env = {**os.environ, "ECSDEV_STATE_DIR": str(state)}
    ecsdev = str(Path(sys.executable).with_name("ecsdev"))
    t0 = time.perf_counter()
    subprocess.run([ecsdev, "up", "-d", "-f", str(path)], env=env, check=True, capture_output=True)
    took = time.perf_counter() - t0
    subprocess.run([ecsdev, "down", "--purge", "-f", str(path)], env=env, capture_output=True)
    return took


def _api_seconds(url: str, name: str) -> tuple[float, float]:
    """CreateService until services-stable's condition holds (one deployment, running ==
    desired), and until the rollout is COMPLETED (what ``up -d`` waits for)."""
    ecs = _client(url, "ecs")
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(family=name, networkMode="bridge", containerDefinitions=[CHECKED])
    t0 = time.perf_counter()
    ecs.create_service(cluster=name, serviceName="web", taskDefinition=name, desiredCount=2)
    stable = 0.0
    while True:
        svc = ecs.describe_services(cluster=name, services=["web"])["services"][0]
        deps = svc["deployments"]
        if not stable and len(deps) == 1 and svc["runningCount"] == svc["desiredCount"]:
            stable = time.perf_counter() - t0
        if stable and deps[0]["rolloutState"] == "COMPLETED":
            completed = time.perf_counter() - t0
            break
        time.sleep(0.2)
    ecs.delete_service(cluster=name, service="web", force=True)
    return stable, completed


def main() -> None:
    heading("endpoint: ecsdev serve against moto's server (same request mix, boto3, sequential)")
    state = Path(tempfile.mkdtemp(prefix="ecsdev-bench-endpoint-"))
    try:
        with servers(state) as (ep, moto):
            mixes = {
                name: _mix(url, _setup(url, name == "moto"))
                for name, url in (("ecsdev", ep), ("moto", moto))
            }
            for op in mixes["ecsdev"]:
                rps, p50, p99 = _measure(mixes["ecsdev"][op])
                m_rps, m_p50, m_p99 = _measure(mixes["moto"][op])
                print(f"  {op}", flush=True)
                figure("    ecsdev requests/s (vs moto)", rps, "/s", m_rps, ">= 1.0")
                figure("    ecsdev p50 (vs moto)", p50 * 1000, "ms", m_p50 * 1000, "< 5 ms")
                figure("    ecsdev p99 (vs moto)", p99 * 1000, "ms", m_p99 * 1000)
            heading(
                "endpoint: CreateService until stable, against ecsdev up -d of the same service"
            )
            ups, stables, completes = [], [], []
            for i in range(3):
                ups.append(_up_seconds(f"benchup{i}", state))
                stable, completed = _api_seconds(ep, f"benchapi{i}")
                stables.append(stable)
                completes.append(completed)
            up = statistics.median(ups)
            figure("ecsdev up -d (2 tasks, health-checked) until steady", up, "s")
            figure(
                "create-service until services-stable holds",
                statistics.median(stables),
                "s",
                up,
                "<= 1.1",
            )
            figure(
                "create-service until the rollout COMPLETED", statistics.median(completes), "s", up
            )
    finally:
        _cleanup(state)
        shutil.rmtree(state, ignore_errors=True)
    print(json.dumps({"rounds": ROUNDS}), flush=True)
