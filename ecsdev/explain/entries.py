"""The knowledge table: every stopped-task error and exit ecsdev explains, in matching order
(specific entries before the general ones they refine).

Why this exists: one list both ``ecsdev explain`` and the dashboard read, and the one the
table-driven test walks (tests/unit/test_explain_knowledge.py has a case for every key).
"""

from __future__ import annotations

from ecsdev.explain.entries_start import START_ENTRIES
from ecsdev.explain.entries_stop import EXIT_ENTRIES, TASK_ENTRIES, UNKNOWN_TASK
from ecsdev.explain.knowledge import Entry

ENTRIES: tuple[Entry, ...] = (*START_ENTRIES, *EXIT_ENTRIES, *TASK_ENTRIES)

__all__ = ["ENTRIES", "UNKNOWN_TASK"]
