"""The Logs calls about streams and events: DescribeLogStreams, GetLogEvents, FilterLogEvents
and PutLogEvents.

Why this exists: clients page through a stream with GetLogEvents' forward and backward
tokens and stop when the same token comes back (the SDKs' and ``aws logs tail``'s loop
depends on it), page FilterLogEvents with ``nextToken``, and ship logs with PutLogEvents.
These follow CloudWatch Logs' rules exactly; the events come from ``logs_data``.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.logs_data import (
    Event,
    GroupView,
    LogsEnv,
    Stream,
    group_not_found,
    stream_not_found,
)
from emulator.endpoint.logs_filter import compile_pattern
from emulator.endpoint.logs_records import LogStream, append_events, stream_key
from emulator.endpoint.paging import decode_token, encode_token

T = TypeVar("T")
Result = dict[str, Any]
_TOKEN = re.compile(r"^([fb])/(\d{1,56})$")
DAY_MS = 86_400_000
MAX_BYTES = 1_048_576


def add_event_handlers(sh: ServiceHandlers, env: LogsEnv) -> None:
    sh.add("DescribeLogStreams", lambda req: describe_log_streams(env, req))
    sh.add("GetLogEvents", lambda req: get_log_events(env, req))
    sh.add("FilterLogEvents", lambda req: filter_log_events(env, req))
    sh.add("PutLogEvents", lambda req: put_log_events(env, req))


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def group_name(identifier: str) -> str:
    """A group's name from its name or ARN (``...:log-group:NAME`` with or without ``:*``)."""
    if identifier.startswith("arn:") and ":log-group:" in identifier:
        name = identifier.split(":log-group:", 1)[1]
        return name[:-2] if name.endswith(":*") else name
    return identifier


def group_view(env: LogsEnv, req: Request) -> GroupView:
    p = req.params
    if p.get("logGroupName") and p.get("logGroupIdentifier"):
        raise _invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
    ident = p.get("logGroupName") or p.get("logGroupIdentifier")
    if not ident:
        raise _invalid("Should provide either name or ARN of the log group.")
    view = env.groups(req.region).get(group_name(str(ident)))
    if view is None:
        raise group_not_found()
    return view


def limit_of(p: Mapping[str, Any], default: int, high: int) -> int:
    n = p.get("limit")
    if n is None:
        return default
    if not 1 <= int(n) <= high:
        raise _invalid(
            f"1 validation error detected: Value '{n}' at 'limit' failed to satisfy "
            f"constraint: Member must have value {'less' if int(n) > high else 'greater'} "
            f"than or equal to {high if int(n) > high else 1}"
        )
    return int(n)


def page(items: Sequence[T], token: str | None, size: int) -> tuple[list[T], str | None]:
    start = decode_token(token) if token else 0
    chunk = list(items[start : start + size])
    return chunk, encode_token(start + size) if start + size < len(items) else None


def _arn(req: Request, group: str, stream: str) -> str:
    return f"arn:aws:logs:{req.region}:{req.account_id}:log-group:{group}:log-stream:{stream}"


def describe_log_streams(env: LogsEnv, req: Request) -> Result:
    p = req.params
    view = group_view(env, req)
    prefix = p.get("logStreamNamePrefix")
    order = p.get("orderBy") or "LogStreamName"
    if prefix and order == "LastEventTime":
        raise _invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
    streams = [s for s in view.streams if not prefix or s.name.startswith(str(prefix))]
    if order == "LastEventTime":
        streams.sort(key=lambda s: (_last(view, s), s.name), reverse=bool(p.get("descending")))
    else:
        streams.sort(key=lambda s: s.name, reverse=bool(p.get("descending")))
    items, token = page(streams, p.get("nextToken"), limit_of(p, 50, 50))
    out = []
    for s in items:
        evs = view.events(s)
        item: Result = {"logStreamName": s.name, "creationTime": s.created_ms}
        if evs:
            item["firstEventTimestamp"] = evs[0].timestamp
            item["lastEventTimestamp"] = evs[-1].timestamp
            item["lastIngestionTime"] = max(e.ingestion for e in evs)
        item["arn"] = _arn(req, view.name, s.name)
        item["storedBytes"] = 0
        out.append(item)
    result: Result = {"logStreams": out}
    if token:
        result["nextToken"] = token
    return result


def _last(view: GroupView, s: Stream) -> int:
    evs = view.events(s)
    return evs[-1].timestamp if evs else s.created_ms


def _in_time(evs: list[Event], p: Mapping[str, Any]) -> list[Event]:
    start, end = p.get("startTime"), p.get("endTime")
    if start is None and end is None:
        return evs
    lo = int(start) if start is not None else -1
    hi = int(end) if end is not None else 1 << 62
    return [e for e in evs if lo <= e.timestamp < hi]  # endTime is exclusive, as AWS


def get_log_events(env: LogsEnv, req: Request) -> Result:
    p = req.params
    view = group_view(env, req)
    name = str(p.get("logStreamName") or "")
    stream = next((s for s in view.streams if s.name == name), None)
    if stream is None:
        raise stream_not_found()
    evs = _in_time(view.events(stream), p)
    limit = limit_of(p, 10000, 10000)
    token = p.get("nextToken")
    forward = True
    if token:
        m = _TOKEN.match(str(token))
        if not m:
            raise _invalid("The specified nextToken is invalid.")
        pos = min(int(m.group(2)), len(evs))
        forward = m.group(1) == "f"
        if forward:
            start, end = pos, min(pos + limit, len(evs))
        else:
            start, end = max(0, pos - limit), pos
    elif p.get("startFromHead"):
        start, end = 0, min(limit, len(evs))
    else:
        start, end = max(0, len(evs) - limit), len(evs)
        forward = False
    start, end = _within_size(evs, start, end, forward)
    return {
        "events": [
            {"timestamp": e.timestamp, "message": e.message, "ingestionTime": e.ingestion}
            for e in evs[start:end]
        ],
        "nextForwardToken": f"f/{end:056d}",
        "nextBackwardToken": f"b/{start:056d}",
    }


def _within_size(evs: list[Event], start: int, end: int, forward: bool) -> tuple[int, int]:
    """The range cut to CloudWatch's 1 MB per response (each event counts its UTF-8 message
    and 26 bytes), keeping the events nearest to where the read starts."""
    size = 0
    order = range(start, end) if forward else range(end - 1, start - 1, -1)
    for n, i in enumerate(order):
        size += len(evs[i].message.encode()) + 26
        if size > MAX_BYTES and n > 0:
            return (start, i) if forward else (i + 1, end)
    return start, end


def filter_log_events(env: LogsEnv, req: Request) -> Result:
    p = req.params
    view = group_view(env, req)
    names, prefix = p.get("logStreamNames"), p.get("logStreamNamePrefix")
    if names and prefix:
        raise _invalid("You cannot specify both logStreamNames and logStreamNamePrefix.")
    match = compile_pattern(p.get("filterPattern"))
    found: list[tuple[int, str, int, Event]] = []
    for s in view.streams:
        if (names and s.name not in names) or (prefix and not s.name.startswith(str(prefix))):
            continue
        for i, e in enumerate(view.events(s)):
            if match(e.message):
                found.append((e.timestamp, s.name, i, e))
    found.sort(key=lambda row: row[:3])
    rows = [r for r in found if _in_time([r[3]], p)]
    items, token = page(rows, p.get("nextToken"), limit_of(p, 10000, 10000))
    result: Result = {
        "events": [
            {
                "logStreamName": name,
                "timestamp": e.timestamp,
                "message": e.message,
                "ingestionTime": e.ingestion,
                "eventId": f"{zlib.crc32(name.encode()):020d}{ts:020d}{i:016d}",
            }
            for ts, name, i, e in items
        ]
    }
    if token:
        result["nextToken"] = token
    return result


def put_log_events(env: LogsEnv, req: Request) -> Result:
    p = req.params
    group = str(p.get("logGroupName") or "")
    name = str(p.get("logStreamName") or "")
    view = env.groups(req.region).get(group)
    if view is None:
        raise group_not_found()
    if env.resources.get(LogStream, req.region, stream_key(group, name)) is None:
        if not any(s.name == name for s in view.streams):
            raise stream_not_found()
        # a stream a task writes to: what is put here joins it
        with env.resources.transaction() as tx:
            tx.put(
                LogStream(group, name, int(time.time() * 1000)), req.region, stream_key(group, name)
            )
    given = list(p.get("logEvents") or [])
    stamps = [int(e.get("timestamp") or 0) for e in given]
    if stamps != sorted(stamps):
        raise _invalid(
            "Log events in a single PutLogEvents request must be in chronological order."
        )
    if stamps and stamps[-1] - stamps[0] > DAY_MS:
        raise _invalid(
            "The batch of log events in a single PutLogEvents request cannot span more than "
            "24 hours."
        )
    size = sum(len(str(e.get("message") or "").encode()) + 26 for e in given)
    if size > MAX_BYTES:
        raise _invalid(f"Upload too large: {size} bytes exceeds limit of {MAX_BYTES}")
    now = int(time.time() * 1000)
    rejected: Result = {}
    accepted = []
    for i, e in enumerate(given):
        t = stamps[i]
        if t > now + 2 * 3_600_000:
            rejected.setdefault("tooNewLogEventStartIndex", i)
        elif t < now - 14 * DAY_MS:
            rejected["tooOldLogEventEndIndex"] = i
        else:
            accepted.append((t, str(e.get("message") or ""), now))
    if accepted:
        append_events(req.region, group, name, accepted)
    result: Result = {"nextSequenceToken": f"{now:056d}"}
    if rejected:
        result["rejectedLogEventsInfo"] = rejected
    return result
