"""CloudWatch Logs through boto3 and the AWS CLI: groups (retention, tags) as Terraform makes
and reads them back, streams and events as SDK log shippers write them, GetLogEvents'
tokens exactly as AWS hands them out, FilterLogEvents' patterns and pages, and every error."""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

REGION = "us-east-2"


def _err(e: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return str(e.value.response["Error"]["Code"]), str(e.value.response["Error"]["Message"])


@pytest.fixture
def logs(client: Any) -> Any:
    return client("logs", region=REGION)


@pytest.fixture
def group(logs: Any) -> str:
    name = f"/test/{secrets.token_hex(4)}"
    logs.create_log_group(logGroupName=name)
    return name


def _put(logs: Any, group: str, stream: str, messages: list[str], start: int) -> None:
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(
        logGroupName=group,
        logStreamName=stream,
        logEvents=[{"timestamp": start + i, "message": m} for i, m in enumerate(messages)],
    )


def test_group_reads_back_as_terraform_expects(logs: Any) -> None:
    name = f"/tf/{secrets.token_hex(4)}"
    before = int(time.time() * 1000)
    logs.create_log_group(logGroupName=name, tags={"env": "dev"})
    logs.put_retention_policy(logGroupName=name, retentionInDays=14)
    found = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert len(found) == 1
    g = found[0]
    arn = f"arn:aws:logs:{REGION}:000000000000:log-group:{name}"
    assert g["logGroupName"] == name
    assert g["arn"] == arn + ":*" and g["logGroupArn"] == arn
    assert g["retentionInDays"] == 14
    assert g["logGroupClass"] == "STANDARD"
    assert g["metricFilterCount"] == 0 and g["storedBytes"] == 0
    assert before - 1000 <= g["creationTime"] <= int(time.time() * 1000)
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}
    assert logs.list_tags_log_group(logGroupName=name)["tags"] == {"env": "dev"}
    logs.tag_resource(resourceArn=arn, tags={"team": "a"})
    logs.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a"}
    logs.delete_retention_policy(logGroupName=name)
    g = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    assert "retentionInDays" not in g
    logs.delete_log_group(logGroupName=name)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_group_errors(logs: Any, group: str) -> None:
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName=group)
    assert _err(e) == ("ResourceAlreadyExistsException", "The specified log group already exists")
    missing = "/no/such/group"
    for call in (
        lambda: logs.delete_log_group(logGroupName=missing),
        lambda: logs.put_retention_policy(logGroupName=missing, retentionInDays=1),
        lambda: logs.describe_log_streams(logGroupName=missing),
        lambda: logs.get_log_events(logGroupName=missing, logStreamName="s"),
        lambda: logs.filter_log_events(logGroupName=missing),
        lambda: logs.create_log_stream(logGroupName=missing, logStreamName="s"),
        lambda: logs.put_log_events(
            logGroupName=missing, logStreamName="s", logEvents=[{"timestamp": 1, "message": "m"}]
        ),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert _err(e) == ("ResourceNotFoundException", "The specified log group does not exist.")
    with pytest.raises(ClientError) as e:
        logs.put_retention_policy(logGroupName=group, retentionInDays=2)
    code, message = _err(e)
    assert code == "InvalidParameterException"
    assert "Member must satisfy enum value set" in message
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName="bad name!")
    assert _err(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="b")
    assert _err(e)[0] == "InvalidParameterException"


def test_stream_errors(logs: Any, group: str) -> None:
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName=group, logStreamName="s")
    assert _err(e) == ("ResourceAlreadyExistsException", "The specified log stream already exists")
    for call in (
        lambda: logs.get_log_events(logGroupName=group, logStreamName="nope"),
        lambda: logs.put_log_events(
            logGroupName=group, logStreamName="nope", logEvents=[{"timestamp": 1, "message": "m"}]
        ),
        lambda: logs.delete_log_stream(logGroupName=group, logStreamName="nope"),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert _err(e) == ("ResourceNotFoundException", "The specified log stream does not exist.")
    now = int(time.time() * 1000)
    with pytest.raises(ClientError) as e:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 5, "message": "a"}],
        )
    assert _err(e) == (
        "InvalidParameterException",
        "Log events in a single PutLogEvents request must be in chronological order.",
    )
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(
            logGroupName=group, logStreamNamePrefix="s", orderBy="LastEventTime"
        )
    assert _err(e) == (
        "InvalidParameterException",
        "Cannot order by LastEventTime with a logStreamNamePrefix.",
    )
    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName=group, logStreamName="s", nextToken="x/1")
    assert _err(e)[0] == "InvalidParameterException"


def test_put_rejects_too_old_and_too_new(logs: Any, group: str) -> None:
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    out = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": now - 15 * 86_400_000, "message": "old"},
            {"timestamp": now - 15 * 86_400_000 + 1, "message": "old too"},
        ],
    )
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    out = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": now, "message": "ok"},
            {"timestamp": now + 3 * 3_600_000, "message": "new"},
        ],
    )
    assert out["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    got = logs.get_log_events(logGroupName=group, logStreamName="s")["events"]
    assert [e["message"] for e in got] == ["ok"]


def test_get_log_events_tokens_as_aws(logs: Any, group: str) -> None:
    start = int(time.time() * 1000) - 10_000
    _put(logs, group, "s", [f"m{i}" for i in range(5)], start)
    # from the head, two at a time, until the same token comes back
    seen: list[str] = []
    r = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=2)
    pages = 0
    while True:
        seen += [e["message"] for e in r["events"]]
        nxt = logs.get_log_events(
            logGroupName=group, logStreamName="s", nextToken=r["nextForwardToken"], limit=2
        )
        pages += 1
        if nxt["nextForwardToken"] == r["nextForwardToken"]:
            assert nxt["events"] == []
            break
        r = nxt
    assert seen == ["m0", "m1", "m2", "m3", "m4"] and pages == 3
    assert r["nextForwardToken"].startswith("f/") and r["nextBackwardToken"].startswith("b/")
    # from the tail (the default), then backwards to the beginning
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2)
    assert [e["message"] for e in tail["events"]] == ["m3", "m4"]
    back = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=tail["nextBackwardToken"], limit=2
    )
    assert [e["message"] for e in back["events"]] == ["m1", "m2"]
    first = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=back["nextBackwardToken"], limit=2
    )
    assert [e["message"] for e in first["events"]] == ["m0"]
    end = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=first["nextBackwardToken"], limit=2
    )
    assert end["events"] == [] and end["nextBackwardToken"] == first["nextBackwardToken"]
    # a time window: startTime inclusive, endTime exclusive
    window = logs.get_log_events(
        logGroupName=group, logStreamName="s", startTime=start + 1, endTime=start + 3
    )
    assert [e["message"] for e in window["events"]] == ["m1", "m2"]
    e0 = tail["events"][0]
    assert set(e0) == {"timestamp", "message", "ingestionTime"} and e0["timestamp"] == start + 3


def test_describe_log_streams_order_and_pages(logs: Any, group: str) -> None:
    start = int(time.time() * 1000) - 60_000
    for i, name in enumerate(["b", "c", "a"]):
        _put(logs, group, f"app/{name}", [f"{name}-1"], start + i * 1000)
    _put(logs, group, "other", ["o"], start - 5000)
    by_name = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in by_name] == ["app/a", "app/b", "app/c", "other"]
    s = by_name[0]
    assert s["firstEventTimestamp"] == s["lastEventTimestamp"] == start + 2000
    assert s["arn"] == f"arn:aws:logs:{REGION}:000000000000:log-group:{group}:log-stream:app/a"
    prefixed = logs.describe_log_streams(
        logGroupName=group, logStreamNamePrefix="app/", descending=True
    )
    assert [s["logStreamName"] for s in prefixed["logStreams"]] == ["app/c", "app/b", "app/a"]
    latest = logs.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True, limit=2
    )
    assert [s["logStreamName"] for s in latest["logStreams"]] == ["app/a", "app/c"]
    rest = logs.describe_log_streams(
        logGroupName=group,
        orderBy="LastEventTime",
        descending=True,
        limit=2,
        nextToken=latest["nextToken"],
    )
    assert [s["logStreamName"] for s in rest["logStreams"]] == ["app/b", "other"]
    assert "nextToken" not in rest
    paged = [
        s["logStreamName"]
        for page in logs.get_paginator("describe_log_streams").paginate(
            logGroupName=group, PaginationConfig={"PageSize": 1}
        )
        for s in page["logStreams"]
    ]
    assert paged == ["app/a", "app/b", "app/c", "other"]


def test_filter_log_events_patterns_and_pages(logs: Any, group: str) -> None:
    start = int(time.time() * 1000) - 60_000
    _put(
        logs,
        group,
        "web/1",
        ["GET / 200", "ERROR db timeout", "ERROR healthcheck failed", '{"level":"warn","ms":12}'],
        start,
    )
    _put(logs, group, "worker/1", ["connection refused by peer", "WARN slow"], start + 10)

    def messages(**kw: Any) -> list[str]:
        return [e["message"] for e in logs.filter_log_events(logGroupName=group, **kw)["events"]]

    assert messages(filterPattern="ERROR") == ["ERROR db timeout", "ERROR healthcheck failed"]
    assert messages(filterPattern="ERROR -healthcheck") == ["ERROR db timeout"]
    assert messages(filterPattern='"connection refused"') == ["connection refused by peer"]
    assert messages(filterPattern="?timeout ?slow") == ["ERROR db timeout", "WARN slow"]
    assert messages(filterPattern='{ $.level = "warn" && $.ms > 10 }') == [
        '{"level":"warn","ms":12}'
    ]
    assert messages(logStreamNamePrefix="worker/") == ["connection refused by peer", "WARN slow"]
    assert messages(logStreamNames=["web/1"], startTime=start + 1, endTime=start + 3) == [
        "ERROR db timeout",
        "ERROR healthcheck failed",
    ]
    everything = logs.filter_log_events(logGroupName=group)["events"]
    assert [e["timestamp"] for e in everything] == sorted(e["timestamp"] for e in everything)
    assert len({e["eventId"] for e in everything}) == 6
    assert everything[0]["logStreamName"] == "web/1"
    first = logs.filter_log_events(logGroupName=group, limit=4)
    assert len(first["events"]) == 4 and first["nextToken"]
    second = logs.filter_log_events(logGroupName=group, limit=4, nextToken=first["nextToken"])
    assert len(second["events"]) == 2 and "nextToken" not in second
    paged = [
        e["message"]
        for page in logs.get_paginator("filter_log_events").paginate(
            logGroupName=group, PaginationConfig={"PageSize": 1}
        )
        for e in page["events"]
    ]
    assert len(paged) == 6
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=group, logStreamNames=["a"], logStreamNamePrefix="a")
    assert _err(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.a = ")
    assert _err(e)[0] == "InvalidParameterException"


def test_describe_log_groups_pages(logs: Any) -> None:
    base = f"/pages/{secrets.token_hex(3)}"
    names = [f"{base}/{i}" for i in range(5)]
    for n in names:
        logs.create_log_group(logGroupName=n)
    first = logs.describe_log_groups(logGroupNamePrefix=base, limit=3)
    assert [g["logGroupName"] for g in first["logGroups"]] == names[:3]
    rest = logs.describe_log_groups(logGroupNamePrefix=base, limit=3, nextToken=first["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == names[3:]
    pattern = logs.describe_log_groups(logGroupNamePattern=base.split("/")[-1])["logGroups"]
    assert [g["logGroupName"] for g in pattern] == names


def test_logs_with_the_cli(aws: Any) -> None:
    name = f"/cli/{secrets.token_hex(4)}"
    aws.ok("logs", "create-log-group", "--log-group-name", name, region=REGION)
    aws.fails(
        "logs",
        "create-log-group",
        "--log-group-name",
        name,
        code="ResourceAlreadyExistsException",
        region=REGION,
    )
    aws.ok(
        "logs",
        "create-log-stream",
        "--log-group-name",
        name,
        "--log-stream-name",
        "s",
        region=REGION,
    )
    now = int(time.time() * 1000)
    aws.ok(
        "logs",
        "put-log-events",
        "--log-group-name",
        name,
        "--log-stream-name",
        "s",
        "--log-events",
        f"timestamp={now},message=hello",
        f"timestamp={now + 1},message=world",
        region=REGION,
    )
    out = aws.ok(
        "logs", "get-log-events", "--log-group-name", name, "--log-stream-name", "s", region=REGION
    )
    assert [e["message"] for e in out["events"]] == ["hello", "world"]
    out = aws.ok(
        "logs",
        "filter-log-events",
        "--log-group-name",
        name,
        "--filter-pattern",
        "world",
        region=REGION,
    )
    assert [e["message"] for e in out["events"]] == ["world"]
    aws.ok("logs", "delete-log-group", "--log-group-name", name, region=REGION)
    err = aws.fails(
        "logs",
        "delete-log-group",
        "--log-group-name",
        name,
        code="ResourceNotFoundException",
        region=REGION,
    )
    assert "The specified log group does not exist." in err


def test_list_log_groups_and_group_arns(logs: Any) -> None:
    base = f"/listed-{secrets.token_hex(3)}"
    for n in (f"{base}/api", f"{base}/web"):
        logs.create_log_group(logGroupName=n)
    found = logs.list_log_groups(logGroupNamePattern=f"^{base[1:]}|nothing-else")["logGroups"]
    assert found == []  # ^ anchors at the start of the name, which is "/"
    found = logs.list_log_groups(logGroupNamePattern=base[1:])["logGroups"]
    assert [g["logGroupName"] for g in found] == [f"{base}/api", f"{base}/web"]
    assert found[0] == {
        "logGroupName": f"{base}/api",
        "logGroupArn": f"arn:aws:logs:{REGION}:000000000000:log-group:{base}/api",
        "logGroupClass": "STANDARD",
    }
    # a group named by its ARN (with or without ":*") where the API takes an identifier
    arn = found[1]["logGroupArn"]
    _put(logs, f"{base}/web", "s", ["by arn"], int(time.time() * 1000))
    for ident in (arn, arn + ":*"):
        got = logs.get_log_events(logGroupIdentifier=ident, logStreamName="s")["events"]
        assert [e["message"] for e in got] == ["by arn"]
    streams = logs.describe_log_streams(logGroupIdentifier=arn)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["s"]


def test_legacy_tag_calls_and_delete_stream(logs: Any, group: str) -> None:
    logs.tag_log_group(logGroupName=group, tags={"a": "1", "b": "2"})
    logs.untag_log_group(logGroupName=group, tags=["a"])
    assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"b": "2"}
    _put(logs, group, "gone", ["x"], int(time.time() * 1000))
    logs.delete_log_stream(logGroupName=group, logStreamName="gone")
    assert logs.describe_log_streams(logGroupName=group)["logStreams"] == []
    with pytest.raises(ClientError) as e:
        logs.list_tags_for_resource(
            resourceArn=f"arn:aws:logs:{REGION}:000000000000:log-group:/no/such"
        )
    assert _err(e)[0] == "ResourceNotFoundException"


def test_get_log_events_pages_at_one_megabyte(logs: Any, group: str) -> None:
    start = int(time.time() * 1000) - 60_000
    big = "x" * 200_000
    logs.create_log_stream(logGroupName=group, logStreamName="big")
    for batch in (range(4), range(4, 8)):  # each under PutLogEvents' 1 MB
        logs.put_log_events(
            logGroupName=group,
            logStreamName="big",
            logEvents=[{"timestamp": start + i, "message": f"{i}{big}"} for i in batch],
        )
    with pytest.raises(ClientError) as e:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="big",
            logEvents=[{"timestamp": start + 9 + i, "message": big} for i in range(6)],
        )
    assert _err(e) == (
        "InvalidParameterException",
        "Upload too large: 1200156 bytes exceeds limit of 1048576",
    )
    head = logs.get_log_events(logGroupName=group, logStreamName="big", startFromHead=True)
    assert [e["message"][0] for e in head["events"]] == ["0", "1", "2", "3", "4"]
    more = logs.get_log_events(
        logGroupName=group, logStreamName="big", nextToken=head["nextForwardToken"]
    )
    assert [e["message"][0] for e in more["events"]] == ["5", "6", "7"]
    tail = logs.get_log_events(logGroupName=group, logStreamName="big")
    assert [e["message"][0] for e in tail["events"]] == ["3", "4", "5", "6", "7"]


def test_subscription_filters_are_kept_with_their_group(logs: Any, group: str, aws: Any) -> None:
    lam = f"arn:aws:lambda:{REGION}:000000000000:function:ship"
    logs.put_subscription_filter(
        logGroupName=group, filterName="errors", filterPattern="ERROR", destinationArn=lam
    )
    aws.ok(
        "logs", "put-subscription-filter", "--log-group-name", group, "--filter-name", "all",
        "--filter-pattern", "", "--destination-arn", lam, "--distribution", "Random",
        region=REGION,
    )  # fmt: skip
    got = logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"]
    assert [(f["filterName"], f["filterPattern"], f["distribution"]) for f in got] == [
        ("all", "", "Random"),
        ("errors", "ERROR", "ByLogStream"),
    ]
    assert got[1]["destinationArn"] == lam and got[1]["logGroupName"] == group
    created = got[1]["creationTime"]
    logs.put_subscription_filter(  # the same name again: changed in place
        logGroupName=group, filterName="errors", filterPattern="?ERROR ?WARN", destinationArn=lam
    )
    (again,) = logs.describe_subscription_filters(logGroupName=group, filterNamePrefix="err")[
        "subscriptionFilters"
    ]
    assert (again["filterPattern"], again["creationTime"]) == ("?ERROR ?WARN", created)
    with pytest.raises(ClientError) as e:  # two per group, as in AWS
        logs.put_subscription_filter(
            logGroupName=group, filterName="third", filterPattern="", destinationArn=lam
        )
    assert _err(e) == ("LimitExceededException", "Resource limit exceeded.")
    with pytest.raises(ClientError) as e:
        logs.put_subscription_filter(
            logGroupName=group, filterName="errors", filterPattern='{ $.x = "', destinationArn=lam
        )
    assert _err(e)[0] == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.put_subscription_filter(
            logGroupName="/no/such", filterName="x", filterPattern="", destinationArn=lam
        )
    assert _err(e) == ("ResourceNotFoundException", "The specified log group does not exist.")
    logs.delete_subscription_filter(logGroupName=group, filterName="all")
    with pytest.raises(ClientError) as e:
        logs.delete_subscription_filter(logGroupName=group, filterName="all")
    assert _err(e)[0] == "ResourceNotFoundException"
    logs.delete_log_group(logGroupName=group)  # its filters go with it
    logs.create_log_group(logGroupName=group)
    assert logs.describe_subscription_filters(logGroupName=group)["subscriptionFilters"] == []
