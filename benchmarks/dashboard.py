"""Issue 5 figures: the dashboard against moto's server (a real AWS-API endpoint, in its own
process on 127.0.0.1) holding one cluster with 200 services and 2,000 tasks.

* time to the first painted services view, and until every row is loaded;
* API calls made, against the fewest possible (list pages + ceil(services/10)
  DescribeServices; list pages + ceil(tasks/100) DescribeTasks), counted by the source's
  botocore ``before-call`` hook;
* key-press to redraw latency on the 2,000-row task table (goal under 50 ms);
* the log view fed 10,000 lines a second for 10 seconds: lines shown, how far behind it
  falls, and key-press latency during the flood;
* memory (peak RSS).

Then, on the same server, issue 13's figures at 2,000 services (``dashboard_scale``).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from benchmarks.common import figure, heading

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import NetworkConfigurationTypeDef

SERVICES = 200
TASKS = 2_000
LOG_RATE = 10_000
LOG_SECONDS = 10.0
SIZE = (120, 36)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/moto-api/", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto server did not start")


def _populate(url: str) -> None:
    import boto3

    body = {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 10**9}}
    req = urllib.request.Request(
        f"{url}/moto-api/state-manager/set-transition", json.dumps(body).encode(), method="POST"
    )
    urllib.request.urlopen(req, timeout=10).read()
    kw: dict[str, Any] = {"region_name": "us-east-1", "endpoint_url": url}
    ec2, ecs = boto3.client("ec2", **kw), boto3.client("ecs", **kw)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/17")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
    net: NetworkConfigurationTypeDef = {
        "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg]}
    }
    ecs.create_cluster(clusterName="bench")
    td = ecs.register_task_definition(
        family="app",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "app", "image": "app:1", "memory": 512}],
    )["taskDefinition"]["taskDefinitionArn"]
    per = TASKS // SERVICES
    for i in range(SERVICES):
        name = f"svc-{i:03d}"
        ecs.create_service(
            cluster="bench",
            serviceName=name,
            taskDefinition=td,
            desiredCount=per,
            launchType="FARGATE",
            networkConfiguration=net,
        )
        ecs.run_task(
            cluster="bench",
            taskDefinition=td,
            count=per,
            launchType="FARGATE",
            networkConfiguration=net,
            group=f"service:{name}",
        )


class FloodSource:
    """A log source producing ``rate`` lines a second for LOG_SECONDS, each stamped when made,
    so the view's lag is measurable. Only what the log view asks for is implemented."""

    def __init__(self, info: Any, rate: int) -> None:
        from ecsdev.sources.views import LogStreamRef

        self.info = info
        self.rate = rate
        self.start = time.monotonic()
        self.made = 0
        self.stream = LogStreamRef("/bench", "bench/app/x", "x/app")

    def describe_task(self, cluster: str, task: str) -> Any:
        from ecsdev.sources.views import TaskView

        return TaskView(task, task, cluster, "arn:td/app:1", "RUNNING", "RUNNING")

    def log_streams(self, task: Any, container: str | None = None) -> list[Any]:
        return [self.stream]

    def read_logs(self, streams: Sequence[Any], cursor: Any, limit: int = 1000) -> Any:
        from ecsdev.sources.views import LogBatch, LogCursor, LogLine

        total = int(LOG_SECONDS * self.rate)
        due = min(int((time.monotonic() - self.start) * self.rate), total)
        now = datetime.now(UTC)
        lines = tuple(
            LogLine(now, f"GET /api/orders/{n} 200 12ms user=bench request={n:08d}", "x/app")
            for n in range(self.made, due)
        )
        self.made = max(self.made, due)
        return LogBatch(lines, LogCursor(((self.stream, "t"),)))

    def close(self) -> None:
        return None


async def _wait(cond: Callable[[], bool], timeout: float = 120.0) -> float:
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("benchmark condition not reached")
        await asyncio.sleep(0.002)
    return time.perf_counter()


CPU: list[float] = []
"""CPU seconds of the process per key press, filled by ``_press_latency`` (the wall time
also counts Textual's frame pacing, Pilot's waits and, on a busy machine, other processes)."""


async def _press_latency(pilot: Any, keys: Iterator[str] | Sequence[str]) -> list[float]:
    """Wall time from a key event reaching the app (as a terminal driver delivers it) until
    the screen has been redrawn after handling it. Pilot's own ``press`` is not used for the
    timing: it waits for idle twice (at least 40 ms) after every key."""
    from textual import events

    app = pilot.app
    out = []
    CPU.clear()
    for key in keys:
        drawn = asyncio.Event()
        char = key if len(key) == 1 else None
        c0, t0 = time.process_time(), time.perf_counter()
        app.post_message(events.Key(key, char))
        await asyncio.sleep(0)
        while app._message_queue.qsize():  # let the app take the key
            await asyncio.sleep(0)
        app.screen.call_after_refresh(drawn.set)
        await drawn.wait()
        out.append(time.perf_counter() - t0)
        CPU.append(time.process_time() - c0)
        await pilot.pause()  # settle before the next key (not timed)
    return out


def _latency(name: str, wall: list[float], goal: str = "", cpu: bool = True) -> None:
    figure(f"key to redraw, {name}: median wall", statistics.median(wall) * 1000, "ms", goal=goal)
    figure(f"key to redraw, {name}: p95 wall", _p95(wall) * 1000, "ms", goal=goal)
    if cpu:
        figure(f"key to redraw, {name}: median CPU", statistics.median(CPU) * 1000, "ms")


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, math.ceil(len(xs) * 0.95) - 1)]


async def _run(url: str) -> None:
    from ecsdev.sources.aws import AwsSource, boto3_factory
    from ecsdev.sources.views import SourceInfo
    from ecsdev.tui.app import make_app
    from ecsdev.tui.screens.ecs import ServicesScreen, TasksScreen
    from ecsdev.tui.screens.logs import LogsScreen
    from ecsdev.tui.widgets.logview import LogView

    source = AwsSource(
        SourceInfo("aws:bench", "aws", "us-east-1", endpoint_url=url), boto3_factory(None, url)
    )
    app = make_app(source, cluster="bench", refresh=0, log_poll=0.1)
    painted: list[float] = []
    t0 = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        await _wait(lambda: isinstance(app.screen, ServicesScreen) and app.screen.is_mounted)
        app.screen.call_after_refresh(lambda: painted.append(time.perf_counter()))
        await _wait(lambda: bool(painted))
        screen = app.screen
        first_rows = await _wait(lambda: len(screen.table.all_rows) > 0)  # type: ignore[attr-defined]
        loaded = await _wait(lambda: len(screen.table.all_rows) == SERVICES and not screen._busy)  # type: ignore[attr-defined]
        heading(f"dashboard: {SERVICES} services, {TASKS} tasks on moto's server")
        figure("services view: first paint", painted[0] - t0)
        figure("services view: first rows", first_rows - t0)
        figure(f"services view: all {SERVICES} rows loaded", loaded - t0)
        calls = dict(source.api_calls)
        fewest = math.ceil(SERVICES / 10)
        figure("  ListServices calls (pages)", calls.get("ecs:ListServices", 0), "")
        figure(
            f"  DescribeServices calls (fewest {fewest})",
            calls.get("ecs:DescribeServices", 0),
            "",
            goal=f"== {fewest}",
        )
        before = dict(source.api_calls)
        t1 = time.perf_counter()
        app.run_command("tasks")
        await _wait(lambda: isinstance(app.screen, TasksScreen) and app.screen.is_mounted)
        tasks_screen = cast(TasksScreen, app.screen)
        tasks_loaded = await _wait(
            lambda: len(tasks_screen.table.all_rows) >= TASKS and not tasks_screen._busy
        )
        figure(f"tasks view: all {TASKS} rows loaded", tasks_loaded - t1)
        after = dict(source.api_calls)
        describes = after.get("ecs:DescribeTasks", 0) - before.get("ecs:DescribeTasks", 0)
        lists = after.get("ecs:ListTasks", 0) - before.get("ecs:ListTasks", 0)
        fewest_t = math.ceil(TASKS / 100)
        figure("  ListTasks calls (pages, running + stopped)", lists, "")
        figure(f"  DescribeTasks calls (fewest {fewest_t})", describes, "", goal=f"== {fewest_t}")
        figure("memory: peak RSS with 2,000 task rows", _rss_mb(), "MB")
        await pilot.pause()
        table = tasks_screen.table  # type: ignore[attr-defined]
        row0 = table.cursor_row
        _latency("cursor down", await _press_latency(pilot, ["down"] * 40), "< 50 ms")
        if table.cursor_row != row0 + 40:  # the timed keys really moved the cursor
            raise SystemExit(f"cursor moved {table.cursor_row - row0} rows for 40 presses")
        _latency("page down", await _press_latency(pilot, ["pagedown"] * 10), "< 50 ms")
        _latency("re-sort 2,000 rows", await _press_latency(pilot, ["o", "o", "O", "O"]))
        await pilot.press("slash")
        _latency("live filter keystroke", await _press_latency(pilot, list("svc-01")))
        await pilot.press("escape", "escape")

        # -- log flood --------------------------------------------------------------------
        flood = FloodSource(source.info, LOG_RATE)
        app.source = flood  # type: ignore[assignment]
        lags: list[float] = []
        original = LogView.append

        def measured(self: LogView, lines: Sequence[Any]) -> None:
            original(self, lines)
            if lines:
                lags.append((datetime.now(UTC) - lines[0].timestamp).total_seconds())

        LogView.append = measured  # type: ignore[method-assign]
        flood.start = time.monotonic()
        app.navigate(app.history[0].to("logs", cluster="bench", task="flood", label="logs"))
        await _wait(lambda: isinstance(app.screen, LogsScreen) and app.screen.is_mounted)
        logs = app.screen.query_one(LogView)
        during: list[float] = []
        while time.monotonic() - flood.start < LOG_SECONDS:
            during += await _press_latency(pilot, ["k", "j"])
            await asyncio.sleep(0.2)
        await _wait(
            lambda: (
                flood.made >= LOG_SECONDS * LOG_RATE
                and logs.line_count + logs.dropped >= flood.made
            ),
            30,
        )
        behind = time.monotonic() - (flood.start + LOG_SECONDS)
        LogView.append = original  # type: ignore[method-assign]
        shown = logs.line_count + logs.dropped
        figure(f"log flood: lines made ({LOG_RATE}/s for {LOG_SECONDS:g} s)", flood.made, "")
        figure("log flood: lines received by the view", shown, "")
        figure("log flood: lines kept (capped buffer)", logs.line_count, "")
        figure("log flood: last line shown, after the flood ended", behind, "s")
        figure("log flood: max age of a batch when drawn", max(lags) if lags else float("nan"), "s")
        _latency("during the log flood", during, "< 50 ms", cpu=False)  # CPU includes the poller
        figure("memory: peak RSS after the log flood", _rss_mb(), "MB")
    source.close()


def main() -> None:
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
        os.environ.pop(var, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
    )
    proc, url = _start_moto()
    try:
        t0 = time.perf_counter()
        _populate(url)
        print(
            f"  (moto populated with {SERVICES} services and {TASKS} tasks in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        asyncio.run(_run(url))
        from benchmarks import dashboard_scale

        t0 = time.perf_counter()
        dashboard_scale.populate(url)
        print(
            f"  (moto populated with {dashboard_scale.BIG} more services in {time.perf_counter() - t0:.1f} s)",
            flush=True,
        )
        asyncio.run(dashboard_scale.run(url))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
