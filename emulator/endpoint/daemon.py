"""The endpoint as a background process: start it, find it, stop it.

Why this exists: ``ecsdev serve -d`` and ``--stop``, and any command that needs the endpoint,
share one way to learn whether it runs. The truth is the lock in the state directory
(``$ECSDEV_STATE_DIR/endpoint/serve.lock``, held by the endpoint for its lifetime); its
``serve.json`` (pid, host, port, url, written atomically once it answers) says where it is.
A ``serve.json`` whose lock nobody holds is left by a killed endpoint and is ignored.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from emulator.endpoint.main import DEFAULT_PORT, lock_file, read_state, state_file
from emulator.endpoint.resources import endpoint_dir
from emulator.endpoint.server import HEALTH_PATH
from emulator.errors import EcsdevError


def log_file() -> Path:
    return endpoint_dir() / "serve.log"


def _lock_held() -> bool:
    try:
        with open(lock_file(), "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
            return False
    except OSError:
        return False


def running() -> dict[str, Any] | None:
    """The running endpoint's ``serve.json`` (pid, host, port, url), or None."""
    if not _lock_held():
        return None
    return read_state()


def answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH_PATH, timeout=timeout) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def _tail(path: Path, lines: int = 8) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start(
    host: str = "127.0.0.1", port: int = DEFAULT_PORT, timeout: float = 60.0
) -> tuple[dict[str, Any], bool]:
    """Starts the endpoint in the background unless one runs; returns its ``serve.json`` and
    whether this call started it, once it answers. Raises ``EcsdevError`` when it cannot
    start (the port is taken, ...), with the end of its log."""
    current = running()
    if current is not None:
        return current, False
    log = log_file()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "emulator.endpoint.main", "--host", host, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EcsdevError(
                f"the endpoint exited with {proc.returncode} before answering:\n{_tail(log)}",
                hint=f"its log: {log}",
            )
        state = read_state()
        if state and state.get("pid") == proc.pid and answers(str(state["url"])):
            return state, True
        time.sleep(0.1)
    proc.terminate()
    raise EcsdevError(f"the endpoint did not answer within {timeout:.0f}s", hint=f"its log: {log}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(timeout: float = 15.0) -> int | None:
    """Stops the running endpoint (SIGTERM, then SIGKILL after ``timeout``); returns its pid,
    or None when none runs."""
    state = running()
    if state is None:
        state_file().unlink(missing_ok=True)  # left by a killed endpoint
        return None
    pid = int(state["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return pid
    deadline = time.monotonic() + timeout
    while _alive(pid) and _lock_held():
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    while _lock_held() and time.monotonic() < deadline + 5:
        time.sleep(0.05)
    if not _lock_held():
        state_file().unlink(missing_ok=True)
    return pid
