"""CloudWatch Logs for the AWS source: the right stream for each task, read incrementally.

Streams are named from each container's awslogs options (``logstreams``), never guessed.
Reading uses GetLogEvents per stream with its forward token, the streams of a service's
tasks fetched concurrently and merged by timestamp, so a merged view of every task costs
one call per stream per poll and a follow never re-reads a line. A stream that does not
exist yet (the container has not logged) is reported as missing and read from its start
once it appears. Each poll reads a bounded number of pages so a chatty stream cannot hold
the dashboard's worker indefinitely; the rest comes on the next poll.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from ecsdev.sources.aws_client import AwsBase
from ecsdev.sources.views import (
    LogBatch,
    LogCursor,
    LogLine,
    LogStreamRef,
)

PAGES_PER_POLL = 5
"""GetLogEvents pages (up to 10,000 events each) read per stream per poll."""

FROM_START = ""
"""Cursor position of a stream to read from its first event (it did not exist before)."""

_Result = tuple[LogStreamRef, list[LogLine], str | None, bool]


def _line(ref: LogStreamRef, event: Any) -> LogLine:
    ts = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, tz=UTC)
    return LogLine(ts, str(event.get("message", "")).rstrip("\n"), ref.label)


class AwsLogsMixin(AwsBase):
    def read_logs(
        self, streams: Sequence[LogStreamRef], cursor: LogCursor | None, limit: int = 1000
    ) -> LogBatch:
        positions = dict(cursor.positions) if cursor else {}
        jobs = [
            partial(
                self._read_stream,
                ref,
                cursor is None or ref not in positions,
                positions.get(ref),
                limit,
            )
            for ref in streams
        ]
        lines: list[LogLine] = []
        new_positions: list[tuple[LogStreamRef, str | None]] = []
        missing: list[LogStreamRef] = []
        for ref, got, token, absent in self._as_completed([jobs]):
            lines.extend(got)
            new_positions.append((ref, token))
            if absent:
                missing.append(ref)
        lines.sort(key=lambda line: line.timestamp)  # stable: each stream's order is kept
        order = {ref: i for i, ref in enumerate(streams)}
        new_positions.sort(key=lambda p: order[p[0]])
        return LogBatch(
            tuple(lines),
            LogCursor(tuple(new_positions)),
            tuple(sorted(missing, key=order.__getitem__)),
        )

    def _read_stream(self, ref: LogStreamRef, tail: bool, token: str | None, limit: int) -> _Result:
        client = self.logs(ref.region)
        kwargs: dict[str, Any] = {"logGroupName": ref.group, "logStreamName": ref.stream}
        if tail:
            kwargs.update(limit=max(1, min(limit, 10_000)), startFromHead=False)
        else:
            kwargs["startFromHead"] = True
            if token:
                kwargs["nextToken"] = token
        out: list[LogLine] = []
        with self._aws("logs:GetLogEvents"):
            for _ in range(1 if tail else PAGES_PER_POLL):
                try:
                    resp = client.get_log_events(**kwargs)
                except ClientError as e:
                    if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                        return ref, out, FROM_START, True
                    raise
                out.extend(_line(ref, e) for e in resp.get("events", []))
                next_token = resp.get("nextForwardToken")
                if tail or not next_token or next_token == kwargs.get("nextToken"):
                    return ref, out, next_token or token, False
                kwargs["nextToken"] = next_token
        return ref, out, kwargs.get("nextToken"), False
