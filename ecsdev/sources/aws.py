"""``AwsSource``: the dashboard's view of real AWS, LocalStack, or any AWS-API endpoint.

Built for accounts with thousands of services and tasks (e1s took 5 minutes on 2,000
services, e1s #335): every list is fully paginated; DescribeServices goes in batches of
10 and DescribeTasks in batches of 100 (the API maxima, so the fewest calls); batches are
described concurrently as soon as their list page arrives and yielded as they complete,
so the first rows draw while later pages load. Task definitions never change once
registered, so they are cached for the life of the source. Network, load balancer and
log reading live in mixins (``aws_network``, ``aws_logs``) to keep each file readable.

Changes are only made when the context is writable; each one can be previewed as the
exact API call (and its ``aws`` CLI equivalent) before it is applied.
"""

from __future__ import annotations

import shlex
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ProfileNotFound

from ecsdev.sources.accounts import profile_in_config
from ecsdev.sources.aws_client import MAX_ATTEMPTS, AwsBase, chunks
from ecsdev.sources.aws_logs import AwsLogsMixin
from ecsdev.sources.aws_network import AwsNetworkMixin
from ecsdev.sources.aws_parse import parse_cluster, parse_service, parse_task, parse_task_definition
from ecsdev.sources.base import (
    CHANGE_CAPABILITIES,
    READ_CAPABILITIES,
    ApiCall,
    Capability,
    Change,
    ExecPlan,
    ForceDeployment,
    ScaleService,
    StopTask,
    Unsupported,
    capability_for,
)
from ecsdev.sources.logstreams import awslogs_streams
from ecsdev.sources.netviews import TargetView
from ecsdev.sources.views import (
    ClusterView,
    LogStreamRef,
    ServiceView,
    SourceInfo,
    TaskDefinitionView,
    TaskView,
)
from emulator.errors import EcsdevError, NotFound

if TYPE_CHECKING:
    from ecsdev.sources.contexts import Context

SERVICES_PER_DESCRIBE = 10
TASKS_PER_DESCRIBE = 100
CLUSTERS_PER_DESCRIBE = 100
Factory = Callable[[str, str | None, Config], Any]
SSM_PLUGIN_URL = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html"


def boto3_factory(
    profile: str | None, endpoint_url: str | None = None
) -> Callable[[str, str | None, Config], Any]:
    """Clients from one boto3 session for ``profile`` (created on first use, since creating
    a session reads the AWS config files). ``AWS_ENDPOINT_URL`` is honoured by botocore."""
    sessions: list[boto3.session.Session] = []

    def make(service: str, region: str | None, config: Config) -> Any:
        if not sessions:
            try:
                sessions.append(boto3.session.Session(profile_name=profile))
            except ProfileNotFound:
                if profile != "default":
                    raise
                sessions.append(boto3.session.Session())  # credentials from the environment
        session: Any = sessions[0]  # the stubs' overloads want a literal service name
        return session.client(service, region_name=region, endpoint_url=endpoint_url, config=config)

    return make


def localstack_factory() -> Callable[[str, str | None, Config], Any]:
    """Clients through localstack-client, which points them at LocalStack's edge endpoint
    (``LOCALSTACK_HOST``, ``USE_SSL``, ``AWS_ENDPOINT_URL``) with its dummy credentials."""
    from localstack_client.session import Session

    def make(service: str, region: str | None, config: Config) -> Any:
        return Session(region_name=region or "us-east-1").client(service, config=config)

    return make


class AwsSource(AwsNetworkMixin, AwsLogsMixin, AwsBase):
    """ECS, EC2, ELBv2 and CloudWatch Logs through boto3, as views."""

    @classmethod
    def for_context(
        cls, context: Context, region: str | None, *, writable: bool, factory: Factory | None = None
    ) -> AwsSource:
        region = region or context.region or "us-east-1"
        info = SourceInfo(
            name=context.name,
            kind=context.kind,
            region=region,
            profile=context.profile,
            endpoint_url=context.endpoint_url,
            production=context.production,
            writable=writable,
        )
        if factory is None:
            ls = context.kind == "localstack"
            factory = localstack_factory() if ls else boto3_factory(context.profile)
        return cls(info, factory)

    def __init__(
        self,
        info: SourceInfo,
        factory: Callable[[str, str | None, Config], Any],
        *,
        workers: int = 8,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        super().__init__(info, factory, workers=workers, max_attempts=max_attempts)
        self._task_definitions: dict[str, TaskDefinitionView] = {}
        self._td_lock = threading.Lock()

    def capabilities(self) -> frozenset[Capability]:
        if self.info.writable:
            return READ_CAPABILITIES | CHANGE_CAPABILITIES
        return READ_CAPABILITIES

    # -- clusters and services ---------------------------------------------------------

    def list_clusters(self) -> list[ClusterView]:
        arns: list[str] = []
        with self._aws("ecs:ListClusters"):
            for page in self.ecs.get_paginator("list_clusters").paginate(
                PaginationConfig={"PageSize": 100}
            ):
                arns.extend(page.get("clusterArns", []))
        jobs = [
            partial(self._describe_clusters, batch) for batch in chunks(arns, CLUSTERS_PER_DESCRIBE)
        ]
        out = [c for batch in self._as_completed([jobs]) for c in batch]
        return sorted(out, key=lambda c: c.name)

    def _describe_clusters(self, arns: list[str]) -> list[ClusterView]:
        with self._aws("ecs:DescribeClusters"):
            resp = self.ecs.describe_clusters(clusters=arns)
        return [parse_cluster(c) for c in resp.get("clusters", [])]

    def list_services(self, cluster: str) -> list[str]:
        with self._aws("ecs:ListServices"):
            pages = self.ecs.get_paginator("list_services").paginate(
                cluster=cluster, PaginationConfig={"PageSize": 100}
            )
            return [arn for page in pages for arn in page.get("serviceArns", [])]

    def iter_services(self, cluster: str) -> Iterator[list[ServiceView]]:
        def pages() -> Iterator[list[Callable[[], list[ServiceView]]]]:
            with self._aws("ecs:ListServices"):
                paginator = self.ecs.get_paginator("list_services")
                for page in paginator.paginate(cluster=cluster, PaginationConfig={"PageSize": 100}):
                    arns = list(page.get("serviceArns", []))
                    yield [
                        partial(self._describe_services, cluster, batch)
                        for batch in chunks(arns, SERVICES_PER_DESCRIBE)
                    ]

        for batch in self._as_completed(pages()):
            if batch:
                yield batch

    def _describe_services(self, cluster: str, names: list[str]) -> list[ServiceView]:
        with self._aws("ecs:DescribeServices"):
            resp = self.ecs.describe_services(cluster=cluster, services=names)
        return [parse_service(s) for s in resp.get("services", [])]

    def describe_services(self, cluster: str, services: Sequence[str]) -> list[ServiceView]:
        jobs = [
            partial(self._describe_services, cluster, batch)
            for batch in chunks(list(services), SERVICES_PER_DESCRIBE)
        ]
        return [s for batch in self._as_completed([jobs]) for s in batch]

    def describe_service(self, cluster: str, service: str) -> ServiceView:
        found = self._describe_services(cluster, [service])
        if not found:
            raise NotFound(f"service {service!r} not found in cluster {cluster!r}")
        return found[0]

    # -- tasks -------------------------------------------------------------------------

    def iter_tasks(
        self, cluster: str, service: str | None = None, *, stopped: bool = True
    ) -> Iterator[list[TaskView]]:
        statuses = ["RUNNING", "STOPPED"] if stopped else ["RUNNING"]

        def pages() -> Iterator[list[Callable[[], list[TaskView]]]]:
            for status in statuses:
                with self._aws("ecs:ListTasks"):
                    paginator = self.ecs.get_paginator("list_tasks")
                    kwargs: dict[str, Any] = {"cluster": cluster, "desiredStatus": status}
                    if service:
                        kwargs["serviceName"] = service
                    for page in paginator.paginate(**kwargs, PaginationConfig={"PageSize": 100}):
                        arns = list(page.get("taskArns", []))
                        yield [
                            partial(self._describe_tasks, cluster, b)
                            for b in chunks(arns, TASKS_PER_DESCRIBE)
                        ]

        group = f"service:{service}" if service else None
        for batch in self._as_completed(pages()):
            # ECS may ignore serviceName for stopped tasks (and moto always does): the
            # task's group is the reliable mark of its service.
            tasks = [t for t in batch if group is None or t.group == group]
            if tasks:
                yield tasks

    def _describe_tasks(self, cluster: str, arns: list[str]) -> list[TaskView]:
        with self._aws("ecs:DescribeTasks"):
            resp = self.ecs.describe_tasks(cluster=cluster, tasks=arns)
        tasks = [parse_task(t) for t in resp.get("tasks", [])]
        self._remember_tasks(tasks)
        return tasks

    def describe_task(self, cluster: str, task: str) -> TaskView:
        found = self._describe_tasks(cluster, [task])
        if not found:
            raise NotFound(f"task {task!r} not found in cluster {cluster!r}")
        return found[0]

    # -- from a load balancer target to its task --------------------------------------

    def task_for_target(self, target: TargetView) -> TaskView | None:
        if target.id.startswith("i-"):
            return self._task_on_instance(target)
        with self._index_lock:
            known = self._tasks_by_ip.get(target.id)
        if known is not None:
            return known
        for cluster in self.list_clusters():
            for batch in self.iter_tasks(cluster.name, stopped=False):
                for task in batch:
                    if task.ip == target.id:
                        return task
        return None

    def _task_on_instance(self, target: TargetView) -> TaskView | None:
        """Bridge mode: the task on that instance publishing the target's host port."""
        for cluster in self.list_clusters():
            candidates: list[TaskView] = [
                t
                for batch in self.iter_tasks(cluster.name, stopped=False)
                for t in batch
                if t.container_instance_arn
                and any(p.host_port == target.port for c in t.containers for p in c.ports)
            ]
            arns = sorted({t.container_instance_arn or "" for t in candidates})
            for batch_arns in chunks(arns, 100):
                with self._aws("ecs:DescribeContainerInstances"):
                    resp = self.ecs.describe_container_instances(
                        cluster=cluster.name, containerInstances=batch_arns
                    )
                on_target = {
                    c.get("containerInstanceArn")
                    for c in resp.get("containerInstances", [])
                    if c.get("ec2InstanceId") == target.id
                }
                for t in candidates:
                    if t.container_instance_arn in on_target:
                        return t
        return None

    # -- task definitions --------------------------------------------------------------

    def task_definition(self, arn: str) -> TaskDefinitionView:
        with self._td_lock:
            cached = self._task_definitions.get(arn)
        if cached is not None:
            return cached
        with self._aws("ecs:DescribeTaskDefinition"):
            resp = self.ecs.describe_task_definition(taskDefinition=arn)
        td = parse_task_definition(resp["taskDefinition"])
        if ":" in arn.rsplit("/", 1)[-1]:  # an exact revision never changes; "family" alone does
            with self._td_lock:
                self._task_definitions[arn] = td
        return td

    def log_streams(self, task: TaskView, container: str | None = None) -> list[LogStreamRef]:
        return awslogs_streams(task, self.task_definition(task.task_definition), container)

    def list_task_definition_families(self) -> list[str]:
        out: list[str] = []
        with self._aws("ecs:ListTaskDefinitionFamilies"):
            paginator = self.ecs.get_paginator("list_task_definition_families")
            for page in paginator.paginate(status="ACTIVE"):
                out.extend(page.get("families", []))
        return sorted(set(out))

    def list_task_definitions(self, family: str) -> list[str]:
        out: list[str] = []
        with self._aws("ecs:ListTaskDefinitions"):
            paginator = self.ecs.get_paginator("list_task_definitions")
            for page in paginator.paginate(familyPrefix=family, sort="DESC"):
                out.extend(page.get("taskDefinitionArns", []))
        # familyPrefix is a prefix: "web" also matches "web-worker".
        mine = [a for a in out if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]
        return sorted(mine, key=lambda a: int(a.rsplit(":", 1)[-1]), reverse=True)

    # -- changes -----------------------------------------------------------------------

    def _cli_suffix(self) -> list[str]:
        out = []
        if self.info.kind == "aws" and profile_in_config(self.info.profile):
            out += ["--profile", self.info.profile or ""]
        if self.info.region:
            out += ["--region", self.info.region]
        if self.info.endpoint_url:
            out += ["--endpoint-url", self.info.endpoint_url]
        return out

    def preview(self, change: Change) -> ApiCall:
        match change:
            case StopTask(cluster, task_arn, reason):
                params: tuple[tuple[str, object], ...] = (
                    ("cluster", cluster),
                    ("task", task_arn),
                    ("reason", reason),
                )
                cli = ["aws", "ecs", "stop-task", "--cluster", cluster, "--task", task_arn]
                cli += ["--reason", reason]
                op = "StopTask"
            case ScaleService(cluster, service, count):
                params = (("cluster", cluster), ("service", service), ("desiredCount", count))
                cli = ["aws", "ecs", "update-service", "--cluster", cluster, "--service", service]
                cli += ["--desired-count", str(count)]
                op = "UpdateService"
            case ForceDeployment(cluster, service):
                params = (("cluster", cluster), ("service", service), ("forceNewDeployment", True))
                cli = ["aws", "ecs", "update-service", "--cluster", cluster, "--service", service]
                cli += ["--force-new-deployment"]
                op = "UpdateService"
        return ApiCall("ecs", op, params, shlex.join(cli + self._cli_suffix()))

    def _check_writable(self, capability: Capability) -> None:
        if self.info.production:
            raise Unsupported(f"{self.info.name} is a production profile: it stays read-only")
        if not self.info.writable:
            raise Unsupported(
                f"{self.info.name} is read-only",
                hint="start the dashboard with --write to make changes",
            )
        if capability not in self.capabilities():
            raise Unsupported(f"{capability.value} is not available in {self.info.name}")

    def apply(self, change: Change) -> str:
        self._check_writable(capability_for(change))
        match change:
            case StopTask(cluster, task_arn, reason):
                with self._aws("ecs:StopTask"):
                    self.ecs.stop_task(cluster=cluster, task=task_arn, reason=reason)
                return f"Stopping task {task_arn.rsplit('/', 1)[-1]}"
            case ScaleService(cluster, service, count):
                with self._aws("ecs:UpdateService"):
                    self.ecs.update_service(cluster=cluster, service=service, desiredCount=count)
                return f"Service {service}: desired count set to {count}"
            case ForceDeployment(cluster, service):
                with self._aws("ecs:UpdateService"):
                    self.ecs.update_service(
                        cluster=cluster, service=service, forceNewDeployment=True
                    )
                return f"Service {service}: new deployment started"

    def exec_command(self, task: TaskView, container: str, command: str) -> ExecPlan:
        self._check_writable(Capability.EXEC)
        if shutil.which("aws") is None:
            raise EcsdevError("ECS Exec needs the AWS CLI (v2), and `aws` is not on PATH")
        if shutil.which("session-manager-plugin") is None:
            raise EcsdevError(
                "ECS Exec needs the Session Manager plugin, and session-manager-plugin is not on PATH",
                hint=f"install it: {SSM_PLUGIN_URL}",
            )
        if not task.exec_enabled:
            raise EcsdevError(
                f"ECS Exec is not enabled on task {task.short_id}",
                hint="set enableExecuteCommand on the service, then force a new deployment",
            )
        argv = ["aws", "ecs", "execute-command", "--cluster", task.cluster, "--task", task.arn]
        argv += ["--container", container, "--interactive", "--command", command]
        return ExecPlan(tuple(argv + self._cli_suffix()))
