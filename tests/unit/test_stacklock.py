"""The controller's lock and the state directory's permissions, without Docker: asking which
controller runs never turns a starting one away, its PID is never read empty, and the state
directory is readable by the user only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from emulator import stacklock
from emulator.stacklock import StackLock
from emulator.store import Store

HOLD = """
import sys, time
from emulator.stacklock import StackLock
ok = StackLock(sys.argv[1]).acquire()
print("yes" if ok else "no", flush=True)
time.sleep(float(sys.argv[2]) if ok else 0)
"""


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECSDEV_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def hold(stack: str, seconds: float, state: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD, stack, str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ECSDEV_STATE_DIR": str(state)},
    )


def test_holder_names_the_process_that_holds_the_lock(state: Path) -> None:
    assert StackLock("s1").holder() is None
    p = hold("s1", 30, state)
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "yes"
        assert StackLock("s1").holder() == p.pid
        assert not StackLock("s1").acquire()  # a second controller hands over
        lock_text = (state / "stacks" / "s1" / "controller.lock").read_text()
        assert int(lock_text.strip()) == p.pid  # scripts read it there too
    finally:
        p.kill()
        p.wait()
    assert StackLock("s1").holder() is None


def test_asking_never_turns_a_starting_controller_away(state: Path) -> None:
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            StackLock("s2").holder()

    askers = [threading.Thread(target=ask) for _ in range(4)]
    for t in askers:
        t.start()
    try:
        for _ in range(10):
            p = hold("s2", 0, state)
            out, _ = p.communicate(timeout=30)
            assert out.strip() == "yes"
    finally:
        stop.set()
        for t in askers:
            t.join()


def test_a_held_lock_whose_pid_is_not_written_yet_is_waited_for(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = StackLock("s3")
    assert lock.acquire()
    lock.pid_path.unlink()  # as between taking the lock and writing the PID
    threading.Timer(0.3, lambda: lock.pid_path.write_text(f"{os.getpid()}\n")).start()
    began = time.monotonic()
    assert StackLock("s3").holder() == os.getpid()
    assert time.monotonic() - began >= 0.25
    lock.pid_path.unlink()
    monkeypatch.setattr(stacklock, "PID_WAIT", 0.2)
    assert StackLock("s3").holder() == -1  # held, PID unreadable: not "no controller"


def test_state_directory_and_files_are_private(state: Path) -> None:
    os.umask(0o022)
    store = Store("perm")
    store.put("k", {"environment": [{"name": "PASSWORD", "value": "x"}]})
    for d in (state, state / "stacks", store.dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
    files = [p for p in store.dir.iterdir() if p.name.startswith("state.db")]
    assert files
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    StackLock("perm").acquire()
    for name in ("controller.lock", "controller.pid"):
        assert stat.S_IMODE((store.dir / name).stat().st_mode) == 0o600
