"""The ``Source`` protocol: everything the dashboard may ask of an environment.

The dashboard runs against real AWS, LocalStack, the local emulator and test fakes; screens
talk to nothing but this protocol, so adding an environment means writing one class. Every
method blocks (boto3 and Docker do) and is called from a worker thread, never the UI
thread. Results are frozen views (``views``, ``netviews``).

Optional features are *capabilities*: a source reports what it can do, screens hide what
it cannot, and a call to an unsupported method raises ``Unsupported``. Changes (stop a
task, scale, deploy) are values: ``preview`` shows the exact API call for the confirmation
dialog, ``apply`` performs it. ``BaseSource`` gives the optional parts a default so a new
source (``LocalSource``) implements only what it supports.
"""

from __future__ import annotations

import enum
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
    RouteTableView,
    RuleView,
    SecurityGroupView,
    SubnetView,
    TargetGroupView,
    TargetView,
    TaskNetworkView,
    VpcView,
)
from ecsdev.sources.views import (
    ClusterView,
    LogBatch,
    LogCursor,
    LogStreamRef,
    ServiceView,
    SourceInfo,
    TaskDefinitionView,
    TaskView,
)
from emulator.errors import EcsdevError, NotFound


class Unsupported(EcsdevError):
    """The source does not offer this feature (see ``Source.capabilities``)."""


class Capability(enum.Enum):
    """Optional features a source may offer. Reading clusters, services and tasks is not
    optional; everything else is."""

    LOGS = "logs"
    NETWORK = "network"
    LOAD_BALANCERS = "load-balancers"
    TASK_DEFINITIONS = "task-definitions"
    STOP_TASK = "stop-task"
    SCALE_SERVICE = "scale-service"
    FORCE_DEPLOYMENT = "force-deployment"
    EXEC = "exec"


READ_CAPABILITIES = frozenset(
    {Capability.LOGS, Capability.NETWORK, Capability.LOAD_BALANCERS, Capability.TASK_DEFINITIONS}
)
CHANGE_CAPABILITIES = frozenset(
    {Capability.STOP_TASK, Capability.SCALE_SERVICE, Capability.FORCE_DEPLOYMENT, Capability.EXEC}
)


@dataclass(frozen=True, slots=True)
class StopTask:
    cluster: str
    task_arn: str
    reason: str = "Stopped from the ecsdev dashboard"


@dataclass(frozen=True, slots=True)
class ScaleService:
    cluster: str
    service: str
    desired_count: int


@dataclass(frozen=True, slots=True)
class ForceDeployment:
    cluster: str
    service: str


Change = StopTask | ScaleService | ForceDeployment


def capability_for(change: Change) -> Capability:
    match change:
        case StopTask():
            return Capability.STOP_TASK
        case ScaleService():
            return Capability.SCALE_SERVICE
        case ForceDeployment():
            return Capability.FORCE_DEPLOYMENT


@dataclass(frozen=True, slots=True)
class ApiCall:
    """The exact call a change makes, shown before the user confirms it."""

    service: str
    operation: str
    """The API name, e.g. ``UpdateService``."""
    params: tuple[tuple[str, object], ...]
    cli: str = ""
    """The same call as an ``aws`` CLI command line (empty when there is none)."""

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params)
        return f"{self.service}:{self.operation}({args})"


@dataclass(frozen=True, slots=True)
class ExecPlan:
    """A command to run in the terminal (the dashboard suspends itself while it runs)."""

    argv: tuple[str, ...]

    def __str__(self) -> str:
        return shlex.join(self.argv)


@runtime_checkable
class Source(Protocol):
    """One environment's ECS (and network) state, as views. All methods block.

    Errors: a failed call raises an ``EcsdevError`` (``AwsAccessError`` for AWS, naming the
    API call) and never a third-party exception; an unsupported feature raises
    ``Unsupported``.
    """

    @property
    def info(self) -> SourceInfo: ...

    def capabilities(self) -> frozenset[Capability]:
        """What this source offers beyond reading clusters, services and tasks. Change
        capabilities are only reported when changes are allowed (``info.writable``)."""
        ...

    def list_clusters(self) -> list[ClusterView]: ...

    def iter_services(self, cluster: str) -> Iterator[list[ServiceView]]:
        """Every service of ``cluster``, yielded in batches as they arrive, so a screen can
        draw the first rows before the last are fetched."""
        ...

    def describe_service(self, cluster: str, service: str) -> ServiceView: ...

    def list_services(self, cluster: str) -> list[str]:
        """The ARNs of ``cluster``'s services, without describing them (list calls only)."""
        ...

    def describe_services(self, cluster: str, services: Sequence[str]) -> list[ServiceView]:
        """Some services of ``cluster`` by name or ARN, in as few calls as the API allows
        (a refresh of the rows on screen); services that no longer exist are left out."""
        ...

    def iter_tasks(
        self, cluster: str, service: str | None = None, *, stopped: bool = True
    ) -> Iterator[list[TaskView]]:
        """Tasks of ``cluster`` (of one service when given), running then stopped, yielded
        in batches. Stopped tasks are included when ``stopped``."""
        ...

    def describe_task(self, cluster: str, task: str) -> TaskView: ...

    def task_definition(self, arn: str) -> TaskDefinitionView: ...

    def list_task_definition_families(self) -> list[str]: ...

    def list_task_definitions(self, family: str) -> list[str]:
        """ARNs of the family's revisions, newest first."""
        ...

    def log_streams(self, task: TaskView, container: str | None = None) -> list[LogStreamRef]:
        """The log streams of a task's containers (one container when named), found from
        each container's log configuration. Raises ``Unsupported`` with the reason when a
        container logs somewhere the source cannot read."""
        ...

    def read_logs(
        self, streams: Sequence[LogStreamRef], cursor: LogCursor | None, limit: int = 1000
    ) -> LogBatch:
        """With no cursor: the last ``limit`` lines of each stream. With a cursor: the lines
        written since, oldest first. The batch's cursor continues from there."""
        ...

    def list_vpcs(self) -> list[VpcView]: ...

    def list_subnets(self, vpc_id: str | None = None) -> list[SubnetView]: ...

    def list_security_groups(
        self, vpc_id: str | None = None, ids: Sequence[str] | None = None
    ) -> list[SecurityGroupView]: ...

    def task_network(self, task: TaskView) -> TaskNetworkView: ...

    def route_table(self, route_table_id: str) -> RouteTableView:
        """A route table and its routes (where a subnet's traffic goes)."""
        ...

    def list_load_balancers(self) -> list[LoadBalancerView]: ...

    def list_listeners(self, load_balancer_arn: str) -> list[ListenerView]: ...

    def list_rules(self, listener_arn: str) -> list[RuleView]:
        """The listener's rules in evaluation order, the default rule last."""
        ...

    def list_target_groups(self, load_balancer_arn: str | None = None) -> list[TargetGroupView]: ...

    def target_health(self, target_group_arn: str) -> list[TargetView]: ...

    def task_for_target(self, target: TargetView) -> TaskView | None:
        """The task behind a target (by IP and port), or ``None`` when none matches."""
        ...

    def preview(self, change: Change) -> ApiCall: ...

    def apply(self, change: Change) -> str:
        """Perform ``change``; returns a one-line summary. Raises ``Unsupported`` when the
        source is read-only or lacks the capability."""
        ...

    def exec_command(self, task: TaskView, container: str, command: str) -> ExecPlan:
        """The terminal command that opens ``command`` inside a container."""
        ...

    def close(self) -> None: ...


class BaseSource:
    """Defaults for a source's optional parts: each raises ``Unsupported``."""

    def describe_service(self, cluster: str, service: str) -> ServiceView:
        raise self._unsupported("Services")

    def list_services(self, cluster: str) -> list[str]:
        iter_services = getattr(self, "iter_services", None)
        if iter_services is None:
            raise self._unsupported("Services")
        return [s.arn for batch in iter_services(cluster) for s in batch]

    def describe_services(self, cluster: str, services: Sequence[str]) -> list[ServiceView]:
        out = []
        for name in services:
            try:
                out.append(self.describe_service(cluster, name.rsplit("/", 1)[-1]))
            except NotFound:
                continue
        return out

    def _unsupported(self, what: str) -> Unsupported:
        name = getattr(getattr(self, "info", None), "name", type(self).__name__)
        return Unsupported(f"{what} is not available in {name}")

    def list_task_definition_families(self) -> list[str]:
        raise self._unsupported("Task definitions")

    def list_task_definitions(self, family: str) -> list[str]:
        raise self._unsupported("Task definitions")

    def log_streams(self, task: TaskView, container: str | None = None) -> list[LogStreamRef]:
        raise self._unsupported("Logs")

    def read_logs(
        self, streams: Sequence[LogStreamRef], cursor: LogCursor | None, limit: int = 1000
    ) -> LogBatch:
        raise self._unsupported("Logs")

    def list_vpcs(self) -> list[VpcView]:
        raise self._unsupported("Networking")

    def list_subnets(self, vpc_id: str | None = None) -> list[SubnetView]:
        raise self._unsupported("Networking")

    def list_security_groups(
        self, vpc_id: str | None = None, ids: Sequence[str] | None = None
    ) -> list[SecurityGroupView]:
        raise self._unsupported("Networking")

    def task_network(self, task: TaskView) -> TaskNetworkView:
        raise self._unsupported("Networking")

    def route_table(self, route_table_id: str) -> RouteTableView:
        raise self._unsupported("Route tables")

    def list_load_balancers(self) -> list[LoadBalancerView]:
        raise self._unsupported("Load balancers")

    def list_listeners(self, load_balancer_arn: str) -> list[ListenerView]:
        raise self._unsupported("Load balancers")

    def list_rules(self, listener_arn: str) -> list[RuleView]:
        raise self._unsupported("Load balancers")

    def list_target_groups(self, load_balancer_arn: str | None = None) -> list[TargetGroupView]:
        raise self._unsupported("Load balancers")

    def target_health(self, target_group_arn: str) -> list[TargetView]:
        raise self._unsupported("Load balancers")

    def task_for_target(self, target: TargetView) -> TaskView | None:
        raise self._unsupported("Load balancers")

    def preview(self, change: Change) -> ApiCall:
        raise self._unsupported("Changes")

    def apply(self, change: Change) -> str:
        raise self._unsupported("Changes")

    def exec_command(self, task: TaskView, container: str, command: str) -> ExecPlan:
        raise self._unsupported("Exec")

    def close(self) -> None:
        return None
