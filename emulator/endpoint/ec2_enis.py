"""DescribeNetworkInterfaces: the ENI of each awsvpc task, as EC2 shows it.

Why this exists: a task's ``attachments`` name its ENI (``eni-<task id>``), and the dashboard,
scripts and the console look the ENI up to find the task's subnet, security groups and
address. In ecsdev an awsvpc task's ENI is its pause container (the network namespace every
container of the task joins), found in Docker by label; its subnet and VPC come from the
EC2 records.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from emulator import labels as L
from emulator.arns import task_id_of
from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.ec2_query import Ec2Env, page, select
from emulator.endpoint.ec2_records import SecurityGroup, Subnet
from emulator.errors import EcsdevError
from emulator.runtime.base import ContainerRuntime, ContainerState
from emulator.store import known_stacks

Result = dict[str, Any]
SECURITY_GROUPS_LABEL = "ecsdev.security-groups"
"""Comma-separated security group ids of an awsvpc task (when the task's launcher records
them); without it, the VPC's default group, as ECS uses when none is given."""


def add_eni_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    sh.add("DescribeNetworkInterfaces", lambda req: describe_network_interfaces(env, req))


def eni_id(task_arn: str) -> str:
    """The ENI id ECS's DescribeTasks shows for the task (``emulator.endpoint.task_json``)."""
    return f"eni-{task_id_of(task_arn)[:17]}"


def _pauses(env: Ec2Env, region: str) -> list[ContainerState]:
    if env.runtime is None:
        return []
    with contextlib.suppress(EcsdevError):
        rt = env.runtime()
        found = rt.list_containers({L.ROLE: "pause"}) + _claimed_spares(rt)
        stacks = set(known_stacks())  # this state directory's world only
        return [
            c
            for c in found
            if c.running
            and c.labels.get(L.STACK) in stacks
            and c.labels.get(L.TASK_ARN, "").split(":")[3:4] == [region]
        ]
    return []


def _claimed_spares(rt: ContainerRuntime) -> list[ContainerState]:
    """Spare pause containers (``emulator.spares``) that tasks claimed, labelled as the
    task's own pause container would be."""
    spares = {c.id: c for c in rt.list_containers({L.ROLE: L.SPARE}) if c.running}
    out = []
    if spares:
        for t in rt.list_containers({L.ROLE: "task", L.NETWORK_MODE: "awsvpc"}):
            owner = t.network_mode.split(":", 1)[1] if ":" in t.network_mode else ""
            s = spares.pop(owner, None)
            if s is not None:
                out.append(replace(s, labels={**t.labels, L.SUBNET: s.labels.get(L.SUBNET, "")}))
    return out


def _interface(
    c: ContainerState,
    subnets: dict[str, Subnet],
    groups: list[SecurityGroup],
    req: Request,
) -> Result:
    arn = c.labels.get(L.TASK_ARN, "")
    eni = eni_id(arn)
    subnet = subnets.get(c.labels.get(L.SUBNET, ""))
    ip = next(iter(c.ip_addresses.values()), "")
    wanted = [g for g in c.labels.get(SECURITY_GROUPS_LABEL, "").split(",") if g]
    if wanted:
        chosen = [g for g in groups if g.id in wanted]
    else:
        chosen = [
            g
            for g in groups
            if subnet is not None and g.vpc_id == subnet.vpc_id and g.name == "default"
        ]
    out: Result = {
        "Attachment": {
            "AttachmentId": f"ela-attach-{task_id_of(arn)[:17]}",
            "DeleteOnTermination": False,
            "DeviceIndex": 1,
            "NetworkCardIndex": 0,
            "InstanceOwnerId": "amazon-aws",
            "Status": "attached",
        },
        "Description": f"arn:aws:ecs:{req.region}:{req.account_id}:attachment/{task_id_of(arn)}",
        "Groups": [{"GroupId": g.id, "GroupName": g.name} for g in chosen],
        "InterfaceType": "interface",
        "Ipv6Addresses": [],
        "NetworkInterfaceId": eni,
        "OwnerId": req.account_id,
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
        "RequesterManaged": True,
        "SourceDestCheck": True,
        "Status": "in-use",
        "TagSet": [],
    }
    if subnet is not None:
        out.update(AvailabilityZone=subnet.az, SubnetId=subnet.id, VpcId=subnet.vpc_id)
    return out


def describe_network_interfaces(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        subnets = {s.id: s for s in tx.list(Subnet, req.region)}
        groups = tx.list(SecurityGroup, req.region)
    items = [_interface(c, subnets, groups, req) for c in _pauses(env, req.region)]
    ids = req.params.get("NetworkInterfaceIds")
    if ids:
        known = {i["NetworkInterfaceId"] for i in items}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ApiError(
                "InvalidNetworkInterfaceID.NotFound",
                f"The networkInterface ID '{missing[0]}' does not exist",
            )
    chosen = select(
        items,
        ids,
        req.params.get("Filters"),
        lambda i: str(i["NetworkInterfaceId"]),
        lambda i: {
            "network-interface-id": [i["NetworkInterfaceId"]],
            "subnet-id": [i.get("SubnetId")],
            "vpc-id": [i.get("VpcId")],
            "availability-zone": [i.get("AvailabilityZone")],
            "private-ip-address": [i["PrivateIpAddress"]],
            "addresses.private-ip-address": [i["PrivateIpAddress"]],
            "description": [i["Description"]],
            "status": [i["Status"]],
            "interface-type": [i["InterfaceType"]],
            "requester-managed": ["true"],
            "group-id": [g["GroupId"] for g in i["Groups"]],
            "owner-id": [i["OwnerId"]],
        },
        lambda i: {},
        "vpc",
    )
    found, token = page(chosen, req.params)
    result: Result = {"NetworkInterfaces": found}
    if token:
        result["NextToken"] = token
    return result
