"""Names between tasks on a real engine: a bridge task reaches its link, which no other task
sees; services reach each other by Service Connect and Cloud Map names, answered by healthy
tasks only (issue 11, names between tasks)."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator import labels as L
from emulator.model.taskdef import parse_task_definition
from emulator.networks import bridge_network
from emulator.runtime.base import ContainerState
from emulator.runtime.docker import DockerRuntime
from emulator.tasks import Placement

from .conftest import Stack, cleanup_stack

pytestmark = pytest.mark.docker

ECHO = "ecsdev/echo:latest"


def run(stack: Stack, doc: dict[str, Any]) -> str:
    td = parse_task_definition(doc)
    arn, rev = stack.store.register_task_definition(td, stack.runner.account)
    return stack.runner.launch(td, arn, rev, base_dir=".", placement=Placement())


def until(pred: Callable[[], Any], timeout: float = 20, every: float = 0.2) -> Any:
    deadline = time.time() + timeout
    while True:
        got = pred()
        if got or time.time() > deadline:
            return got
        time.sleep(every)


def container_id(stack: Stack, arn: str, name: str) -> str:
    observed = stack.runner.step()
    c = observed[arn].container(name)
    assert c is not None
    return c.state.id


def sh(stack: Stack, cid: str, script: str) -> tuple[int, str]:
    return stack.runtime.exec_run(cid, ["sh", "-c", script])


def test_a_bridge_task_reaches_its_link_and_no_other_task_sees_it(stack: Stack) -> None:
    linked = run(
        stack,
        {
            "family": "linked",
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "db",
                    "image": ECHO,
                    "memory": 64,
                    "environment": [{"name": "PORT", "value": "8080"}],
                    "portMappings": [{"containerPort": 8080}],
                },
                {
                    "name": "app",
                    "image": ECHO,
                    "memory": 64,
                    "hostname": "app-host",
                    "links": ["db:database"],
                    "command": ["sleep", "600"],
                },
            ],
        },
    )
    other = run(
        stack,
        {
            "family": "other",
            "networkMode": "bridge",
            "containerDefinitions": [
                {"name": "x", "image": ECHO, "memory": 64, "command": ["sleep", "600"]}
            ],
        },
    )
    until(lambda: all(t in stack.runner.step() for t in (linked, other)))
    app, x = container_id(stack, linked, "app"), container_id(stack, other, "x")
    assert stack.runtime.inspect(app).ip_addresses.keys() >= {bridge_network(stack.name)}
    got = until(
        lambda: (r := sh(stack, app, "curl -fs http://database:8080/via-link"))[0] == 0 and r
    )
    assert got and '"path": "/via-link"' in got[1]
    assert sh(stack, app, "hostname")[1].strip() == "app-host"
    code, out = sh(stack, x, "getent hosts database || echo unresolved")
    assert "unresolved" in out, out


LAYOUT = """version: 1
name: {name}
vpc:
  cidr: 10.78.0.0/16
  subnets:
    - {{name: a, cidr: 10.78.0.0/24, public: true}}
    - {{name: b, cidr: 10.78.1.0/24, public: false}}
cloudMap:
  services:
    - {{arn: "{registry}", name: orders, namespace: internal}}
taskDefinitions:
  - family: {name}-orders
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: ecsdev/echo:latest
        memory: 64
        portMappings: [{{containerPort: 80, name: http}}]
        environment: [{{name: PORT, value: "80"}}]
        healthCheck:
          command: [CMD-SHELL, "curl -fs http://localhost/health || exit 1"]
          interval: 5
          timeout: 2
          retries: 1
  - family: {name}-client
    networkMode: awsvpc
    containerDefinitions:
      - {{name: app, image: ecsdev/echo:latest, memory: 64, command: [sleep, "600"]}}
services:
  - serviceName: orders
    taskDefinition: {name}-orders
    desiredCount: 2
    subnets: [b]
    serviceConnectConfiguration:
      enabled: true
      namespace: internal
      services:
        - portName: http
          clientAliases: [{{port: 8080, dnsName: orders}}]
    serviceRegistries: [{{registryArn: "{registry}"}}]
  - serviceName: client
    taskDefinition: {name}-client
    subnets: [a]
"""
REGISTRY = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-orders"


def ecsdev(*args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", *args], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, f"ecsdev {' '.join(args)}\n{res.stdout}\n{res.stderr}"
    return res


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[str, DockerRuntime]]:
    name = "n-" + secrets.token_hex(3)
    path = tmp_path / "ecsdev.yaml"
    path.write_text(LAYOUT.format(name=name, registry=REGISTRY))
    rt = DockerRuntime()
    try:
        ecsdev("up", "-d", "-f", str(path), "--timeout", "60")
        yield name, rt
    finally:
        cleanup_stack(rt, name)


def task_containers(rt: DockerRuntime, stack: str, service: str) -> list[ContainerState]:
    return [
        c
        for c in rt.list_containers({L.STACK: stack, L.SERVICE: service, L.ROLE: "task"})
        if c.running
    ]


def served_by(rt: DockerRuntime, client: str, url: str) -> str | None:
    code, out = rt.exec_run(client, ["curl", "-fsS", "--max-time", "3", url])
    return json.loads(out)["served-by"] if code == 0 else None


def test_services_reach_each_other_by_service_connect_and_cloud_map_names(
    services: tuple[str, DockerRuntime],
) -> None:
    name, rt = services
    client = task_containers(rt, name, "client")[0].id
    orders = {
        c.id: rt.exec_run(c.id, ["hostname"])[1].strip()
        for c in task_containers(rt, name, "orders")
    }
    assert len(orders) == 2
    # the client alias's port (8080) is not the container's (80); the client is in another subnet
    seen = {served_by(rt, client, "http://orders:8080/") for _ in range(6)}
    assert seen == set(orders.values()), seen
    assert served_by(rt, client, "http://orders.internal/") in orders.values()
    sick_id, sick = next(iter(orders.items()))
    rt.exec_run(sick_id, ["curl", "-fs", "http://localhost/health/fail"])
    assert until(
        lambda: rt.inspect(sick_id).health == "unhealthy" or not rt.inspect(sick_id).running, 15
    )
    time.sleep(1.5)  # the controller's next tick, then the forwarder's next poll
    answers = [served_by(rt, client, "http://orders:8080/") for _ in range(6)]
    assert sick not in answers and any(answers), answers
