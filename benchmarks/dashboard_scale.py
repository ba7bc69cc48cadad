"""Issue 13 figures: the dashboard on a 2,000-service cluster on moto's server, each against
its goal, with moto's own floor measured in the same run.

* floor: the fewest calls that fetch every row (ListServices pages, then 200 sequential
  DescribeServices of 10) made straight with boto3;
* time to every row of the services view (goal <= 1.3x the floor);
* idle on that view with refresh 5 s: API calls and CPU per minute (goals <= 1 call/s and
  < 5% of a core);
* key-to-redraw while a full refresh runs (goal p99 < 50 ms).

Kept apart from ``dashboard`` (the 200-service figures of issue 5) so each file stays
readable; ``dashboard.main`` runs both on one moto server.
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchmarks.common import figure, heading

BIG = 2_000
CLUSTER = "big"
IDLE_SECONDS = float(os.environ.get("ECSDEV_BENCH_IDLE", "60"))
KEYS = 100


def populate(url: str) -> None:
    """``BIG`` services in cluster ``big`` (eight clients at once: moto takes them in turn)."""
    import boto3

    ecs = boto3.client("ecs", region_name="us-east-1", endpoint_url=url)
    ecs.create_cluster(clusterName=CLUSTER)
    td = ecs.register_task_definition(
        family="big",
        containerDefinitions=[{"name": "app", "image": "app:1", "memory": 128}],
    )["taskDefinition"]["taskDefinitionArn"]

    def create(i: int) -> None:
        ecs.create_service(
            cluster=CLUSTER, serviceName=f"svc-{i:04d}", taskDefinition=td, desiredCount=0
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(BIG)))


def floor(url: str) -> float:
    """Seconds for the fewest calls that fetch every row, one after another, no parsing."""
    import boto3

    ecs: Any = boto3.client("ecs", region_name="us-east-1", endpoint_url=url)
    t0 = time.perf_counter()
    arns: list[str] = []
    for page in ecs.get_paginator("list_services").paginate(
        cluster=CLUSTER, PaginationConfig={"PageSize": 100}
    ):
        arns.extend(page["serviceArns"])
    for i in range(0, len(arns), 10):
        ecs.describe_services(cluster=CLUSTER, services=arns[i : i + 10])
    return time.perf_counter() - t0


def _calls(source: Any) -> int:
    return sum(source.api_calls.values())


async def run(url: str) -> None:
    from benchmarks.dashboard import SIZE, _latency, _press_latency, _wait
    from ecsdev.sources.aws import AwsSource, boto3_factory
    from ecsdev.sources.views import SourceInfo
    from ecsdev.tui.app import make_app
    from ecsdev.tui.screens.ecs import ServicesScreen

    base = floor(url)
    heading(f"dashboard at {BIG} services on moto's server (issue 13)")
    figure(
        f"moto's floor: {math.ceil(BIG / 100)} ListServices + {BIG // 10} DescribeServices", base
    )
    source = AwsSource(
        SourceInfo("aws:bench", "aws", "us-east-1", endpoint_url=url), boto3_factory(None, url)
    )
    app = make_app(source, cluster=CLUSTER, refresh=5.0)
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await _wait(lambda: isinstance(app.screen, ServicesScreen) and app.screen.is_mounted)
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        done = await _wait(lambda: len(screen.table.all_rows) == BIG and not screen._busy)
        figure(f"time to every row ({BIG})", done - t0, baseline=base, goal="ratio <= 1.3")

        # idle: the user reads; the 5 s refresh keeps running
        c0, p0, t1 = _calls(source), time.process_time(), time.perf_counter()
        await pilot.pause(IDLE_SECONDS)
        wall = time.perf_counter() - t1
        calls, cpu = _calls(source) - c0, time.process_time() - p0
        figure(f"idle {wall:.0f} s, refresh 5 s: API calls per minute", calls * 60 / wall, "")
        figure("  ... per second", calls / wall, "", goal="<= 1")
        figure("idle: CPU, % of one core", 100 * cpu / wall, "%", goal="< 5")

        # keys while a full refresh (every row, 220 calls) runs
        wall_times: list[float] = []
        while len(wall_times) < KEYS:
            screen.reload()
            await pilot.pause(0.05)
            while screen._busy and len(wall_times) < KEYS:
                wall_times += await _press_latency(pilot, ["down", "up"])
        _latency("during a full refresh", wall_times, "p99 < 50 ms")
        figure(
            "key to redraw, during a full refresh: p99 wall",
            _p99(wall_times) * 1000,
            "ms",
            goal="< 50",
        )
    source.close()


def _p99(xs: list[float]) -> float:
    return sorted(xs)[max(0, math.ceil(len(xs) * 0.99) - 1)]
