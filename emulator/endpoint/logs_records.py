"""The CloudWatch Logs records the endpoint keeps itself: log groups made through the API
(retention, tags, class), streams made with CreateLogStream, and the events PutLogEvents
sends (one JSON-lines file per stream).

Why this exists: most groups are written by tasks (awslogs, under each stack's state
directory, read by ``logs_data``), but Terraform and scripts create groups with retention
and tags before a service runs, and SDK log shippers create streams and put events. Those
are kept here; events in files rather than in the resource tables, since they only grow.
"""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from emulator.endpoint.resources import endpoint_dir
from emulator.private import open_private

RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
"""The values PutRetentionPolicy accepts (CloudWatch Logs' enum)."""

_append_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class LogGroup:
    name: str
    created_ms: int
    retention_days: int | None = None
    kms_key_id: str | None = None
    log_group_class: str = "STANDARD"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LogStream:
    """A stream made by CreateLogStream (its events are in ``events_path``)."""

    group: str
    name: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class LogGroupDeleted:
    """When a group was deleted: what running tasks wrote before it stays deleted."""

    name: str
    at_ms: int


def stream_key(group: str, stream: str) -> str:
    """The resource-table id of a stream: unambiguous whatever the names hold."""
    return json.dumps([group, stream])


def api_logs_dir(region: str) -> Path:
    return endpoint_dir() / "logs" / quote(region, safe="")


def group_dir(region: str, group: str) -> Path:
    return api_logs_dir(region) / quote(group, safe="")


def events_path(region: str, group: str, stream: str) -> Path:
    return group_dir(region, group) / (quote(stream, safe="") + ".jsonl")


def append_events(region: str, group: str, stream: str, events: list[tuple[int, str, int]]) -> None:
    """Append ``(timestamp ms, message, ingestion ms)`` events to the stream's file."""
    path = events_path(region, group, stream)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = "".join(
        json.dumps({"t": t, "m": m, "i": i}, ensure_ascii=False) + "\n" for t, m, i in events
    )
    with _append_lock:
        fd = open_private(path, "a")
        with open(fd, "a", encoding="utf-8") as f:
            f.write(data)


def read_events(path: Path) -> list[tuple[int, str, int]]:
    out = []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    for line in text.splitlines():
        try:
            row = json.loads(line)
            out.append((int(row["t"]), str(row["m"]), int(row["i"])))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut by a kill while it was written
    return out


def remove_group_events(region: str, group: str) -> None:
    shutil.rmtree(group_dir(region, group), ignore_errors=True)


def remove_stream_events(region: str, group: str, stream: str) -> None:
    events_path(region, group, stream).unlink(missing_ok=True)
