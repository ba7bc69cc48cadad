"""Spare pause containers on a real engine: an awsvpc task that claims its subnet's spare
runs in the spare's namespace with everything a cold one has (its address in DescribeTasks,
the metadata endpoint served in its namespace, the credentials endpoint from a private
subnet), and the spare goes with the task."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from emulator import labels as L
from emulator.arns import task_id_of
from emulator.endpoint.jsontime import plain
from emulator.endpoint.task_json import task_json
from emulator.model.taskdef import parse_task_definition
from emulator.spares import SparePool

from .conftest import Stack, need_agent

pytestmark = pytest.mark.docker

ECHO = "ecsdev/echo:latest"


@pytest.fixture
def pool(stack: Stack) -> Iterator[SparePool]:
    p = SparePool(stack.runner)
    yield p
    p.close()


def launch(stack: Stack, subnet: str, role: str = "") -> str:
    body: dict[str, Any] = {
        "family": f"spare-{subnet}",
        "networkMode": "awsvpc",
        "containerDefinitions": [
            {"name": "app", "image": ECHO, "portMappings": [{"containerPort": 8080}]}
        ],
    }
    if role:
        body["taskRoleArn"] = role
    td = parse_task_definition(body)
    arn, rev = stack.store.register_task_definition(td, stack.runner.account)
    return stack.runner.launch(td, arn, rev, base_dir=".", placement=stack.placement(subnet))


def running(stack: Stack, arn: str) -> dict[str, Any]:
    deadline = time.time() + 20
    while time.time() < deadline:
        task = stack.runner.step().get(arn)
        if task is not None:
            doc: dict[str, Any] = plain(task_json(stack.runner.describe(task)))
            if doc["lastStatus"] == "RUNNING":
                return doc
        time.sleep(0.2)
    raise AssertionError(f"task {arn} did not reach RUNNING")


def with_spare(stack: Stack, pool: SparePool, subnet: str) -> str:
    """A cold task on the subnet (the pool learns the subnet is in use), then its spare."""
    first = launch(stack, subnet)
    running(stack, first)
    pool.tick(time.time(), stack.runner.observe())
    pool.wait()
    spares = stack.runtime.list_containers({L.STACK: stack.name, L.ROLE: L.SPARE})
    assert len(spares) == 1 and spares[0].running
    return spares[0].id


def in_task(stack: Stack, cid: str, script: str) -> str:
    deadline = time.time() + 15
    out = ""
    while time.time() < deadline:
        stack.runner.step()  # writes the metadata once its containers run
        code, out = stack.runtime.exec_run(cid, ["sh", "-c", script])
        if code == 0 and out.strip():
            return out
        time.sleep(0.3)
    raise AssertionError(f"{script!r} in the task: {out}")


def test_a_task_on_its_subnets_spare_has_what_a_cold_one_has(stack: Stack, pool: SparePool) -> None:
    spare = with_spare(stack, pool, "public")
    ip = next(iter(stack.runtime.inspect(spare).ip_addresses.values()))
    arn = launch(stack, "public")
    doc = running(stack, arn)
    app = doc["containers"][0]["runtimeId"]
    assert stack.runtime.inspect(app).network_mode == f"container:{spare}"
    assert doc["containers"][0]["networkInterfaces"][0]["privateIpv4Address"] == ip
    eni = {d["name"]: d["value"] for d in doc["attachments"][0]["details"]}
    assert eni["privateIPv4Address"] == ip and eni["subnetId"] == "public"

    meta = json.loads(in_task(stack, app, 'curl -fs "$ECS_CONTAINER_METADATA_URI_V4/task"'))
    assert meta["TaskARN"] == arn and meta["Containers"][0]["DockerId"] == app
    served = json.loads(in_task(stack, app, "curl -fs http://localhost:8080/"))
    assert served["task"] == arn
    pool.tick(time.time(), stack.runner.observe())  # the controller names it as a pause
    pool.wait()
    named = stack.runtime.inspect(spare).name
    rev = doc["taskDefinitionArn"].rsplit(":", 1)[1]
    assert named == f"{stack.name}-spare-public-{rev}-pause-{task_id_of(arn)[:12]}", named
    assert stack.runtime.inspect(app).network_mode == f"container:{spare}"  # by ID: unchanged

    stack.runner.stop(arn, "UserInitiated", "done", wait=True)
    assert spare not in {c.id for c in stack.runtime.list_containers({L.STACK: stack.name})}


def test_a_task_on_a_private_subnets_spare_reaches_its_credentials(
    stack: Stack, pool: SparePool
) -> None:
    need_agent()
    spare = with_spare(stack, pool, "private")
    arn = launch(stack, "private", role="arn:aws:iam::123456789012:role/orders-task")
    doc = running(stack, arn)
    app = doc["containers"][0]["runtimeId"]
    assert stack.runtime.inspect(app).network_mode == f"container:{spare}"
    got = json.loads(
        in_task(
            stack,
            app,
            'curl -fs "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"',
        )
    )
    assert got["AccessKeyId"] and got["RoleArn"].endswith("role/orders-task")
