"""Names between tasks through the endpoint: a Cloud Map namespace and service made with the
servicediscovery API (moto), CreateService with ``serviceConnectConfiguration`` and
``serviceRegistries`` naming them by ARN, describe echoing them, and a task of another
service reaching the first by both names (bridge mode, on the cluster's own network)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from emulator import labels as L
from emulator.runtime.docker import DockerRuntime

pytestmark = pytest.mark.docker

Client = Callable[..., Any]


def td(family: str, **extra: Any) -> dict[str, Any]:
    app = {"name": "app", "image": "ecsdev/echo:latest", "memory": 64, "stopTimeout": 2}
    return {"family": family, "networkMode": "bridge", "containerDefinitions": [{**app, **extra}]}


def test_create_service_with_service_connect_and_a_registry(client: Client) -> None:
    ecs, sd = client("ecs"), client("servicediscovery")
    ns_name = f"ns{uuid.uuid4().hex[:6]}.local"
    sd.create_private_dns_namespace(Name=ns_name, Vpc="vpc-00000000000000000")
    ns = next(n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == ns_name)
    cluster = f"names-{uuid.uuid4().hex[:8]}"
    made_cluster = ecs.create_cluster(
        clusterName=cluster, serviceConnectDefaults={"namespace": ns["Arn"]}
    )["cluster"]
    assert made_cluster["serviceConnectDefaults"] == {"namespace": ns["Arn"]}
    registry = sd.create_service(
        Name="orders",
        NamespaceId=ns["Id"],
        DnsConfig={"DnsRecords": [{"Type": "SRV", "TTL": 10}]},
    )["Service"]["Arn"]
    orders, caller = f"orders-{uuid.uuid4().hex[:6]}", f"caller-{uuid.uuid4().hex[:6]}"
    ecs.register_task_definition(
        **td(orders, portMappings=[{"containerPort": 8080, "name": "http"}])
    )
    ecs.register_task_definition(**td(caller, command=["sleep", "600"]))
    alias: dict[str, Any] = {
        "portName": "http",
        "clientAliases": [{"port": 80, "dnsName": "orders"}],
    }
    sc = {"enabled": True, "services": [alias]}  # the namespace is the cluster's default
    regs = [{"registryArn": registry, "containerName": "app", "containerPort": 8080}]
    wrong = {**sc, "services": [{**alias, "portName": "web"}]}
    with pytest.raises(Exception, match="portName 'web'"):
        ecs.create_service(
            cluster=cluster,
            serviceName="nope",
            taskDefinition=orders,
            serviceConnectConfiguration=wrong,
        )
    with pytest.raises(Exception, match="InvalidParameterException"):
        ecs.create_service(
            cluster=cluster,
            serviceName="nope",
            taskDefinition=orders,
            serviceRegistries=[{"registryArn": registry.replace("srv-", "srv-0nosuch")}],
        )
    made = ecs.create_service(
        cluster=cluster,
        serviceName="orders",
        taskDefinition=orders,
        desiredCount=1,
        serviceConnectConfiguration=sc,
        serviceRegistries=regs,
    )["service"]
    assert made["serviceRegistries"] == regs
    assert made["deployments"][0]["serviceConnectConfiguration"]["namespace"] == ns["Arn"]
    ecs.create_service(cluster=cluster, serviceName="caller", taskDefinition=caller, desiredCount=1)
    rt = DockerRuntime()

    def answer(url: str) -> str | None:
        found = [
            c
            for c in rt.list_containers({L.STACK: cluster, L.SERVICE: "caller", L.ROLE: "task"})
            if c.running
        ]
        if not found:
            return None
        code, out = rt.exec_run(found[0].id, ["curl", "-fsS", "--max-time", "2", url])
        return str(json.loads(out)["path"]) if code == 0 else None

    for url, path in (("http://orders/sc", "/sc"), (f"http://orders.{ns_name}:8080/cm", "/cm")):
        deadline, got = time.monotonic() + 30, None
        while got is None and time.monotonic() < deadline:
            got = answer(url)
            if got is None:
                time.sleep(0.5)
        assert got == path, url
    for name in ("orders", "caller"):
        ecs.delete_service(cluster=cluster, service=name, force=True)
