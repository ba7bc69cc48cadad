"""Tasks' awslogs output through CloudWatch Logs: files laid out exactly as the engine writes
them (``<state>/stacks/<stack>/awslogs/<group>/<stream>``, each name split by
``emulator.private.under``), read back under the group and stream ECS names, in the region
the task logged to; and the reading's own rules (timestamps, where a group's name ends)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from emulator.endpoint.logs_data import parse_lines, split_path
from emulator.private import under
from emulator.store import Store

REGION = "eu-west-2"
T0 = 1_780_000_000  # seconds; the time the engine wrote the files


def engine_stack(
    state: Path, group: str, region: str = REGION, prefix: str | None = "ecs"
) -> tuple[Store, str]:
    """A stack as the engine keeps it: a registered task definition logging through awslogs."""
    stack = "s-" + secrets.token_hex(4)
    store = Store(stack, state / "stacks" / stack)
    options = {"awslogs-group": group, "awslogs-region": region}
    if prefix:
        options["awslogs-stream-prefix"] = prefix
    body = {
        "family": "web",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "ecsdev/echo:latest",
                "logConfiguration": {"logDriver": "awslogs", "options": options},
            }
        ],
    }
    arn = f"arn:aws:ecs:{region}:000000000000:task-definition/web:1"
    store.import_task_definition("web", 1, arn, body)
    return store, stack


def write_stream(store: Store, group: str, stream: str, text: str, at: float = T0) -> Path:
    """What ``TaskRunner._save_logs`` does with a stopped container's output."""
    p = under(store.awslogs_dir, group, stream)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    os.utime(p, (at, at))
    return p


@pytest.fixture
def logs(client: Any) -> Any:
    return client("logs", region=REGION)


def test_task_output_reads_back_under_ecs_names(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/web-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group)
    task_a, task_b = secrets.token_hex(16), secrets.token_hex(16)
    write_stream(store, group, f"ecs/app/{task_a}", "starting\nERROR boom\n", T0)
    write_stream(store, group, f"ecs/app/{task_b}", "starting\nready\n", T0 + 5)
    groups = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    assert groups[0]["creationTime"] == T0 * 1000
    assert "retentionInDays" not in groups[0]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert sorted(s["logStreamName"] for s in streams) == sorted(
        [f"ecs/app/{task_a}", f"ecs/app/{task_b}"]
    )
    got = logs.get_log_events(
        logGroupName=group, logStreamName=f"ecs/app/{task_a}", startFromHead=True
    )
    assert [(e["timestamp"], e["message"]) for e in got["events"]] == [
        (T0 * 1000, "starting"),
        (T0 * 1000, "ERROR boom"),
    ]
    found = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [(e["logStreamName"], e["message"]) for e in found] == [
        (f"ecs/app/{task_a}", "ERROR boom")
    ]
    # only in the region the task logged to
    assert endpoint_client_groups(endpoint, "ap-south-1", group) == []
    # ECS's awslogs-create-group: the group exists; creating it again is refused
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName=group)
    assert e.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def endpoint_client_groups(endpoint: Any, region: str, prefix: str) -> list[str]:
    from tests.endpoint.conftest import client_for

    out = client_for(endpoint.url, "logs", region).describe_log_groups(logGroupNamePrefix=prefix)
    return [g["logGroupName"] for g in out["logGroups"]]


def test_docker_timestamps_are_kept(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/ts-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group)
    stream = f"ecs/app/{secrets.token_hex(16)}"
    write_stream(
        store,
        group,
        stream,
        "2026-06-01T10:00:00.123456789Z first\n2026-06-01T10:00:01.5Z second\n",
    )
    got = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
    assert [(e["timestamp"], e["message"]) for e in got] == [
        (1780308000123, "first"),
        (1780308001500, "second"),
    ]
    window = logs.filter_log_events(
        logGroupName=group, startTime=1780308001000, endTime=1780308002000
    )["events"]
    assert [e["message"] for e in window] == ["second"]


def test_stream_named_by_container_id_without_prefix(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/noprefix-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group, prefix=None)
    cid = secrets.token_hex(32)
    write_stream(store, group, cid, "hello\n")
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [cid]


def test_retention_and_delete_of_a_group_tasks_wrote(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/del-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group)
    stream = f"ecs/app/{secrets.token_hex(16)}"
    path = write_stream(store, group, stream, "x\n", at=time.time())
    logs.put_retention_policy(logGroupName=group, retentionInDays=30)
    g = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]
    assert g["retentionInDays"] == 30
    assert len(logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]) == 1
    logs.delete_log_group(logGroupName=group)
    assert not path.exists()
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []
    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName=group, logStreamName=stream)
    assert e.value.response["Error"]["Message"] == "The specified log group does not exist."


def test_retention_hides_events_older_than_it(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/old-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group)
    stream = f"ecs/app/{secrets.token_hex(16)}"
    write_stream(store, group, stream, "2020-01-01T00:00:00Z ancient\n")
    assert len(logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]) == 1
    logs.put_retention_policy(logGroupName=group, retentionInDays=1)
    assert logs.get_log_events(logGroupName=group, logStreamName=stream)["events"] == []


def test_group_and_stream_boundaries_from_the_names_tasks_use() -> None:
    known = {"/ecs/web": None, "/ecs/web/admin": None}
    assert split_path(("ecs", "web", "ecs", "app", "abc"), known) == ("/ecs/web", "ecs/app/abc")
    assert split_path(("ecs", "web", "admin", "p", "c", "t"), known) == (
        "/ecs/web/admin",
        "p/c/t",
    )
    # a group no task definition names: ECS's stream shapes decide
    cid = "a" * 64
    assert split_path(("x", "y", cid), {}) == ("/x/y", cid)
    assert split_path(("x", "y", "p", "c", "t" * 32), {}) == ("/x/y", "p/c/" + "t" * 32)
    # names with parts under() escapes
    assert split_path(("g", "%2E%2E", "s%25"), {"g/..": None}) == ("g/..", "s%")


def test_lines_without_timestamps_take_the_files_time() -> None:
    evs = parse_lines("a\n2026-06-01T10:00:00Z b\nc\n", 42)
    assert [(e.timestamp, e.message) for e in evs] == [
        (42, "a"),
        (1780308000000, "b"),
        (42, "c"),
    ]


def test_group_exists_for_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from emulator.endpoint.logs_data import group_exists
    from emulator.endpoint.logs_records import LogGroup
    from emulator.endpoint.resources import Resources

    monkeypatch.setenv("ECSDEV_STATE_DIR", str(tmp_path))
    res = Resources(tmp_path / "r.db")
    assert not group_exists(res, REGION, "/ecs/web")
    store, _ = engine_stack(tmp_path, "/ecs/web")
    write_stream(store, "/ecs/web", f"ecs/app/{secrets.token_hex(16)}", "x\n")
    assert group_exists(res, REGION, "/ecs/web")
    assert not group_exists(res, "us-east-1", "/ecs/web")  # the task logged to eu-west-2
    with res.transaction() as tx:
        tx.put(LogGroup("/made/by/api", 1), "us-east-1", "/made/by/api")
    assert group_exists(res, "us-east-1", "/made/by/api")


def test_events_put_into_a_task_stream_join_it(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/join-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group)
    stream = f"ecs/app/{secrets.token_hex(16)}"
    now = int(time.time() * 1000)
    write_stream(store, group, stream, "2026-06-01T10:00:00Z from the task\n")
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    assert e.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    logs.put_log_events(
        logGroupName=group, logStreamName=stream, logEvents=[{"timestamp": now, "message": "put"}]
    )
    got = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["from the task", "put"]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [stream]


def test_output_from_before_a_delete_stays_deleted(endpoint: Any, logs: Any) -> None:
    group = f"/ecs/redo-{secrets.token_hex(3)}"
    store, _ = engine_stack(endpoint.state_dir, group)
    stream = f"ecs/app/{secrets.token_hex(16)}"
    write_stream(store, group, stream, "2026-06-01T10:00:00Z before\n")
    logs.delete_log_group(logGroupName=group)
    # the task ran on and stopped: its whole output is kept, from before the delete too
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5))
    write_stream(store, group, stream, f"2026-06-01T10:00:00Z before\n{later} after\n")
    got = logs.get_log_events(logGroupName=group, logStreamName=stream)["events"]
    assert [e["message"] for e in got] == ["after"]
    another = f"ecs/app/{secrets.token_hex(16)}"
    write_stream(store, group, another, "2026-06-01T10:00:00Z only before\n")
    names = [
        s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
    ]
    assert names == [stream]
