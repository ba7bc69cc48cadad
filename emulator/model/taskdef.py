"""ECS task definitions as typed, frozen objects, parsed from AWS's own JSON.

Input is exactly RegisterTaskDefinition input or describe-task-definition output (camelCase);
the parse functions are the only place that reads camelCase, and they fill ECS's defaults
(essential true, health check 30/5/3, stopTimeout 30) so later code never checks for missing
keys. ``raw`` keeps the original JSON so nothing the user wrote is ever lost: it is what gets
registered, hashed and shown.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Read-only fields of describe-task-definition output; ignored on input.
READ_ONLY_FIELDS = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequested",
        "deleteRequestedAt",  # describe-task-definition of a task definition being deleted
    }
)

DEFAULT_STOP_TIMEOUT = 30
DEFAULT_START_TIMEOUT = 180  # the agent's ECS_CONTAINER_START_TIMEOUT on Linux
HEALTH_INTERVAL, HEALTH_TIMEOUT, HEALTH_RETRIES = 30, 5, 3


@dataclass(frozen=True, slots=True)
class PortMapping:
    container_port: int
    host_port: int | None = None  # None or 0 = dynamic (bridge)
    protocol: str = "tcp"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class HealthCheck:
    command: tuple[str, ...]
    interval: int = HEALTH_INTERVAL
    timeout: int = HEALTH_TIMEOUT
    retries: int = HEALTH_RETRIES
    start_period: int = 0


@dataclass(frozen=True, slots=True)
class Dependency:
    container_name: str
    condition: str  # START | COMPLETE | SUCCESS | HEALTHY


@dataclass(frozen=True, slots=True)
class MountPoint:
    source_volume: str
    container_path: str
    read_only: bool = False


@dataclass(frozen=True, slots=True)
class Volume:
    name: str
    host_path: str | None = None  # host.sourcePath
    docker_volume: dict[str, Any] | None = None  # dockerVolumeConfiguration
    efs: dict[str, Any] | None = None  # efsVolumeConfiguration: becomes a named local volume


@dataclass(frozen=True, slots=True)
class ContainerDefinition:
    name: str
    image: str
    essential: bool = True
    command: tuple[str, ...] | None = None
    entry_point: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    environment_files: tuple[str, ...] = ()  # "value" of each entry, in order
    secrets: tuple[tuple[str, str], ...] = ()  # (name, valueFrom); values never stored
    port_mappings: tuple[PortMapping, ...] = ()
    depends_on: tuple[Dependency, ...] = ()
    health_check: HealthCheck | None = None
    cpu: int = 0
    memory: int | None = None
    memory_reservation: int | None = None
    start_timeout: int | None = None
    stop_timeout: int | None = None
    user: str | None = None
    working_directory: str | None = None
    readonly_root_filesystem: bool = False
    hostname: str | None = None
    docker_labels: tuple[tuple[str, str], ...] = ()
    log_configuration: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def awslogs_options(self) -> dict[str, str] | None:
        lc = self.log_configuration
        if lc and lc.get("logDriver") == "awslogs":
            return dict(lc.get("options") or {})
        return None


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    family: str
    container_definitions: tuple[ContainerDefinition, ...]
    network_mode: str = "bridge"
    cpu: str | None = None
    memory: str | None = None
    volumes: tuple[Volume, ...] = ()
    task_role_arn: str | None = None
    execution_role_arn: str | None = None
    requires_compatibilities: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def container(self, name: str) -> ContainerDefinition:
        for c in self.container_definitions:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def content_hash(self) -> str:
        """Stable digest of what the user wrote: same content, same revision."""
        return content_hash(self.raw)


def content_hash(raw: dict[str, Any]) -> str:
    body = {k: v for k, v in raw.items() if k not in READ_ONLY_FIELDS}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def strip_describe_output(doc: dict[str, Any]) -> dict[str, Any]:
    """Accept RegisterTaskDefinition input, the ``taskDefinition`` object of
    describe-task-definition, or its whole response; return register input."""
    if "taskDefinition" in doc and isinstance(doc["taskDefinition"], dict):
        doc = doc["taskDefinition"]
    return {k: v for k, v in doc.items() if k not in READ_ONLY_FIELDS}


def _strs(v: Any) -> tuple[str, ...] | None:
    return None if v is None else tuple(str(x) for x in v)


def _opt_int(v: Any) -> int | None:
    return None if v is None else int(v)


def parse_container(d: dict[str, Any]) -> ContainerDefinition:
    hc = d.get("healthCheck")
    health = (
        HealthCheck(
            command=tuple(hc["command"]),
            interval=int(hc.get("interval", HEALTH_INTERVAL)),
            timeout=int(hc.get("timeout", HEALTH_TIMEOUT)),
            retries=int(hc.get("retries", HEALTH_RETRIES)),
            start_period=int(hc.get("startPeriod", 0)),
        )
        if hc
        else None
    )
    return ContainerDefinition(
        name=d["name"],
        image=d["image"],
        essential=bool(d.get("essential", True)),
        command=_strs(d.get("command")),
        entry_point=_strs(d.get("entryPoint")),
        environment=tuple((e["name"], str(e.get("value", ""))) for e in d.get("environment", [])),
        environment_files=tuple(e["value"] for e in d.get("environmentFiles", [])),
        secrets=tuple((s["name"], s["valueFrom"]) for s in d.get("secrets", [])),
        port_mappings=tuple(
            PortMapping(
                container_port=int(p["containerPort"]),
                host_port=_opt_int(p.get("hostPort")),
                protocol=p.get("protocol", "tcp"),
                name=p.get("name"),
            )
            for p in d.get("portMappings", [])
            if "containerPort" in p
        ),
        depends_on=tuple(
            Dependency(x["containerName"], x["condition"]) for x in d.get("dependsOn", [])
        ),
        health_check=health,
        cpu=int(d.get("cpu", 0) or 0),
        memory=_opt_int(d.get("memory")),
        memory_reservation=_opt_int(d.get("memoryReservation")),
        start_timeout=_opt_int(d.get("startTimeout")),
        stop_timeout=_opt_int(d.get("stopTimeout")),
        user=d.get("user"),
        working_directory=d.get("workingDirectory"),
        readonly_root_filesystem=bool(d.get("readonlyRootFilesystem", False)),
        hostname=d.get("hostname"),
        docker_labels=tuple(sorted((d.get("dockerLabels") or {}).items())),
        log_configuration=d.get("logConfiguration"),
        raw=d,
    )


def parse_task_definition(doc: dict[str, Any]) -> TaskDefinition:
    """Parse a shape-valid task definition (validate first: emulator.model.validate)."""
    raw = strip_describe_output(doc)
    compat = tuple(raw.get("requiresCompatibilities", []))
    default_mode = "awsvpc" if "FARGATE" in compat else "bridge"
    volumes = tuple(
        Volume(
            name=v["name"],
            host_path=(v.get("host") or {}).get("sourcePath"),
            docker_volume=v.get("dockerVolumeConfiguration"),
            efs=v.get("efsVolumeConfiguration"),
        )
        for v in raw.get("volumes", [])
    )
    return TaskDefinition(
        family=raw["family"],
        container_definitions=tuple(parse_container(c) for c in raw["containerDefinitions"]),
        network_mode=raw.get("networkMode", default_mode),
        cpu=None if raw.get("cpu") is None else str(raw["cpu"]),
        memory=None if raw.get("memory") is None else str(raw["memory"]),
        volumes=volumes,
        task_role_arn=raw.get("taskRoleArn"),
        execution_role_arn=raw.get("executionRoleArn"),
        requires_compatibilities=compat,
        raw=raw,
    )
