"""Shared test set-up: the ``docker`` marker and the rule that, under CI=true, a test that
needs Docker fails (never skips) when no engine answers. State goes to a temporary
directory so tests never touch the developer's own ecsdev state."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.needs import in_ci

REPO = Path(__file__).resolve().parent.parent

# Tasks without a container health check count as healthy 2 s after RUNNING instead of ECS's
# 40 (emulator/controller.py), in every controller the suite starts: rolling deployments of
# such tasks finish in seconds (a task behind a target group still waits for its target to be
# healthy, so nothing is routed to an app that does not answer yet). The scheduler's own tests
# cover the 40 s rule with a fake clock.
os.environ.setdefault("ECSDEV_UNCHECKED_HEALTHY_AFTER", "2")


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


_DOCKER: bool | None = None


def docker_available() -> bool:
    global _DOCKER
    if _DOCKER is None:
        _DOCKER = _docker_answers()
    return _DOCKER


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    needs = [i for i in items if i.get_closest_marker("docker")]
    if not needs or docker_available():
        return
    if in_ci():
        fail = pytest.mark.usefixtures("_docker_required_in_ci")
        for item in needs:
            item.add_marker(fail)
        return
    skip = pytest.mark.skip(reason="requires_docker: no daemon answers (would fail under CI=true)")
    for item in needs:
        item.add_marker(skip)


@pytest.fixture
def _docker_required_in_ci() -> None:
    pytest.fail("CI=true and no Docker engine answers: run scripts/docker-engine.sh first")


@pytest.fixture(autouse=True)
def _isolated_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("ECSDEV_STATE_DIR", str(state))
    monkeypatch.setenv("ECSDEV_CONFIG_FILE", str(state / "config.yaml"))
    yield state
