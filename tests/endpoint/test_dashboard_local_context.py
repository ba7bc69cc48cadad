"""The dashboard's ``local`` context on a real endpoint and Docker: the URL comes from the
CLI's callable (the endpoint running for this state directory), and the same AwsSource that
reads AWS lists what boto3 made through the API (cluster, service with its running count,
tasks) and what ``ecsdev up`` runs, next to the stack's direct view (``local:<stack>``)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecsdev.cli.dash import local_endpoint
from ecsdev.sources.aws import AwsSource
from ecsdev.sources.config import UserConfig
from ecsdev.sources.contexts import ContextCatalog
from ecsdev.sources.local import local_sources
from tests.endpoint.conftest import EndpointProcess

pytestmark = pytest.mark.docker

Client = Callable[..., Any]
FAST = {"Delay": 1, "MaxAttempts": 90}
ECSDEV = str(Path(sys.executable).with_name("ecsdev"))


def container(memory: int = 64) -> dict[str, Any]:
    return {
        "name": "app",
        "image": "ecsdev/echo:latest",
        "memory": memory,
        "essential": True,
        "portMappings": [{"containerPort": 8080}],
        "stopTimeout": 2,
    }


@pytest.fixture
def catalog(endpoint: EndpointProcess, monkeypatch: pytest.MonkeyPatch) -> ContextCatalog:
    """The catalog ``ecsdev dash`` builds, on the endpoint's state directory."""
    monkeypatch.setenv("ECSDEV_STATE_DIR", str(endpoint.state_dir))
    monkeypatch.setenv("ECSDEV_CONFIG_FILE", str(endpoint.state_dir / "config.yaml"))
    for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    return ContextCatalog(
        UserConfig(), lambda: list(local_sources()), local_endpoint=local_endpoint
    )


def open_local(catalog: ContextCatalog, endpoint: EndpointProcess) -> AwsSource:
    assert local_endpoint(start=False) == endpoint.url  # the running one: nothing started
    chosen = catalog.initial()
    assert chosen.name == "local" and chosen.endpoint_url == endpoint.url
    source = catalog.open(chosen)
    assert isinstance(source, AwsSource)
    assert source.info.endpoint_url == endpoint.url and source.info.writable
    return source


def test_local_context_lists_a_cluster_made_with_boto3(
    catalog: ContextCatalog, endpoint: EndpointProcess, client: Client
) -> None:
    ecs = client("ecs")
    name = f"dash-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(
        family=name, networkMode="bridge", containerDefinitions=[container()]
    )
    ecs.create_service(cluster=name, serviceName="web", taskDefinition=name, desiredCount=2)
    try:
        ecs.get_waiter("services_stable").wait(cluster=name, services=["web"], WaiterConfig=FAST)
        source = open_local(catalog, endpoint)
        try:
            clusters = {c.name: c for c in source.list_clusters()}
            assert name in clusters
            assert (clusters[name].active_services, clusters[name].running_tasks) == (1, 2)
            (svc,) = [s for batch in source.iter_services(name) for s in batch]
            assert (svc.name, svc.desired, svc.running) == ("web", 2, 2)
            tasks = [t for batch in source.iter_tasks(name, "web", stopped=False) for t in batch]
            assert len(tasks) == 2
            assert all(t.last_status == "RUNNING" and t.group == "service:web" for t in tasks)
            td = source.task_definition(tasks[0].task_definition)
            assert td.family == name and td.containers[0].name == "app"
        finally:
            source.close()
    finally:
        ecs.delete_service(cluster=name, service="web", force=True)


def test_a_stack_from_ecsdev_up_appears_too(
    catalog: ContextCatalog, endpoint: EndpointProcess, tmp_path: Path
) -> None:
    stack = f"up-{uuid.uuid4().hex[:8]}"
    layout = {
        "version": 1,
        "name": stack,
        "cluster": stack,
        "taskDefinitions": [
            {"family": "api", "networkMode": "bridge", "containerDefinitions": [container()]}
        ],
        "services": [{"serviceName": "api", "taskDefinition": "api", "desiredCount": 1}],
    }
    (tmp_path / "ecsdev.yaml").write_text(yaml.safe_dump(layout))
    env = {**os.environ, "ECSDEV_STATE_DIR": str(endpoint.state_dir)}
    up = subprocess.run(
        [ECSDEV, "up", "-d", "--timeout", "120"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert up.returncode == 0, up.stderr
    try:
        source = open_local(catalog, endpoint)
        try:
            assert stack in [c.name for c in source.list_clusters()]
            (svc,) = [s for batch in source.iter_services(stack) for s in batch]
            assert (svc.name, svc.desired, svc.running) == ("api", 1, 1)
            (task,) = [t for b in source.iter_tasks(stack, "api", stopped=False) for t in b]
            assert task.last_status == "RUNNING"
        finally:
            source.close()
        direct = catalog.find(f"local:{stack}")  # the stack's direct view is still listed
        assert direct.direct and direct.kind_label == "local (direct)"
    finally:
        subprocess.run(
            [ECSDEV, "down", "--stack", stack], env=env, capture_output=True, timeout=120
        )
