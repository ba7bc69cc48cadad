"""Requests arrive concurrently: the server answers each in its own thread, and one slow
request does not hold up the others."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from emulator.endpoint.api import Request, ServiceHandlers
from tests.endpoint.conftest import client_for

RELEASE = threading.Event()


def slow(req: Request) -> dict[str, Any]:
    RELEASE.wait(timeout=30)
    return {"clusters": [], "failures": []}


def fast(req: Request) -> dict[str, Any]:
    return {"clusterArns": [f"arn:aws:ecs:{req.region}:{req.account_id}:cluster/x"]}


ECS = ServiceHandlers("ecs", {"DescribeClusters": slow, "ListClusters": fast})


def test_parallel_requests_and_a_slow_one(inprocess: Any) -> None:
    own = threading.local()

    def ecs(url: str) -> Any:
        """The worker thread's own client (its own connections): nine clients, not 41
        (each one loads botocore's ECS model: ~0.2 s of CPU)."""
        if not hasattr(own, "client"):
            own.client = client_for(url, "ecs")
        return own.client

    with inprocess({"ecs": ECS}) as url, ThreadPoolExecutor(max_workers=9) as pool:
        blocked = pool.submit(lambda: ecs(url).describe_clusters())
        t0 = time.monotonic()
        results = list(pool.map(lambda i: ecs(url).list_clusters(), range(40)))
        elapsed = time.monotonic() - t0
        assert not blocked.done()
        RELEASE.set()
        assert blocked.result(timeout=30)["clusters"] == []
    assert all(
        r["clusterArns"] == ["arn:aws:ecs:us-east-1:000000000000:cluster/x"] for r in results
    )
    assert elapsed < 20
