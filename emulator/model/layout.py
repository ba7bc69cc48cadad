"""The layout (version 1 of shared/layout-spec.md) as typed, frozen objects.

A layout is a local "AWS account slice": VPC and subnets, a cluster, task definitions,
services, target groups, load balancers, an optional CDN stand-in and header translation.
These classes are what the rest of the engine reads; ``emulator.model.loader`` builds them
from YAML after validation, so every field here is already checked and defaulted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.agent.config import CredentialsSpec
from emulator.arns import Account
from emulator.discovery.config import CloudMap
from emulator.model.taskdef import TaskDefinition
from emulator.secrets.config import SourceSpec


@dataclass(frozen=True, slots=True)
class Subnet:
    name: str
    cidr: str | None = None
    public: bool = True


@dataclass(frozen=True, slots=True)
class Vpc:
    cidr: str | None = None
    subnets: tuple[Subnet, ...] = (Subnet(name="public"),)

    def subnet(self, name: str) -> Subnet:
        for s in self.subnets:
            if s.name == name:
                return s
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class ImageBuild:
    tag: str
    context: str  # absolute path
    dockerfile: str | None = None
    args: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceLoadBalancer:
    target_group: str
    container_name: str
    container_port: int


@dataclass(frozen=True, slots=True)
class CircuitBreaker:
    enable: bool = False
    rollback: bool = False


@dataclass(frozen=True, slots=True)
class DeploymentConfiguration:
    minimum_healthy_percent: int = 100
    maximum_percent: int = 200
    circuit_breaker: CircuitBreaker = CircuitBreaker()


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    task_definition: str  # "family" or "family:revision"
    desired_count: int = 1
    subnets: tuple[str, ...] = ()
    load_balancers: tuple[ServiceLoadBalancer, ...] = ()
    health_check_grace_period_seconds: int = 0
    deployment_configuration: DeploymentConfiguration = DeploymentConfiguration()
    scheduling_strategy: str = "REPLICA"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class TargetGroup:
    name: str
    protocol: str = "HTTP"
    port: int = 80
    target_type: str = "ip"
    health_check_enabled: bool = True
    health_check_path: str = "/"
    health_check_port: str = "traffic-port"
    health_check_protocol: str = "HTTP"
    health_check_interval_seconds: int = 30
    health_check_timeout_seconds: int = 5
    healthy_threshold_count: int = 5
    unhealthy_threshold_count: int = 2
    matcher: str = "200"
    deregistration_delay: int = 300
    stickiness: dict[str, Any] | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    arn: str | None = None  # set when the API made it; layouts derive theirs (alb.spec)


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule condition. ``values`` are strings, except for query-string where each
    value is a (key or None, value) pair; ``http_header_name`` only for http-header."""

    field: str
    values: tuple[Any, ...]
    http_header_name: str | None = None
    regex: bool = False  # values are RegexValues


@dataclass(frozen=True, slots=True)
class WeightedTargetGroup:
    target_group: str
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Action:
    """forward (target_groups, stickiness), redirect (redirect dict in camelCase as the
    layout gives it: protocol, host, port, path, query, statusCode), fixed-response."""

    type: str
    target_groups: tuple[WeightedTargetGroup, ...] = ()
    stickiness_seconds: int | None = None  # targetGroupStickinessConfig when enabled
    redirect: dict[str, str] | None = None
    status_code: str | None = None
    content_type: str | None = None
    message_body: str | None = None


@dataclass(frozen=True, slots=True)
class Transform:
    type: str  # url-rewrite | host-header-rewrite
    regex: str
    replace: str


@dataclass(frozen=True, slots=True)
class Rule:
    priority: int
    conditions: tuple[Condition, ...]
    actions: tuple[Action, ...]
    transforms: tuple[Transform, ...] = ()


@dataclass(frozen=True, slots=True)
class Listener:
    port: int
    protocol: str = "HTTP"
    publish: str | None = None  # "127.0.0.1:8000" or "8000"; default 127.0.0.1:<port>
    default_actions: tuple[Action, ...] = ()
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    name: str
    scheme: str = "internet-facing"
    subnets: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    listeners: tuple[Listener, ...] = ()
    arn: str | None = None  # set when the API made it; layouts derive theirs (alb.spec)

    def attribute(self, key: str, default: str) -> str:
        return dict(self.attributes).get(key, default)


@dataclass(frozen=True, slots=True)
class Cdn:
    domain_name: str
    origin: str
    origin_protocol: str = "http"
    publish: str | None = None
    viewer_protocol: str = "https"


@dataclass(frozen=True, slots=True)
class Headers:
    translate: bool = False


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    source: str  # the file it came from (absolute path), for messages
    region: str = "us-east-1"
    account_id: str = "000000000000"
    cluster: str = "default"
    vpc: Vpc = Vpc()
    task_definitions: tuple[TaskDefinition, ...] = ()
    images: tuple[ImageBuild, ...] = ()
    services: tuple[Service, ...] = ()
    target_groups: tuple[TargetGroup, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    cdn: tuple[Cdn, ...] = ()
    headers: Headers = Headers()
    secret_sources: tuple[SourceSpec, ...] = ()  # secrets.sources; () = the defaults
    credentials: CredentialsSpec | None = None  # credentials; None = source local
    cloud_map: CloudMap = CloudMap()  # the names behind Cloud Map ARNs (cloudMap)

    @property
    def account(self) -> Account:
        return Account(self.region, self.account_id)

    def task_definition(self, family: str) -> TaskDefinition:
        """The latest (last written) task definition of a family in this layout."""
        found = [t for t in self.task_definitions if t.family == family]
        if not found:
            raise KeyError(family)
        return found[-1]

    def target_group(self, name: str) -> TargetGroup:
        for tg in self.target_groups:
            if tg.name == name:
                return tg
        raise KeyError(name)
