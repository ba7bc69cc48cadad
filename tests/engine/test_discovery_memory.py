"""Names between tasks on MemoryRuntime: the controller's discovery extension gives a
service's forwarder the service's healthy tasks only (an unhealthy one leaves, a stopped
one is not there), on the container port behind the client alias; a deleted service's
forwarder goes; bridge tasks join the stack's own network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from emulator import labels as L
from emulator import stack
from emulator.controller import Controller
from emulator.discovery.forwarder import CONF
from emulator.discovery.proxy import IMAGE, ROLE
from emulator.discoverytargets import unanswered
from emulator.model.loader import load_layout
from emulator.networks import bridge_network
from emulator.runtime.memory import MemoryRuntime
from emulator.servicespec import update_spec
from emulator.store import Store
from tests.engine.test_stack_memory import tick_until
from tests.engine.test_tasks_memory import APP, memory_runtime

LAYOUT = f"""
version: 1
name: memnames
vpc:
  subnets: [{{name: a, public: true}}, {{name: b, public: false}}]
taskDefinitions:
  - family: orders
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: "{APP}"
        memory: 64
        portMappings: [{{containerPort: 80, name: http}}]
        healthCheck: {{command: [CMD-SHELL, "true"], interval: 5}}
  - family: legacy
    networkMode: bridge
    containerDefinitions:
      - {{name: web, image: "{APP}", memory: 64, links: ["db:database"]}}
      - {{name: db, image: "{APP}", memory: 64}}
services:
  - serviceName: orders
    taskDefinition: orders
    desiredCount: 2
    subnets: [b]
    serviceConnectConfiguration:
      enabled: true
      namespace: internal
      services: [{{portName: http, clientAliases: [{{port: 8080, dnsName: orders}}]}}]
  - serviceName: legacy
    taskDefinition: legacy
"""


@pytest.fixture
def ctl(tmp_path: Path) -> Iterator[tuple[MemoryRuntime, Store, Controller]]:
    path = tmp_path / "ecsdev.yaml"
    path.write_text(LAYOUT)
    layout = load_layout(path)
    rt = memory_runtime().with_images(IMAGE)
    store = Store(layout.name)
    stack.apply(rt, store, layout)
    c = Controller(layout.name, rt, store, idle_exit=None)
    try:
        yield rt, store, c
    finally:
        for ext in c.extensions:
            ext.close()
        c.tasks.close()


def backends(rt: MemoryRuntime) -> list[list[object]] | None:
    found = rt.list_containers({L.STACK: "memnames", L.ROLE: ROLE})
    data = rt.file(found[0].id, CONF) if found else None
    return json.loads(data)["listen"]["8080"] if data else None


def orders(rt: MemoryRuntime) -> list[str]:
    return [
        c.id
        for c in rt.list_containers({L.STACK: "memnames", L.SERVICE: "orders", L.ROLE: "task"})
        if c.running
    ]


def test_the_forwarder_follows_the_healthy_tasks(
    ctl: tuple[MemoryRuntime, Store, Controller],
) -> None:
    rt, store, c = ctl
    tick_until(c, lambda: len(orders(rt)) == 2)
    assert backends(rt) == []  # running, not yet healthy
    assert unanswered(store, {"orders": 2}) == ["service orders: 0 of 2 tasks answer its names"]
    for cid in orders(rt):
        rt.set_health(cid, "healthy")
    tick_until(c, lambda: len(backends(rt) or []) == 2)
    assert unanswered(store, {"orders": 2, "legacy": 1}) == []  # up -d may return
    pauses = {
        p.ip_addresses["memnames-b"]
        for p in rt.list_containers({L.STACK: "memnames", L.ROLE: "pause"})
        if p.labels.get(L.SERVICE) == "orders"
    }
    assert {(ip, port) for ip, port in backends(rt) or []} == {(ip, 80) for ip in pauses}
    sick = orders(rt)[0]
    rt.set_health(sick, "unhealthy")
    tick_until(c, lambda: len(backends(rt) or []) == 1)
    # the service's names go with it
    update_spec(store, "orders", lambda sp: replace(sp, active=False))
    tick_until(c, lambda: not rt.list_containers({L.STACK: "memnames", L.ROLE: ROLE}))


def test_bridge_tasks_join_the_stacks_network_with_their_links(
    ctl: tuple[MemoryRuntime, Store, Controller],
) -> None:
    rt, _, c = ctl
    tick_until(c, lambda: any(x.running for x in rt.list_containers({L.SERVICE: "legacy"})))
    web = next(
        x
        for x in rt.list_containers({L.STACK: "memnames", L.SERVICE: "legacy"})
        if x.labels.get(L.CONTAINER_NAME) == "web"
    )
    assert web.network_mode == bridge_network("memnames")
    assert bridge_network("memnames") in rt.network_names()
