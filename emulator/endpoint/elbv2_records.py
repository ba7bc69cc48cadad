"""ELBv2 resources as the endpoint keeps them: load balancers, target groups, listeners,
rules, explicit target registrations and tags, as typed frozen records in ``Resources``.

Why this exists: the ELBv2 and ECS handlers and the projection onto the running ALB stand-in
(``albprojection``) read the same records, kept in their region by ARN with every value AWS
fills in (health-check defaults, attribute defaults), so a describe reads back what a create
was answered with and Terraform sees no drift. AWS's wire names are made by the serializers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from emulator.endpoint.elbv2_auth import CognitoConfig, OidcConfig

T = TypeVar("T")


class Readable(Protocol):
    """What lookups read from: ``Resources``, a ``Tx``, or ``elbv2_world.WorldView``."""

    def get(self, cls: type[T], region: str, rid: str) -> T | None: ...

    def list(self, cls: type[T], region: str | None = None) -> list[T]: ...


# -- attributes, as DescribeLoadBalancerAttributes / DescribeTargetGroupAttributes list them --

LOAD_BALANCER_ATTRIBUTE_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("access_logs.s3.enabled", "false"),
    ("access_logs.s3.bucket", ""),
    ("access_logs.s3.prefix", ""),
    ("connection_logs.s3.enabled", "false"),
    ("connection_logs.s3.bucket", ""),
    ("connection_logs.s3.prefix", ""),
    ("health_check_logs.s3.enabled", "false"),
    ("health_check_logs.s3.bucket", ""),
    ("health_check_logs.s3.prefix", ""),
    ("client_keep_alive.seconds", "3600"),
    ("deletion_protection.enabled", "false"),
    ("idle_timeout.timeout_seconds", "60"),
    ("ipv6.deny_all_igw_traffic", "false"),
    ("load_balancing.cross_zone.enabled", "true"),
    ("routing.http.desync_mitigation_mode", "defensive"),
    ("routing.http.drop_invalid_header_fields.enabled", "false"),
    ("routing.http.preserve_host_header.enabled", "false"),
    ("routing.http.x_amzn_tls_version_and_cipher_suite.enabled", "false"),
    ("routing.http.xff_client_port.enabled", "false"),
    ("routing.http.xff_header_processing.mode", "append"),
    ("routing.http2.enabled", "true"),
    ("waf.fail_open.enabled", "false"),
    ("zonal_shift.config.enabled", "false"),
)

TARGET_GROUP_ATTRIBUTE_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("deregistration_delay.timeout_seconds", "300"),
    ("stickiness.enabled", "false"),
    ("stickiness.type", "lb_cookie"),
    ("stickiness.lb_cookie.duration_seconds", "86400"),
    ("stickiness.app_cookie.cookie_name", ""),
    ("stickiness.app_cookie.duration_seconds", "86400"),
    ("slow_start.duration_seconds", "0"),
    ("load_balancing.algorithm.type", "round_robin"),
    ("load_balancing.algorithm.anomaly_mitigation", "off"),
    ("load_balancing.cross_zone.enabled", "use_load_balancer_configuration"),
    ("target_group_health.dns_failover.minimum_healthy_targets.count", "1"),
    ("target_group_health.dns_failover.minimum_healthy_targets.percentage", "off"),
    ("target_group_health.unhealthy_state_routing.minimum_healthy_targets.count", "1"),
    ("target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage", "off"),
)

LAMBDA_TARGET_GROUP_ATTRIBUTE_DEFAULTS = (("lambda.multi_value_headers.enabled", "false"),)


@dataclass(frozen=True, slots=True)
class Matcher:
    http_code: str | None = None
    grpc_code: str | None = None


@dataclass(frozen=True, slots=True)
class HealthCheck:
    """A target group's health check, every value filled as AWS returns it."""

    enabled: bool = True
    protocol: str | None = "HTTP"
    port: str | None = "traffic-port"
    path: str | None = "/"
    interval_seconds: int = 30
    timeout_seconds: int = 5
    healthy_threshold: int = 5
    unhealthy_threshold: int = 2
    matcher: Matcher | None = Matcher(http_code="200")


def health_check_defaults(
    protocol: str | None, protocol_version: str | None, target_type: str
) -> HealthCheck:
    """What AWS fills in for a new target group that gives no health-check settings."""
    if target_type == "lambda":
        return HealthCheck(
            enabled=False,
            protocol=None,
            port=None,
            path="/",
            interval_seconds=35,
            timeout_seconds=30,
            healthy_threshold=5,
            unhealthy_threshold=2,
            matcher=Matcher(http_code="200"),
        )
    if protocol in ("TCP", "UDP", "TCP_UDP", "TLS", "GENEVE"):
        return HealthCheck(
            protocol="TCP",
            path=None,
            interval_seconds=30,
            timeout_seconds=10,
            healthy_threshold=5,
            unhealthy_threshold=2,
            matcher=None,
        )
    if protocol_version == "GRPC":
        return HealthCheck(path="/AWS.ALB/healthcheck", matcher=Matcher(grpc_code="12"))
    return HealthCheck()  # HTTP, also for HTTPS target groups (AWS's default)


@dataclass(frozen=True, slots=True)
class TargetGroup:
    arn: str
    name: str
    target_type: str = "instance"
    protocol: str | None = "HTTP"
    port: int | None = None
    vpc_id: str | None = None
    protocol_version: str | None = "HTTP1"
    ip_address_type: str | None = "ipv4"
    health_check: HealthCheck = HealthCheck()
    attributes: tuple[tuple[str, str], ...] = TARGET_GROUP_ATTRIBUTE_DEFAULTS
    created_at: float = 0.0

    def attribute(self, key: str, default: str = "") -> str:
        return dict(self.attributes).get(key, default)


@dataclass(frozen=True, slots=True)
class ZoneMapping:
    subnet_id: str
    zone_name: str


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    arn: str
    name: str
    dns_name: str
    type: str = "application"
    scheme: str = "internet-facing"
    ip_address_type: str = "ipv4"
    vpc_id: str | None = None
    zones: tuple[ZoneMapping, ...] = ()
    security_groups: tuple[str, ...] = ()
    canonical_hosted_zone_id: str = "Z35SXDOTRQ7X7K"
    state: str = "provisioning"  # -> active once its nginx runs (albprojection)
    state_reason: str | None = None
    attributes: tuple[tuple[str, str], ...] = LOAD_BALANCER_ATTRIBUTE_DEFAULTS
    created_at: float = 0.0

    def attribute(self, key: str, default: str = "") -> str:
        return dict(self.attributes).get(key, default)


# -- actions, conditions, transforms ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeightedTargetGroup:
    target_group_arn: str
    weight: int | None = None


@dataclass(frozen=True, slots=True)
class ForwardConfig:
    target_groups: tuple[WeightedTargetGroup, ...]
    stickiness_enabled: bool = False
    stickiness_duration: int | None = None


@dataclass(frozen=True, slots=True)
class RedirectConfig:
    status_code: str
    protocol: str = "#{protocol}"
    port: str = "#{port}"
    host: str = "#{host}"
    path: str = "/#{path}"
    query: str = "#{query}"


@dataclass(frozen=True, slots=True)
class FixedResponseConfig:
    status_code: str
    content_type: str | None = None
    message_body: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """forward, redirect or fixed-response, after an authentication (``elbv2_auth``)."""

    type: str
    order: int | None = None
    target_group_arn: str | None = None
    forward: ForwardConfig | None = None
    redirect: RedirectConfig | None = None
    fixed_response: FixedResponseConfig | None = None
    oidc: OidcConfig | None = None
    cognito: CognitoConfig | None = None

    def target_group_arns(self) -> tuple[str, ...]:
        if self.forward is not None:
            return tuple(t.target_group_arn for t in self.forward.target_groups)
        return (self.target_group_arn,) if self.target_group_arn else ()


@dataclass(frozen=True, slots=True)
class QueryValue:
    value: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """One rule condition. ``values`` for host-header, path-pattern, http-header,
    http-request-method and source-ip; ``query`` for query-string; ``regex_values`` instead
    of values where allowed. ``legacy`` when the caller used the top-level ``Values``
    (AWS then answers with both ``Values`` and the field's config)."""

    field: str
    values: tuple[str, ...] = ()
    http_header_name: str | None = None
    query: tuple[QueryValue, ...] = ()
    regex_values: tuple[str, ...] = ()
    legacy: bool = False


@dataclass(frozen=True, slots=True)
class Rewrite:
    regex: str
    replace: str


@dataclass(frozen=True, slots=True)
class Transform:
    type: str  # host-header-rewrite | url-rewrite
    rewrites: tuple[Rewrite, ...]


@dataclass(frozen=True, slots=True)
class Listener:
    arn: str
    load_balancer_arn: str
    port: int
    protocol: str = "HTTP"
    default_actions: tuple[Action, ...] = ()
    default_rule_arn: str = ""
    ssl_policy: str | None = None
    certificates: tuple[str, ...] = ()
    alpn_policy: tuple[str, ...] = ()
    publish: str = ""
    """Where the stand-in publishes it on this machine (``127.0.0.1:8080``): the listener's
    own port when it could be bound at creation, else a free one."""
    attributes: tuple[tuple[str, str], ...] = (("routing.http.response.server.enabled", "true"),)
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Rule:
    """A listener's non-default rule (the default rule is the listener's default actions)."""

    arn: str
    listener_arn: str
    priority: int
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = ()
    transforms: tuple[Transform, ...] = ()
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class TargetRegistration:
    """A target registered through RegisterTargets (service tasks are registered by the
    stand-in itself and reported from the stack's target snapshot)."""

    target_group_arn: str
    id: str
    port: int | None = None
    availability_zone: str | None = None
    registered_at: float = 0.0
    deregistered_at: float | None = None  # draining until + deregistration delay

    @property
    def key(self) -> str:
        return registration_key(self.target_group_arn, self.id, self.port)


def registration_key(tg_arn: str, target_id: str, port: int | None) -> str:
    return f"{tg_arn}|{target_id}|{port if port is not None else ''}"


@dataclass(frozen=True, slots=True)
class ElbTags:  # of a load balancer, target group, listener or rule
    arn: str
    tags: tuple[tuple[str, str], ...] = field(default=())


# -- lookups (for the ECS handlers and the projection) ----------------------------------------


def target_group_by_arn(resources: Readable, region: str, arn: str) -> TargetGroup | None:
    return resources.get(TargetGroup, region, arn)


def listeners_of(resources: Readable, region: str, lb_arn: str) -> list[Listener]:
    found = [x for x in resources.list(Listener, region) if x.load_balancer_arn == lb_arn]
    return sorted(found, key=lambda x: x.port)


def rules_of(resources: Readable, region: str, listener_arn: str) -> list[Rule]:
    found = [r for r in resources.list(Rule, region) if r.listener_arn == listener_arn]
    return sorted(found, key=lambda r: r.priority)


def target_groups_of_listener(resources: Readable, region: str, listener: Listener) -> list[str]:
    """The target-group ARNs a listener forwards to (default actions and rules), in order."""
    arns: list[str] = []
    actions = list(listener.default_actions)
    for r in rules_of(resources, region, listener.arn):
        actions.extend(r.actions)
    for a in actions:
        arns.extend(x for x in a.target_group_arns() if x not in arns)
    return arns


def load_balancers_of_target_group(
    resources: Readable, region: str, tg_arn: str
) -> list[LoadBalancer]:
    """The load balancers whose listeners or rules forward to the target group (AWS's
    ``LoadBalancerArns`` of a target group; one at most on an ALB)."""
    return target_group_users(resources, region).get(tg_arn, [])


def target_group_users(resources: Readable, region: str) -> dict[str, list[LoadBalancer]]:
    """Target-group ARN -> the load balancers that forward to it (one read of each table)."""
    listeners = {x.arn: x for x in resources.list(Listener, region)}
    uses: dict[str, set[str]] = {}
    actions = [(x.load_balancer_arn, x.default_actions) for x in listeners.values()]
    for r in resources.list(Rule, region):
        if r.listener_arn in listeners:
            actions.append((listeners[r.listener_arn].load_balancer_arn, r.actions))
    for lb_arn, acts in actions:
        for a in acts:
            for tg in a.target_group_arns():
                uses.setdefault(tg, set()).add(lb_arn)
    lbs = resources.list(LoadBalancer, region)
    return {tg: [lb for lb in lbs if lb.arn in arns] for tg, arns in uses.items()}


__all__ = [
    "LAMBDA_TARGET_GROUP_ATTRIBUTE_DEFAULTS",
    "LOAD_BALANCER_ATTRIBUTE_DEFAULTS",
    "TARGET_GROUP_ATTRIBUTE_DEFAULTS",
    "Action",
    "Condition",
    "ElbTags",
    "FixedResponseConfig",
    "ForwardConfig",
    "HealthCheck",
    "Listener",
    "LoadBalancer",
    "Matcher",
    "QueryValue",
    "Readable",
    "RedirectConfig",
    "Rewrite",
    "Rule",
    "TargetGroup",
    "TargetRegistration",
    "Transform",
    "WeightedTargetGroup",
    "ZoneMapping",
    "health_check_defaults",
    "listeners_of",
    "load_balancers_of_target_group",
    "registration_key",
    "rules_of",
    "target_group_by_arn",
    "target_group_users",
    "target_groups_of_listener",
]
