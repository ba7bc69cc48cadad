"""Tasks the agent answers for, by the random token in their URIs.

Why it exists: one agent serves every stack of every state directory on the machine (there
is one 169.254.170.2), so a launch tells it about a task with a file named after the task's
token in the agent's directory (0700, files 0600): where the task's stack lives, its role,
the stack's credential source (names and paths only, never a key) and the providers module
the launching process had. ``released`` removes it; the agent answers 404 from then on.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from emulator.private import private_dir, write_private

TOKEN = re.compile(r"^[0-9a-f]{32}$")


def new_token() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class Registration:
    token: str
    task_arn: str
    state_home: str
    stack: str
    cluster: str
    region: str
    account_id: str
    family: str
    revision: str
    network_mode: str
    role_arn: str = ""
    source: str = "local"  # the stack's credentials source (emulator.agent.config)
    options: dict[str, str] = field(default_factory=dict)  # the source's options
    providers: str = ""  # the ECSDEV_PROVIDERS module of the launching process
    credentials: bool = True  # whether the task was given the credentials URI

    @property
    def task_id(self) -> str:
        return self.task_arn.rsplit("/", 1)[-1]


def tasks_dir(agent_dir: Path) -> Path:
    return private_dir(agent_dir / "tasks", agent_dir)


def register(agent_dir: Path, reg: Registration) -> None:
    path = tasks_dir(agent_dir) / f"{reg.token}.json"
    tmp = path.with_name(f".{reg.token}.{os.getpid()}")
    write_private(tmp, json.dumps(asdict(reg)))
    os.replace(tmp, path)


def lookup(agent_dir: Path, token: str) -> Registration | None:
    if not TOKEN.match(token):
        return None
    try:
        data: dict[str, Any] = json.loads((agent_dir / "tasks" / f"{token}.json").read_text())
        return Registration(**data)
    except (OSError, ValueError, TypeError):
        return None


def release(agent_dir: Path, token: str) -> None:
    if TOKEN.match(token):
        with contextlib.suppress(FileNotFoundError):
            (agent_dir / "tasks" / f"{token}.json").unlink()


def registered(agent_dir: Path) -> list[Registration]:
    out = []
    for p in sorted((agent_dir / "tasks").glob("*.json")) if (agent_dir / "tasks").is_dir() else []:
        reg = lookup(agent_dir, p.stem)
        if reg is not None:
            out.append(reg)
    return out
