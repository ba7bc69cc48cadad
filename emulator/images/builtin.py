"""The images ecsdev itself needs, obtained without any script: ``ecsdev/base:bookworm``
(the load balancer's nginx, the example apps' base) and ``ecsdev/pause:latest`` (the awsvpc
pause container and its metadata endpoint).

Why here: a user who only ran ``pip install ecsdev`` has no registry that holds these, so
each comes from the first way that works on the machine, in order:
  base:  present -> debian:bookworm-slim from a registry + apt-get -> debootstrap + import
  pause: present with the current sources' hash -> pause.c compiled by the host's C compiler
         (a static binary FROM scratch, under 1 MB) -> the same compiled in a builder stage
         when a registry answers -> the Python server on the base image (slower, bigger)
Builds are serialised across processes by a lock file in the state directory, and an image
built from sources carries their hash as the label ``ecsdev.content-hash``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emulator.errors import EcsdevError
from emulator.images.rootfs import ImageError, Say, asset, compiled_pause, debootstrap
from emulator.runtime.base import ContainerRuntime

BASE = "ecsdev/base:bookworm"
PAUSE = "ecsdev/pause:latest"
HASH_LABEL = "ecsdev.content-hash"
BASE_PACKAGES = ("nginx-light", "python3", "curl", "ca-certificates", "procps", "iproute2")
BASE_CHANGES = (
    'CMD ["/bin/bash"]',
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
)
REGISTRY_PROBE = "debian:bookworm-slim"

_registry: weakref.WeakKeyDictionary[ContainerRuntime, bool] = weakref.WeakKeyDictionary()
_local = threading.RLock()
_held = threading.local()


def _hash_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def pause_hash() -> str:
    """What the pause image is built from; a change rebuilds it."""
    names = (
        "pause.c",
        "metadata.py",
        "Dockerfile.static",
        "Dockerfile.builder",
        "Dockerfile.python",
    )
    return _hash_files([asset("pause", n) for n in names])


@contextmanager
def build_lock() -> Iterator[None]:
    """One image build at a time on this machine (the CLI and a controller may both ask)."""
    from emulator.store import state_home

    with _local:
        if getattr(_held, "depth", 0):  # the pause's fallback builds the base under the lock
            _held.depth += 1
            try:
                yield
            finally:
                _held.depth -= 1
            return
        home = state_home()
        home.mkdir(parents=True, exist_ok=True)
        with open(home / "images.lock", "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            _held.depth = 1
            try:
                yield
            finally:
                _held.depth = 0
                fcntl.flock(f, fcntl.LOCK_UN)


def registry_answers(runtime: ContainerRuntime, say: Say) -> bool:
    """Whether a registry serves Debian's image (pulled once, then cached by Docker).
    ``ECSDEV_TRY_REGISTRY=0`` skips the attempt."""
    if os.environ.get("ECSDEV_TRY_REGISTRY", "1") == "0":
        return False
    if runtime.image_present(REGISTRY_PROBE):
        return True
    if runtime not in _registry:  # asked once per engine
        say(f"trying a registry for {REGISTRY_PROBE}")
        last = [0.0]

        def progress(line: str) -> None:
            if time.monotonic() - last[0] >= 3:
                last[0] = time.monotonic()
                say(f"pulling {REGISTRY_PROBE}: {line}")

        try:
            runtime.pull(REGISTRY_PROBE, progress=progress)
            _registry[runtime] = True
        except EcsdevError as e:
            say(f"no registry answers ({e.message.splitlines()[0][:160]})")
            _registry[runtime] = False
    return _registry[runtime]


def ensure_base(runtime: ContainerRuntime, say: Say) -> bool:
    """``ecsdev/base:bookworm``, cached by tag. Returns whether it was built now."""
    if runtime.image_present(BASE):
        return False
    with build_lock():
        if runtime.image_present(BASE):
            return False
        t0 = time.monotonic()
        if registry_answers(runtime, say):
            say(f"building {BASE} from {REGISTRY_PROBE} (apt-get)")
            runtime.build(
                BASE,
                str(asset("base")),
                "Dockerfile",
                {"PACKAGES": " ".join(BASE_PACKAGES)},
                progress=say,
            )
        elif not debootstrap(runtime, BASE, BASE_PACKAGES, BASE_CHANGES, say):
            raise ImageError(
                f"the image {BASE} is missing and cannot be made here: no registry answers "
                "and debootstrap cannot run (it needs Linux, root and Debian's mirror)",
                f"Build or load an image tagged {BASE} (Debian bookworm with "
                f"{', '.join(BASE_PACKAGES)}), or let Docker reach a registry.",
            )
        say(f"{BASE} ready ({time.monotonic() - t0:.0f} s)")
        return True


def ensure_pause(runtime: ContainerRuntime, say: Say) -> bool:
    """``ecsdev/pause:latest`` built from the current sources. Returns whether it was built."""
    want = pause_hash()
    if (runtime.image_labels(PAUSE) or {}).get(HASH_LABEL) == want:
        return False
    with build_lock():
        if (runtime.image_labels(PAUSE) or {}).get(HASH_LABEL) == want:
            return False
        labels = {HASH_LABEL: want}
        if compiled_pause(runtime, PAUSE, labels, say):
            pass
        elif registry_answers(runtime, say):
            say(f"building {PAUSE}: pause.c compiled in a {REGISTRY_PROBE} builder stage")
            runtime.build(PAUSE, str(asset("pause")), "Dockerfile.builder", {}, labels, say)
        else:
            ensure_base(runtime, say)
            say(f"building {PAUSE} on {BASE} (no C compiler here: the Python server)")
            runtime.build(PAUSE, str(asset("pause")), "Dockerfile.python", {}, labels, say)
        say(f"{PAUSE} ready")
        return True
