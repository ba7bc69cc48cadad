"""The dashboard on the local emulator: LocalSource over a real stack, and the same
drill-down a user walks in AWS, from the service to a task's container logs."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ecsdev.sources.base import ScaleService
from ecsdev.sources.local import LocalSource
from ecsdev.tui.app import make_app
from ecsdev.tui.screens.ecs import ServiceScreen
from ecsdev.tui.screens.logs import LogsScreen
from ecsdev.tui.widgets.logview import LogView
from emulator.runtime.docker import DockerRuntime

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def module_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    import os
    import secrets

    name = "d-" + secrets.token_hex(4)
    d = tmp_path_factory.mktemp("dash")
    state = str(tmp_path_factory.mktemp("dash-state"))
    (d / "ecsdev.yaml").write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "name": name,
                "taskDefinitions": [
                    {
                        "family": "web",
                        "networkMode": "awsvpc",
                        "containerDefinitions": [
                            {
                                "name": "app",
                                "image": "ecsdev/echo:latest",
                                "memory": 64,
                                "portMappings": [{"containerPort": 8080}],
                                "healthCheck": {
                                    "command": [
                                        "CMD-SHELL",
                                        "curl -fs localhost:8080/health || exit 1",
                                    ],
                                    "interval": 5,
                                    "retries": 2,
                                },
                            }
                        ],
                    }
                ],
                "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 2}],
            }
        )
    )
    env = {**os.environ, "ECSDEV_STATE_DIR": state}
    subprocess.run(
        [sys.executable, "-m", "ecsdev", "up", "-d", "--timeout", "120"],
        cwd=d,
        check=True,
        capture_output=True,
        env=env,
    )
    try:
        yield name, state
    finally:
        os.environ["ECSDEV_STATE_DIR"] = state  # the controller's lock lives there
        cleanup_stack(DockerRuntime(), name)


@pytest.fixture
def stack(module_stack: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECSDEV_STATE_DIR", module_stack[1])
    return module_stack[0]


def test_local_source_describes_the_stack_as_ecs_would(stack: str) -> None:
    src = LocalSource(stack)
    (cluster,) = src.list_clusters()
    assert cluster.name == "default" and cluster.running_tasks == 2 and cluster.active_services == 1
    (svc,) = next(src.iter_services("default"))
    assert (svc.name, svc.desired, svc.running) == ("web", 2, 2)
    assert svc.deployments[0].rollout_state == "COMPLETED"
    assert any("has reached a steady state." in e.message for e in svc.events)
    tasks = next(src.iter_tasks("default", "web"))
    assert len(tasks) == 2 and all(
        t.last_status == "RUNNING" and t.health == "HEALTHY" and t.ip for t in tasks
    )
    td = src.task_definition(tasks[0].task_definition)
    assert td.family == "web" and td.containers[0].name == "app"
    batch = src.read_logs(src.log_streams(tasks[0]), None, 100)
    assert any("echo listening on :8080" in line.message for line in batch.lines)
    assert "desiredCount" in str(src.preview(ScaleService("default", "web", 3)))
    src.close()


async def test_dashboard_walks_from_service_to_logs_locally(stack: str) -> None:
    src = LocalSource(stack)
    app = make_app(src, cluster="default", service="web", refresh=0, log_poll=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, ServiceScreen)
        table = app.screen.table
        for _ in range(200):
            if len(table.all_rows) >= 2:
                break
            await pilot.pause(0.05)
        assert len(table.all_rows) >= 2
        await pilot.press("l")
        for _ in range(200):
            if isinstance(app.screen, LogsScreen):
                break
            await pilot.pause(0.05)
        log = app.screen.query_one(LogView)
        deadline = time.time() + 10
        while time.time() < deadline and not any(
            "echo listening" in line for line in log.shown_text()
        ):
            await pilot.pause(0.1)
        assert any("echo listening" in line for line in log.shown_text())


def test_engine_never_imports_ui_or_aws_libraries() -> None:
    code = (
        "import sys, emulator.controller, emulator.services, emulator.stack, emulator.model.loader, "
        "emulator.alb.nginx, emulator.runtime.docker;"
        "bad = [m for m in ('textual', 'rich', 'boto3', 'ecsdev') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_local_load_balancer_chain_reaches_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Load balancer -> listener -> rules -> target group -> target -> its task, locally."""
    import secrets

    name = "e-" + secrets.token_hex(4)
    layout = {
        "version": 1,
        "name": name,
        "vpc": {"subnets": [{"name": "public-a", "public": True}]},
        "taskDefinitions": [
            {
                "family": "web",
                "networkMode": "awsvpc",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "ecsdev/echo:latest",
                        "memory": 64,
                        "portMappings": [{"containerPort": 8080}],
                    }
                ],
            }
        ],
        "services": [
            {
                "serviceName": "web",
                "taskDefinition": "web",
                "desiredCount": 1,
                "loadBalancers": [
                    {"targetGroup": "web", "containerName": "app", "containerPort": 8080}
                ],
            }
        ],
        "targetGroups": [
            {
                "name": "web",
                "port": 8080,
                "targetType": "ip",
                "healthCheckPath": "/health",
                "healthCheckIntervalSeconds": 5,
                "healthCheckTimeoutSeconds": 2,
                "healthyThresholdCount": 2,
                "deregistrationDelay": 0,
            }
        ],
        "loadBalancers": [
            {
                "name": "edge",
                "subnets": ["public-a"],
                "listeners": [
                    {
                        "port": 80,
                        "publish": f"127.0.0.1:{_free_port()}",
                        "defaultActions": [
                            {
                                "type": "fixed-response",
                                "statusCode": "404",
                                "contentType": "text/plain",
                                "messageBody": "no",
                            }
                        ],
                        "rules": [
                            {
                                "priority": 10,
                                "conditions": [{"field": "path-pattern", "values": ["/*"]}],
                                "actions": [{"type": "forward", "targetGroup": "web"}],
                            }
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "ecsdev.yaml").write_text(yaml.safe_dump(layout))
    try:
        subprocess.run(
            [sys.executable, "-m", "ecsdev", "up", "-d", "--timeout", "120"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        src = LocalSource(name)
        (lb,) = src.list_load_balancers()
        assert lb.name == "edge" and lb.arn.startswith("arn:aws:elasticloadbalancing:")
        (listener,) = src.list_listeners(lb.arn)
        assert listener.port == 80 and "no" in listener.default_actions[0]
        rules = src.list_rules(listener.arn)
        assert [r.priority for r in rules] == ["10", "default"]
        assert rules[0].conditions == ("path matches /*",)
        (tg,) = src.list_target_groups(lb.arn)
        assert tg.name == "web" and rules[0].target_group_arns == (tg.arn,)
        (target,) = src.target_health(tg.arn)
        assert target.state == "healthy" and target.port == 8080
        task = src.task_for_target(target)
        assert task is not None and task.ip == target.id and task.last_status == "RUNNING"
        (vpc,) = src.list_vpcs()
        net = src.task_network(task)
        assert (
            net.subnet is not None and net.subnet.name == "public-a" and net.subnet.vpc_id == vpc.id
        )
        src.close()
    finally:
        cleanup_stack(DockerRuntime(), name)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
