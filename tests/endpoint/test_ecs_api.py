"""ECS through the endpoint, with the real clients, for what needs no Docker engine: clusters,
the task-definition registry, tags, pagination and every error as AWS sends it. Every
response passes the endpoint's strict check against botocore's output shapes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.endpoint.conftest import AwsCli

Client = Callable[..., Any]

APP = {
    "name": "app",
    "image": "ecsdev/echo:latest",
    "memory": 128,
    "essential": True,
    "portMappings": [{"containerPort": 8080}],
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def code_of(e: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = e.value.response["Error"]
    return err["Code"], err["Message"]


def test_clusters_create_describe_list_delete(client: Client, aws: AwsCli) -> None:
    ecs = client("ecs")
    name = unique("c")
    made = aws.ok("ecs", "create-cluster", "--cluster-name", name, "--tags", "key=team,value=a")
    arn = made["cluster"]["clusterArn"]
    assert arn == f"arn:aws:ecs:us-east-1:000000000000:cluster/{name}"
    assert made["cluster"]["status"] == "ACTIVE"
    again = ecs.create_cluster(clusterName=name)  # idempotent, as ECS
    assert again["cluster"]["clusterArn"] == arn
    assert arn in aws.ok("ecs", "list-clusters")["clusterArns"]
    desc = ecs.describe_clusters(clusters=[name, "nosuch"], include=["TAGS"])
    assert [c["clusterName"] for c in desc["clusters"]] == [name]
    assert desc["clusters"][0]["tags"] == [{"key": "team", "value": "a"}]
    assert desc["clusters"][0]["registeredContainerInstancesCount"] == 1
    assert desc["failures"] == [
        {"arn": "arn:aws:ecs:us-east-1:000000000000:cluster/nosuch", "reason": "MISSING"}
    ]
    gone = aws.ok("ecs", "delete-cluster", "--cluster", name)
    assert gone["cluster"]["status"] == "INACTIVE"
    assert arn not in aws.ok("ecs", "list-clusters")["clusterArns"]
    assert ecs.describe_clusters(clusters=[arn])["clusters"][0]["status"] == "INACTIVE"


def test_regions_are_separate(client: Client) -> None:
    name = unique("r")
    client("ecs", region="eu-west-1").create_cluster(clusterName=name)
    west = client("ecs", region="eu-west-1").list_clusters()["clusterArns"]
    east = client("ecs").list_clusters()["clusterArns"]
    assert f"arn:aws:ecs:eu-west-1:000000000000:cluster/{name}" in west
    assert not [a for a in east if a.endswith(f"/{name}")]


def test_unknown_cluster_errors(client: Client, aws: AwsCli) -> None:
    ecs = client("ecs")
    with pytest.raises(ClientError) as e:
        ecs.describe_services(cluster="nosuch-cluster", services=["web"])
    assert code_of(e) == ("ClusterNotFoundException", "Cluster not found.")
    aws.fails("ecs", "list-services", "--cluster", "nosuch", code="ClusterNotFoundException")
    aws.fails("ecs", "delete-cluster", "--cluster", "nosuch", code="ClusterNotFoundException")


def test_task_definition_registry(client: Client, aws: AwsCli, tmp_path: Path) -> None:
    ecs = client("ecs")
    family = unique("web")
    doc = {"family": family, "networkMode": "bridge", "containerDefinitions": [APP]}
    path = tmp_path / "td.json"
    path.write_text(json.dumps(doc))
    first = aws.ok("ecs", "register-task-definition", "--cli-input-json", f"file://{path}")
    td = first["taskDefinition"]
    assert td["taskDefinitionArn"].endswith(f":task-definition/{family}:1")
    assert (td["revision"], td["status"], td["family"]) == (1, "ACTIVE", family)
    assert td["containerDefinitions"][0]["portMappings"] == [{"containerPort": 8080}]
    second = ecs.register_task_definition(**doc, tags=[{"key": "k", "value": "v"}])
    assert second["taskDefinition"]["revision"] == 2
    assert second["tags"] == [{"key": "k", "value": "v"}]
    latest = aws.ok("ecs", "describe-task-definition", "--task-definition", family)
    assert latest["taskDefinition"]["revision"] == 2
    one = ecs.describe_task_definition(taskDefinition=f"{family}:1", include=["TAGS"])
    assert one["taskDefinition"]["revision"] == 1 and one["tags"] == []
    arns = ecs.list_task_definitions(familyPrefix=family)["taskDefinitionArns"]
    assert [a.rsplit(":", 1)[1] for a in arns] == ["1", "2"]
    desc = ecs.list_task_definitions(familyPrefix=family, sort="DESC")["taskDefinitionArns"]
    assert desc == list(reversed(arns))
    assert family in ecs.list_task_definition_families(familyPrefix=family)["families"]
    # deregister, then delete (ECS only deletes INACTIVE revisions)
    refused = ecs.delete_task_definitions(taskDefinitions=[f"{family}:2"])
    assert refused["failures"] and not refused["taskDefinitions"]
    dereg = ecs.deregister_task_definition(taskDefinition=f"{family}:2")["taskDefinition"]
    assert dereg["status"] == "INACTIVE" and "deregisteredAt" in dereg
    assert ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]["revision"] == 1
    inactive = ecs.list_task_definitions(familyPrefix=family, status="INACTIVE")
    assert inactive["taskDefinitionArns"] == [arns[1]]
    deleted = ecs.delete_task_definitions(taskDefinitions=[f"{family}:2"])
    assert deleted["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS"


def test_task_definition_errors(client: Client, aws: AwsCli) -> None:
    ecs = client("ecs")
    with pytest.raises(ClientError) as e:
        ecs.describe_task_definition(taskDefinition="nosuch-family")
    assert code_of(e) == ("ClientException", "Unable to describe task definition.")
    bad = {"family": unique("bad"), "containerDefinitions": [{**APP, "memory": -5}]}
    with pytest.raises(ClientError) as e:
        ecs.register_task_definition(**bad)
    assert e.value.response["Error"]["Code"] == "ClientException"
    aws.fails(
        "ecs",
        "run-task",
        "--task-definition",
        "nosuch:3",
        code="ClientException",
    )


def test_pagination_of_list_task_definitions(client: Client) -> None:
    ecs = client("ecs")
    family = unique("many")
    for _ in range(5):
        ecs.register_task_definition(family=family, containerDefinitions=[APP])
    seen: list[str] = []
    token = None
    while True:
        kw = {"nextToken": token} if token else {}
        page = ecs.list_task_definitions(familyPrefix=family, maxResults=2, **kw)
        seen += page["taskDefinitionArns"]
        token = page.get("nextToken")
        if not token:
            break
    assert len(seen) == 5 and len(set(seen)) == 5
    paginated = ecs.get_paginator("list_task_definitions").paginate(
        familyPrefix=family, PaginationConfig={"PageSize": 3}
    )
    assert sum(len(p["taskDefinitionArns"]) for p in paginated) == 5
    with pytest.raises(ClientError) as e:
        ecs.list_task_definitions(nextToken="forged")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"


def test_tags_on_clusters_and_task_definitions(client: Client) -> None:
    ecs = client("ecs")
    arn = ecs.create_cluster(clusterName=unique("t"))["cluster"]["clusterArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "a", "value": "1"}, {"key": "b", "value": "2"}])
    ecs.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "b", "value": "2"}]
    td = ecs.register_task_definition(family=unique("tg"), containerDefinitions=[APP])
    td_arn = td["taskDefinition"]["taskDefinitionArn"]
    ecs.tag_resource(resourceArn=td_arn, tags=[{"key": "x", "value": "y"}])
    assert ecs.list_tags_for_resource(resourceArn=td_arn)["tags"] == [{"key": "x", "value": "y"}]
    with pytest.raises(ClientError) as e:
        ecs.list_tags_for_resource(resourceArn=arn.replace("cluster/", "cluster/nosuch"))
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_services_need_what_ecs_needs(client: Client) -> None:
    ecs = client("ecs")
    cluster = ecs.create_cluster(clusterName=unique("s"))["cluster"]["clusterName"]
    family = unique("vpc")
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", containerDefinitions=[APP], cpu="256", memory="512"
    )
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster=cluster, serviceName="web", taskDefinition=family, desiredCount=1
        )
    assert code_of(e) == (
        "InvalidParameterException",
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    )
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster=cluster, serviceName="web", taskDefinition="nosuch", desiredCount=1
        )
    assert code_of(e) == ("ClientException", "TaskDefinition not found.")
    with pytest.raises(ClientError) as e:
        ecs.update_service(cluster=cluster, service="nosuch", desiredCount=2)
    assert code_of(e) == ("ServiceNotFoundException", "Service not found.")
    with pytest.raises(ClientError) as e:
        ecs.describe_tasks(cluster=cluster, tasks=[])
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    missing = ecs.describe_tasks(cluster=cluster, tasks=["0" * 32])
    assert missing["tasks"] == [] and missing["failures"][0]["reason"] == "MISSING"
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []
    none = ecs.describe_services(cluster=cluster, services=["web"])
    assert none["services"] == [] and none["failures"][0]["reason"] == "MISSING"


def test_container_instance_is_this_machine(client: Client) -> None:
    ecs = client("ecs")
    cluster = ecs.create_cluster(clusterName=unique("ci"))["cluster"]["clusterName"]
    (arn,) = ecs.list_container_instances(cluster=cluster)["containerInstanceArns"]
    (ci,) = ecs.describe_container_instances(cluster=cluster, containerInstances=[arn])[
        "containerInstances"
    ]
    registered = {r["name"]: r for r in ci["registeredResources"]}
    assert registered["CPU"]["integerValue"] >= 1024 and registered["MEMORY"]["integerValue"] > 0
    assert ci["agentConnected"] is True and ci["status"] == "ACTIVE"


def test_cluster_settings_and_capacity_providers_read_back_as_set(client: Client) -> None:
    ecs = client("ecs")
    name = unique("cfg")
    made = ecs.create_cluster(
        clusterName=name,
        settings=[{"name": "containerInsights", "value": "enabled"}],
        capacityProviders=["FARGATE"],
    )["cluster"]
    assert made["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert made["capacityProviders"] == ["FARGATE"]
    ecs.put_cluster_capacity_providers(
        cluster=name,
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
    )
    ecs.update_cluster_settings(
        cluster=name, settings=[{"name": "containerInsights", "value": "disabled"}]
    )
    (c,) = ecs.describe_clusters(clusters=[name])["clusters"]
    assert c["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert c["defaultCapacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1}
    ]
    assert c["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    with pytest.raises(ClientError) as e:
        ecs.put_cluster_capacity_providers(
            cluster=name, capacityProviders=["my-asg"], defaultCapacityProviderStrategy=[]
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    providers = ecs.describe_capacity_providers()["capacityProviders"]
    assert [p["name"] for p in providers][:2] == ["FARGATE", "FARGATE_SPOT"]
    ecs.put_account_setting(name="containerInsights", value="enabled")
    got = ecs.list_account_settings(name="containerInsights")["settings"]
    assert [(s["name"], s["value"]) for s in got] == [("containerInsights", "enabled")]


def test_a_service_needs_a_target_group_that_a_load_balancer_uses(client: Client) -> None:
    ecs, elb, ec2 = client("ecs"), client("elbv2"), client("ec2")
    cluster = ecs.create_cluster(clusterName=unique("lb"))["cluster"]["clusterName"]
    family = unique("web")
    ecs.register_task_definition(family=family, networkMode="bridge", containerDefinitions=[APP])
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
    tg = elb.create_target_group(
        Name=unique("lonely"), Protocol="HTTP", Port=8080, VpcId=vpc["VpcId"]
    )["TargetGroups"][0]["TargetGroupArn"]
    lbs = [{"targetGroupArn": tg, "containerName": "app", "containerPort": 8080}]
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster=cluster, serviceName="web", taskDefinition=family, loadBalancers=lbs
        )
    assert code_of(e) == (
        "InvalidParameterException",
        f"The target group with targetGroupArn {tg} does not have an associated load balancer.",
    )
    nosuch = tg.replace("/lonely", "/nosuch")
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster=cluster,
            serviceName="web",
            taskDefinition=family,
            loadBalancers=[{**lbs[0], "targetGroupArn": nosuch}],
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"


def test_a_capacity_provider_strategy_is_checked_kept_and_read_back(client: Client) -> None:
    ecs = client("ecs")
    name = unique("cps")
    ecs.create_cluster(
        clusterName=name,
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    family = unique("br")
    ecs.register_task_definition(family=family, containerDefinitions=[APP])
    spot = [
        {"capacityProvider": "FARGATE_SPOT", "weight": 4, "base": 0},
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
    ]

    def create(service: str, **kw: Any) -> dict[str, Any]:
        out: dict[str, Any] = ecs.create_service(
            cluster=name, serviceName=service, taskDefinition=family, desiredCount=0, **kw
        )["service"]
        return out

    svc = create("spot", capacityProviderStrategy=spot)
    assert svc["capacityProviderStrategy"] == spot and "launchType" not in svc
    assert svc["deployments"][0]["capacityProviderStrategy"] == spot
    default = create("default")  # neither given: the cluster's default strategy
    assert default["capacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
    ec2 = create("ec2", launchType="EC2")
    assert ec2["launchType"] == "EC2" and "capacityProviderStrategy" not in ec2
    plain = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    ecs.update_service(cluster=name, service="spot", capacityProviderStrategy=plain)
    ecs.update_service(cluster=name, service="spot", desiredCount=0)  # keeps the strategy
    (now,) = ecs.describe_services(cluster=name, services=["spot"])["services"]
    assert now["capacityProviderStrategy"] == plain
    with pytest.raises(ClientError) as e:
        create("both", launchType="EC2", capacityProviderStrategy=spot)
    assert code_of(e) == (
        "InvalidParameterException",
        "Specifying both a launch type and capacity provider strategy is not supported. "
        "Remove one and try again.",
    )
    bare = ecs.create_cluster(clusterName=unique("bare"))["cluster"]["clusterName"]
    with pytest.raises(ClientError) as e:
        ecs.create_service(
            cluster=bare,
            serviceName="spot",
            taskDefinition=family,
            desiredCount=0,
            capacityProviderStrategy=spot,
        )
    assert code_of(e)[0] == "InvalidParameterException"
    assert "not associated with the cluster" in code_of(e)[1]


def test_an_auto_scaling_group_capacity_provider_is_kept_and_can_be_used(client: Client) -> None:
    ecs = client("ecs")
    name = unique("asg")
    asg = (
        "arn:aws:autoscaling:us-east-1:000000000000:autoScalingGroup:0c0a1b2c:"
        "autoScalingGroupName/web"
    )
    made = ecs.create_capacity_provider(
        name=name,
        autoScalingGroupProvider={
            "autoScalingGroupArn": asg,
            "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
        },
        tags=[{"key": "team", "value": "web"}],
    )["capacityProvider"]
    assert made["autoScalingGroupProvider"] == {
        "autoScalingGroupArn": asg,
        "managedScaling": {"status": "ENABLED", "targetCapacity": 90},
        "managedTerminationProtection": "DISABLED",  # what ECS fills in
        "managedDraining": "ENABLED",
    }
    assert (made["type"], made["status"], made["tags"]) == (
        "EC2_AUTOSCALING",
        "ACTIVE",
        [{"key": "team", "value": "web"}],
    )
    read = ecs.describe_capacity_providers(
        capacityProviders=[made["capacityProviderArn"]], include=["TAGS"]
    )["capacityProviders"]
    assert read == [made]
    cluster = ecs.create_cluster(clusterName=unique("ec2"))["cluster"]["clusterName"]
    ecs.put_cluster_capacity_providers(
        cluster=cluster,
        capacityProviders=[name],
        defaultCapacityProviderStrategy=[{"capacityProvider": name, "weight": 1}],
    )
    family = unique("br")
    ecs.register_task_definition(family=family, containerDefinitions=[APP])
    svc = ecs.create_service(
        cluster=cluster, serviceName="web", taskDefinition=family, desiredCount=0
    )["service"]
    assert svc["capacityProviderStrategy"] == [{"capacityProvider": name, "weight": 1, "base": 0}]
    updated = ecs.update_capacity_provider(
        name=name, autoScalingGroupProvider={"managedTerminationProtection": "ENABLED"}
    )["capacityProvider"]["autoScalingGroupProvider"]
    assert updated["managedTerminationProtection"] == "ENABLED"
    assert updated["managedScaling"] == {"status": "ENABLED", "targetCapacity": 90}  # kept
    with pytest.raises(ClientError) as e:
        ecs.delete_capacity_provider(capacityProvider=name)
    assert code_of(e)[0] == "ResourceInUseException"
    ecs.put_cluster_capacity_providers(
        cluster=cluster, capacityProviders=[], defaultCapacityProviderStrategy=[]
    )
    ecs.delete_capacity_provider(capacityProvider=name)
    gone = ecs.describe_capacity_providers(capacityProviders=[name])
    assert gone["capacityProviders"] == [] and gone["failures"][0]["reason"] == "MISSING"
    with pytest.raises(ClientError) as e:
        ecs.create_capacity_provider(
            name="ecs-spot", autoScalingGroupProvider={"autoScalingGroupArn": asg}
        )
    assert code_of(e)[0] == "InvalidParameterException"
