"""``python -m emulator.agent``: the machine's one agent process (see ``emulator.agent``)."""

from __future__ import annotations

import errno
import os
import socket
import sys

from emulator.agent import ADDRESS, PORT, agent_dir
from emulator.agent.meta import TaskDocs
from emulator.agent.server import Agent, serve
from emulator.private import private_dir, write_private


def main() -> int:
    from emulator.runtime.docker import DockerRuntime
    from emulator.runtime.dockeragent import StatsStreams

    home = private_dir(agent_dir())
    rt = DockerRuntime()
    agent = Agent(home, rt, TaskDocs(rt, StatsStreams(rt)))
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((ADDRESS, PORT))
        probe.close()
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            print(f"{ADDRESS}:{PORT} is answered by another process", file=sys.stderr)
            return 0
        print(f"cannot listen on {ADDRESS}:{PORT}: {e.strerror}", file=sys.stderr)
        return 3
    write_private(home / "agent.pid", f"{os.getpid()}\n")
    serve(agent, ADDRESS, PORT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
