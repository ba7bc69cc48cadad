"""ECS through the endpoint on a real Docker engine, driven by the AWS CLI and boto3 as a user
would: tasks that really run and stop (waiters included), a service that reaches a steady
state, a rolling deployment, and the same cluster seen by ``ecsdev ps`` (one world)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint.conftest import AwsCli, EndpointProcess

pytestmark = pytest.mark.docker

Client = Callable[..., Any]
FAST = {"Delay": 1, "MaxAttempts": 90}


def td(family: str, **extra: Any) -> dict[str, Any]:
    return {
        "family": family,
        "networkMode": "bridge",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "ecsdev/echo:latest",
                "memory": 128,
                "essential": True,
                "portMappings": [{"containerPort": 8080}],
                "stopTimeout": 2,
                **extra,
            }
        ],
    }


def wait_for_event(ecs: Any, cluster: str, text: str, timeout: float = 20) -> bool:
    """The service's events, once the controller's record holds ``text`` (the tasks can be
    counted a moment before the record of the step that launched them is saved)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        svc = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]
        if any(text in e["message"] for e in svc["events"]):
            return True
        time.sleep(0.5)
    return False


@pytest.fixture
def cluster(client: Client) -> str:
    name = f"flow-{uuid.uuid4().hex[:8]}"
    client("ecs").create_cluster(clusterName=name)
    return name


def test_run_task_waiters_and_stop_with_the_cli(
    aws: AwsCli, client: Client, cluster: str, tmp_path: Path
) -> None:
    family = f"once-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "td.json"
    path.write_text(json.dumps(td(family)))
    aws.ok("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
    ran = aws.ok(
        "ecs", "run-task", "--cluster", cluster, "--task-definition", family, "--started-by", "ci"
    )
    (task,) = ran["tasks"]
    assert ran["failures"] == []
    assert task["lastStatus"] in ("PROVISIONING", "PENDING", "RUNNING")
    assert task["startedBy"] == "ci" and task["group"] == f"family:{family}"
    arn = task["taskArn"]
    waited = aws("ecs", "wait", "tasks-running", "--cluster", cluster, "--tasks", arn)
    assert waited.code == 0, waited.err
    (running,) = aws.ok("ecs", "describe-tasks", "--cluster", cluster, "--tasks", arn)["tasks"]
    assert running["lastStatus"] == "RUNNING" and "startedAt" in running
    assert running["containers"][0]["networkBindings"][0]["containerPort"] == 8080
    listed = aws.ok("ecs", "list-tasks", "--cluster", cluster, "--started-by", "ci")
    assert listed["taskArns"] == [arn]
    assert aws.ok("ecs", "list-tasks", "--cluster", cluster, "--family", "other")["taskArns"] == []
    stopping = aws.ok(
        "ecs", "stop-task", "--cluster", cluster, "--task", arn, "--reason", "done testing"
    )
    assert stopping["task"]["desiredStatus"] == "STOPPED"
    client("ecs").get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn], WaiterConfig=FAST)
    (stopped,) = client("ecs").describe_tasks(cluster=cluster, tasks=[arn])["tasks"]
    assert (stopped["stopCode"], stopped["stoppedReason"]) == ("UserInitiated", "done testing")
    assert stopped["containers"][0]["exitCode"] is not None
    gone = aws.ok("ecs", "list-tasks", "--cluster", cluster, "--desired-status", "STOPPED")
    assert arn in gone["taskArns"]


def test_a_task_that_exits_is_stopped_with_ecs_reason(client: Client, cluster: str) -> None:
    ecs = client("ecs")
    family = f"exits-{uuid.uuid4().hex[:6]}"
    ecs.register_task_definition(**td(family, command=["sh", "-c", "exit 3"]))
    (task,) = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"]
    ecs.get_waiter("tasks_stopped").wait(
        cluster=cluster, tasks=[task["taskArn"]], WaiterConfig=FAST
    )
    (t,) = ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"]
    assert t["stopCode"] == "EssentialContainerExited"
    assert t["stoppedReason"] == "Essential container in task exited"
    assert t["containers"][0]["exitCode"] == 3
    # tasks-running fails on a STOPPED task instead of waiting forever
    with pytest.raises(Exception, match="Waiter TasksRunning failed"):
        ecs.get_waiter("tasks_running").wait(
            cluster=cluster, tasks=[task["taskArn"]], WaiterConfig={"Delay": 1, "MaxAttempts": 3}
        )


def test_service_steady_rolling_update_and_delete(
    client: Client, cluster: str, endpoint: EndpointProcess
) -> None:
    ecs = client("ecs")
    family = f"svc-{uuid.uuid4().hex[:6]}"
    ecs.register_task_definition(**td(family))
    made = ecs.create_service(
        cluster=cluster,
        serviceName="web",
        taskDefinition=family,
        desiredCount=2,
        deploymentConfiguration={
            "minimumHealthyPercent": 50,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        },
    )["service"]
    first = made["deployments"][0]["id"]
    assert made["status"] == "ACTIVE" and made["desiredCount"] == 2
    ecs.get_waiter("services_stable").wait(cluster=cluster, services=["web"], WaiterConfig=FAST)
    svc = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]
    assert (svc["runningCount"], len(svc["deployments"])) == (2, 1)
    assert svc["deployments"][0]["id"] == first  # the controller made the deployment we were told
    assert wait_for_event(ecs, cluster, "has started 2 tasks")
    # one world: the stack is the cluster, and `ecsdev ps` shows the API's service
    ps = subprocess.run(
        [str(Path(sys.executable).with_name("ecsdev")), "ps", "--stack", cluster, "--json"],
        env={**os.environ, "ECSDEV_STATE_DIR": str(endpoint.state_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ps.returncode == 0, ps.stderr
    assert [s["serviceName"] for s in json.loads(ps.stdout)["services"]] == ["web"]
    # a rolling deployment: a new revision, and a describe at once shows it as PRIMARY
    ecs.register_task_definition(**td(family, environment=[{"name": "V", "value": "2"}]))
    updated = ecs.update_service(cluster=cluster, service="web", taskDefinition=family)["service"]
    primary = updated["deployments"][0]
    assert primary["status"] == "PRIMARY" and primary["id"] != first
    assert primary["taskDefinition"].endswith(f"{family}:2")
    ecs.get_waiter("services_stable").wait(cluster=cluster, services=["web"], WaiterConfig=FAST)
    svc = ecs.describe_services(cluster=cluster, services=["web"])["services"][0]
    assert [d["id"] for d in svc["deployments"]] == [primary["id"]]
    assert svc["runningCount"] == 2
    deployments = ecs.list_service_deployments(cluster=cluster, service="web")
    statuses = {
        d["targetServiceRevisionArn"]: d["status"] for d in deployments["serviceDeployments"]
    }
    assert statuses[primary["taskDefinition"]] == "SUCCESSFUL"
    arns = [d["serviceDeploymentArn"] for d in deployments["serviceDeployments"]]
    described = ecs.describe_service_deployments(serviceDeploymentArns=arns)
    assert described["failures"] == []
    assert described["serviceDeployments"][0]["targetServiceRevision"]["runningTaskCount"] == 2
    # scale to zero and delete; the cluster can then go
    with pytest.raises(Exception, match="InvalidParameterException"):
        ecs.delete_service(cluster=cluster, service="web")
    ecs.delete_service(cluster=cluster, service="web", force=True)
    ecs.get_waiter("services_inactive").wait(cluster=cluster, services=["web"], WaiterConfig=FAST)
    assert ecs.list_services(cluster=cluster)["serviceArns"] == []
    ecs.get_waiter("tasks_stopped").wait(
        cluster=cluster,
        tasks=ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"][:100],
        WaiterConfig=FAST,
    )


def test_awsvpc_task_in_a_default_subnet_with_its_security_group(
    client: Client, cluster: str
) -> None:
    ecs, ec2 = client("ecs"), client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "Subnets"
    ][0]["SubnetId"]
    group = ec2.describe_security_groups(
        Filters=[
            {"Name": "group-name", "Values": ["default"]},
            {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
        ]
    )["SecurityGroups"][0]["GroupId"]
    family = f"vpc-{uuid.uuid4().hex[:6]}"
    ecs.register_task_definition(
        **{**td(family), "networkMode": "awsvpc", "cpu": "256", "memory": "512"}
    )
    net = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": ["sg-0000000000nosuch"]}}
    with pytest.raises(Exception, match="InvalidParameterException"):
        ecs.run_task(cluster=cluster, taskDefinition=family, networkConfiguration=net)
    net["awsvpcConfiguration"]["securityGroups"] = [group]
    (task,) = ecs.run_task(
        cluster=cluster, taskDefinition=family, launchType="FARGATE", networkConfiguration=net
    )["tasks"]
    ecs.get_waiter("tasks_running").wait(
        cluster=cluster, tasks=[task["taskArn"]], WaiterConfig=FAST
    )
    (t,) = ecs.describe_tasks(cluster=cluster, tasks=[task["taskArn"]])["tasks"]
    details = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}
    assert details["subnetId"] == subnet and t["launchType"] == "FARGATE"
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[details["networkInterfaceId"]])[
        "NetworkInterfaces"
    ][0]
    assert [g["GroupId"] for g in eni["Groups"]] == [group]
    assert eni["PrivateIpAddress"] == details["privateIPv4Address"]
    ecs.stop_task(cluster=cluster, task=task["taskArn"])
    ecs.get_waiter("tasks_stopped").wait(
        cluster=cluster, tasks=[task["taskArn"]], WaiterConfig=FAST
    )


def test_a_protected_task_outlives_a_scale_in_until_its_protection_is_removed(
    client: Client, cluster: str
) -> None:
    ecs = client("ecs")
    family = f"prot-{uuid.uuid4().hex[:6]}"
    ecs.register_task_definition(**td(family))
    ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=family, desiredCount=2)
    ecs.get_waiter("services_stable").wait(cluster=cluster, services=["web"], WaiterConfig=FAST)
    keep, other = ecs.list_tasks(cluster=cluster, serviceName="web")["taskArns"]
    got = ecs.update_task_protection(
        cluster=cluster, tasks=[keep], protectionEnabled=True, expiresInMinutes=30
    )
    (held,) = got["protectedTasks"]
    assert (held["taskArn"], held["protectionEnabled"], got["failures"]) == (keep, True, [])
    assert abs(held["expirationDate"].timestamp() - (time.time() + 1800)) < 30
    alone = ecs.run_task(cluster=cluster, taskDefinition=family)["tasks"][0]["taskArn"]
    refused = ecs.update_task_protection(
        cluster=cluster, tasks=[alone, "0" * 32], protectionEnabled=True
    )
    assert refused["protectedTasks"] == []
    assert sorted(f["reason"] for f in refused["failures"]) == ["MISSING", "TASK_NOT_VALID"]
    ecs.update_service(cluster=cluster, service="web", desiredCount=0)
    deadline = time.monotonic() + 60
    while ecs.describe_tasks(cluster=cluster, tasks=[other])["tasks"][0]["lastStatus"] != "STOPPED":
        assert time.monotonic() < deadline, "the unprotected task was not scaled in"
        time.sleep(0.5)
    time.sleep(3)  # several scheduler steps later, the protected one still runs
    (kept,) = ecs.describe_tasks(cluster=cluster, tasks=[keep])["tasks"]
    assert (kept["lastStatus"], kept["desiredStatus"]) == ("RUNNING", "RUNNING")
    (now,) = ecs.get_task_protection(cluster=cluster, tasks=[keep])["protectedTasks"]
    assert now["protectionEnabled"] is True
    ecs.update_task_protection(cluster=cluster, tasks=[keep], protectionEnabled=False)
    ecs.get_waiter("services_stable").wait(cluster=cluster, services=["web"], WaiterConfig=FAST)
    (gone,) = ecs.describe_tasks(cluster=cluster, tasks=[keep])["tasks"]
    assert gone["desiredStatus"] == "STOPPED"
    assert gone["stoppedReason"].startswith("Scaling activity initiated by")
    ecs.stop_task(cluster=cluster, task=alone)
