"""LocalSource: the local emulator as a dashboard ``Source``, one per stack.

The engine already describes its tasks, services and task definitions in ECS's own JSON
shapes (DescribeTasks, DescribeServices, DescribeTaskDefinition), so this source reuses the
AWS parsers to turn them into views: the dashboard cannot tell the emulator from ECS, which
is the point. Logs come from Docker while a container runs and from the copy the engine
saved when its task stopped. Changes go through the same engine calls as the CLI.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from ecsdev.sources.aws_parse import parse_cluster, parse_service, parse_task, parse_task_definition
from ecsdev.sources.base import (
    ApiCall,
    BaseSource,
    Capability,
    Change,
    ExecPlan,
    ForceDeployment,
    ScaleService,
    StopTask,
    Unsupported,
)
from ecsdev.sources.local_elb import LocalElb, recorded_layout, subnet_id, subnets, vpcs
from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
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
    LogLine,
    LogStreamRef,
    ServiceView,
    SourceInfo,
    TaskDefinitionView,
    TaskView,
)
from emulator.arns import task_id_of
from emulator.endpoint.ecs_json import services_json
from emulator.endpoint.jsontime import when
from emulator.endpoint.task_json import task_json
from emulator.errors import NotFound
from emulator.model.layout import Layout
from emulator.services import describe_services, stack_identity
from emulator.stack import set_desired
from emulator.store import Store, known_stacks
from emulator.tasks import TaskRunner, container_log_path

CAPABILITIES = frozenset(
    {
        Capability.LOGS,
        Capability.TASK_DEFINITIONS,
        Capability.STOP_TASK,
        Capability.SCALE_SERVICE,
        Capability.FORCE_DEPLOYMENT,
        Capability.EXEC,
    }
)
WITH_LAYOUT = frozenset({Capability.NETWORK, Capability.LOAD_BALANCERS})


def _parse_ts(text: str) -> datetime:
    t = text.rstrip("Z")
    if "." in t:
        head, frac = t.split(".", 1)
        t = f"{head}.{frac[:6]}"
    try:
        return datetime.fromisoformat(t).replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


class LocalSource(BaseSource):
    """One stack of the local emulator."""

    def __init__(self, stack: str, runtime: Any = None) -> None:
        self.stack = stack
        self.store = Store(stack)
        self._runtime = runtime
        account, cluster = stack_identity(self.store)
        self.account = account
        self.cluster = cluster
        self._elb = LocalElb(stack, self.store, account)
        self._info = SourceInfo(
            name=f"local:{stack}", kind="local", region=account.region, writable=True
        )

    @property
    def runtime(self) -> Any:
        if self._runtime is None:
            from emulator.runtime.docker import DockerRuntime

            self._runtime = DockerRuntime()
        return self._runtime

    def _runner(self) -> TaskRunner:
        return TaskRunner(self.runtime, self.store, self.stack, self.cluster, self.account)

    @property
    def info(self) -> SourceInfo:
        return self._info

    def capabilities(self) -> frozenset[Capability]:
        return CAPABILITIES | (WITH_LAYOUT if recorded_layout(self.store) else frozenset())

    # clusters, services, tasks ------------------------------------------------------------
    def _tasks(self, stopped: bool = True) -> list[dict[str, Any]]:
        runner = self._runner()
        try:
            tasks = [task_json(t) for t in runner.describe_tasks(include_stopped=stopped)]
        finally:
            runner.close()
        for t in tasks:  # subnet names as AWS-shaped subnet IDs, as the network views use
            for att in t.get("attachments") or []:
                for d in att.get("details") or []:
                    if d.get("name") == "subnetId" and d.get("value"):
                        d["value"] = subnet_id(self.stack, d["value"])
        return tasks  # the edge's JSON: timestamps are datetimes already, as boto3 gives them

    def list_clusters(self) -> list[ClusterView]:
        tasks = self._tasks(stopped=False)
        services = services_json(describe_services(self.runtime, self.store))
        return [
            parse_cluster(
                {
                    "clusterArn": self.account.cluster_arn(self.cluster),
                    "clusterName": self.cluster,
                    "status": "ACTIVE",
                    "activeServicesCount": sum(1 for s in services if s.get("status") == "ACTIVE"),
                    "runningTasksCount": sum(1 for t in tasks if t["lastStatus"] == "RUNNING"),
                    "pendingTasksCount": sum(1 for t in tasks if t["lastStatus"] != "RUNNING"),
                }
            )
        ]

    def _services(self) -> list[dict[str, Any]]:
        out = []
        for s in services_json(describe_services(self.runtime, self.store)):
            s.setdefault("serviceArn", self.account.service_arn(self.cluster, s["serviceName"]))
            s.setdefault("clusterArn", self.account.cluster_arn(self.cluster))
            out.append(s)
        return out

    def iter_services(self, cluster: str) -> Iterator[list[ServiceView]]:
        yield [parse_service(s) for s in self._services()]

    def describe_service(self, cluster: str, service: str) -> ServiceView:
        for s in self._services():
            if s["serviceName"] == service:
                return parse_service(s)
        raise NotFound(f"no service {service!r} in local:{self.stack}")

    def iter_tasks(
        self, cluster: str, service: str | None = None, *, stopped: bool = True
    ) -> Iterator[list[TaskView]]:
        tasks = self._tasks(stopped=stopped)
        if service:
            tasks = [t for t in tasks if t.get("group") == f"service:{service}"]
        running = [t for t in tasks if t["lastStatus"] != "STOPPED"]
        done = [t for t in tasks if t["lastStatus"] == "STOPPED"]
        yield [parse_task(t) for t in running + done]

    def describe_task(self, cluster: str, task: str) -> TaskView:
        for t in self._tasks():
            if t["taskArn"] == task or task_id_of(t["taskArn"]).startswith(task_id_of(task)):
                return parse_task(t)
        raise NotFound(f"no task {task!r} in local:{self.stack}")

    # task definitions --------------------------------------------------------------------
    def task_definition(self, arn: str) -> TaskDefinitionView:
        found = self.store.task_definition_by_arn(arn)
        if found is None:
            raise NotFound(f"task definition {arn} is not registered in local:{self.stack}")
        raw, revision = found
        registered = next(
            (
                d["registeredAt"]
                for d in self.store.task_definitions()
                if d["taskDefinitionArn"] == arn
            ),
            None,
        )
        return parse_task_definition(
            {
                **raw,
                "taskDefinitionArn": arn,
                "revision": revision,
                "status": "ACTIVE",
                "registeredAt": when(registered),
            }
        )

    def list_task_definition_families(self) -> list[str]:
        return sorted({d["family"] for d in self.store.task_definitions()})

    def list_task_definitions(self, family: str) -> list[str]:
        revs = [d for d in self.store.task_definitions() if d["family"] == family]
        return [d["taskDefinitionArn"] for d in sorted(revs, key=lambda d: -int(d["revision"]))]

    # logs --------------------------------------------------------------------------------
    def log_streams(self, task: TaskView, container: str | None = None) -> list[LogStreamRef]:
        names = [c.name for c in task.containers if container in (None, c.name)]
        if container and not names:
            raise NotFound(f"no container {container!r} in task {task.id}")
        return [
            LogStreamRef(
                group=f"docker:{self.stack}", stream=f"{task.arn}|{n}", label=f"{task.id[:8]}/{n}"
            )
            for n in names
        ]

    def read_logs(
        self, streams: Sequence[LogStreamRef], cursor: LogCursor | None, limit: int = 1000
    ) -> LogBatch:
        runner = self._runner()
        lines: list[LogLine] = []
        positions: list[tuple[LogStreamRef, str | None]] = []
        missing: list[LogStreamRef] = []
        try:
            for ref in streams:
                arn, _, name = ref.stream.partition("|")
                token = cursor.token(ref) if cursor else None
                observed = runner.observe_task(arn)
                c = observed.container(name) if observed else None
                if c is not None:
                    since = _parse_ts(token).timestamp() if token else None
                    text = self.runtime.logs(
                        c.state.id, tail=None if token else limit, timestamps=True, since=since
                    )
                    last = token
                    for raw in text.splitlines():
                        ts, _, msg = raw.partition(" ")
                        if token and ts <= token:
                            continue
                        lines.append(LogLine(_parse_ts(ts), msg, ref.label))
                        last = ts
                    positions.append((ref, last))
                    continue
                path = container_log_path(self.store, arn, name)
                if not path.exists():
                    missing.append(ref)
                    positions.append((ref, token))
                    continue
                if token == "done":
                    positions.append((ref, token))
                    continue
                row = self.store.task_row(arn) or {}
                when = datetime.fromtimestamp(float(row.get("stoppedAt") or 0), UTC)
                for msg in path.read_text().splitlines()[-limit:]:
                    lines.append(LogLine(when, msg, ref.label))
                positions.append((ref, "done"))
        finally:
            runner.close()
        lines.sort(key=lambda line: line.timestamp)
        return LogBatch(tuple(lines), LogCursor(tuple(positions)), tuple(missing))

    # network and load balancers -----------------------------------------------------------
    def _layout(self) -> Layout:
        layout = recorded_layout(self.store)
        if layout is None:
            raise Unsupported(f"local:{self.stack} has no load balancer, so no network is recorded")
        return layout

    def list_vpcs(self) -> list[VpcView]:
        return vpcs(self.stack, self._layout())

    def list_subnets(self, vpc_id: str | None = None) -> list[SubnetView]:
        return subnets(self.stack, self._layout())

    def list_security_groups(
        self, vpc_id: str | None = None, ids: Sequence[str] | None = None
    ) -> list[SecurityGroupView]:
        return []  # Docker networks have no security groups: every task of a subnet talks

    def task_network(self, task: TaskView) -> TaskNetworkView:
        found = next(
            (s for s in subnets(self.stack, self._layout()) if s.id == task.subnet_id), None
        )
        return TaskNetworkView(
            task_arn=task.arn,
            ip=task.ip,
            subnet=found,
            eni_id=task.eni_id,
            network_mode="awsvpc" if task.subnet_id else "bridge",
        )

    def list_load_balancers(self) -> list[LoadBalancerView]:
        return self._elb.load_balancers()

    def list_listeners(self, load_balancer_arn: str) -> list[ListenerView]:
        return self._elb.listeners(load_balancer_arn)

    def list_rules(self, listener_arn: str) -> list[RuleView]:
        return self._elb.rules(listener_arn)

    def list_target_groups(self, load_balancer_arn: str | None = None) -> list[TargetGroupView]:
        return self._elb.target_groups(load_balancer_arn)

    def target_health(self, target_group_arn: str) -> list[TargetView]:
        return self._elb.targets(target_group_arn)

    def task_for_target(self, target: TargetView) -> TaskView | None:
        arn = self._elb.task_of(target)
        if not arn:
            return None
        try:
            return self.describe_task(self.cluster, arn)
        except NotFound:
            return None

    # changes -----------------------------------------------------------------------------
    def preview(self, change: Change) -> ApiCall:
        match change:
            case StopTask(task_arn=arn, reason=reason):
                return ApiCall(
                    "ecsdev",
                    "StopTask",
                    (("task", arn), ("reason", reason)),
                    cli=f"ecsdev stop-task --stack {self.stack} {task_id_of(arn)}",
                )
            case ScaleService(service=svc, desired_count=n):
                return ApiCall(
                    "ecsdev",
                    "UpdateService",
                    (("service", svc), ("desiredCount", n)),
                    cli=f"ecsdev scale --stack {self.stack} {svc} {n}",
                )
            case ForceDeployment(service=svc):
                return ApiCall(
                    "ecsdev",
                    "UpdateService",
                    (("service", svc), ("forceNewDeployment", True)),
                    cli=f"ecsdev redeploy --stack {self.stack} {svc}",
                )

    def apply(self, change: Change) -> str:
        match change:
            case StopTask(task_arn=arn, reason=reason):
                runner = self._runner()
                try:
                    runner.stop(arn, "UserInitiated", reason, wait=True)
                finally:
                    runner.close()
                return f"task {task_id_of(arn)} stopped"
            case ScaleService(service=svc, desired_count=n):
                set_desired(self.store, svc, count=n)
                return f"(service {svc}) desiredCount set to {n}"
            case ForceDeployment(service=svc):
                set_desired(self.store, svc, force=True)
                return f"(service {svc}) new deployment requested"

    def exec_command(self, task: TaskView, container: str, command: str) -> ExecPlan:
        c = next((c for c in task.containers if c.name == container), None)
        if c is None or not c.runtime_id:
            raise NotFound(f"no container {container!r} in task {task.id}")
        if c.last_status != "RUNNING":
            raise Unsupported(f"container {container!r} is {c.last_status}; exec needs it running")
        docker = shutil.which("docker") or "docker"
        return ExecPlan((docker, "exec", "-it", c.runtime_id, "sh", "-c", command))

    def close(self) -> None:
        self.store.close()


def local_sources() -> list[LocalSource]:
    """A source per stack the emulator knows (state directory), stacks whose controller
    runs first (the dashboard opens on the first)."""
    from emulator.controller import StackLock

    names = sorted(known_stacks(), key=lambda n: (StackLock(n).holder() is None, n))
    return [LocalSource(name) for name in names]
