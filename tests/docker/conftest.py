"""Real-engine fixtures: a unique stack per test, and a teardown that removes everything
labelled with it (containers, networks, volumes) and stops its controller, as compose's
integration tests clean up by label."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from emulator import labels as L
from emulator.arns import Account
from emulator.model.layout import Subnet, Vpc
from emulator.networks import ensure_networks, remove_networks
from emulator.runtime.docker import DockerRuntime
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner
from tests.needs import missing


@dataclass
class Stack:
    name: str
    runtime: DockerRuntime
    store: Store
    runner: TaskRunner
    networks: dict[str, str]

    def placement(self, subnet: str = "public") -> Placement:
        return Placement(self.networks[subnet], subnet)


def cleanup_stack(runtime: DockerRuntime, name: str) -> None:
    from dataclasses import replace

    from ecsdev.cli.controller import stop_controller
    from emulator.services import load_spec, service_names, update_spec
    from emulator.store import stack_dir

    if stack_dir(name).exists():  # no service left active, so nothing (an endpoint that
        store = Store(name)  # still runs) starts its controller again
        for svc in service_names(store):
            spec = load_spec(store, svc)
            if spec is not None and spec.active:
                update_spec(store, svc, lambda sp: replace(sp, active=False))
    stop_controller(name, timeout=5)
    for c in runtime.list_containers({L.STACK: name}):
        runtime.remove(c.id)
    remove_networks(runtime, name)
    for v in runtime.list_volumes({L.STACK: name}):
        runtime.remove_volume(v)


@pytest.fixture
def stack() -> Iterator[Stack]:
    name = "t-" + secrets.token_hex(4)
    rt = DockerRuntime()
    store = Store(name)
    nets = ensure_networks(
        rt, name, Vpc(subnets=(Subnet("public", public=True), Subnet("private", public=False)))
    )
    runner = TaskRunner(rt, store, name, "default", Account())
    try:
        yield Stack(name, rt, store, runner, nets)
    finally:
        runner.close()
        cleanup_stack(rt, name)
        leftovers = rt.list_containers({L.STACK: name})
        assert not leftovers, f"containers left behind: {[c.name for c in leftovers]}"


def need_agent() -> None:
    """The credentials agent at 169.254.170.2 runs (it needs root and a native engine)."""
    from emulator.agent.launcher import AgentUnavailable, ensure

    try:
        ensure(DockerRuntime())
    except AgentUnavailable as e:
        missing(f"the agent cannot run: {e.message}")
