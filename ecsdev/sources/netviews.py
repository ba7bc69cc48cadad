"""Frozen views of the network around ECS: VPCs, subnets, security groups and the load
balancer chain (load balancer -> listener -> rule -> target group -> target).

Kept apart from ``views`` because these come from EC2 and ELBv2 rather than ECS and a
source may not offer them at all (see ``Capability.NETWORK`` / ``LOAD_BALANCERS``). Rule
conditions and actions are already rendered to words by the source, in AWS's priority
order, so every source describes routing the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VpcView:
    id: str
    cidr: str
    name: str = ""
    is_default: bool = False
    state: str = "available"


@dataclass(frozen=True, slots=True)
class SubnetView:
    id: str
    vpc_id: str
    cidr: str
    availability_zone: str
    public: bool
    """Its route table sends 0.0.0.0/0 to an internet gateway."""
    name: str = ""
    available_ips: int | None = None
    map_public_ip: bool = False
    route_table_id: str | None = None


@dataclass(frozen=True, slots=True)
class RouteView:
    destination: str
    """A CIDR or a prefix list."""
    target: str
    """``local``, ``igw-…``, ``nat-…``, ``tgw-…``, ``eni-…``, ``pcx-…``, ``vpce-…``, ``i-…``."""
    state: str = "active"


@dataclass(frozen=True, slots=True)
class RouteTableView:
    id: str
    vpc_id: str
    main: bool = False
    subnets: tuple[str, ...] = ()
    routes: tuple[RouteView, ...] = ()


@dataclass(frozen=True, slots=True)
class SgRuleView:
    direction: str
    """``in`` or ``out``."""
    protocol: str
    """``tcp``, ``udp``, ``icmp`` or ``all``."""
    ports: str
    """``80``, ``8000-8100`` or ``all``."""
    peers: tuple[str, ...]
    """CIDRs, prefix lists and ``sg-…`` references, with their descriptions."""
    description: str = ""

    def __str__(self) -> str:
        word = "from" if self.direction == "in" else "to"
        port = "" if self.ports == "all" else f" port {self.ports}"
        return f"{self.protocol}{port} {word} {', '.join(self.peers) or 'nowhere'}"


@dataclass(frozen=True, slots=True)
class SecurityGroupView:
    id: str
    name: str
    vpc_id: str
    description: str = ""
    inbound: tuple[SgRuleView, ...] = ()
    outbound: tuple[SgRuleView, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskNetworkView:
    """Where a task sits: its address, subnet and the security groups on its interface."""

    task_arn: str
    ip: str | None
    subnet: SubnetView | None
    security_groups: tuple[SecurityGroupView, ...] = ()
    eni_id: str | None = None
    public_ip: str | None = None
    network_mode: str | None = None


@dataclass(frozen=True, slots=True)
class LoadBalancerView:
    arn: str
    name: str
    type: str
    scheme: str
    state: str
    dns_name: str = ""
    vpc_id: str | None = None
    availability_zones: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ListenerView:
    arn: str
    load_balancer_arn: str
    port: int | None
    protocol: str
    default_actions: tuple[str, ...] = ()
    target_group_arns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleView:
    arn: str
    listener_arn: str
    priority: str
    """A number as text, or ``default`` for the listener's default rule (evaluated last)."""
    conditions: tuple[str, ...]
    actions: tuple[str, ...]
    target_group_arns: tuple[str, ...] = ()

    @property
    def is_default(self) -> bool:
        return self.priority == "default"

    @property
    def order(self) -> int:
        """Evaluation order: lowest priority number first, the default rule last."""
        return 1_000_000 if self.is_default else int(self.priority)


@dataclass(frozen=True, slots=True)
class TargetGroupView:
    arn: str
    name: str
    protocol: str | None
    port: int | None
    target_type: str
    vpc_id: str | None = None
    health_check: str = ""
    load_balancer_arns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TargetView:
    target_group_arn: str
    id: str
    """An IP (``ip`` target type, awsvpc tasks) or an instance ID."""
    port: int | None
    state: str
    """initial, healthy, unhealthy, unused, draining, unavailable."""
    reason: str | None = None
    description: str | None = None
    availability_zone: str | None = None

    @property
    def unhealthy(self) -> bool:
        return self.state not in ("healthy", "initial")
