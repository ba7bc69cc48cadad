"""Bridge-mode tasks on the stack's own network (a launch hook).

Why this exists: on Docker's default bridge there is no DNS, so ``links`` name nothing and
no service name resolves. ECS's agent links containers there; locally every bridge task
joins ``<stack>.bridge`` (``networks.ensure_bridge_network``), where Docker answers a
task's links for the linking container alone (``containers._links``) and the forwarders of
discoverable services hold their names. Ports are still published on 127.0.0.1 as before.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from emulator.networks import ensure_bridge_network

if TYPE_CHECKING:
    from emulator.taskhooks import Launch
    from emulator.tasks import TaskRunner


class BridgeNetworkHook:
    """Moves a bridge task's containers from Docker's ``bridge`` to the stack's network."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner

    def prepare(self, launch: Launch) -> None:
        if launch.td.network_mode != "bridge":
            return
        network = ensure_bridge_network(self.runner.runtime, self.runner.stack)
        launch.specs[:] = [
            replace(s, network_mode=network) if s.network_mode == "bridge" else s
            for s in launch.specs
        ]

    def created(self, launch: Launch, ids: dict[str, str]) -> None:
        pass

    def released(self, task_arn: str) -> None:
        pass
