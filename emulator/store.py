"""The stack's memory: what Docker cannot remember.

Docker labels are the truth for what runs. This SQLite file (WAL, one per stack, in the state
directory: ``$ECSDEV_STATE_DIR`` or ``$XDG_STATE_HOME/ecsdev``) keeps the rest: task-definition
revisions, tasks' desired status and stop reasons, stopped tasks with their containers' exit
codes, reasons and last logs (kept until the user purges them, unlike ECS's one hour), events,
services and target-health history. Every write is one short transaction, so a kill -9 at any
moment loses nothing that was recorded.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emulator.arns import Account
from emulator.events import Event
from emulator.model.taskdef import TaskDefinition
from emulator.private import private_dir, private_files
from emulator.storetasks import TaskRows

SCHEMA = """
CREATE TABLE IF NOT EXISTS task_definitions (
  family TEXT NOT NULL, revision INTEGER NOT NULL, arn TEXT NOT NULL, hash TEXT NOT NULL,
  body TEXT NOT NULL, registered_at REAL NOT NULL, PRIMARY KEY (family, revision));
CREATE TABLE IF NOT EXISTS tasks (
  task_arn TEXT PRIMARY KEY, task_definition_arn TEXT NOT NULL, grp TEXT NOT NULL,
  started_by TEXT NOT NULL DEFAULT '', desired_status TEXT NOT NULL, stop_code TEXT,
  stopped_reason TEXT, stopping_since REAL, created_at REAL NOT NULL, stopped_at REAL,
  snapshot TEXT);
CREATE INDEX IF NOT EXISTS tasks_stopped ON tasks (stopped_at);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, level TEXT NOT NULL,
  kind TEXT NOT NULL, subject TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS services (name TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS target_health (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, target_group TEXT NOT NULL,
  target TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, description TEXT);
"""

STACK_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def state_home() -> Path:
    if os.environ.get("ECSDEV_STATE_DIR"):
        return Path(os.environ["ECSDEV_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "ecsdev"


def stack_dir(stack: str) -> Path:
    return state_home() / "stacks" / stack


def known_stacks() -> list[str]:
    root = state_home() / "stacks"
    return (
        sorted(p.name for p in root.iterdir() if (p / "state.db").exists()) if root.exists() else []
    )


class Store(TaskRows):
    """One stack's SQLite state. Safe to open from several processes at once."""

    def __init__(self, stack: str, directory: Path | None = None) -> None:
        self.stack = stack
        self.dir = private_dir(directory or stack_dir(stack), state_home())
        self.path = self.dir / "state.db"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        private_files(*(self.dir / f"state.db{x}" for x in ("", "-wal", "-shm")))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _rows(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def _row(self, sql: str, args: tuple[Any, ...] | list[Any] = ()) -> tuple[Any, ...] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    @property
    def logs_dir(self) -> Path:
        return self.dir / "logs"

    @property
    def awslogs_dir(self) -> Path:
        return self.dir / "awslogs"

    # task definitions -------------------------------------------------------------
    def register_task_definition(self, td: TaskDefinition, account: Account) -> tuple[str, int]:
        """Register like ECS, but only when the content changed: same content as the
        latest revision of the family returns that revision."""
        digest = td.content_hash
        with self._tx() as db:
            row = db.execute(
                "SELECT revision, arn, hash FROM task_definitions WHERE family=? "
                "ORDER BY revision DESC LIMIT 1",
                (td.family,),
            ).fetchone()
            if row and row[2] == digest:
                return str(row[1]), int(row[0])
            revision = (int(row[0]) if row else 0) + 1
            arn = account.task_definition_arn(td.family, revision)
            db.execute(
                "INSERT INTO task_definitions VALUES (?,?,?,?,?,?)",
                (td.family, revision, arn, digest, json.dumps(td.raw), time.time()),
            )
            return arn, revision

    def task_definition(
        self, family: str, revision: int | None = None
    ) -> tuple[dict[str, Any], int, str] | None:
        if revision is None:
            q = "SELECT body, revision, arn FROM task_definitions WHERE family=? ORDER BY revision DESC LIMIT 1"
            row = self._row(q, (family,))
        else:
            q = "SELECT body, revision, arn FROM task_definitions WHERE family=? AND revision=?"
            row = self._row(q, (family, revision))
        return (json.loads(row[0]), int(row[1]), str(row[2])) if row else None

    def import_task_definition(
        self, family: str, revision: int, arn: str, body: dict[str, Any]
    ) -> None:
        """Keep a revision registered elsewhere (the endpoint's regional registry) under its
        own ARN, so this stack's services and tasks can launch it."""
        from emulator.model.taskdef import content_hash

        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO task_definitions VALUES (?,?,?,?,?,?)",
                (family, revision, arn, content_hash(body), json.dumps(body), time.time()),
            )

    def task_definition_by_arn(self, arn: str) -> tuple[dict[str, Any], int] | None:
        row = self._row("SELECT body, revision FROM task_definitions WHERE arn=?", (arn,))
        return (json.loads(row[0]), int(row[1])) if row else None

    def task_definitions(self) -> list[dict[str, Any]]:
        rows = self._rows(
            "SELECT family, revision, arn, body, registered_at FROM task_definitions ORDER BY family, revision"
        )
        return [
            {
                "family": r[0],
                "revision": r[1],
                "taskDefinitionArn": r[2],
                "body": json.loads(r[3]),
                "registeredAt": r[4],
            }
            for r in rows
        ]

    # events ---------------------------------------------------------------------------
    def add_event(self, event: Event) -> None:
        """Record an event, never timed before the last one recorded: two launches in two
        threads or processes stamp their events and then insert them in either order, and
        the log's order must be its time order (microseconds apart at most)."""
        with self._tx() as db:
            last = db.execute("SELECT at FROM events ORDER BY id DESC LIMIT 1").fetchone()
            at = max(event.at, float(last[0])) if last else event.at
            db.execute(
                "INSERT INTO events (at, level, kind, subject, message) VALUES (?,?,?,?,?)",
                (at, event.level, event.kind, event.subject, event.message),
            )

    def events(
        self, subject: str | None = None, since_id: int = 0, limit: int = 200
    ) -> list[tuple[int, Event]]:
        q = "SELECT id, at, level, kind, subject, message FROM events WHERE id > ?"
        args: list[Any] = [since_id]
        if subject:
            q += " AND subject = ?"
            args.append(subject)
        q += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        rows = self._rows(q, args)
        return [
            (int(r[0]), Event(message=r[5], level=r[2], subject=r[4], kind=r[3], at=r[1]))
            for r in reversed(rows)
        ]

    # services and misc -----------------------------------------------------------------
    def save_service(self, name: str, body: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO services VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET body=excluded.body",
                (name, json.dumps(body)),
            )

    def services(self, names: Collection[str] | None = None) -> dict[str, dict[str, Any]]:
        """The scheduler's records by service name (all, or those ``names``)."""
        if names is None:
            rows = self._rows("SELECT name, body FROM services")
        else:
            wanted = list(names)
            marks = ",".join("?" * len(wanted))
            rows = self._rows(f"SELECT name, body FROM services WHERE name IN ({marks})", wanted)
        return {r[0]: json.loads(r[1]) for r in rows}

    def service_record_names(self) -> list[str]:
        return [str(r[0]) for r in self._rows("SELECT name FROM services")]

    def delete_service(self, name: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM services WHERE name=?", (name,))

    def keys(self, prefix: str) -> list[str]:
        rows = self._rows(
            "SELECT key FROM kv WHERE key LIKE ? ORDER BY key", (prefix.replace("%", "") + "%",)
        )
        return [str(r[0]) for r in rows]

    def put(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO kv VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, json.dumps(value)),
            )

    def forget(self, key: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM kv WHERE key=?", (key,))

    def get(self, key: str, default: Any = None) -> Any:
        row = self._row("SELECT value FROM kv WHERE key=?", (key,))
        return json.loads(row[0]) if row else default

    def update(self, key: str, change: Callable[[Any], Any]) -> Any:
        """Read-modify-write of one key in one transaction: ``change`` gets the current
        value (None when absent) and returns the new one, so two writers never lose each
        other's change. It may raise to write nothing. Returns what was written."""
        with self._tx() as db:
            row = db.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()
            new = change(json.loads(row[0]) if row else None)
            db.execute(
                "INSERT INTO kv VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, json.dumps(new)),
            )
            return new

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Serializes whole-stack changes (``up``, ``down``, ``scale``, ``redeploy`` and API
        writes) across threads and processes: one holder at a time, the others wait."""
        with open(self.dir / "changes.lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def record_target_health(
        self,
        target_group: str,
        target: str,
        state: str,
        reason: str | None,
        description: str | None,
        at: float,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO target_health (at, target_group, target, state, reason, description) VALUES (?,?,?,?,?,?)",
                (at, target_group, target, state, reason, description),
            )

    def target_health_history(
        self, target_group: str | None = None, limit: int = 500
    ) -> list[dict[str, Any]]:
        q = "SELECT at, target_group, target, state, reason, description FROM target_health"
        args: list[Any] = []
        if target_group:
            q += " WHERE target_group=?"
            args.append(target_group)
        q += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        keys = ["at", "targetGroup", "target", "state", "reason", "description"]
        return [dict(zip(keys, r, strict=True)) for r in self._rows(q, args)]

    def purge(self) -> None:
        """Forget everything of this stack (``ecsdev down --purge``)."""
        self.close()
        shutil.rmtree(self.dir, ignore_errors=True)
