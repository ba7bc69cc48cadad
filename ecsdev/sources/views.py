"""Frozen view dataclasses: the only shapes the dashboard renders.

Every source (AWS, LocalStack, the local emulator, the test fakes) turns its own data into
these, so a screen never sees a boto3 dict or a Docker object and works unchanged against
any of them. Fields use ECS vocabulary in snake_case; a value a source cannot know is
``None`` or empty rather than invented. Secret *values* have no field at all: a task
definition's secrets carry only their name and ``valueFrom`` reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ContextKind = Literal["local", "localstack", "aws"]


def revision_of(task_definition_arn: str) -> str:
    """``family:revision`` from a task-definition ARN (or the argument when already short)."""
    return task_definition_arn.rsplit("/", 1)[-1]


def name_of(arn: str) -> str:
    """The resource name in an ECS ARN: the last path element (``.../service/c/web`` -> web)."""
    return arn.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where a source reads from, shown in the context bar."""

    name: str
    """Context name, e.g. ``aws:prod``, ``localstack``, ``local:demo``."""
    kind: ContextKind
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    production: bool = False
    """Marked ``production: true`` in ecsdev's config: distinct colours and never writable."""
    writable: bool = False
    """Whether change actions (stop, scale, deploy, exec) are allowed at all."""


@dataclass(frozen=True, slots=True)
class ClusterView:
    arn: str
    name: str
    status: str
    active_services: int
    running_tasks: int
    pending_tasks: int
    container_instances: int = 0


@dataclass(frozen=True, slots=True)
class DeploymentView:
    id: str
    status: str
    """PRIMARY, ACTIVE or INACTIVE."""
    task_definition: str
    desired: int
    running: int
    pending: int
    failed: int = 0
    rollout_state: str | None = None
    """IN_PROGRESS, COMPLETED or FAILED."""
    rollout_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ServiceEventView:
    id: str
    created_at: datetime | None
    message: str


@dataclass(frozen=True, slots=True)
class ServiceLoadBalancerView:
    """One ``loadBalancers`` entry of a service: which container port a target group feeds."""

    target_group_arn: str | None
    container_name: str
    container_port: int | None
    load_balancer_name: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceView:
    arn: str
    name: str
    cluster: str
    status: str
    desired: int
    running: int
    pending: int
    task_definition: str
    launch_type: str | None = None
    deployments: tuple[DeploymentView, ...] = ()
    events: tuple[ServiceEventView, ...] = ()
    load_balancers: tuple[ServiceLoadBalancerView, ...] = ()
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    created_at: datetime | None = None
    exec_enabled: bool = False

    @property
    def revision(self) -> str:
        return revision_of(self.task_definition)

    @property
    def rollout_state(self) -> str | None:
        """The rollout state of the PRIMARY deployment (the one being rolled out)."""
        for d in self.deployments:
            if d.status == "PRIMARY":
                return d.rollout_state
        return None


@dataclass(frozen=True, slots=True)
class PortView:
    container_port: int | None
    host_port: int | None = None
    protocol: str = "tcp"

    def __str__(self) -> str:
        host = (
            f"{self.host_port}->"
            if self.host_port and self.host_port != self.container_port
            else ""
        )
        return f"{host}{self.container_port}/{self.protocol}"


@dataclass(frozen=True, slots=True)
class ContainerView:
    name: str
    image: str
    last_status: str
    health: str = "UNKNOWN"
    exit_code: int | None = None
    reason: str | None = None
    ports: tuple[PortView, ...] = ()
    runtime_id: str | None = None
    cpu: str | None = None
    memory: str | None = None


@dataclass(frozen=True, slots=True)
class TaskView:
    arn: str
    id: str
    cluster: str
    task_definition: str
    last_status: str
    desired_status: str
    group: str | None = None
    """``service:<name>`` for service tasks, ``family:<name>`` for run-task ones."""
    health: str = "UNKNOWN"
    stop_code: str | None = None
    stopped_reason: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    stopping_at: datetime | None = None
    stopped_at: datetime | None = None
    ip: str | None = None
    subnet_id: str | None = None
    eni_id: str | None = None
    availability_zone: str | None = None
    launch_type: str | None = None
    cpu: str | None = None
    memory: str | None = None
    containers: tuple[ContainerView, ...] = ()
    exec_enabled: bool = False
    container_instance_arn: str | None = None
    """EC2 launch type: the instance the task runs on."""

    @property
    def revision(self) -> str:
        return revision_of(self.task_definition)

    @property
    def service(self) -> str | None:
        if self.group and self.group.startswith("service:"):
            return self.group.split(":", 1)[1]
        return None

    @property
    def exit_codes(self) -> str:
        """``name=code`` for each container that exited, e.g. ``app=137 sidecar=0``."""
        return " ".join(
            f"{c.name}={c.exit_code}" for c in self.containers if c.exit_code is not None
        )

    @property
    def short_id(self) -> str:
        return self.id[:8]


@dataclass(frozen=True, slots=True)
class HealthCheckView:
    command: tuple[str, ...]
    interval: int | None = None
    timeout: int | None = None
    retries: int | None = None
    start_period: int | None = None

    def __str__(self) -> str:
        timing = f"every {self.interval or 30}s timeout {self.timeout or 5}s"
        timing += f" retries {self.retries or 3} start {self.start_period or 0}s"
        return f"{' '.join(self.command)} ({timing})"


@dataclass(frozen=True, slots=True)
class SecretRef:
    """A secret a container receives: its variable name and where it comes from. No value."""

    name: str
    value_from: str


@dataclass(frozen=True, slots=True)
class LogConfigView:
    driver: str
    options: tuple[tuple[str, str], ...] = ()

    def option(self, key: str) -> str | None:
        return dict(self.options).get(key)


@dataclass(frozen=True, slots=True)
class ContainerDefinitionView:
    name: str
    image: str
    essential: bool = True
    cpu: int | None = None
    memory: int | None = None
    memory_reservation: int | None = None
    ports: tuple[PortView, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    command: tuple[str, ...] = ()
    entry_point: tuple[str, ...] = ()
    health_check: HealthCheckView | None = None
    log: LogConfigView | None = None
    depends_on: tuple[str, ...] = ()
    """``container:CONDITION`` for each dependsOn entry."""


@dataclass(frozen=True, slots=True)
class TaskDefinitionView:
    arn: str
    family: str
    revision: int
    status: str = "ACTIVE"
    cpu: str | None = None
    memory: str | None = None
    network_mode: str | None = None
    compatibilities: tuple[str, ...] = ()
    task_role: str | None = None
    execution_role: str | None = None
    containers: tuple[ContainerDefinitionView, ...] = ()
    registered_at: datetime | None = None

    def container(self, name: str) -> ContainerDefinitionView | None:
        return next((c for c in self.containers if c.name == name), None)


@dataclass(frozen=True, slots=True)
class LogStreamRef:
    """One log stream to read, and the prefix its lines get in a merged view."""

    group: str
    stream: str
    label: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class LogLine:
    timestamp: datetime
    message: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class LogCursor:
    """Where each stream's reading stopped; opaque to screens, passed back to read more."""

    positions: tuple[tuple[LogStreamRef, str | None], ...] = ()

    def token(self, ref: LogStreamRef) -> str | None:
        return dict(self.positions).get(ref)


@dataclass(frozen=True, slots=True)
class LogBatch:
    lines: tuple[LogLine, ...]
    cursor: LogCursor
    missing: tuple[LogStreamRef, ...] = ()
    """Streams that do not exist (yet): the container has not logged, or logs elsewhere."""
