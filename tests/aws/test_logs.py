"""CloudWatch Logs: the stream of the right task from the awslogs options, a merged view of
several tasks with a prefix per task, follow from a cursor, and streams not created yet."""

from __future__ import annotations

import boto3
import pytest

from ecsdev.sources.aws import AwsSource
from ecsdev.sources.base import Unsupported
from ecsdev.sources.logstreams import awslogs_streams
from ecsdev.sources.views import LogStreamRef
from tests.aws.moto_world import REGION, World, now_ms


def test_stream_names_come_from_the_awslogs_options(source: AwsSource, world: World) -> None:
    task = source.describe_task("demo", world.web_tasks[0])
    [ref] = source.log_streams(task)
    assert ref == LogStreamRef("/ecs/web", f"ecs/web/{task.id}", f"{task.short_id}/web", REGION)
    with pytest.raises(Unsupported, match="no container nope"):
        source.log_streams(task, "nope")


def test_container_without_awslogs_says_why(source: AwsSource, world: World) -> None:
    task = source.describe_task("demo", world.worker_task)
    with pytest.raises(Unsupported, match="container worker has no log configuration"):
        awslogs_streams(task, source.task_definition(task.task_definition))


def test_merged_tail_then_follow(source: AwsSource, world: World) -> None:
    tasks = [source.describe_task("demo", arn) for arn in world.web_tasks]
    streams = [ref for t in tasks for ref in source.log_streams(t)]
    first = source.read_logs(streams, None, limit=3)
    # the last 3 lines of each stream, merged by time, each with its task's prefix
    assert [line.message for line in first.lines] == [
        "task0 line 2",
        "task1 line 2",
        "task0 line 3",
        "task1 line 3",
        "task0 line 4",
        "task1 line 4",
    ]
    assert {line.label for line in first.lines} == {ref.label for ref in streams}
    assert first.lines == tuple(sorted(first.lines, key=lambda line: line.timestamp))

    logs = boto3.client("logs", region_name=REGION, endpoint_url=world.url)
    logs.put_log_events(
        logGroupName="/ecs/web",
        logStreamName=streams[1].stream,
        logEvents=[{"timestamp": now_ms(), "message": "after the tail"}],
    )
    more = source.read_logs(streams, first.cursor)
    assert [(line.label, line.message) for line in more.lines] == [
        (streams[1].label, "after the tail")
    ]
    assert source.read_logs(streams, more.cursor).lines == ()


def test_missing_stream_is_reported_then_read_from_its_start(
    source: AwsSource, world: World
) -> None:
    ref = LogStreamRef("/ecs/web", "ecs/web/not-yet", "later/web", REGION)
    batch = source.read_logs([ref], None)
    assert batch.missing == (ref,) and batch.lines == ()
    logs = boto3.client("logs", region_name=REGION, endpoint_url=world.url)
    logs.create_log_stream(logGroupName="/ecs/web", logStreamName="ecs/web/not-yet")
    logs.put_log_events(
        logGroupName="/ecs/web",
        logStreamName="ecs/web/not-yet",
        logEvents=[{"timestamp": now_ms() + i, "message": f"early {i}"} for i in range(3)],
    )
    again = source.read_logs([ref], batch.cursor)
    assert [line.message for line in again.lines] == ["early 0", "early 1", "early 2"]
    assert again.missing == ()
