"""What a stopped task's codes and reasons mean: the types of the knowledge table and how a
stop is matched to its entry.

Why this exists: ECS says why a task stopped in a stop code, a ``stoppedReason`` and, per
container, an exit code and a ``reason`` (AWS's "Amazon ECS stopped task error messages").
Those strings are terse and the same ones come from AWS and from the local engine, so the
meaning of each is written down once, as data (``entries.ENTRIES``), and matched here; the
CLI's ``ecsdev explain`` and the dashboard's panel both read it. Matching is first-hit in
table order, so specific entries come before the general ones they refine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class Scope(Enum):
    TASK = "task"
    """Matched on the task's stop code and ``stoppedReason``."""
    CONTAINER = "container"
    """Matched on one container's ``reason`` and exit code (the task's stop code as context)."""
    ANY = "any"
    """An error text that ECS writes as the task's ``stoppedReason`` and as a container's
    ``reason`` alike (CannotPullContainerError, ResourceInitializationError, ...)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One stopped-task error or exit: how to recognise it, what it means, what to do."""

    key: str
    """Stable identifier (``--json`` prints it), e.g. ``pull.not-found``."""
    title: str
    """Short name, as a user would search for it."""
    scope: Scope
    words: str
    """What happened, in plain words."""
    next_step: str
    """What to check or change first."""
    pattern: str = ""
    """A regular expression searched (case-insensitive) in the reason text; empty: any."""
    stop_codes: tuple[str, ...] = ()
    """The task's stop code must be one of these (empty: any, or none at all)."""
    exit_codes: tuple[int, ...] = ()
    """Container entries: the exit code must be one of these (empty: any, or none)."""
    oom: bool = False
    """Container entries: only when the container was killed for its memory use."""
    doc: str = ""
    """The AWS documentation page that covers it (relative to the ECS developer guide)."""

    def matches(self, text: str, stop_code: str | None, exit_code: int | None, oom: bool) -> bool:
        if self.stop_codes and stop_code not in self.stop_codes:
            return False
        if self.exit_codes and exit_code not in self.exit_codes:
            return False
        if self.oom and not oom:
            return False
        return not self.pattern or _regex(self.pattern).search(text) is not None


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.DOTALL)


OOM_TEXT = re.compile(r"OutOfMemoryError|OOMKilled|out of memory", re.IGNORECASE)


def match_task(stop_code: str | None, reason: str | None) -> Entry:
    """The entry for a task's stop (the fallback entry when nothing more specific fits)."""
    from ecsdev.explain.entries import ENTRIES, UNKNOWN_TASK

    text = reason or ""
    for e in ENTRIES:
        if e.scope is not Scope.CONTAINER and e.matches(text, stop_code, None, False):
            return e
    return UNKNOWN_TASK


def match_container(
    reason: str | None, exit_code: int | None, task_stop_code: str | None, oom: bool = False
) -> Entry | None:
    """The entry for one container of a stopped task: its reason first (an error ECS or the
    kernel gave), else its exit code. None when it neither exited nor has a reason."""
    from ecsdev.explain.entries import ENTRIES

    text = reason or ""
    oom = oom or bool(OOM_TEXT.search(text))
    if not text and exit_code is None:
        return None
    for e in ENTRIES:
        if e.scope is Scope.TASK:
            continue
        if e.pattern and not text:
            continue
        if not e.pattern and text and not e.exit_codes and not e.oom:
            continue  # a general exit-code entry never hides a reason without its own entry
        if e.matches(text, task_stop_code, exit_code, oom):
            return e
    return None


def entry(key: str) -> Entry:
    """The entry with this key (KeyError when there is none)."""
    from ecsdev.explain.entries import ENTRIES, UNKNOWN_TASK

    for e in (*ENTRIES, UNKNOWN_TASK):
        if e.key == key:
            return e
    raise KeyError(key)


__all__ = ["OOM_TEXT", "Entry", "Scope", "entry", "match_container", "match_task"]
