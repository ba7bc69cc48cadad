"""Making sure the agent answers: its network exists and its process runs.

Why it exists: the agent is started on demand by whichever process launches a task (a
controller, ``ecsdev run-task``, the endpoint's controllers), restarted when it died, and
never twice (the address can be bound once; a lock keeps launchers from racing). Docker's
side is the network ``ecsdev-agent``; the process inherits the launcher's environment,
``ECSDEV_PROVIDERS`` included, and logs to ``agent.log`` in the agent's directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from emulator.agent import ADDRESS, NETWORK, PORT, SUBNET, agent_dir, base_url, code_version
from emulator.errors import EcsdevError, RuntimeOperationError
from emulator.private import open_private, private_dir
from emulator.runtime.base import ContainerRuntime

START_WAIT = 8.0  # seconds a launcher waits for a new agent to answer
LOG_KEEP = 1 << 20  # bytes of agent.log after which a new agent starts a new one
NETWORK_CHECKED_FOR = 30.0  # seconds a process trusts that the agent's network exists
_network_checked = float("-inf")

HINT = (
    "The credentials and metadata endpoint needs Linux with a native Docker engine, and "
    f"rights to listen on {ADDRESS}:{PORT} (root, or CAP_NET_BIND_SERVICE for Python, or "
    "sysctl net.ipv4.ip_unprivileged_port_start=80)."
)


class AgentUnavailable(RuntimeOperationError):
    """The agent cannot run here; a task can still start without what it serves."""


def ping(timeout: float = 0.5) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{base_url()}/ecsdev/ping", timeout=timeout) as r:
            doc = json.loads(r.read())
            return doc if isinstance(doc, dict) and doc.get("agent") == "ecsdev" else None
    except (OSError, ValueError):
        return None


def ensure_network(runtime: ContainerRuntime) -> None:
    global _network_checked
    from emulator.runtime.docker import DockerRuntime
    from emulator.runtime.dockeragent import ensure_link_local_network

    if not isinstance(runtime, DockerRuntime):
        raise AgentUnavailable("the agent needs the Docker runtime")
    if time.monotonic() - _network_checked < NETWORK_CHECKED_FOR:
        return
    try:
        ensure_link_local_network(runtime, NETWORK, SUBNET, ADDRESS)
    except RuntimeOperationError as e:
        raise AgentUnavailable(e.message, e.hint or HINT) from e
    _network_checked = time.monotonic()


def _answering(home: Path) -> bool:
    doc = ping()
    if doc is None:
        return False
    if doc.get("version") != code_version() and doc.get("dir") == str(home):
        _replace(doc)  # an agent of other code (ecsdev was upgraded): the new one takes over
        return False
    if doc.get("dir") != str(home):
        raise AgentUnavailable(
            f"{ADDRESS} is answered by an agent serving {doc.get('dir')} (PID {doc.get('pid')})",
            "Unset ECSDEV_AGENT_DIR, or stop that agent, so one agent serves every stack.",
        )
    return True


def _replace(doc: dict[str, Any]) -> None:
    """Stop an agent of this user that runs other code; registrations are files, so the new
    one serves the same tasks (their credentials are fetched again)."""
    pid = doc.get("pid")
    if not isinstance(pid, int) or pid <= 1:
        return
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and ping(0.2) is not None:
            time.sleep(0.05)


def ensure_running() -> None:
    """Start the agent when none answers; raise ``AgentUnavailable`` naming why it cannot."""
    home = private_dir(agent_dir())
    if _answering(home):
        return
    lock_fd = os.open(home / "launch.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX)
        if _answering(home):
            return
        log = home / "agent.log"
        if log.exists() and log.stat().st_size > LOG_KEEP:
            os.replace(log, log.with_name("agent.log.1"))
        start = log.stat().st_size if log.exists() else 0
        out = open_private(log)
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "emulator.agent"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(out)
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            if _answering(home):
                return
            if proc.poll() is not None and not _answering(home):
                break
            time.sleep(0.05)
        reason = "no reason given"
        with contextlib.suppress(OSError):
            said = log.read_bytes()[start:].decode(errors="replace").strip().splitlines()
            reason = said[-1] if said else reason
        raise AgentUnavailable(f"the agent did not start: {reason} (log: {log})", HINT)
    finally:
        fcntl.flock(lock_fd, fcntl.LOCK_UN)
        os.close(lock_fd)


def ensure(runtime: ContainerRuntime) -> None:
    """The network, then the process. Raises ``AgentUnavailable``."""
    try:
        ensure_network(runtime)
        ensure_running()
    except AgentUnavailable:
        raise
    except EcsdevError as e:
        raise AgentUnavailable(e.message, e.hint or HINT) from e


def fetch(path: str, timeout: float = 30.0) -> tuple[int, dict[str, Any]]:
    """GET from the agent: its status and JSON (for the launcher's checks; never logged)."""
    try:
        with urllib.request.urlopen(f"{base_url()}{path}", timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read())
        except ValueError:
            return e.code, {}
    except (OSError, ValueError) as e:
        raise AgentUnavailable(f"the agent did not answer: {e}", HINT) from e
