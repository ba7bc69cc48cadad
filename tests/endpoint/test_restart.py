"""kill -9 of the endpoint loses nothing: clusters, task definitions, services and their
deployments are there again after a restart, the running tasks are the same ones (the
controllers are processes of their own and never stopped), and none is started twice."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.endpoint.conftest import OwnEndpoint as Endpoint
from tests.endpoint.test_ecs_flow import FAST, td

pytestmark = pytest.mark.docker


def test_kill_9_and_restart_loses_nothing(own_endpoint: Endpoint) -> None:
    ep = own_endpoint
    ep.start()
    ecs = ep.ecs()
    ecs.create_cluster(clusterName="kept")
    ecs.register_task_definition(**td("kept"))
    made = ecs.create_service(
        cluster="kept", serviceName="web", taskDefinition="kept", desiredCount=2
    )
    ecs.get_waiter("services_stable").wait(cluster="kept", services=["web"], WaiterConfig=FAST)
    tasks_before = sorted(ecs.list_tasks(cluster="kept")["taskArns"])
    assert len(tasks_before) == 2
    for _ in range(3):
        ep.kill()
        ep.start()
    # the stack's controller dies too: the endpoint starts it again
    pid_file = ep.state / "stacks" / "kept" / "controller.pid"
    dead = int(pid_file.read_text().strip())
    os.kill(dead, signal.SIGKILL)
    ep.kill()
    ep.start()
    ecs = ep.ecs()
    assert ecs.list_clusters()["clusterArns"] == ["arn:aws:ecs:us-east-1:000000000000:cluster/kept"]
    assert ecs.describe_task_definition(taskDefinition="kept")["taskDefinition"]["revision"] == 1
    svc = ecs.describe_services(cluster="kept", services=["web"])["services"][0]
    assert [d["id"] for d in svc["deployments"]] == [made["service"]["deployments"][0]["id"]]
    assert svc["runningCount"] == 2
    time.sleep(3)  # a few controller ticks: nothing is started again
    assert sorted(ecs.list_tasks(cluster="kept")["taskArns"]) == tasks_before
    deadline = time.monotonic() + 10
    while int(pid_file.read_text().strip() or 0) == dead:
        assert time.monotonic() < deadline, "no controller was started again"
        time.sleep(0.1)
    os.kill(int(pid_file.read_text().strip()), 0)  # alive
    # and it goes on working: a scale after the restarts
    ecs.update_service(cluster="kept", service="web", desiredCount=3)
    ecs.get_waiter("services_stable").wait(cluster="kept", services=["web"], WaiterConfig=FAST)
    assert len(ecs.list_tasks(cluster="kept")["taskArns"]) == 3
