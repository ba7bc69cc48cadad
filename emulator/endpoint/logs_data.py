"""Where CloudWatch Logs' events come from: what tasks wrote through awslogs, what running
containers are writing, and what PutLogEvents sent.

Why this exists: a task's awslogs output is kept by the engine when the task stops, one file
per stream under each stack's state directory (``<stack>/awslogs/<group>/<stream>``, each
``/``-separated part of the names one path component: ``emulator.private.under``); a task
still running has its output in Docker only. GetLogEvents and FilterLogEvents must show both
under the group and stream ECS names (``prefix/container/task-id``, or the container id
without a prefix), with timestamps, in the region the task logged to. The reading is here,
in one place; the handlers see ``Stream`` objects.

A file's path does not say where the group name ends and the stream's begins, nor whether
the group began with ``/``: the names are taken from the groups the stacks' task
definitions name (and the running containers' labels and the groups made through the API),
so ``/ecs/web`` with stream ``ecs/web/<id>`` reads back as exactly that.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from emulator import labels as L
from emulator.endpoint.api import ApiError
from emulator.endpoint.logs_records import (
    LogGroup,
    LogGroupDeleted,
    LogStream,
    events_path,
    read_events,
)
from emulator.endpoint.resources import Resources
from emulator.errors import EcsdevError
from emulator.runtime.base import ContainerRuntime
from emulator.store import Store, known_stacks, stack_dir

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d) ?(.*)$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Event:
    timestamp: int  # ms since the epoch
    message: str
    ingestion: int  # ms


@dataclass
class Stream:
    """One log stream; its events are read on first use."""

    group: str
    name: str
    region: str | None  # None: not known, shown in every region
    load: Callable[[], list[Event]]
    fallback_created_ms: int = 0
    _events: list[Event] | None = field(default=None, repr=False)

    def events(self) -> list[Event]:
        if self._events is None:
            evs = self.load()
            self._events = sorted(evs, key=lambda e: e.timestamp)
        return self._events

    @property
    def created_ms(self) -> int:
        evs = self.events()
        return min(evs[0].timestamp, self.fallback_created_ms) if evs else self.fallback_created_ms

    def in_region(self, region: str) -> bool:
        return self.region is None or self.region == region


def parse_lines(text: str, default_ms: int) -> list[Event]:
    """Docker output as events: lines with Docker's RFC 3339 timestamps (``logs
    --timestamps``) keep them; lines without take ``default_ms`` (when the file was written)."""
    out = []
    last = default_ms
    for line in text.splitlines():
        m = _STAMP.match(line)
        if m:
            frac = (m.group(2) or ".0")[:7]
            zone = "+00:00" if m.group(3) == "Z" else m.group(3)
            with contextlib.suppress(ValueError):
                last = int(datetime.fromisoformat(m.group(1) + frac + zone).timestamp() * 1000)
                out.append(Event(last, m.group(4), default_ms))
                continue
        out.append(Event(last if m else default_ms, line, default_ms))
    return out


def _component(part: str) -> str:
    """One name part as ``emulator.private.under`` writes it."""
    part = part.replace("%", "%25").replace("\x00", "%00")
    return "%2E%2E" if part == ".." else part


def _parts(name: str) -> tuple[str, ...]:
    return tuple(_component(p) for p in name.split("/") if p not in ("", "."))


def _unpart(part: str) -> str:
    return part.replace("%2E%2E", "..").replace("%00", "\x00").replace("%25", "%")


def _region_of_arn(arn: str) -> str | None:
    bits = arn.split(":")
    return bits[3] if len(bits) > 4 and bits[3] else None


def stack_groups(stack: str) -> dict[str, str | None]:
    """The awslogs groups a stack's task definitions name, with their regions."""
    out: dict[str, str | None] = {}
    try:
        store = Store(stack, stack_dir(stack))
    except Exception:  # a stack being removed, or a store of another version
        return out
    try:
        for td in store.task_definitions():
            body = td.get("body") or {}
            arn_region = _region_of_arn(str(td.get("taskDefinitionArn") or ""))
            for c in body.get("containerDefinitions") or []:
                log = c.get("logConfiguration") or {}
                opts = log.get("options") or {}
                if log.get("logDriver") == "awslogs" and opts.get("awslogs-group"):
                    out[str(opts["awslogs-group"])] = opts.get("awslogs-region") or arn_region
    except Exception:  # noqa: BLE001 - an unreadable store hides nothing else
        pass
    finally:
        store.close()
    return out


def split_path(rel: tuple[str, ...], known: Iterable[str]) -> tuple[str, str]:
    """(group, stream) of a file at ``rel`` under an awslogs directory: the longest known
    group that is a prefix of the path; else ECS's stream shapes decide (a container id, or
    ``prefix/container/task-id``), and the group is taken to begin with ``/`` as ECS's are."""
    best: tuple[str, ...] = ()
    group = ""
    for name in known:
        parts = _parts(name)
        if (
            parts
            and len(parts) > len(best)
            and len(rel) > len(parts)
            and rel[: len(parts)] == parts
        ):
            best, group = parts, name
    if group:
        return group, "/".join(_unpart(p) for p in rel[len(best) :])
    cut = len(rel) - 1 if _HEX64.match(rel[-1]) or len(rel) < 4 else len(rel) - 3
    return "/" + "/".join(_unpart(p) for p in rel[:cut]), "/".join(_unpart(p) for p in rel[cut:])


def _file_loader(path: Path) -> Callable[[], list[Event]]:
    def load() -> list[Event]:
        try:
            mtime = int(path.stat().st_mtime * 1000)
            return parse_lines(path.read_text(errors="replace"), mtime)
        except OSError:
            return []

    return load


def engine_streams(extra_groups: dict[str, str | None]) -> list[tuple[Stream, Path]]:
    """Every stream the engine wrote, in every stack, with its file."""
    out = []
    for stack in known_stacks():
        root = stack_dir(stack) / "awslogs"
        if not root.is_dir():
            continue
        groups = {**extra_groups, **stack_groups(stack)}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).parts
            group, name = split_path(rel, groups)
            try:
                mtime = int(path.stat().st_mtime * 1000)
            except OSError:
                continue
            out.append((Stream(group, name, groups.get(group), _file_loader(path), mtime), path))
    return out


def container_streams(runtime: ContainerRuntime) -> list[Stream]:
    """Streams of containers that still exist (running ones write to them now), of the
    stacks this state directory holds (another state directory's tasks are another world)."""
    out: list[Stream] = []
    try:
        found = runtime.list_containers({L.LOG_GROUP: ""})
    except EcsdevError:
        return out
    stacks = set(known_stacks())
    for c in found:
        group = c.labels.get(L.LOG_GROUP)
        if not group or c.labels.get(L.STACK) not in stacks:
            continue
        name = c.labels.get(L.LOG_STREAM) or c.id

        def load(cid: str = c.id) -> list[Event]:
            try:
                return parse_lines(runtime.logs(cid, timestamps=True), _now_ms())
            except EcsdevError:
                return []

        region = _region_of_arn(c.labels.get(L.TASK_DEFINITION_ARN, ""))
        created = _iso_ms(c.started_at or c.created_at)
        out.append(Stream(group, name, region, load, created))
    return out


def api_streams(resources: Resources, region: str) -> list[Stream]:
    out = []
    for s in resources.list(LogStream, region):
        path = events_path(region, s.group, s.name)

        def load(p: Path = path) -> list[Event]:
            return [Event(t, m, i) for t, m, i in read_events(p)]

        out.append(Stream(s.group, s.name, region, load, s.created_ms))
    return out


def all_streams(
    resources: Resources,
    runtime: Callable[[], ContainerRuntime] | None,
    region: str,
    api_groups: Iterable[str] = (),
) -> list[Stream]:
    """Every stream of ``region``: files the engine wrote, then containers that have no file
    yet (a stopped task's file replaces its container's output); events PutLogEvents sent to
    one of those streams join them, and streams made by CreateLogStream are added."""
    live: list[Stream] = []
    if runtime is not None:
        with contextlib.suppress(EcsdevError):
            live = container_streams(runtime())
    known: dict[str, str | None] = dict.fromkeys(api_groups, region)
    known.update({s.group: s.region for s in live})
    data: dict[tuple[str, str], Stream] = {}
    for s in [*(s for s, _ in engine_streams(known)), *live]:
        if s.in_region(region):
            data.setdefault((s.group, s.name), s)
    for s in api_streams(resources, region):
        key = (s.group, s.name)
        data[key] = _joined(data[key], s) if key in data else s
    return list(data.values())


def _joined(task: Stream, api: Stream) -> Stream:
    return Stream(
        task.group,
        task.name,
        task.region,
        lambda: [*task.load(), *api.load()],
        min(task.fallback_created_ms, api.fallback_created_ms),
    )


def remove_engine_files(group: str, region: str, stream: str | None = None) -> None:
    """DeleteLogGroup/DeleteLogStream of a group tasks wrote (in ``region``): the files go."""
    for s, path in engine_streams({group: None}):
        if s.group == group and s.in_region(region) and (stream is None or s.name == stream):
            path.unlink(missing_ok=True)


def _now_ms() -> int:
    return int(datetime.now().timestamp() * 1000)


def _iso_ms(text: str | None) -> int:
    if not text:
        return _now_ms()
    evs = parse_lines(text + " x", 0)
    return evs[0].timestamp if evs and evs[0].timestamp else _now_ms()


@dataclass
class GroupView:
    """A log group as the API shows it: its record (when made through the API) and streams."""

    name: str
    record: LogGroup | None
    streams: list[Stream]

    @property
    def created_ms(self) -> int:
        if self.record is not None:
            return self.record.created_ms
        return min((s.fallback_created_ms for s in self.streams), default=_now_ms())

    def events(self, stream: Stream) -> list[Event]:
        """The stream's events still kept under the group's retention."""
        evs = stream.events()
        days = self.record.retention_days if self.record else None
        if days:
            cutoff = _now_ms() - days * 86_400_000
            evs = [e for e in evs if e.timestamp >= cutoff]
        return evs


@dataclass(frozen=True)
class LogsEnv:
    """What the Logs handlers share: the resource tables and Docker (for running tasks'
    output; optional)."""

    resources: Resources
    runtime: Callable[[], ContainerRuntime] | None = None

    def groups(self, region: str) -> dict[str, GroupView]:
        records = {g.name: g for g in self.resources.list(LogGroup, region)}
        deleted = {d.name: d.at_ms for d in self.resources.list(LogGroupDeleted, region)}
        views = {name: GroupView(name, rec, []) for name, rec in records.items()}
        for s in all_streams(self.resources, self.runtime, region, records):
            if s.group in deleted:
                s = _since(s, deleted[s.group])
                if not s.events():
                    continue  # written before the group was deleted: gone with it
            views.setdefault(s.group, GroupView(s.group, None, [])).streams.append(s)
        return dict(sorted(views.items()))

    def group(self, region: str, name: str) -> GroupView:
        view = self.groups(region).get(name)
        if view is None:
            raise group_not_found()
        return view


def _since(s: Stream, at_ms: int) -> Stream:
    """``s`` without the events written before its group was deleted (a running task's
    output: ECS's awslogs driver makes the group again, with what comes after)."""
    return Stream(
        s.group,
        s.name,
        s.region,
        lambda: [e for e in s.events() if e.timestamp > at_ms],
        max(s.fallback_created_ms, at_ms),
    )


def group_exists(resources: Resources, region: str, name: str) -> bool:
    """Whether log group ``name`` exists in ``region``: made through the API, or written to by
    a task of any stack (what the engine asks before a container without
    ``awslogs-create-group`` starts, as ECS's agent does)."""
    if resources.get(LogGroup, region, name) is not None:
        return True
    return name in LogsEnv(resources).groups(region)


def group_not_found() -> ApiError:
    return ApiError("ResourceNotFoundException", "The specified log group does not exist.")


def stream_not_found() -> ApiError:
    return ApiError("ResourceNotFoundException", "The specified log stream does not exist.")
