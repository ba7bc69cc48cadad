"""Timestamps in the JSON ecsdev makes: aware ``datetime`` values inside the AWS-shaped dicts
(the wire layer writes them as the protocol wants), ISO 8601 text for the CLI.

Why this exists: one rule for every serializer (``ecs_json``, ``task_json``) and every reader
of their output (``--json``, tables), instead of each converting on its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def when(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, tz=UTC)


def plain(doc: Any) -> Any:
    """``doc`` with every timestamp as ISO 8601 text: what ``--json`` prints and the CLI's
    tables read."""
    if isinstance(doc, datetime):
        return doc.isoformat()
    if isinstance(doc, dict):
        return {k: plain(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [plain(v) for v in doc]
    return doc


def dumps(doc: Any, indent: int | None = 2) -> str:
    """JSON text with timestamps in ISO 8601 (what ``aws ... --output json`` prints)."""
    return json.dumps(plain(doc), indent=indent)
