"""Full pagination, API-maximum batches and progressive results, checked with a scripted
ECS client (moto does not paginate ListServices/ListTasks, so several pages need a fake)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from ecsdev.sources.aws import AwsSource
from ecsdev.sources.views import SourceInfo

ARN = "arn:aws:ecs:us-east-1:1:{kind}/big/{name}"


class _Events:
    def register(self, *_: Any, **__: Any) -> None:
        return None


class _Meta:
    events = _Events()


class _Paginator:
    def __init__(self, client: FakeEcs, op: str) -> None:
        self.client, self.op = client, op

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        kind = "service" if self.op == "list_services" else "task"
        names = self.client.services if kind == "service" else self.client.tasks
        if kind == "task" and kwargs.get("desiredStatus") == "STOPPED":
            names = []
        size = kwargs["PaginationConfig"]["PageSize"]
        for start in range(0, max(len(names), 1), size):
            time.sleep(self.client.page_latency)
            self.client.calls.append(f"{self.op}:{start}")
            key = "serviceArns" if kind == "service" else "taskArns"
            yield {key: [ARN.format(kind=kind, name=n) for n in names[start : start + size]]}


class FakeEcs:
    """Just enough of an ECS client: paginated lists and batch describes."""

    meta = _Meta()

    def __init__(self, services: int, tasks: int, page_latency: float = 0.0) -> None:
        self.page_latency = page_latency
        self.services = [f"s{i:04}" for i in range(services)]
        self.tasks = [f"t{i:05}" for i in range(tasks)]
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def get_paginator(self, op: str) -> _Paginator:
        return _Paginator(self, op)

    def describe_services(self, cluster: str, services: list[str]) -> dict[str, Any]:
        assert len(services) <= 10
        with self.lock:
            self.calls.append("describe_services")
        return {
            "services": [
                {"serviceArn": a, "serviceName": a.rsplit("/", 1)[-1], "clusterArn": cluster}
                for a in services
            ]
        }

    def describe_tasks(self, cluster: str, tasks: list[str]) -> dict[str, Any]:
        assert len(tasks) <= 100
        with self.lock:
            self.calls.append("describe_tasks")
        return {
            "tasks": [
                {"taskArn": a, "lastStatus": "RUNNING", "desiredStatus": "RUNNING"} for a in tasks
            ]
        }


def _source(fake: FakeEcs) -> AwsSource:
    return AwsSource(
        SourceInfo("aws:fake", "aws", "us-east-1"), lambda service, region, config: fake
    )


def test_every_page_and_the_fewest_describes() -> None:
    fake = FakeEcs(services=235, tasks=1234)
    source = _source(fake)
    services = [s.name for batch in source.iter_services("big") for s in batch]
    assert sorted(services) == fake.services  # all three pages, each service once
    assert fake.calls.count("describe_services") == 24  # ceil(235 / 10)
    assert [c for c in fake.calls if c.startswith("list_services")] == [
        "list_services:0",
        "list_services:100",
        "list_services:200",
    ]
    tasks = [t.id for batch in source.iter_tasks("big") for t in batch]
    assert sorted(tasks) == fake.tasks
    assert fake.calls.count("describe_tasks") == 13  # ceil(1234 / 100)
    source.close()


def test_first_batch_arrives_before_the_last_page_is_listed() -> None:
    fake = FakeEcs(services=300, tasks=0, page_latency=0.1)  # a list page takes a while, as in AWS
    source = _source(fake)
    batches = source.iter_services("big")
    first = next(batches)
    assert 0 < len(first) <= 10
    assert "list_services:200" not in fake.calls  # still paging when the first rows are ready
    rest = [s for batch in batches for s in batch]
    assert len(first) + len(rest) == 300
    source.close()


def test_leaving_early_cancels_pending_batches() -> None:
    fake = FakeEcs(services=1000, tasks=0)
    source = _source(fake)
    batches = source.iter_services("big")
    next(batches)
    batches.close()
    source.close()
    assert fake.calls.count("describe_services") < 100
