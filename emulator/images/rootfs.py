"""Images made from what the machine has when no registry answers: a Debian root file
system from debootstrap (``docker import``), and the pause binary compiled by the host's C
compiler. Each returns False when the machine lacks what it needs, so the caller can try the
next way; a way that is possible but fails raises ``ImageError`` with the tool's last lines."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from emulator.errors import EcsdevError
from emulator.runtime.base import ContainerRuntime

Say = Callable[[str], None]

_ARCH = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}


class ImageError(EcsdevError):
    """An image ecsdev needs could not be pulled or built."""


def asset(*parts: str) -> Path:
    """A file shipped inside the wheel, under emulator/images/."""
    return Path(str(resources.files("emulator.images").joinpath(*parts)))


def same_machine(runtime: ContainerRuntime) -> bool:
    """Whether a binary built on this host runs in the engine's containers."""
    os_type, arch = runtime.platform()
    host = _ARCH.get(platform.machine().lower())
    return platform.system() == "Linux" and os_type == "linux" and host == _ARCH.get(arch.lower())


def _stream(cmd: list[str], say: Say, log: Path, every: float = 3.0) -> int:
    """Run a tool, its output to ``log``; one progress line every few seconds."""
    last = 0.0
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            now = time.monotonic()
            if line.startswith("I: ") and now - last >= every:
                say(line[3:].strip())
                last = now
        return proc.wait()


def _tail(log: Path, n: int = 12) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def debootstrap(
    runtime: ContainerRuntime,
    tag: str,
    packages: tuple[str, ...],
    changes: tuple[str, ...],
    say: Say,
) -> bool:
    """``debootstrap --variant=minbase bookworm`` with ``packages``, imported as ``tag``."""
    if not same_machine(runtime) or os.geteuid() != 0:
        return False
    tool = shutil.which("debootstrap")
    if tool is None and shutil.which("apt-get"):
        say("installing debootstrap (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "debootstrap"], env=env, capture_output=True
        )
        tool = shutil.which("debootstrap")
    if tool is None:
        return False
    mirror = os.environ.get("ECSDEV_DEBIAN_MIRROR", "http://deb.debian.org/debian")
    work = Path(tempfile.mkdtemp(prefix="ecsdev-rootfs."))
    log = Path(tempfile.gettempdir()) / "ecsdev-debootstrap.log"
    try:
        root, tarball = work / "root", work / "root.tar"
        say(f"building {tag} with debootstrap from {mirror} (about a minute; log: {log})")
        cmd = [tool, "--variant=minbase", f"--include={','.join(packages)}", "bookworm"]
        if _stream([*cmd, str(root), mirror], say, log) != 0:
            raise ImageError(
                f"debootstrap failed building {tag}:\n{_tail(log)}",
                "Check that Debian's mirror answers, or set ECSDEV_DEBIAN_MIRROR.",
            )
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for p in (root / junk).glob("*"):
                if p.is_file():
                    p.unlink()
        say(f"importing {tag} into Docker")
        subprocess.run(
            ["tar", "--numeric-owner", "-C", str(root), "-cf", str(tarball), "."],
            check=True,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
        runtime.import_rootfs(tag, str(tarball), changes)
        return True
    except (OSError, subprocess.CalledProcessError) as e:
        raise ImageError(f"building {tag} with debootstrap: {e}") from e
    finally:
        shutil.rmtree(work, ignore_errors=True)


def compiled_pause(runtime: ContainerRuntime, tag: str, labels: dict[str, str], say: Say) -> bool:
    """pause.c compiled statically by the host's C compiler, in a ``FROM scratch`` image."""
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if cc is None or not same_machine(runtime):
        return False
    with tempfile.TemporaryDirectory(prefix="ecsdev-pause.") as tmp:
        ctx = Path(tmp)
        (ctx / "ecsdev").mkdir()
        shutil.copy(asset("pause", "Dockerfile.static"), ctx / "Dockerfile")
        cmd = [cc, "-static", "-Os", "-s", "-o", str(ctx / "pause"), str(asset("pause", "pause.c"))]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:  # no static libc (libc6-dev) or not a C compiler: next way
            say(f"the host's C compiler could not build pause.c statically ({cc})")
            return False
        say(f"building {tag} from pause.c (a static binary, compiled with {cc})")
        runtime.build(tag, str(ctx), "Dockerfile", {}, labels=labels)
    return True
