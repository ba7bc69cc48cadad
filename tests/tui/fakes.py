"""A ``Source`` with fixed data, so the dashboard's tests and snapshots do not depend on
random IDs, times or a network. It also records the changes applied and lets a test
push log lines or make a call fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ecsdev.sources.base import (
    CHANGE_CAPABILITIES,
    READ_CAPABILITIES,
    ApiCall,
    BaseSource,
    Capability,
    Change,
    ExecPlan,
    ScaleService,
    StopTask,
    Unsupported,
)
from ecsdev.sources.netviews import (
    ListenerView,
    LoadBalancerView,
    RouteTableView,
    RouteView,
    RuleView,
    SecurityGroupView,
    SgRuleView,
    SubnetView,
    TargetGroupView,
    TargetView,
    TaskNetworkView,
    VpcView,
)
from ecsdev.sources.views import (
    ClusterView,
    ContainerDefinitionView,
    ContainerView,
    DeploymentView,
    HealthCheckView,
    LogBatch,
    LogConfigView,
    LogCursor,
    LogLine,
    LogStreamRef,
    PortView,
    SecretRef,
    ServiceEventView,
    ServiceLoadBalancerView,
    ServiceView,
    SourceInfo,
    TaskDefinitionView,
    TaskView,
)
from emulator.errors import AwsAccessError, EcsdevError, NotFound

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
ACCOUNT = "arn:aws:ecs:eu-west-1:123456789012"
ELB = "arn:aws:elasticloadbalancing:eu-west-1:123456789012"


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


def td_arn(family: str, revision: int) -> str:
    return f"{ACCOUNT}:task-definition/{family}:{revision}"


def _task(n: int, service: str, revision: str, status: str = "RUNNING", **kw: object) -> TaskView:
    task_id = f"{n:02d}" + "a1b2c3d4e5f60718293a4b5c6d7e8f"[:30]
    image = {
        "web": "registry/web:1.8.2",
        "worker": "registry/worker:3.1",
        "api": "registry/api:12",
    }[service]
    container = ContainerView(
        name=service,
        image=image,
        last_status=status,
        health=str(kw.pop("container_health", "HEALTHY")),
        exit_code=kw.pop("exit_code", None),  # type: ignore[arg-type]
        reason=kw.pop("reason", None),  # type: ignore[arg-type]
        runtime_id=f"rt-{n}",
    )
    containers = [container]
    if service == "web":
        containers.append(
            ContainerView(
                "log-router", "fluent-bit:2", status, "UNKNOWN", None if status == "RUNNING" else 0
            )
        )
    base = TaskView(
        arn=f"{ACCOUNT}:task/demo/{task_id}",
        id=task_id,
        cluster="demo",
        task_definition=td_arn(revision.split(":")[0], int(revision.split(":")[1])),
        last_status=status,
        desired_status="STOPPED" if status == "STOPPED" else "RUNNING",
        group=f"service:{service}",
        health="HEALTHY" if status == "RUNNING" else "UNKNOWN",
        created_at=ago(60 + n),
        started_at=ago(58 + n),
        ip=f"10.0.11.{10 + n}",
        subnet_id="subnet-0private0a",
        eni_id=f"eni-0{n:02d}",
        availability_zone="eu-west-1a",
        launch_type="FARGATE",
        cpu="512",
        memory="1024",
        containers=tuple(containers),
        exec_enabled=True,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def _container_def(name: str, image: str, **kw: object) -> ContainerDefinitionView:
    log = LogConfigView(
        "awslogs",
        (
            ("awslogs-group", f"/ecs/{name}"),
            ("awslogs-region", "eu-west-1"),
            ("awslogs-stream-prefix", "ecs"),
        ),
    )
    base = ContainerDefinitionView(name=name, image=image, log=log)
    return replace(base, **kw)  # type: ignore[arg-type]


def _web(
    revision: int, image: str, env: tuple[tuple[str, str], ...], memory: int
) -> TaskDefinitionView:
    return TaskDefinitionView(
        arn=td_arn("web", revision),
        family="web",
        revision=revision,
        cpu="512",
        memory=str(memory),
        network_mode="awsvpc",
        compatibilities=("FARGATE",),
        execution_role="arn:aws:iam::123456789012:role/ecsTaskExecution",
        containers=(
            _container_def(
                "web",
                image,
                memory=memory,
                ports=(PortView(8080),),
                environment=env,
                secrets=(
                    SecretRef(
                        "DB_PASSWORD",
                        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Xy12",
                    ),
                ),
                command=("gunicorn", "app:wsgi"),
                health_check=HealthCheckView(
                    ("CMD-SHELL", "curl -f localhost:8080/health"), 10, 5, 3, 30
                ),
            ),
            _container_def("log-router", "fluent-bit:2", essential=False),
        ),
    )


TASKS = [
    _task(1, "web", "web:7"),
    _task(2, "web", "web:7", health="UNHEALTHY", container_health="UNHEALTHY"),
    _task(
        3,
        "web",
        "web:6",
        "STOPPED",
        stopped_at=ago(12),
        stop_code="EssentialContainerExited",
        stopped_reason="Essential container in task exited",
        exit_code=137,
        reason="OutOfMemoryError: Container killed due to memory usage",
    ),
    _task(4, "worker", "worker:3"),
    _task(5, "api", "api:12"),
    _task(6, "api", "api:12"),
]

TASK_DEFINITIONS = {
    td.arn: td
    for td in (
        _web(6, "registry/web:1.8.1", (("LOG_LEVEL", "info"), ("WORKERS", "2")), 512),
        _web(
            7,
            "registry/web:1.8.2",
            (("FEATURE_X", "on"), ("LOG_LEVEL", "info"), ("WORKERS", "4")),
            1024,
        ),
        TaskDefinitionView(
            td_arn("worker", 3),
            "worker",
            3,
            containers=(_container_def("worker", "registry/worker:3.1"),),
        ),
        TaskDefinitionView(
            td_arn("api", 12), "api", 12, containers=(_container_def("api", "registry/api:12"),)
        ),
    )
}

WEB_TG = f"{ELB}:targetgroup/web-tg/0123456789abcdef"
API_TG = f"{ELB}:targetgroup/api-tg/fedcba9876543210"
LB = f"{ELB}:loadbalancer/app/demo-alb/1111aaaa2222bbbb"
LISTENER = f"{ELB}:listener/app/demo-alb/1111aaaa2222bbbb/80"

SERVICES = [
    ServiceView(
        arn=f"{ACCOUNT}:service/demo/web",
        name="web",
        cluster="demo",
        status="ACTIVE",
        desired=3,
        running=2,
        pending=1,
        task_definition=td_arn("web", 7),
        launch_type="FARGATE",
        deployments=(
            DeploymentView(
                "ecs-svc/1000000000000000007",
                "PRIMARY",
                td_arn("web", 7),
                3,
                2,
                1,
                1,
                "IN_PROGRESS",
                "ECS deployment ecs-svc/1000000000000000007 in progress.",
                ago(20),
                ago(2),
            ),
            DeploymentView(
                "ecs-svc/1000000000000000006",
                "ACTIVE",
                td_arn("web", 6),
                0,
                0,
                0,
                0,
                "COMPLETED",
                "ECS deployment ecs-svc/1000000000000000006 completed.",
                ago(600),
                ago(20),
            ),
        ),
        events=(
            ServiceEventView(
                "e3",
                ago(2),
                "(service web) has started 1 tasks: (task 02a1b2c3d4e5f60718293a4b5c6d7e8f).",
            ),
            ServiceEventView(
                "e2",
                ago(12),
                "(service web) has stopped 1 running tasks: (task 03a1b2c3d4e5f60718293a4b5c6d7e8f).",
            ),
            ServiceEventView(
                "e1", ago(20), "(service web) has begun draining connections on 1 tasks."
            ),
        ),
        load_balancers=(ServiceLoadBalancerView(WEB_TG, "web", 8080),),
        subnets=("subnet-0private0a", "subnet-0private0b"),
        security_groups=("sg-0app",),
        exec_enabled=True,
    ),
    ServiceView(
        f"{ACCOUNT}:service/demo/worker",
        "worker",
        "demo",
        "ACTIVE",
        1,
        1,
        0,
        td_arn("worker", 3),
        "FARGATE",
        (
            DeploymentView(
                "ecs-svc/2",
                "PRIMARY",
                td_arn("worker", 3),
                1,
                1,
                0,
                0,
                "COMPLETED",
                None,
                ago(900),
                ago(880),
            ),
        ),
        (ServiceEventView("w1", ago(800), "(service worker) has reached a steady state."),),
    ),
    ServiceView(
        f"{ACCOUNT}:service/demo/api",
        "api",
        "demo",
        "ACTIVE",
        2,
        2,
        0,
        td_arn("api", 12),
        "FARGATE",
        (
            DeploymentView(
                "ecs-svc/3",
                "PRIMARY",
                td_arn("api", 12),
                2,
                2,
                0,
                0,
                "COMPLETED",
                None,
                ago(300),
                ago(290),
            ),
        ),
        (ServiceEventView("a1", ago(280), "(service api) has reached a steady state."),),
        (ServiceLoadBalancerView(API_TG, "api", 9000),),
    ),
]

SUBNETS = [
    SubnetView(
        "subnet-0public0a",
        "vpc-0main",
        "10.0.1.0/24",
        "eu-west-1a",
        True,
        "public-a",
        250,
        True,
        "rtb-0public",
    ),
    SubnetView(
        "subnet-0public0b",
        "vpc-0main",
        "10.0.2.0/24",
        "eu-west-1b",
        True,
        "public-b",
        251,
        True,
        "rtb-0public",
    ),
    SubnetView(
        "subnet-0private0a",
        "vpc-0main",
        "10.0.11.0/24",
        "eu-west-1a",
        False,
        "private-a",
        240,
        False,
        "rtb-0main",
    ),
    SubnetView(
        "subnet-0private0b",
        "vpc-0main",
        "10.0.12.0/24",
        "eu-west-1b",
        False,
        "private-b",
        245,
        False,
        "rtb-0main",
    ),
]
GROUPS = [
    SecurityGroupView(
        "sg-0alb",
        "alb",
        "vpc-0main",
        "Load balancer",
        (
            SgRuleView("in", "tcp", "443", ("0.0.0.0/0",), "https"),
            SgRuleView("in", "tcp", "80", ("0.0.0.0/0",)),
        ),
        (SgRuleView("out", "all", "all", ("0.0.0.0/0",)),),
    ),
    SecurityGroupView(
        "sg-0app",
        "app",
        "vpc-0main",
        "App tasks",
        (SgRuleView("in", "tcp", "8080", ("sg-0alb",), "from the ALB"),),
        (SgRuleView("out", "all", "all", ("0.0.0.0/0",)),),
    ),
]
RULES = [
    RuleView(
        f"{LISTENER}/r5",
        LISTENER,
        "5",
        ("host matches admin.example.com",),
        ("respond 403 text/plain 'no'",),
    ),
    RuleView(
        f"{LISTENER}/r10",
        LISTENER,
        "10",
        ("path matches /api/*", "method is GET or POST"),
        ("forward to api-tg",),
        (API_TG,),
    ),
    RuleView(
        f"{LISTENER}/r20",
        LISTENER,
        "20",
        ("path matches /old/*",),
        ("redirect 301 to https://#{host}:443/new/#{path}?#{query}",),
    ),
    RuleView(f"{LISTENER}/default", LISTENER, "default", (), ("forward to web-tg",), (WEB_TG,)),
]
TARGETS = {
    WEB_TG: [
        TargetView(WEB_TG, "10.0.11.11", 8080, "healthy", availability_zone="eu-west-1a"),
        TargetView(
            WEB_TG,
            "10.0.11.12",
            8080,
            "unhealthy",
            "Target.FailedHealthChecks",
            "Health checks failed with these codes: [502]",
            "eu-west-1a",
        ),
        TargetView(
            WEB_TG,
            "10.0.11.13",
            8080,
            "draining",
            "Target.DeregistrationInProgress",
            "Target deregistration is in progress",
            "eu-west-1a",
        ),
    ],
    API_TG: [
        TargetView(API_TG, "10.0.11.15", 9000, "healthy"),
        TargetView(API_TG, "10.0.11.16", 9000, "healthy"),
    ],
}


class FakeSource(BaseSource):
    def __init__(
        self, *, writable: bool = False, production: bool = False, name: str = "aws:demo"
    ) -> None:
        self.info = SourceInfo(
            name,
            "aws",
            "eu-west-1",
            profile=name.split(":")[-1],
            production=production,
            writable=writable and not production,
        )
        self.applied: list[Change] = []
        self.fail: dict[str, EcsdevError] = {}
        self.tasks = list(TASKS)
        self.services = list(SERVICES)
        self._log_lock = threading.Lock()
        self.pending_logs: dict[str, list[str]] = {}
        self.calls: list[str] = []

    def _check(self, call: str) -> None:
        self.calls.append(call)
        if call in self.fail:
            raise self.fail[call]

    def capabilities(self) -> frozenset[Capability]:
        return READ_CAPABILITIES | (CHANGE_CAPABILITIES if self.info.writable else frozenset())

    def list_clusters(self) -> list[ClusterView]:
        self._check("list_clusters")
        return [
            ClusterView(f"{ACCOUNT}:cluster/demo", "demo", "ACTIVE", 3, 5, 1),
            ClusterView(f"{ACCOUNT}:cluster/staging", "staging", "ACTIVE", 0, 0, 0),
        ]

    def iter_services(self, cluster: str) -> Iterator[list[ServiceView]]:
        self._check("iter_services")
        if cluster == "demo":
            yield self.services[:2]
            yield self.services[2:]

    def describe_service(self, cluster: str, service: str) -> ServiceView:
        self._check("describe_service")
        for s in self.services:
            if s.name == service:
                return s
        raise NotFound(f"service {service!r} not found in cluster {cluster!r}")

    def iter_tasks(
        self, cluster: str, service: str | None = None, *, stopped: bool = True
    ) -> Iterator[list[TaskView]]:
        self._check("iter_tasks")
        tasks = [
            t
            for t in self.tasks
            if (service is None or t.service == service)
            and (stopped or t.desired_status == "RUNNING")
        ]
        if tasks:
            yield tasks

    def describe_task(self, cluster: str, task: str) -> TaskView:
        self._check("describe_task")
        return next(t for t in self.tasks if t.arn == task or t.id == task)

    def task_definition(self, arn: str) -> TaskDefinitionView:
        self._check("task_definition")
        return TASK_DEFINITIONS[arn]

    def list_task_definition_families(self) -> list[str]:
        return sorted({td.family for td in TASK_DEFINITIONS.values()})

    def list_task_definitions(self, family: str) -> list[str]:
        return sorted(
            (a for a, td in TASK_DEFINITIONS.items() if td.family == family),
            key=lambda a: -int(a.rsplit(":", 1)[1]),
        )

    def log_streams(self, task: TaskView, container: str | None = None) -> list[LogStreamRef]:
        from ecsdev.sources.logstreams import awslogs_streams

        return awslogs_streams(task, TASK_DEFINITIONS[task.task_definition], container)

    def push_log(self, stream_label: str, *messages: str) -> None:
        with self._log_lock:
            self.pending_logs.setdefault(stream_label, []).extend(messages)

    def read_logs(
        self, streams: Sequence[LogStreamRef], cursor: LogCursor | None, limit: int = 1000
    ) -> LogBatch:
        self._check("read_logs")
        lines: list[LogLine] = []
        if cursor is None:
            for i in range(3):
                for n, ref in enumerate(streams):
                    if ref.label.endswith("/log-router"):
                        continue  # its stream does not exist (see ``missing``)
                    lines.append(
                        LogLine(
                            ago(5 - i) + timedelta(seconds=n),
                            f"GET /health 200 {i} from {ref.stream.rsplit('/', 1)[-1][:8]}",
                            ref.label,
                        )
                    )
            lines.append(
                LogLine(
                    ago(1), "ERROR upstream timed out (110: Connection timed out)", streams[0].label
                )
            )
        else:
            with self._log_lock:
                for n, ref in enumerate(streams):
                    for i, msg in enumerate(self.pending_logs.pop(ref.label, [])):
                        lines.append(LogLine(NOW + timedelta(seconds=n + i), msg, ref.label))
        missing = tuple(s for s in streams if s.label.endswith("/log-router"))
        return LogBatch(
            tuple(sorted(lines, key=lambda x: x.timestamp)),
            LogCursor(tuple((s, "t") for s in streams)),
            missing,
        )

    def list_vpcs(self) -> list[VpcView]:
        return [
            VpcView("vpc-0main", "10.0.0.0/16", "main"),
            VpcView("vpc-0default", "172.31.0.0/16", "", True),
        ]

    def list_subnets(self, vpc_id: str | None = None) -> list[SubnetView]:
        return [s for s in SUBNETS if vpc_id in (None, s.vpc_id)]

    def list_security_groups(
        self, vpc_id: str | None = None, ids: Sequence[str] | None = None
    ) -> list[SecurityGroupView]:
        return [g for g in GROUPS if vpc_id in (None, g.vpc_id) and (not ids or g.id in ids)]

    def route_table(self, route_table_id: str) -> RouteTableView:
        public = route_table_id == "rtb-0public"
        routes = [RouteView("10.0.0.0/16", "local")]
        if public:
            routes.append(RouteView("0.0.0.0/0", "igw-0main"))
        else:
            routes.append(RouteView("0.0.0.0/0", "nat-0a", "blackhole"))
        subnets = tuple(s.id for s in SUBNETS if s.route_table_id == route_table_id)
        return RouteTableView(route_table_id, "vpc-0main", False, subnets, tuple(routes))

    def task_network(self, task: TaskView) -> TaskNetworkView:
        return TaskNetworkView(
            task.arn, task.ip, SUBNETS[2], (GROUPS[1],), task.eni_id, None, "awsvpc"
        )

    def list_load_balancers(self) -> list[LoadBalancerView]:
        return [
            LoadBalancerView(
                LB,
                "demo-alb",
                "application",
                "internet-facing",
                "active",
                "demo-alb-123.eu-west-1.elb.amazonaws.com",
                "vpc-0main",
            )
        ]

    def list_listeners(self, load_balancer_arn: str) -> list[ListenerView]:
        return [ListenerView(LISTENER, LB, 80, "HTTP", ("forward to web-tg",), (WEB_TG,))]

    def list_rules(self, listener_arn: str) -> list[RuleView]:
        return list(RULES)

    def list_target_groups(self, load_balancer_arn: str | None = None) -> list[TargetGroupView]:
        return [
            TargetGroupView(
                API_TG, "api-tg", "HTTP", 9000, "ip", "vpc-0main", "HTTP /health", (LB,)
            ),
            TargetGroupView(
                WEB_TG, "web-tg", "HTTP", 8080, "ip", "vpc-0main", "HTTP /health", (LB,)
            ),
        ]

    def target_health(self, target_group_arn: str) -> list[TargetView]:
        return list(TARGETS[target_group_arn])

    def task_for_target(self, target: TargetView) -> TaskView | None:
        return next((t for t in self.tasks if t.ip == target.id), None)

    def preview(self, change: Change) -> ApiCall:
        if isinstance(change, ScaleService):
            return ApiCall(
                "ecs",
                "UpdateService",
                (
                    ("cluster", change.cluster),
                    ("service", change.service),
                    ("desiredCount", change.desired_count),
                ),
                f"aws ecs update-service --cluster {change.cluster} --service {change.service} --desired-count {change.desired_count}",
            )
        if isinstance(change, StopTask):
            return ApiCall(
                "ecs",
                "StopTask",
                (("cluster", change.cluster), ("task", change.task_arn)),
                f"aws ecs stop-task --cluster {change.cluster} --task {change.task_arn}",
            )
        return ApiCall(
            "ecs",
            "UpdateService",
            (
                ("cluster", change.cluster),
                ("service", change.service),
                ("forceNewDeployment", True),
            ),
            "aws ecs update-service --force-new-deployment",
        )

    def apply(self, change: Change) -> str:
        if not self.info.writable:
            raise Unsupported("read-only")
        self.applied.append(change)
        return f"applied {type(change).__name__}"

    def exec_command(self, task: TaskView, container: str, command: str) -> ExecPlan:
        raise EcsdevError(
            "ECS Exec needs the Session Manager plugin, and session-manager-plugin is not on PATH",
            hint="install it",
        )


def failing(
    call: str,
    message: str = "ecs:ListServices failed: User is not authorized (AccessDeniedException)",
) -> FakeSource:
    source = FakeSource()
    source.fail[call] = AwsAccessError(
        message, hint="aws:demo is not allowed to call ecs:ListServices"
    )
    return source
