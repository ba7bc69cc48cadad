"""Files only the user can read, at paths that stay where they belong: the state directory
holds task definitions with their environment values, logs and (later) secrets, so its
directories are 0700 and its files 0600, whatever the umask says; and a name a layout
chooses (an awslogs group like ``../../etc/cron.d``) never leads a path out of it.

Why a module of its own: the store, the controller's lock and log, and the local endpoint's
own data all create files there, and each must create them the same way."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path, top: Path | None = None) -> Path:
    """Create ``path`` (and its parents) and make it, and every directory from ``top`` down
    to it, readable by the user only. Returns ``path``."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    chain = [path]
    if top is not None and top in path.parents:
        chain += [p for p in path.parents if p == top or top in p.parents]
    for p in chain:
        with contextlib.suppress(PermissionError):  # not ours (a shared parent): leave it
            if p.stat().st_mode & 0o777 != DIR_MODE:
                os.chmod(p, DIR_MODE)
    return path


def private_files(*paths: Path) -> None:
    """Make the files that exist among ``paths`` 0600 (SQLite creates its own with the umask)."""
    for p in paths:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if p.stat().st_mode & 0o777 != FILE_MODE:
                os.chmod(p, FILE_MODE)


def open_private(path: Path, mode: str = "a") -> int:
    """A file descriptor of ``path`` opened for appending (or writing), created 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    private_files(path)
    return fd


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (replacing it), the file readable by the user only."""
    with os.fdopen(open_private(path, "w"), "w") as f:
        f.write(text)


def under(root: Path, *names: str) -> Path:
    """``root/names...`` with every name made one plain path component (``/`` splits a name,
    ``.``, ``..`` and empty parts are spelled ``%2E``/``%2E%2E``/dropped, ``%`` is ``%25``), so
    the result is always inside ``root`` whatever the names hold."""
    parts: list[str] = []
    for name in names:
        for part in name.split("/"):
            if part in ("", "."):
                continue
            part = part.replace("%", "%25").replace("\x00", "%00")
            parts.append("%2E%2E" if part == ".." else part)
    path = root.joinpath(*parts) if parts else root
    if path != root and root not in path.parents:  # pragma: no cover - by construction
        raise ValueError(f"{path} is not under {root}")
    return path
