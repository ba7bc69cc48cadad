"""What a test does when the machine lacks something it needs: under CI=true it fails (a
skipped test checks nothing, and CI must not pass without it), elsewhere it skips, saying
what is missing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(why: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"CI=true and {why}")
    pytest.skip(why)
