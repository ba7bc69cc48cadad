"""EC2 and ELBv2 for the AWS source: VPCs, subnets, security groups, and the load balancer
chain down to each target's health and the task behind it.

"Is this subnet public?" is answered the way AWS routes: the subnet's route table (its
explicit association, else the VPC's main table) sends 0.0.0.0/0 to an internet gateway.
"Which task is this unhealthy target?" is answered by IP (awsvpc tasks) or by instance
and host port (bridge mode); tasks seen while browsing are indexed, so the jump is
usually free, and otherwise the clusters' running tasks are searched once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ecsdev.sources.aws_client import AwsBase
from ecsdev.sources.elbwords import (
    actions_words,
    condition_words,
    permission_view,
    target_group_arns,
)
from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
    RouteTableView,
    RouteView,
    RuleView,
    SecurityGroupView,
    SubnetView,
    TargetGroupView,
    TargetView,
    TaskNetworkView,
    VpcView,
)
from ecsdev.sources.views import TaskView
from emulator.errors import NotFound


def _name(tags: Sequence[Any] | None) -> str:
    return next((str(t.get("Value", "")) for t in tags or [] if t.get("Key") == "Name"), "")


_ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "EgressOnlyInternetGatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
)


def _route(r: Any) -> RouteView:
    destination = (
        r.get("DestinationCidrBlock")
        or r.get("DestinationIpv6CidrBlock")
        or r.get("DestinationPrefixListId")
        or "-"
    )
    target = next((str(r[k]) for k in _ROUTE_TARGETS if r.get(k)), "-")
    return RouteView(str(destination), target, str(r.get("State", "active")))


class AwsNetworkMixin(AwsBase):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tasks_by_ip: dict[str, TaskView] = {}
        self._index_lock = threading.Lock()

    def _remember_tasks(self, tasks: Sequence[TaskView]) -> None:
        with self._index_lock:
            for t in tasks:
                if t.ip and (t.last_status != "STOPPED" or t.ip not in self._tasks_by_ip):
                    self._tasks_by_ip[t.ip] = t

    # -- VPCs, subnets, security groups ------------------------------------------------

    def list_vpcs(self) -> list[VpcView]:
        out: list[VpcView] = []
        with self._aws("ec2:DescribeVpcs"):
            for page in self.ec2.get_paginator("describe_vpcs").paginate():
                for v in page.get("Vpcs", []):
                    out.append(
                        VpcView(
                            id=v.get("VpcId", ""),
                            cidr=v.get("CidrBlock", ""),
                            name=_name(v.get("Tags")),
                            is_default=bool(v.get("IsDefault", False)),
                            state=str(v.get("State", "")),
                        )
                    )
        return sorted(out, key=lambda v: (v.name or "~", v.id))

    def _public_route_tables(
        self, vpc_ids: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, str], set[str]]:
        """(subnet -> route table, vpc -> main route table, public route tables)."""
        by_subnet: dict[str, str] = {}
        main: dict[str, str] = {}
        public: set[str] = set()
        filters: list[Any] = [{"Name": "vpc-id", "Values": list(vpc_ids)}] if vpc_ids else []
        with self._aws("ec2:DescribeRouteTables"):
            for page in self.ec2.get_paginator("describe_route_tables").paginate(Filters=filters):
                for rt in page.get("RouteTables", []):
                    rt_id = rt.get("RouteTableId", "")
                    for a in rt.get("Associations", []):
                        if a.get("Main"):
                            main[rt.get("VpcId", "")] = rt_id
                        elif a.get("SubnetId"):
                            by_subnet[a["SubnetId"]] = rt_id
                    for r in rt.get("Routes", []):
                        to_all = (
                            r.get("DestinationCidrBlock") == "0.0.0.0/0"
                            or r.get("DestinationIpv6CidrBlock") == "::/0"
                        )
                        if to_all and str(r.get("GatewayId", "")).startswith("igw-"):
                            public.add(rt_id)
        return by_subnet, main, public

    def _subnets(self, filters: list[Any], ids: Sequence[str] = ()) -> list[SubnetView]:
        raw: list[Any] = []
        with self._aws("ec2:DescribeSubnets"):
            kwargs: dict[str, Any] = {"Filters": filters}
            if ids:
                kwargs["SubnetIds"] = list(ids)
            for page in self.ec2.get_paginator("describe_subnets").paginate(**kwargs):
                raw.extend(page.get("Subnets", []))
        vpcs = sorted({s.get("VpcId", "") for s in raw})
        by_subnet, main, public = self._public_route_tables(vpcs) if raw else ({}, {}, set())
        out = []
        for s in raw:
            sid, vpc = s.get("SubnetId", ""), s.get("VpcId", "")
            rt = by_subnet.get(sid) or main.get(vpc)
            out.append(
                SubnetView(
                    id=sid,
                    vpc_id=vpc,
                    cidr=s.get("CidrBlock", ""),
                    availability_zone=s.get("AvailabilityZone", ""),
                    public=rt in public,
                    name=_name(s.get("Tags")),
                    available_ips=s.get("AvailableIpAddressCount"),
                    map_public_ip=bool(s.get("MapPublicIpOnLaunch", False)),
                    route_table_id=rt,
                )
            )
        return sorted(out, key=lambda s: (s.vpc_id, s.availability_zone, s.cidr))

    def route_table(self, route_table_id: str) -> RouteTableView:
        with self._aws("ec2:DescribeRouteTables"):
            resp = self.ec2.describe_route_tables(RouteTableIds=[route_table_id])
        for rt in resp.get("RouteTables", []):
            associations: list[Any] = list(rt.get("Associations", []))
            return RouteTableView(
                id=rt.get("RouteTableId", ""),
                vpc_id=rt.get("VpcId", ""),
                main=any(a.get("Main") for a in associations),
                subnets=tuple(a["SubnetId"] for a in associations if a.get("SubnetId")),
                routes=tuple(_route(r) for r in rt.get("Routes", [])),
            )
        raise NotFound(f"route table {route_table_id!r} not found")

    def list_subnets(self, vpc_id: str | None = None) -> list[SubnetView]:
        return self._subnets([{"Name": "vpc-id", "Values": [vpc_id]}] if vpc_id else [])

    def list_security_groups(
        self, vpc_id: str | None = None, ids: Sequence[str] | None = None
    ) -> list[SecurityGroupView]:
        kwargs: dict[str, Any] = {}
        if vpc_id:
            kwargs["Filters"] = [{"Name": "vpc-id", "Values": [vpc_id]}]
        if ids:
            kwargs["GroupIds"] = list(ids)
        out: list[SecurityGroupView] = []
        with self._aws("ec2:DescribeSecurityGroups"):
            for page in self.ec2.get_paginator("describe_security_groups").paginate(**kwargs):
                for g in page.get("SecurityGroups", []):
                    out.append(
                        SecurityGroupView(
                            id=g.get("GroupId", ""),
                            name=g.get("GroupName", ""),
                            vpc_id=g.get("VpcId", ""),
                            description=g.get("Description", ""),
                            inbound=tuple(
                                permission_view(p, "in") for p in g.get("IpPermissions", [])
                            ),
                            outbound=tuple(
                                permission_view(p, "out") for p in g.get("IpPermissionsEgress", [])
                            ),
                        )
                    )
        return sorted(out, key=lambda g: (g.vpc_id, g.name))

    def task_network(self, task: TaskView) -> TaskNetworkView:
        subnet_id, group_ids, public_ip = task.subnet_id, [], None
        mode = "awsvpc" if task.eni_id else "bridge"
        if task.eni_id:
            with self._aws("ec2:DescribeNetworkInterfaces"):
                resp = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[task.eni_id])
            for eni in resp.get("NetworkInterfaces", []):
                subnet_id = eni.get("SubnetId") or subnet_id
                group_ids = [g.get("GroupId", "") for g in eni.get("Groups", [])]
                public_ip = (eni.get("Association") or {}).get("PublicIp")
        elif task.container_instance_arn:
            instance = self._instance_of(task)
            if instance:
                subnet_id = instance.get("SubnetId")
                group_ids = [g.get("GroupId", "") for g in instance.get("SecurityGroups", [])]
                public_ip = instance.get("PublicIpAddress")
        subnets = self._subnets([], [subnet_id]) if subnet_id else []
        groups = self.list_security_groups(ids=group_ids) if group_ids else []
        return TaskNetworkView(
            task_arn=task.arn,
            ip=task.ip,
            subnet=subnets[0] if subnets else None,
            security_groups=tuple(groups),
            eni_id=task.eni_id,
            public_ip=public_ip,
            network_mode=mode,
        )

    def _instance_of(self, task: TaskView) -> Any:
        with self._aws("ecs:DescribeContainerInstances"):
            ci = self.ecs.describe_container_instances(
                cluster=task.cluster, containerInstances=[task.container_instance_arn or ""]
            )
        ec2_ids = [c.get("ec2InstanceId", "") for c in ci.get("containerInstances", [])]
        if not ec2_ids:
            return None
        with self._aws("ec2:DescribeInstances"):
            resp = self.ec2.describe_instances(InstanceIds=ec2_ids)
        for r in resp.get("Reservations", []):
            for i in r.get("Instances", []):
                return i
        return None

    # -- load balancers ----------------------------------------------------------------

    def list_load_balancers(self) -> list[LoadBalancerView]:
        out: list[LoadBalancerView] = []
        with self._aws("elbv2:DescribeLoadBalancers"):
            for page in self.elbv2.get_paginator("describe_load_balancers").paginate():
                for lb in page.get("LoadBalancers", []):
                    out.append(
                        LoadBalancerView(
                            arn=lb.get("LoadBalancerArn", ""),
                            name=lb.get("LoadBalancerName", ""),
                            type=str(lb.get("Type", "application")),
                            scheme=str(lb.get("Scheme", "")),
                            state=str((lb.get("State") or {}).get("Code", "")),
                            dns_name=lb.get("DNSName", ""),
                            vpc_id=lb.get("VpcId"),
                            availability_zones=tuple(
                                z.get("ZoneName", "") for z in lb.get("AvailabilityZones", [])
                            ),
                            security_groups=tuple(lb.get("SecurityGroups", [])),
                        )
                    )
        return sorted(out, key=lambda lb: lb.name)

    def list_listeners(self, load_balancer_arn: str) -> list[ListenerView]:
        out: list[ListenerView] = []
        with self._aws("elbv2:DescribeListeners"):
            for page in self.elbv2.get_paginator("describe_listeners").paginate(
                LoadBalancerArn=load_balancer_arn
            ):
                for ls in page.get("Listeners", []):
                    actions: list[Any] = list(ls.get("DefaultActions", []))
                    out.append(
                        ListenerView(
                            arn=ls.get("ListenerArn", ""),
                            load_balancer_arn=load_balancer_arn,
                            port=ls.get("Port"),
                            protocol=str(ls.get("Protocol", "")),
                            default_actions=actions_words(actions),
                            target_group_arns=target_group_arns(actions),
                        )
                    )
        return sorted(out, key=lambda ls: ls.port or 0)

    def list_rules(self, listener_arn: str) -> list[RuleView]:
        out: list[RuleView] = []
        marker: str | None = None
        with self._aws("elbv2:DescribeRules"):
            while True:
                kwargs: dict[str, Any] = {"ListenerArn": listener_arn, "PageSize": 400}
                if marker:
                    kwargs["Marker"] = marker
                resp = self.elbv2.describe_rules(**kwargs)
                for r in resp.get("Rules", []):
                    actions: list[Any] = list(r.get("Actions", []))
                    is_default = bool(r.get("IsDefault")) or r.get("Priority") == "default"
                    out.append(
                        RuleView(
                            arn=r.get("RuleArn", ""),
                            listener_arn=listener_arn,
                            priority="default" if is_default else str(r.get("Priority", "")),
                            conditions=tuple(condition_words(c) for c in r.get("Conditions", [])),
                            actions=actions_words(actions),
                            target_group_arns=target_group_arns(actions),
                        )
                    )
                marker = resp.get("NextMarker")
                if not marker:
                    break
        return sorted(out, key=lambda r: r.order)

    def list_target_groups(self, load_balancer_arn: str | None = None) -> list[TargetGroupView]:
        out: list[TargetGroupView] = []
        kwargs: dict[str, Any] = {"LoadBalancerArn": load_balancer_arn} if load_balancer_arn else {}
        with self._aws("elbv2:DescribeTargetGroups"):
            for page in self.elbv2.get_paginator("describe_target_groups").paginate(**kwargs):
                for tg in page.get("TargetGroups", []):
                    hc = f"{tg.get('HealthCheckProtocol', '')} {tg.get('HealthCheckPath', '')}".strip()
                    if tg.get("HealthCheckPort") not in (None, "traffic-port"):
                        hc += f" port {tg.get('HealthCheckPort')}"
                    out.append(
                        TargetGroupView(
                            arn=tg.get("TargetGroupArn", ""),
                            name=tg.get("TargetGroupName", ""),
                            protocol=tg.get("Protocol"),
                            port=tg.get("Port"),
                            target_type=str(tg.get("TargetType", "instance")),
                            vpc_id=tg.get("VpcId"),
                            health_check=hc,
                            load_balancer_arns=tuple(tg.get("LoadBalancerArns", [])),
                        )
                    )
        return sorted(out, key=lambda tg: tg.name)

    def target_health(self, target_group_arn: str) -> list[TargetView]:
        with self._aws("elbv2:DescribeTargetHealth"):
            resp = self.elbv2.describe_target_health(TargetGroupArn=target_group_arn)
        out = []
        for d in resp.get("TargetHealthDescriptions", []):
            target: Any = d.get("Target") or {}
            health: Any = d.get("TargetHealth") or {}
            out.append(
                TargetView(
                    target_group_arn=target_group_arn,
                    id=target.get("Id", ""),
                    port=target.get("Port"),
                    state=str(health.get("State", "unavailable")),
                    reason=health.get("Reason"),
                    description=health.get("Description"),
                    availability_zone=target.get("AvailabilityZone"),
                )
            )
        return out
