"""Names between tasks on a real engine: a bridge task reaches its link, which no other task
sees; services reach each other by Service Connect and Cloud Map names, answered by healthy
tasks only (issue 11, names between tasks)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from emulator.model.taskdef import parse_task_definition
from emulator.networks import bridge_network
from emulator.tasks import Placement

from .conftest import Stack

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
