"""What the user asked of a service (its *spec*), and the one way to change it.

Why this exists: the CLI (``ecsdev up``, ``scale``, ``redeploy``) and the API (CreateService,
UpdateService, DeleteService) write a service's spec; the controller reads it. Every write is
one transaction on the store (compare-and-swap of the generation, or read-modify-write), so two
writers at the same moment both take effect, and each generation names the deployment it
starts, so the API's answer, a describe before the controller's next tick and the controller
agree on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from emulator.arns import new_deployment_id
from emulator.codec import decode, encode
from emulator.discovery.config import Discovery
from emulator.errors import EcsdevError, NotFound
from emulator.model.layout import DeploymentConfiguration
from emulator.store import Store

DEPLOYMENT = "ecsdev.deployment"
"""The label naming the deployment a service task belongs to."""
SECURITY_GROUPS = "ecsdev.security-groups"
"""An awsvpc task's security groups (its ENI's, for DescribeNetworkInterfaces)."""
SPEC_PREFIX = "service-spec/"


@dataclass(frozen=True, slots=True)
class SubnetPlacement:
    """Where an awsvpc task of the service may go: a subnet and its Docker network."""

    network: str
    subnet: str


@dataclass(frozen=True, slots=True)
class SpecLoadBalancer:
    """A service's target group: its name in the stack's load balancer settings (and its
    ARN when the API made it), and the container and port that receive the traffic."""

    target_group: str
    container_name: str
    container_port: int
    target_group_arn: str = ""


@dataclass(frozen=True, slots=True)
class AwsvpcSettings:
    """The service's ``awsvpcConfiguration`` as the API gave it (echoed back as given)."""

    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str = "DISABLED"


@dataclass(frozen=True, slots=True)
class CapacityProviderItem:
    """One entry of a service's capacity provider strategy."""

    provider: str
    weight: int = 0
    base: int = 0


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """Service settings the API takes and reads back that change nothing locally (a
    capacity provider strategy too: this machine runs every task)."""

    availability_zone_rebalancing: str = "DISABLED"
    propagate_tags: str = "NONE"
    enable_ecs_managed_tags: bool = False
    enable_execute_command: bool = False
    platform_version: str = ""
    capacity_provider_strategy: tuple[CapacityProviderItem, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """What the user asked for (written by the CLI and the API, read by the controller)."""

    name: str
    task_definition: str  # ARN
    desired_count: int
    deployment_configuration: DeploymentConfiguration = DeploymentConfiguration()
    health_check_grace_period_seconds: int = 0
    placements: tuple[SubnetPlacement, ...] = ()
    base_dir: str = "."
    load_balancers: tuple[SpecLoadBalancer, ...] = ()
    generation: int = 0
    force_token: int = 0
    active: bool = True
    launch_type: str = ""
    awsvpc: AwsvpcSettings | None = None
    tags: tuple[tuple[str, str], ...] = ()
    created_at: float = 0.0
    created_by: str = ""
    options: ServiceOptions = field(default_factory=lambda: ServiceOptions())
    deployment_id: str = ""
    """The ID of the deployment this generation starts, if it starts one (chosen on write)."""
    changed_at: float = 0.0
    """When this generation was written."""
    discovery: Discovery = field(default_factory=lambda: Discovery())
    """serviceConnectConfiguration and serviceRegistries, their names resolved."""


class SpecConflict(EcsdevError):
    """A spec changed between the read and the write the caller based it on."""


def save_spec(store: Store, spec: ServiceSpec, expected: int | None = None) -> ServiceSpec:
    """Write ``spec`` as the next generation, in one transaction. With ``expected``, only if
    the stored generation is still that one (compare-and-swap; else ``SpecConflict``)."""

    def change(old: Any) -> Any:
        before = decode(ServiceSpec, old) if old else None
        current = before.generation if before else 0
        if expected is not None and current != expected:
            raise SpecConflict(
                f"service {spec.name} changed meanwhile (generation {current}, not {expected})",
                "Read it again and retry.",
            )
        return encode(_next(spec, current))

    return decode(ServiceSpec, store.update(SPEC_PREFIX + spec.name, change))


def _next(spec: ServiceSpec, generation: int) -> ServiceSpec:
    return replace(
        spec,
        generation=generation + 1,
        deployment_id=new_deployment_id(),
        changed_at=time.time(),
    )


def update_spec(
    store: Store, name: str, change: Callable[[ServiceSpec], ServiceSpec]
) -> ServiceSpec:
    """Read-modify-write of one service's spec in one transaction (``scale`` and
    ``redeploy`` at the same moment both take effect). ``change`` may raise to write nothing;
    a missing spec is ``NotFound``."""

    def apply(old: Any) -> Any:
        if not old:
            raise NotFound(f"no service {name!r} in stack {store.stack}")
        before = decode(ServiceSpec, old)
        return encode(_next(change(before), before.generation))

    return decode(ServiceSpec, store.update(SPEC_PREFIX + name, apply))


def load_spec(store: Store, name: str) -> ServiceSpec | None:
    d = store.get(SPEC_PREFIX + name)
    return decode(ServiceSpec, d) if d else None


def service_names(store: Store) -> list[str]:
    names = set(store.service_record_names())
    names |= {k[len(SPEC_PREFIX) :] for k in store.keys(SPEC_PREFIX)}
    return sorted(names)
