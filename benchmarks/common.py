"""Shared helpers for benchmarks: timing, medians and a uniform figure printout."""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def sh(*args: str, check: bool = True) -> str:
    return subprocess.run(args, check=check, capture_output=True, text=True).stdout.strip()


def figure(
    name: str, value: float, unit: str = "s", baseline: float | None = None, goal: str = ""
) -> None:
    line = f"  {name:<58} {value:9.3f} {unit}"
    if baseline:
        line += f"   ratio {value / baseline:5.2f}"
    if goal:
        line += f"   (goal {goal})"
    print(line, flush=True)


def heading(title: str) -> None:
    print(f"\n== {title}", flush=True)
