"""A task as ECS describes it, as a typed record: what ``describe`` sees in Docker and the
store, and what the store keeps of a stopped task.

Why this exists: DescribeTasks, ``ecsdev ps``, the dashboard, the task metadata endpoint and
the service scheduler all need a task's statuses, containers, exit codes, reasons and
addresses. The engine keeps them as ``TaskDescription`` (timestamps as epoch seconds); a stopped
task's record is this same type, persisted through the one codec. ECS's JSON is made from it
at the edge (``emulator.endpoint.task_json``), never parsed back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from emulator import labels as L
from emulator.arns import Account, task_id_of
from emulator.lifecycle import ObservedTask, parse_time, task_status
from emulator.model.taskdef import TaskDefinition


@dataclass(frozen=True, slots=True)
class NetworkBinding:
    bind_ip: str
    container_port: int
    host_port: int
    protocol: str = "tcp"


@dataclass(frozen=True, slots=True)
class ContainerDescription:
    name: str
    image: str
    last_status: str
    health_status: str = "UNKNOWN"
    essential: bool = True
    runtime_id: str = ""
    exit_code: int | None = None
    reason: str | None = None
    network_bindings: tuple[NetworkBinding, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskDescription:
    task_arn: str
    cluster_arn: str
    task_definition_arn: str
    last_status: str
    desired_status: str
    created_at: float
    health_status: str = "UNKNOWN"
    launch_type: str = "EC2"
    group: str = ""
    containers: tuple[ContainerDescription, ...] = ()
    started_by: str | None = None
    started_at: float | None = None
    stopping_at: float | None = None
    stopped_at: float | None = None
    stop_code: str | None = None
    stopped_reason: str | None = None
    private_ip: str | None = None
    subnet: str | None = None
    attachment_status: str = "ATTACHED"

    @property
    def task_id(self) -> str:
        return task_id_of(self.task_arn)


def task_health(containers: tuple[ContainerDescription, ...]) -> str:
    """ECS's task health from its essential containers' health."""
    ess = [c.health_status for c in containers if c.essential and c.health_status != "UNKNOWN"]
    if "UNHEALTHY" in ess:
        return "UNHEALTHY"
    return "HEALTHY" if ess and all(h == "HEALTHY" for h in ess) else "UNKNOWN"


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the store knows of a task that Docker cannot tell."""

    desired_status: str = "RUNNING"
    stop_code: str | None = None
    stopped_reason: str | None = None
    stopping_since: float | None = None
    container_reasons: tuple[tuple[str, str], ...] = ()
    health_before_stop: tuple[tuple[str, str], ...] = ()
    last_status: str | None = None
    """An override of the observed status (``DEACTIVATING`` while targets drain)."""


def describe_observed(
    task: ObservedTask, account: Account, cluster: str, rec: Recorded, now: float, stopped: bool
) -> TaskDescription:
    """The task as DescribeTasks shows it, from Docker's view and the store's record. With
    ``stopped``, as it is recorded when it has just stopped."""
    arn = task.task_arn
    desired = "STOPPED" if stopped else rec.desired_status
    st = task_status(task, desired)
    lb = task.labels
    reasons = dict(rec.container_reasons)
    health_before = dict(rec.health_before_stop)
    ip = subnet = None
    if task.pause is not None:
        ips = list(task.pause.ip_addresses.values())
        ip = ips[0] if ips else None
        subnet = task.pause.labels.get(L.SUBNET)
    containers = []
    for c in task.containers:
        s = c.state
        containers.append(
            ContainerDescription(
                name=c.name,
                image=s.image,
                runtime_id=s.id,
                last_status="STOPPED" if stopped and not s.running else c.last_status,
                health_status=health_before.get(c.name, c.health_status)
                if stopped
                else c.health_status,
                essential=c.essential,
                exit_code=s.exit_code if c.exited else None,
                reason=reasons.get(c.name) or c.reason or None,
                network_bindings=tuple(
                    NetworkBinding(hip, cp, hp, proto) for cp, proto, hip, hp in s.ports
                ),
            )
        )
    cs = tuple(containers)
    starts = [parse_time(c.state.started_at) for c in task.containers if c.started]
    started = None
    if st.last_status in ("RUNNING", "STOPPING", "STOPPED", "DEPROVISIONING") and starts:
        started = max((t for t in starts if t is not None), default=None)
    stop_code = stopped_reason = None
    stopping_at = None
    if rec.stop_code or desired == "STOPPED":
        stop_code = rec.stop_code or "EssentialContainerExited"
        stopped_reason = rec.stopped_reason or "Essential container in task exited"
        stopping_at = rec.stopping_since
    last = "STOPPED" if stopped else (rec.last_status or st.last_status)
    return TaskDescription(
        task_arn=arn,
        cluster_arn=account.cluster_arn(cluster),
        task_definition_arn=lb.get(L.TASK_DEFINITION_ARN, ""),
        last_status=last,
        desired_status=desired,
        created_at=float(lb.get(L.CREATED_AT) or now),
        health_status=task_health(cs) if stopped else st.health_status,
        launch_type="FARGATE" if lb.get(L.NETWORK_MODE) == "awsvpc" else "EC2",
        group=lb.get(L.GROUP, ""),
        containers=cs,
        started_by=lb.get(L.STARTED_BY) or None,
        started_at=started,
        stopping_at=stopping_at,
        stopped_at=now if stopped else None,
        stop_code=stop_code,
        stopped_reason=stopped_reason,
        private_ip=ip,
        subnet=subnet,
        attachment_status="DELETED" if stopped else "ATTACHED",
    )


def failed_to_start(
    arn: str, cluster_arn: str, td_arn: str, td: TaskDefinition, group: str, reason: str
) -> TaskDescription:
    """The record of a task that never started (stopCode TaskFailedToStart)."""
    now = time.time()
    return TaskDescription(
        task_arn=arn,
        cluster_arn=cluster_arn,
        task_definition_arn=td_arn,
        last_status="STOPPED",
        desired_status="STOPPED",
        created_at=now,
        stop_code="TaskFailedToStart",
        stopped_reason=reason,
        stopped_at=now,
        group=group,
        launch_type="FARGATE" if td.network_mode == "awsvpc" else "EC2",
        containers=tuple(
            ContainerDescription(c.name, c.image, "STOPPED", reason=reason)
            for c in td.container_definitions
        ),
    )
