"""A controller extension that brings the agent back when it died under running tasks.

Why it exists: the agent is started by launches; if it is killed while tasks run, their SDKs
would get no credentials until the next launch somewhere. Every ``EVERY`` seconds, while the
stack has tasks and runs on Docker, the controller checks that the agent answers and starts
it again if not (a 2 ms request when it answers). Registrations are files, so a new agent
serves the running tasks at once; their credentials are fetched anew.
"""

from __future__ import annotations

import contextlib
from typing import Any

from emulator.agent.launcher import AgentUnavailable, ensure, ping
from emulator.runtime.base import ContainerRuntime

EVERY = 10.0


class AgentWatch:
    busy = False

    def __init__(self, runtime: ContainerRuntime) -> None:
        self.runtime = runtime
        self._next = 0.0

    def tick(self, now: float, observed: dict[str, Any]) -> None:
        from emulator.runtime.docker import DockerRuntime

        if not observed or now < self._next or not isinstance(self.runtime, DockerRuntime):
            return
        self._next = now + EVERY
        if ping() is None:
            with contextlib.suppress(AgentUnavailable):  # the launch hook said why, once
                ensure(self.runtime)

    def close(self) -> None:
        pass
