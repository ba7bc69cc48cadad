"""Starting, finding and stopping a stack's background controller from the CLI.

The controller is a detached process (``python -m emulator.controller``) that outlives the
command that started it; its output goes to a log file in the stack's state directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from emulator.arns import Account
from emulator.controller import log_path
from emulator.private import open_private, private_dir
from emulator.stacklock import StackLock
from emulator.store import state_home


def running_controller(stack: str) -> int | None:
    return StackLock(stack).holder()


def ensure_controller(stack: str, cluster: str, account: Account, idle_exit: float = 30.0) -> int:
    """Start the stack's controller unless one runs; returns its PID."""
    pid = running_controller(stack)
    if pid:
        return pid
    log = log_path(stack)
    private_dir(log.parent, state_home())
    with os.fdopen(open_private(log), "ab") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "emulator.controller",
                "--stack",
                stack,
                "--cluster",
                cluster,
                "--region",
                account.region,
                "--account-id",
                account.account_id,
                "--idle-exit",
                str(idle_exit),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    for _ in range(100):
        pid = running_controller(stack)
        if pid:
            return pid
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    return proc.pid


def stop_controller(stack: str, timeout: float = 10.0) -> bool:
    pid = running_controller(stack)
    if not pid or pid < 0:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.time() + timeout
    while time.time() < deadline and running_controller(stack):
        time.sleep(0.1)
    if running_controller(stack):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return True
