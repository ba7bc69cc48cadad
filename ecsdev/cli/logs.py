"""``ecsdev logs``: a task's container output, live from Docker while it runs and from the
saved copy once it stopped; several containers are merged with a name prefix."""

from __future__ import annotations

import threading
from typing import Any

import click

from emulator.errors import NotFound
from emulator.tasks import container_log_path

COLOURS = ["cyan", "magenta", "green", "yellow", "blue", "red"]


def _emit(prefix: str | None, colour: str, text: str) -> None:
    for line in text.splitlines():
        if prefix:
            click.echo(click.style(f"{prefix} | ", fg=colour) + line)
        else:
            click.echo(line)


def _tail(text: str, n: int | None) -> str:
    if n is None:
        return text
    lines = text.splitlines()
    return "\n".join(lines[-n:] if n else [])


def print_logs(
    runner: Any, arn: str, container: str | None, follow: bool, tail: int | None
) -> None:
    observed = runner.observe().get(arn)
    if observed is None:
        snap = (runner.store.task_row(arn) or {}).get("snapshot")
        names = [c.name for c in snap.containers] if snap else []
        if container and container not in names:
            raise NotFound(f"no container {container!r} in task", f"Containers: {', '.join(names)}")
        pick = [container] if container else names
        for i, name in enumerate(pick):
            path = container_log_path(runner.store, arn, name)
            text = path.read_text() if path.exists() else ""
            _emit(name if len(pick) > 1 else None, COLOURS[i % len(COLOURS)], _tail(text, tail))
        return
    conts = observed.containers
    if container:
        conts = tuple(c for c in conts if c.name == container)
        if not conts:
            raise NotFound(
                f"no container {container!r} in task",
                f"Containers: {', '.join(c.name for c in observed.containers)}",
            )
    multi = len(conts) > 1
    if not follow:
        for i, c in enumerate(conts):
            _emit(
                c.name if multi else None,
                COLOURS[i % len(COLOURS)],
                runner.runtime.logs(c.state.id, tail=tail),
            )
        return
    lock = threading.Lock()

    def pump(i: int, c: Any) -> None:
        buf = ""
        for chunk in runner.runtime.follow_logs(c.state.id, tail=tail):
            buf += chunk
            *lines, buf = buf.split("\n")
            with lock:
                _emit(c.name if multi else None, COLOURS[i % len(COLOURS)], "\n".join(lines))

    threads = [threading.Thread(target=pump, args=(i, c), daemon=True) for i, c in enumerate(conts)]
    for t in threads:
        t.start()
    for t in threads:
        while t.is_alive():
            t.join(0.5)
