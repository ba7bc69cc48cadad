"""The task rows of a stack's store: what Docker cannot remember of a task (its desired
status, stop code and reason, when its stop began) and the record of a stopped task.

Why this exists: it is the half of ``Store`` about tasks, kept apart so each stays readable;
``Store`` inherits it and provides the connection helpers declared here. A stopped task's
record is a ``TaskDescription`` through the one codec, written once by whichever process
finishes the task first.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection
from contextlib import AbstractContextManager
from typing import Any

from emulator.codec import CodecError, decode, encode
from emulator.taskview import TaskDescription


def _stopped(text: str | None) -> TaskDescription | None:
    """A stopped task's record; one written by an older ecsdev in another shape reads as
    absent rather than failing every reader."""
    if not text:
        return None
    try:
        return decode(TaskDescription, json.loads(text))
    except (CodecError, ValueError, TypeError):
        return None


class TaskRows:
    """Task rows (mixed into ``Store``)."""

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def _rows(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _row(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def record_task(
        self, task_arn: str, task_definition_arn: str, group: str, started_by: str
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO tasks (task_arn, task_definition_arn, grp, started_by, "
                "desired_status, created_at) VALUES (?,?,?,?, 'RUNNING', ?)",
                (task_arn, task_definition_arn, group, started_by, time.time()),
            )

    def request_stop(self, task_arn: str, stop_code: str, reason: str) -> bool:
        """Mark a task to stop. The first reason wins, as in ECS. Returns True if this call
        set it (the caller should carry out the stop)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT desired_status FROM tasks WHERE task_arn=?", (task_arn,)
            ).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO tasks (task_arn, task_definition_arn, grp, desired_status, stop_code, "
                    "stopped_reason, stopping_since, created_at) VALUES (?, '', '', 'STOPPED', ?, ?, ?, ?)",
                    (task_arn, stop_code, reason, time.time(), time.time()),
                )
                return True
            if row[0] == "STOPPED":
                return False
            db.execute(
                "UPDATE tasks SET desired_status='STOPPED', stop_code=?, stopped_reason=?, "
                "stopping_since=? WHERE task_arn=?",
                (stop_code, reason, time.time(), task_arn),
            )
            return True

    def task_row(self, task_arn: str) -> dict[str, Any] | None:
        row = self._row(
            "SELECT task_arn, task_definition_arn, grp, started_by, desired_status, stop_code, "
            "stopped_reason, stopping_since, created_at, stopped_at, snapshot FROM tasks WHERE task_arn=?",
            (task_arn,),
        )
        if row is None:
            return None
        keys = [
            "taskArn",
            "taskDefinitionArn",
            "group",
            "startedBy",
            "desiredStatus",
            "stopCode",
            "stoppedReason",
            "stoppingSince",
            "createdAt",
            "stoppedAt",
            "snapshot",
        ]
        out = dict(zip(keys, row, strict=True))
        out["snapshot"] = _stopped(out["snapshot"])
        return out

    def desired_statuses(self, task_arns: Collection[str]) -> dict[str, str]:
        """Task ARN -> desired status (STOPPED once its stop is recorded), in one query."""
        wanted = list(task_arns)
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self._rows(
            f"SELECT task_arn, desired_status, snapshot IS NOT NULL FROM tasks "
            f"WHERE task_arn IN ({marks})",
            wanted,
        )
        return {str(r[0]): "STOPPED" if r[2] else str(r[1]) for r in rows}

    def save_stopped(self, task_arn: str, snapshot: TaskDescription, first: bool = False) -> bool:
        """Record the task as stopped with its description ``snapshot``. With ``first``,
        only if no snapshot is recorded yet (two processes may finish the same task; the
        first saw its containers before the other began removing them). True if saved."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO tasks (task_arn, task_definition_arn, grp, desired_status, created_at) "
                "VALUES (?, ?, ?, 'STOPPED', ?) ON CONFLICT(task_arn) DO NOTHING",
                (task_arn, snapshot.task_definition_arn, snapshot.group, time.time()),
            )
            cur = db.execute(
                "UPDATE tasks SET desired_status='STOPPED', stopped_at=?, snapshot=?, "
                "stop_code=COALESCE(stop_code, ?), stopped_reason=COALESCE(stopped_reason, ?) "
                "WHERE task_arn=?" + (" AND snapshot IS NULL" if first else ""),
                (
                    time.time(),
                    json.dumps(encode(snapshot)),
                    snapshot.stop_code,
                    snapshot.stopped_reason,
                    task_arn,
                ),
            )
            return cur.rowcount > 0

    def stopped_tasks(self, limit: int = 100) -> list[TaskDescription]:
        rows = self._rows(
            "SELECT snapshot FROM tasks WHERE snapshot IS NOT NULL ORDER BY stopped_at DESC LIMIT ?",
            (limit,),
        )
        return [t for r in rows if (t := _stopped(r[0])) is not None]

    def unfinished_tasks(self) -> list[str]:
        """Tasks recorded as launched whose stop has not been recorded."""
        return [str(r[0]) for r in self._rows("SELECT task_arn FROM tasks WHERE snapshot IS NULL")]

    def forget_task(self, task_arn: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM tasks WHERE task_arn=?", (task_arn,))
