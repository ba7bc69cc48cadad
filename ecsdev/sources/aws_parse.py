"""AWS API responses (ECS, as boto3 returns them) -> frozen views.

Pure functions, one per shape, so the camelCase of the AWS API stays in this file and the
parsing is testable without a network. They tolerate missing keys (LocalStack and moto
omit some) by falling back to ``None``/empty, never to invented values. Secrets are read
as name + ``valueFrom`` only; a task definition never carries secret values, and nothing
here would copy one if it did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ecsdev.sources.views import (
    ClusterView,
    ContainerDefinitionView,
    ContainerView,
    DeploymentView,
    HealthCheckView,
    LogConfigView,
    PortView,
    SecretRef,
    ServiceEventView,
    ServiceLoadBalancerView,
    ServiceView,
    TaskDefinitionView,
    TaskView,
    name_of,
)

Raw = Mapping[str, Any]


def _int(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return int(value)
    try:
        return int(float(str(value)))
    except ValueError:
        return None


def _str(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _strs(value: object) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return ()
    return tuple(str(v) for v in value)


def parse_cluster(c: Raw) -> ClusterView:
    return ClusterView(
        arn=c.get("clusterArn", ""),
        name=c.get("clusterName") or name_of(c.get("clusterArn", "")),
        status=c.get("status", "UNKNOWN"),
        active_services=c.get("activeServicesCount", 0) or 0,
        running_tasks=c.get("runningTasksCount", 0) or 0,
        pending_tasks=c.get("pendingTasksCount", 0) or 0,
        container_instances=c.get("registeredContainerInstancesCount", 0) or 0,
    )


def parse_deployment(d: Raw) -> DeploymentView:
    return DeploymentView(
        id=d.get("id", ""),
        status=d.get("status", ""),
        task_definition=d.get("taskDefinition", "") or "",
        desired=d.get("desiredCount", 0) or 0,
        running=d.get("runningCount", 0) or 0,
        pending=d.get("pendingCount", 0) or 0,
        failed=d.get("failedTasks", 0) or 0,
        rollout_state=_str(d.get("rolloutState")),
        rollout_reason=_str(d.get("rolloutStateReason")),
        created_at=d.get("createdAt"),
        updated_at=d.get("updatedAt"),
    )


def _capacity_provider(s: Raw) -> str | None:
    strategy = s.get("capacityProviderStrategy") or []
    return _str(strategy[0].get("capacityProvider")) if strategy else None


def parse_service(s: Raw) -> ServiceView:
    cluster = name_of(s.get("clusterArn", "")) if s.get("clusterArn") else ""
    awsvpc = (s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return ServiceView(
        arn=s.get("serviceArn", ""),
        name=s.get("serviceName") or name_of(s.get("serviceArn", "")),
        cluster=cluster,
        status=s.get("status", "UNKNOWN"),
        desired=s.get("desiredCount", 0) or 0,
        running=s.get("runningCount", 0) or 0,
        pending=s.get("pendingCount", 0) or 0,
        task_definition=s.get("taskDefinition", "") or "",
        launch_type=_str(s.get("launchType")) or _capacity_provider(s),
        deployments=tuple(parse_deployment(d) for d in s.get("deployments") or []),
        events=tuple(
            ServiceEventView(e.get("id", ""), e.get("createdAt"), e.get("message", ""))
            for e in s.get("events") or []
        ),
        load_balancers=tuple(
            ServiceLoadBalancerView(
                target_group_arn=_str(lb.get("targetGroupArn")),
                container_name=lb.get("containerName", ""),
                container_port=_int(lb.get("containerPort")),
                load_balancer_name=_str(lb.get("loadBalancerName")),
            )
            for lb in s.get("loadBalancers") or []
        ),
        subnets=_strs(awsvpc.get("subnets")),
        security_groups=_strs(awsvpc.get("securityGroups")),
        created_at=s.get("createdAt"),
        exec_enabled=bool(s.get("enableExecuteCommand", False)),
    )


def _ports(bindings: Sequence[Raw]) -> tuple[PortView, ...]:
    return tuple(
        PortView(
            container_port=_int(b.get("containerPort")),
            host_port=_int(b.get("hostPort")),
            protocol=b.get("protocol", "tcp") or "tcp",
        )
        for b in bindings
    )


def parse_container(c: Raw) -> ContainerView:
    return ContainerView(
        name=c.get("name", ""),
        image=c.get("image", "") or "",
        last_status=c.get("lastStatus", "UNKNOWN") or "UNKNOWN",
        health=c.get("healthStatus", "UNKNOWN") or "UNKNOWN",
        exit_code=_int(c.get("exitCode")),
        reason=_str(c.get("reason")),
        ports=_ports(c.get("networkBindings") or []),
        runtime_id=_str(c.get("runtimeId")),
        cpu=_str(c.get("cpu")),
        memory=_str(c.get("memory")),
    )


def _eni_details(t: Raw) -> dict[str, str]:
    for attachment in t.get("attachments") or []:
        if attachment.get("type") == "ElasticNetworkInterface":
            return {
                d.get("name", ""): str(d.get("value", "")) for d in attachment.get("details") or []
            }
    return {}


def parse_task(t: Raw) -> TaskView:
    eni = _eni_details(t)
    ip = eni.get("privateIPv4Address")
    if not ip:
        for c in t.get("containers") or []:
            for ni in c.get("networkInterfaces") or []:
                ip = ip or ni.get("privateIpv4Address")
    arn = t.get("taskArn", "")
    cluster_arn = t.get("clusterArn", "")
    return TaskView(
        arn=arn,
        id=name_of(arn),
        cluster=name_of(cluster_arn) if cluster_arn else "",
        task_definition=t.get("taskDefinitionArn", "") or "",
        last_status=t.get("lastStatus", "UNKNOWN") or "UNKNOWN",
        desired_status=t.get("desiredStatus", "UNKNOWN") or "UNKNOWN",
        group=_str(t.get("group")),
        health=t.get("healthStatus", "UNKNOWN") or "UNKNOWN",
        stop_code=_str(t.get("stopCode")),
        stopped_reason=_str(t.get("stoppedReason")),
        created_at=t.get("createdAt"),
        started_at=t.get("startedAt"),
        stopping_at=t.get("stoppingAt"),
        stopped_at=t.get("stoppedAt"),
        ip=ip or None,
        subnet_id=eni.get("subnetId") or None,
        eni_id=eni.get("networkInterfaceId") or None,
        availability_zone=_str(t.get("availabilityZone")),
        launch_type=_str(t.get("launchType")) or _str(t.get("capacityProviderName")),
        cpu=_str(t.get("cpu")),
        memory=_str(t.get("memory")),
        containers=tuple(parse_container(c) for c in t.get("containers") or []),
        exec_enabled=bool(t.get("enableExecuteCommand", False)),
        container_instance_arn=_str(t.get("containerInstanceArn")),
    )


def _health_check(h: Raw | None) -> HealthCheckView | None:
    if not h:
        return None
    return HealthCheckView(
        command=_strs(h.get("command")),
        interval=_int(h.get("interval")),
        timeout=_int(h.get("timeout")),
        retries=_int(h.get("retries")),
        start_period=_int(h.get("startPeriod")),
    )


def _log_config(lc: Raw | None) -> LogConfigView | None:
    if not lc:
        return None
    options = lc.get("options") or {}
    # secretOptions hold references (valueFrom), not values; they are not needed to find
    # the logs and are left out on purpose.
    return LogConfigView(
        driver=lc.get("logDriver", ""),
        options=tuple(sorted((str(k), str(v)) for k, v in options.items())),
    )


def parse_container_definition(c: Raw) -> ContainerDefinitionView:
    return ContainerDefinitionView(
        name=c.get("name", ""),
        image=c.get("image", "") or "",
        essential=bool(c.get("essential", True)),
        cpu=_int(c.get("cpu")),
        memory=_int(c.get("memory")),
        memory_reservation=_int(c.get("memoryReservation")),
        ports=_ports(c.get("portMappings") or []),
        environment=tuple(
            sorted(
                (str(e.get("name", "")), str(e.get("value", "")))
                for e in c.get("environment") or []
            )
        ),
        secrets=tuple(
            sorted(
                (
                    SecretRef(str(s.get("name", "")), str(s.get("valueFrom", "")))
                    for s in c.get("secrets") or []
                ),
                key=lambda s: s.name,
            )
        ),
        command=_strs(c.get("command")),
        entry_point=_strs(c.get("entryPoint")),
        health_check=_health_check(c.get("healthCheck")),
        log=_log_config(c.get("logConfiguration")),
        depends_on=tuple(
            f"{d.get('containerName', '')}:{d.get('condition', 'START')}"
            for d in c.get("dependsOn") or []
        ),
    )


def parse_task_definition(td: Raw) -> TaskDefinitionView:
    return TaskDefinitionView(
        arn=td.get("taskDefinitionArn", ""),
        family=td.get("family", ""),
        revision=td.get("revision", 0) or 0,
        status=td.get("status", "ACTIVE") or "ACTIVE",
        cpu=_str(td.get("cpu")),
        memory=_str(td.get("memory")),
        network_mode=_str(td.get("networkMode")),
        compatibilities=_strs(td.get("requiresCompatibilities") or td.get("compatibilities")),
        task_role=_str(td.get("taskRoleArn")),
        execution_role=_str(td.get("executionRoleArn")),
        containers=tuple(
            parse_container_definition(c) for c in td.get("containerDefinitions") or []
        ),
        registered_at=td.get("registeredAt"),
    )
