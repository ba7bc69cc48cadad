"""Where a template's listeners are published on the host.

A template has no ``publish``: each listener is published on 127.0.0.1 at its own port when that
port is free, otherwise at a free port (two load balancers of one stack often both listen on
80). ``--publish LB_LOGICAL_ID:PORT=HOSTPORT`` pins one. A choice is remembered in the stack's
state directory, so running ``up`` again (while the stack's own proxy holds the port) keeps it.
"""

from __future__ import annotations

import contextlib
import json
import socket
from pathlib import Path
from typing import Any

from emulator.store import stack_dir

HOST = "127.0.0.1"


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _any_free() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def _memory(stack: str) -> Path:
    return stack_dir(stack) / "cfn-publish.json"


def _recall(stack: str) -> dict[str, int]:
    try:
        data: Any = json.loads(_memory(stack).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def assign(
    stack: str,
    listeners: list[tuple[str, int, dict[str, Any]]],
    pins: dict[str, int],
    remember: bool,
) -> list[str]:
    """Set ``publish`` on each listener document (keyed ``LB_LOGICAL_ID:PORT``); the keys of
    ``pins`` that name no listener are returned."""
    known = _recall(stack)
    taken: set[int] = set()
    chosen: dict[str, int] = {}
    keys = {f"{lid}:{port}" for lid, port, _ in listeners}
    for lid, port, doc in listeners:
        key = f"{lid}:{port}"
        if key in pins:
            host_port = pins[key]
        elif key in known and known[key] not in taken and known[key] not in pins.values():
            host_port = known[key]
        elif port not in taken and port not in pins.values() and _free(port):
            host_port = port
        else:
            host_port = _any_free()
            while host_port in taken:
                host_port = _any_free()
        taken.add(host_port)
        chosen[key] = host_port
        doc["publish"] = f"{HOST}:{host_port}"
    if remember and chosen and chosen != known:
        with contextlib.suppress(OSError):
            _memory(stack).parent.mkdir(parents=True, exist_ok=True)
            _memory(stack).write_text(json.dumps(chosen, indent=1, sort_keys=True))
    return sorted(k for k in pins if k not in keys)
