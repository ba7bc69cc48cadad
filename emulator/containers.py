"""Container definition -> Docker container spec: the faithful field-by-field translation.

Everything an ECS container definition says that Docker can do is carried over here, in one
place; what cannot be honoured locally is named in a warning by validation
(``emulator.model.support``), never silently dropped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator import labels as L
from emulator.metadata import uri as metadata_uri
from emulator.model.support import resolve_environment_file
from emulator.model.taskdef import (
    DEFAULT_STOP_TIMEOUT,
    ContainerDefinition,
    TaskDefinition,
)
from emulator.runtime.base import ContainerSpec, HealthConfig, Mount, PublishedPort

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class TaskContext:
    """Where and as what one task runs."""

    stack: str
    cluster: str
    task_arn: str
    task_id: str
    task_definition_arn: str
    revision: int
    region: str
    base_dir: str  # for relative environment files and host paths
    network_mode: str  # the docker network_mode for task containers
    group: str = ""  # "service:NAME" or "family:FAMILY"
    started_by: str = ""
    service: str = ""
    extra_labels: dict[str, str] = field(default_factory=dict)


def docker_name(ctx: TaskContext, family: str, container: str) -> str:
    return f"{ctx.stack}-{family}-{ctx.revision}-{container}-{ctx.task_id[:12]}"


def task_labels(ctx: TaskContext, td: TaskDefinition) -> dict[str, str]:
    out = {
        L.STACK: ctx.stack,
        L.CLUSTER: ctx.cluster,
        L.TASK_ARN: ctx.task_arn,
        L.FAMILY: td.family,
        L.REVISION: str(ctx.revision),
        L.TASK_DEFINITION_ARN: ctx.task_definition_arn,
        L.NETWORK_MODE: td.network_mode,
        L.GROUP: ctx.group or f"family:{td.family}",
        L.STARTED_BY: ctx.started_by,
        L.ECS_CLUSTER: ctx.cluster,
        L.ECS_TASK_ARN: ctx.task_arn,
        L.ECS_FAMILY: td.family,
        L.ECS_VERSION: str(ctx.revision),
    }
    if ctx.service:
        out[L.SERVICE] = ctx.service
    out.update(ctx.extra_labels)
    return out


def pause_name(stack: str, family: str, revision: int | str, task_id: str) -> str:
    """An awsvpc task's pause container's name (a spare it claimed is renamed to it)."""
    return f"{stack}-{family}-{revision}-pause-{task_id[:12]}"


def pause_spec(
    ctx: TaskContext, td: TaskDefinition, image: str, network: str | None, subnet: str | None
) -> ContainerSpec:
    """An awsvpc task's own pause container: it owns the task's network namespace."""
    return ContainerSpec(
        name=pause_name(ctx.stack, td.family, ctx.revision, ctx.task_id),
        image=image,
        labels=task_labels(ctx, td) | {L.ROLE: "pause", L.SUBNET: subnet or ""},
        network_mode=network,
        hostname=f"ip-{ctx.task_id[:8]}",
        stop_timeout=1,
    )


def read_env_file(path: Path) -> list[tuple[str, str]]:
    """ECS environment-file format: VARIABLE=VALUE lines, '#' comments."""
    out = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, _, v = line.partition("=")
        out.append((k.strip(), v))
    return out


def environment(c: ContainerDefinition, ctx: TaskContext, td: TaskDefinition) -> dict[str, str]:
    """Explicit environment wins over files; across files the first value is kept (ECS)."""
    env: dict[str, str] = {
        "AWS_REGION": ctx.region,
        "AWS_DEFAULT_REGION": ctx.region,
        "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE" if td.network_mode == "awsvpc" else "AWS_ECS_EC2",
        "ECS_TASK_ARN": ctx.task_arn,
    }
    if td.network_mode == "awsvpc":  # served by the pause container in the task's namespace
        env["ECS_CONTAINER_METADATA_URI_V4"] = metadata_uri(c.name)
    from_files: dict[str, str] = {}
    for value in c.environment_files:
        p = resolve_environment_file(value, Path(ctx.base_dir))  # None: S3, warned at validation
        if p is not None and p.is_file():
            for k, v in read_env_file(p):
                from_files.setdefault(k, v)
    env.update(from_files)
    env.update(dict(c.environment))
    return env


def _health(c: ContainerDefinition) -> HealthConfig | None:
    hc = c.health_check
    if hc is None:
        return None
    test = hc.command
    if test and test[0] not in ("CMD", "CMD-SHELL", "NONE"):
        test = ("CMD", *test)
    return HealthConfig(
        test=test,
        interval=hc.interval,
        timeout=hc.timeout,
        retries=hc.retries,
        start_period=hc.start_period,
    )


def _mounts(c: ContainerDefinition, td: TaskDefinition, ctx: TaskContext) -> list[Mount]:
    vols = {v.name: v for v in td.volumes}
    out = []
    for mp in c.raw.get("mountPoints", []) or []:
        v = vols.get(mp.get("sourceVolume", ""))
        if v is None:
            continue
        ro = bool(mp.get("readOnly", False))
        target = mp["containerPath"]
        if v.host_path:
            src = (
                v.host_path if os.path.isabs(v.host_path) else str(Path(ctx.base_dir) / v.host_path)
            )
            out.append(Mount(target=target, source=src, type="bind", read_only=ro))
        else:
            scope = (v.docker_volume or {}).get("scope", "task")
            name = (
                f"{ctx.stack}-{v.name}"
                if scope == "shared" or v.efs
                else f"{ctx.stack}-{v.name}-{ctx.task_id[:12]}"
            )
            out.append(Mount(target=target, source=name, type="volume", read_only=ro))
    lp = c.raw.get("linuxParameters") or {}
    for t in lp.get("tmpfs", []) or []:
        out.append(
            Mount(
                target=t["containerPath"], source="", type="tmpfs", tmpfs_size=int(t["size"]) * MIB
            )
        )
    return out


def volume_names(td: TaskDefinition, ctx: TaskContext) -> list[str]:
    """Docker volumes the task needs (task-scoped ones are removed with the task)."""
    names = []
    for v in td.volumes:
        if v.host_path:
            continue
        scope = (v.docker_volume or {}).get("scope", "task")
        names.append(
            f"{ctx.stack}-{v.name}"
            if scope == "shared" or v.efs
            else f"{ctx.stack}-{v.name}-{ctx.task_id[:12]}"
        )
    return names


def container_spec(
    c: ContainerDefinition, td: TaskDefinition, ctx: TaskContext, names: dict[str, str]
) -> ContainerSpec:
    """The Docker spec of one container of a task. ``names`` maps container names of the
    task to their Docker names (for volumesFrom)."""
    raw: dict[str, Any] = c.raw
    lp = raw.get("linuxParameters") or {}
    caps = lp.get("capabilities") or {}
    labels = task_labels(ctx, td)
    labels.update(dict(c.docker_labels))
    labels.update(
        {
            L.ROLE: "task",
            L.CONTAINER_NAME: c.name,
            L.ECS_CONTAINER_NAME: c.name,
            L.ESSENTIAL: "true" if c.essential else "false",
            L.DEPENDS_ON: json.dumps(
                [
                    {"containerName": d.container_name, "condition": d.condition}
                    for d in c.depends_on
                ]
            ),
            L.STOP_TIMEOUT: str(c.stop_timeout or DEFAULT_STOP_TIMEOUT),
            L.CONTAINER_PORTS: json.dumps(raw.get("portMappings") or []),
            L.HAS_HEALTH_CHECK: "true" if c.health_check else "false",
            L.CONTAINER_INDEX: str(
                next(i for i, x in enumerate(td.container_definitions) if x.name == c.name)
            ),
        }
    )
    if c.start_timeout is not None:
        labels[L.START_TIMEOUT] = str(c.start_timeout)
    opts = c.awslogs_options
    if opts:
        labels[L.LOG_GROUP] = opts.get("awslogs-group", "")
        prefix = opts.get("awslogs-stream-prefix")
        labels[L.LOG_STREAM] = f"{prefix}/{c.name}/{ctx.task_id}" if prefix else ""

    ports: list[PublishedPort] = []
    if td.network_mode == "bridge":
        for p in c.port_mappings:
            ports.append(
                PublishedPort(p.container_port, p.protocol, "127.0.0.1", p.host_port or None)
            )
    mem_limit = c.memory * MIB if c.memory else None
    if mem_limit is None and td.memory and c.memory_reservation is None:
        mem_limit = int(float(td.memory)) * MIB if td.memory.isdigit() else None
    cpu_shares = c.cpu if c.cpu and c.cpu > 1 else 2
    nano = int(float(td.cpu) / 1024 * 1e9) if td.cpu and td.cpu.isdigit() else None
    return ContainerSpec(
        name=names[c.name],
        image=c.image,
        labels=labels,
        command=c.command,
        entrypoint=c.entry_point,
        environment=environment(c, ctx, td),
        network_mode="none" if raw.get("disableNetworking") else ctx.network_mode,
        ports=tuple(ports),
        healthcheck=_health(c),
        user=c.user,
        working_dir=c.working_directory,
        hostname=c.hostname if td.network_mode == "bridge" else None,
        cpu_shares=cpu_shares,
        nano_cpus=nano,
        mem_limit=mem_limit,
        mem_reservation=c.memory_reservation * MIB if c.memory_reservation else None,
        read_only=c.readonly_root_filesystem,
        init=bool(lp.get("initProcessEnabled", False)),
        cap_add=tuple(caps.get("add") or ()),
        cap_drop=tuple(caps.get("drop") or ()),
        ulimits=tuple(
            (u["name"], int(u["softLimit"]), int(u["hardLimit"])) for u in raw.get("ulimits") or []
        ),
        shm_size=int(lp["sharedMemorySize"]) * MIB if lp.get("sharedMemorySize") else None,
        mounts=tuple(_mounts(c, td, ctx)),
        volumes_from=tuple(
            f"{names[v['sourceContainer']]}:{'ro' if v.get('readOnly') else 'rw'}"
            for v in raw.get("volumesFrom") or []
            if v.get("sourceContainer") in names
        ),
        links=_links(raw, names) if td.network_mode == "bridge" else (),
        extra_hosts=tuple((h["hostname"], h["ipAddress"]) for h in raw.get("extraHosts") or []),
        dns=tuple(raw.get("dnsServers") or ()),
        dns_search=tuple(raw.get("dnsSearchDomains") or ()),
        privileged=bool(raw.get("privileged", False)),
        tty=bool(raw.get("pseudoTerminal", False)),
        stdin_open=bool(raw.get("interactive", False)),
        stop_timeout=c.stop_timeout or DEFAULT_STOP_TIMEOUT,
        sysctls=tuple((s["namespace"], s["value"]) for s in raw.get("systemControls") or []),
        devices=tuple(_device(d) for d in lp.get("devices") or []),
        ipc_mode=td.raw.get("ipcMode") if td.raw.get("ipcMode") in ("host", "none") else None,
    )


def _device(d: dict[str, Any]) -> str:
    """``linuxParameters.devices[]`` as Docker's ``--device`` (permissions default rwm)."""
    perms = d.get("permissions") or ["read", "write", "mknod"]
    mode = "".join(p[0] for p in ("read", "write", "mknod") if p in perms)
    return f"{d['hostPath']}:{d.get('containerPath') or d['hostPath']}:{mode}"


def _links(raw: dict[str, Any], names: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``links`` (``"db"`` or ``"db:database"``, containers of the same task) as Docker
    links on the stack's bridge network: the alias resolves in this container alone."""
    out = []
    for link in raw.get("links") or []:
        name, _, alias = str(link).partition(":")
        if name in names:
            out.append((names[name], alias or name))
    return tuple(out)
