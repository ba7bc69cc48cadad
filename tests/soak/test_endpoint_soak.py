"""Soak (``make soak``, not in the default run): the endpoint is killed with SIGKILL at random
moments, 20 times, during a rolling deployment of a service behind a load balancer that
serves requests all along. Nothing that runs depends on the endpoint process (controllers
and nginx are processes and containers of their own), so: no failed request through the
listener, no task started twice, no event lost, and the deployment completes."""

from __future__ import annotations

import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from emulator.endpoint.listenerports import listener_addresses
from emulator.endpoint.resources import Resources
from tests.endpoint.conftest import OwnEndpoint, client_for
from tests.endpoint.test_ecs_flow import td as plain_td

pytestmark = [pytest.mark.docker, pytest.mark.soak]

KILLS = int(os.environ.get("ECSDEV_SOAK_KILLS", "20"))
WAIT = {"Delay": 1, "MaxAttempts": 180}


def td(family: str, version: str) -> dict[str, Any]:
    """Counted healthy once its check passes (without one, ECS waits 40 s after RUNNING
    before a task counts towards minimumHealthyPercent)."""
    return plain_td(
        family,
        environment=[{"name": "VERSION", "value": version}],
        healthCheck={
            "command": ["CMD-SHELL", "curl -fs http://localhost:8080/health || exit 1"],
            "interval": 5,
            "timeout": 2,
            "retries": 2,
            "startPeriod": 2,
        },
    )


class Load:
    """GETs the listener until stopped (bounded: at most 20 requests/s), counting failures."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.ok = 0
        self.failed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with urllib.request.urlopen(self.url, timeout=5) as resp:
                    resp.read()
                    self.ok += 1
            except (urllib.error.URLError, OSError) as e:
                self.failed.append(f"{time.monotonic() - self.t0:.1f}s {e!r}")
            self._stop.wait(0.05)

    def __enter__(self) -> Load:
        self.t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


def completed(ecs: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        svc = ecs.describe_services(cluster="soak", services=["web"])["services"][0]
        if [d["rolloutState"] for d in svc["deployments"]] == ["COMPLETED"]:
            return
        time.sleep(0.5)
    raise AssertionError("the first deployment never completed")


def test_sigkill_20_times_during_a_rolling_deployment_under_load(
    own_endpoint: OwnEndpoint,
) -> None:
    ep = own_endpoint
    ep.start()
    ecs, elb, ec2 = ep.ecs(), client_for(ep.url, "elbv2"), client_for(ep.url, "ec2")
    tag = uuid.uuid4().hex[:6]
    ecs.create_cluster(clusterName="soak")
    ecs.register_task_definition(**td(f"soak-{tag}", "1"))
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    subnets = [
        s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] == vpc["VpcId"]
    ]
    tg = elb.create_target_group(
        Name=f"soak-{tag}",
        Protocol="HTTP",
        Port=8080,
        VpcId=vpc["VpcId"],
        TargetType="instance",
        HealthCheckIntervalSeconds=5,
        HealthCheckTimeoutSeconds=2,
        HealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elb.modify_target_group_attributes(
        TargetGroupArn=tg,
        Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}],
    )
    lb = elb.create_load_balancer(Name=f"soak-{tag}", Subnets=subnets[:2])["LoadBalancers"][0]
    port = 20000 + uuid.uuid4().int % 20000
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=port,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )
    ecs.create_service(
        cluster="soak",
        serviceName="web",
        taskDefinition=f"soak-{tag}",
        desiredCount=3,
        deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200},
        loadBalancers=[{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}],
    )
    ecs.get_waiter("services_stable").wait(cluster="soak", services=["web"], WaiterConfig=WAIT)
    elb.get_waiter("target_in_service").wait(TargetGroupArn=tg, WaiterConfig=WAIT)
    completed(ecs)  # every task healthy: only then does minimumHealthyPercent protect them
    res = Resources(ep.state / "endpoint" / "resources.db")
    (where,) = [
        a["url"] for a in listener_addresses(res) if str(a["url"]).endswith(f":{port}/")
    ] or [a["url"] for a in listener_addresses(res)]
    res.close()
    ecs.register_task_definition(**td(f"soak-{tag}", "2"))
    rng = random.Random(7)
    with Load(str(where)) as load:
        time.sleep(2)
        ecs.update_service(cluster="soak", service="web", taskDefinition=f"soak-{tag}")
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.2, 2.5))
            ep.kill()
            time.sleep(rng.uniform(0.0, 1.0))
            ep.start()
        ecs = ep.ecs()
        ecs.get_waiter("services_stable").wait(cluster="soak", services=["web"], WaiterConfig=WAIT)
        svc = ecs.describe_services(cluster="soak", services=["web"])["services"][0]
        assert svc["deployments"][0]["taskDefinition"].endswith(f"soak-{tag}:2")
        time.sleep(3)
    assert load.ok > 50
    assert load.failed == [], f"{len(load.failed)} of {load.ok + len(load.failed)}: {load.failed}"
    deadline = time.monotonic() + 60
    while True:  # the old revision's tasks stop once their targets drained
        running = ecs.list_tasks(cluster="soak", serviceName="web")["taskArns"]
        stopped = ecs.list_tasks(cluster="soak", serviceName="web", desiredStatus="STOPPED")
        if len(running) == 3 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert len(running) == 3, running  # no duplicate
    launched = {a.rsplit("/", 1)[1] for a in running + stopped["taskArns"]}
    assert len(launched) == 6  # 3 of each revision: none started twice
    svc = ecs.describe_services(cluster="soak", services=["web"])["services"][0]
    events = [e["message"] for e in svc["events"]]
    started = {
        t for m in events for t in re.findall(r"\(task ([0-9a-f]{32})\)", m) if "has started" in m
    }
    assert started == launched  # every launch has its event: none lost
    assert any("has reached a steady state" in m for m in events)
