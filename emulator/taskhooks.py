"""What a task gets from its surroundings at launch, as seams on ``TaskRunner``.

``TaskRunner`` turns a task definition into container specs. Each hook then adds what the
task's surroundings give it in ECS (secret values in its environment, the credentials and
metadata endpoints, names of its peers) before any task container is created, and may refuse
the launch by raising an ``EcsdevError`` whose message is ECS's stopped reason (for example
``ResourceInitializationError: unable to pull secrets or registry auth: ...``): the task is
then recorded as stopped with stopCode TaskFailedToStart and nothing of it is left behind.
``created`` runs once the containers exist (to connect them further), ``released`` once a
task is gone (its record written), whatever ended it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from emulator.agent.hook import AgentHook
from emulator.bridgehook import BridgeNetworkHook
from emulator.containers import TaskContext
from emulator.model.taskdef import TaskDefinition
from emulator.runtime.base import ContainerSpec
from emulator.secrets.resolve import SecretsHook

if TYPE_CHECKING:
    from emulator.tasks import TaskRunner


@dataclass
class Launch:
    """One task being launched. Hooks may replace items of ``specs`` (same order and names)."""

    ctx: TaskContext
    td: TaskDefinition
    specs: list[ContainerSpec]
    pause_id: str | None  # awsvpc: the (created) container that owns the network namespace
    pause_network: str | None = None  # ... and the network it is created on (its subnet's)


class TaskHook(Protocol):
    def prepare(self, launch: Launch) -> None: ...

    def created(self, launch: Launch, ids: dict[str, str]) -> None: ...  # container name -> id

    def released(self, task_arn: str) -> None: ...


def default_hooks(runner: TaskRunner) -> list[TaskHook]:
    """The hooks every launch goes through, in order."""
    return [
        SecretsHook(runner),
        BridgeNetworkHook(runner),
        AgentHook(runner),
    ]
