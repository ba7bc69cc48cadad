"""An automatic refresh of a big service list costs what is on screen (issue 13, "At 2,000
services"): the rows in view and one more call's worth of the rest each tick, a re-list once
a round has covered every row, and never a refresh on top of a running one."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ecsdev.sources.views import ServiceView
from ecsdev.tui.refresh import Sweep
from ecsdev.tui.screens.ecs import ServicesScreen
from tests.tui.conftest import app_for, running, settle, wait_for
from tests.tui.fakes import ACCOUNT, SERVICES, FakeSource

N = 300


class BigSource(FakeSource):
    """``N`` services; records what each call asked for."""

    def __init__(self) -> None:
        super().__init__()
        template = SERVICES[1]
        self.services = [
            replace(template, arn=f"{ACCOUNT}:service/demo/svc-{i:03d}", name=f"svc-{i:03d}")
            for i in range(N)
        ]
        self.described: list[list[str]] = []
        self.listed = 0
        self.full = 0
        self.gate = threading.Event()
        self.gate.set()

    def iter_services(self, cluster: str) -> Iterator[list[ServiceView]]:
        self.full += 1
        for i in range(0, len(self.services), 10):
            yield self.services[i : i + 10]

    def list_services(self, cluster: str) -> list[str]:
        self.listed += 1
        return [s.arn for s in self.services]

    def describe_services(self, cluster: str, services: Sequence[str]) -> list[ServiceView]:
        self.gate.wait(10)
        self.described.append(list(services))
        by_arn = {s.arn: s for s in self.services}
        return [by_arn[a] for a in services if a in by_arn]


def test_sweep_describes_the_view_and_a_little_more() -> None:
    order = [f"s{i:04d}" for i in range(2000)]
    sweep = Sweep()
    tick = sweep.tick(order, top=500, height=32)
    assert not tick.relist
    assert tick.describe[:34] == tuple(order[499:533])  # the view and a row either side
    assert len(tick.describe) == 40  # and some of the rest, to fill 4 whole calls
    rounds = [sweep.tick(order, top=500, height=32) for _ in range(400)]
    relists = [i for i, t in enumerate(rounds) if t.relist]
    assert relists and relists[0] < 340  # every row covered, then the list is read again
    swept = {k for t in [tick, *rounds[: relists[0]]] for k in t.describe}
    assert swept == set(order)


async def test_a_tick_describes_only_what_is_on_screen() -> None:
    source = BigSource()
    app = app_for(source, cluster="demo")
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        await wait_for(pilot, lambda: len(screen.table.all_rows) == N)
        assert source.full == 1
        worker = source.services[1]  # on screen (second row by name)
        source.services[1] = replace(worker, running=0)
        screen.refresh_data()
        await settle(pilot)
        assert source.full == 1 and source.listed == 0  # no full reload, no listing
        assert len(source.described) == 1 and len(source.described[0]) <= 40  # 4 calls
        assert worker.arn in source.described[0]
        assert screen.table.all_rows[worker.arn].plain(2) == "0/1"  # the change is drawn


async def test_no_refresh_starts_before_the_last_one_ended() -> None:
    source = BigSource()
    app = app_for(source, cluster="demo")
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        await wait_for(pilot, lambda: len(screen.table.all_rows) == N)
        source.gate.clear()  # the next describe hangs, as a slow API would
        screen.refresh_data()
        await pilot.pause(0.05)
        screen.refresh_data()
        screen.refresh_data()
        source.gate.set()
        await settle(pilot)
        assert len(source.described) == 1


async def test_a_round_relists_and_drops_deleted_services() -> None:
    source = BigSource()
    app = app_for(source, cluster="demo")
    async with running(app) as pilot:
        screen = app.screen
        assert isinstance(screen, ServicesScreen)
        await wait_for(pilot, lambda: len(screen.table.all_rows) == N)
        gone = source.services.pop()
        for _ in range(N // 6 + 2):
            screen.refresh_data()
            await settle(pilot)
        assert source.listed == 1
        assert gone.arn not in screen.table.all_rows and len(screen.table.all_rows) == N - 1
