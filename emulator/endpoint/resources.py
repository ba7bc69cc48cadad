"""The endpoint's own resource tables: typed records in one SQLite file.

Why this exists: resources that live in a region rather than in a stack (VPCs, subnets,
security groups, load balancers, target groups, listeners, rules, log groups, tags ...) are
kept here, in ``$ECSDEV_STATE_DIR/endpoint/resources.db``. Records are frozen dataclasses,
persisted through the one codec (``emulator.codec``); every write happens inside one
``transaction`` (SQLite ``BEGIN IMMEDIATE``), so concurrent requests never lose a change and
a kill -9 of the endpoint loses nothing that was answered. A record's kind is its class name.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from emulator.codec import decode, encode
from emulator.store import state_home

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
  kind TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
  created_at REAL NOT NULL, PRIMARY KEY (kind, region, id));
"""


def endpoint_dir() -> Path:
    d = state_home() / "endpoint"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


class Tx:
    """Reads and writes inside one transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def get(self, cls: type[T], region: str, rid: str) -> T | None:
        row = self._db.execute(
            "SELECT body FROM resources WHERE kind=? AND region=? AND id=?",
            (cls.__name__, region, rid),
        ).fetchone()
        return decode(cls, json.loads(row[0])) if row else None

    def list(self, cls: type[T], region: str | None = None) -> list[T]:
        """Every record of ``cls`` (in ``region``, or in all), oldest first."""
        if region is None:
            q, args = "SELECT body FROM resources WHERE kind=?", (cls.__name__,)
        else:
            q = "SELECT body FROM resources WHERE kind=? AND region=?"
            args = (cls.__name__, region)  # type: ignore[assignment]
        rows = self._db.execute(q + " ORDER BY created_at, id", args).fetchall()
        return [decode(cls, json.loads(r[0])) for r in rows]

    def put(self, record: object, region: str, rid: str) -> None:
        kind = type(record).__name__
        body = json.dumps(encode(record), sort_keys=True)
        self._db.execute(
            "INSERT INTO resources (kind, region, id, body, created_at) VALUES (?,?,?,?,?) "
            "ON CONFLICT(kind, region, id) DO UPDATE SET body=excluded.body",
            (kind, region, rid, body, time.time()),
        )

    def delete(self, cls: type[Any], region: str, rid: str) -> bool:
        cur = self._db.execute(
            "DELETE FROM resources WHERE kind=? AND region=? AND id=?", (cls.__name__, region, rid)
        )
        return cur.rowcount > 0


class Resources:
    """The endpoint's tables. Safe to share between threads and processes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or endpoint_dir() / "resources.db"
        self._lock = threading.RLock()
        fresh = not self.path.exists()
        self._db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        if fresh:
            os.chmod(self.path, 0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One atomic unit: everything inside commits together or not at all."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._db)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def get(self, cls: type[T], region: str, rid: str) -> T | None:
        with self._lock:
            return Tx(self._db).get(cls, region, rid)

    def list(self, cls: type[T], region: str | None = None) -> list[T]:
        with self._lock:
            return Tx(self._db).list(cls, region)
