"""At most one controller per stack, and a way to ask which one runs that never gets in its
way.

The controller holds a lock on ``controller.lock`` in the stack's state directory for its
whole life and writes its PID next to it (``controller.pid``, replaced atomically, so a reader
never sees it empty or half written). Asking whether a controller runs does not take the lock
(on Linux: an open-file-description lock, tested with F_OFD_GETLK), so a controller starting
at that moment is never turned away; where OFD locks do not exist it falls back to flock,
and a starting controller retries for a moment instead of giving up at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import sys
import time

from emulator.private import FILE_MODE, private_dir
from emulator.store import stack_dir, state_home

# struct flock of 64-bit Linux: l_type, l_whence, l_start, l_len, l_pid (+ padding)
_FLOCK = struct.Struct("hhqqi4x")
_OFD = sys.platform == "linux" and hasattr(fcntl, "F_OFD_SETLK") and struct.calcsize("P") == 8
PID_WAIT = 2.0  # seconds a reader waits for a controller that holds the lock to write its PID
ACQUIRE_WAIT = 0.5  # seconds a starting controller retries a lock held by a mere reader


def _ofd(fd: int, cmd: int, kind: int) -> int:
    res = fcntl.fcntl(fd, cmd, _FLOCK.pack(kind, os.SEEK_SET, 0, 0, 0))
    return int(_FLOCK.unpack(res)[0])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class StackLock:
    """An exclusive, process-lifetime lock: at most one controller per stack."""

    def __init__(self, stack: str) -> None:
        self.path = private_dir(stack_dir(stack), state_home()) / "controller.lock"
        self.pid_path = self.path.with_name("controller.pid")
        self._fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        deadline = time.monotonic() + (0 if _OFD else ACQUIRE_WAIT)
        while True:
            try:
                if _OFD:
                    _ofd(fd, fcntl.F_OFD_SETLK, fcntl.F_WRLCK)
                else:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.02)
        self._fd = fd
        pid = str(os.getpid())
        tmp = self.pid_path.with_name(f".controller.pid.{pid}")
        tmp.write_text(pid + "\n")
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, self.pid_path)
        # the PID in the lock file too (scripts read it there): one write of a fixed width
        os.pwrite(fd, f"{pid:<20}\n".encode(), 0)
        os.ftruncate(fd, 21)
        return True

    def _held(self) -> bool:
        try:
            fd = os.open(self.path, os.O_RDONLY if _OFD else os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            if _OFD:
                return _ofd(fd, fcntl.F_OFD_GETLK, fcntl.F_WRLCK) != fcntl.F_UNLCK
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def _pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError):
            pid = int(self.pid_path.read_text().strip())
            if pid > 0 and _alive(pid):
                return pid
        return None

    def holder(self) -> int | None:
        """PID of the running controller, or None; -1 when a process holds the lock but its
        PID cannot be read (within PID_WAIT seconds)."""
        deadline = time.monotonic() + PID_WAIT
        while self._held():
            pid = self._pid()
            if pid is not None:
                return pid
            if time.monotonic() >= deadline:
                return -1
            time.sleep(0.05)
        return None
