"""What ecsdev honours of a task definition, in one place.

The runtime and the validator must agree on which fields take effect locally: the runtime
carries out the fields listed here, and the validator warns about every other field that is set,
naming its path, so nothing a user wrote is ever silently dropped. Fields in the ``INERT_*`` sets
have no local effect and need no warning (tags, compatibilities).
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from emulator.model.report import Reporter
from emulator.model.shapes import items

HONOURED_TASK_FIELDS = frozenset(
    {"family", "containerDefinitions", "networkMode", "cpu", "memory", "volumes", "taskRoleArn"}
)  # taskRoleArn: served at 169.254.170.2 as the layout's credentials choose (emulator.agent)
# executionRoleArn: its local effects (secrets, a private registry) are warned where they happen
INERT_TASK_FIELDS = frozenset({"tags", "requiresCompatibilities", "executionRoleArn"})

HONOURED_CONTAINER_FIELDS = frozenset(
    {
        "name",
        "image",
        "command",
        "entryPoint",
        "environment",
        "environmentFiles",
        "portMappings",
        "essential",
        "dependsOn",
        "healthCheck",
        "cpu",
        "memory",
        "memoryReservation",
        "stopTimeout",
        "startTimeout",
        "user",
        "workingDirectory",
        "readonlyRootFilesystem",
        "ulimits",
        "linuxParameters",
        "dockerLabels",
        "extraHosts",
        "dnsServers",
        "dnsSearchDomains",
        "hostname",
        "links",
        "mountPoints",
        "volumesFrom",
        "logConfiguration",
        "secrets",
        "privileged",
        "interactive",
        "pseudoTerminal",
        "systemControls",
        "disableNetworking",
    }
)
INERT_CONTAINER_FIELDS = frozenset({"versionConsistency"})

# Sub-fields of honoured fields; anything else set inside them is warned about.
HONOURED_SUBFIELDS: dict[str, frozenset[str]] = {
    "linuxParameters": frozenset(
        {"capabilities", "initProcessEnabled", "tmpfs", "sharedMemorySize", "devices"}
    ),
    "portMappings": frozenset({"containerPort", "hostPort", "protocol", "name"}),
    "volumes": frozenset({"name", "host", "dockerVolumeConfiguration", "efsVolumeConfiguration"}),
    "logConfiguration": frozenset({"logDriver", "options", "secretOptions"}),
}

# Log drivers whose output ecsdev keeps: awslogs in the local log store, json-file as Docker does.
HONOURED_LOG_DRIVERS = frozenset({"awslogs", "json-file"})

# Why a field has no local effect, where a better word than "not honoured" exists.
REASONS: dict[str, str] = {
    "repositoryCredentials": "its secret is looked up at task start (a missing one stops the "
    "task), but images are pulled with the local Docker credentials",
    "firelensConfiguration": "FireLens log routing is not emulated",
    "proxyConfiguration": "App Mesh proxy configuration is not emulated",
    "inferenceAccelerators": "inference accelerators do not exist locally",
    "placementConstraints": "there is one local host; placement constraints do not apply",
    "ephemeralStorage": "containers use the local Docker storage",
    "efsVolumeConfiguration": "EFS is not reachable locally; this becomes a named local volume",
    "resourceRequirements": "GPUs and accelerators are not assigned locally",
}


def resolve_environment_file(value: str, base_dir: Path) -> Path | None:
    """The local file an ``environmentFiles`` value names (relative to ``base_dir``: the
    layout's directory, or a bare task-definition file's), or None for an S3 ARN."""
    if value.startswith("arn:"):
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base_dir / p)


def _host_arch() -> str:
    machine = platform.machine().lower()
    return "ARM64" if machine in ("arm64", "aarch64") else "X86_64"


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value is False


def warn_unhonoured(td: dict[str, Any], rep: Reporter) -> None:
    """A warning for every field that is set and has no local effect."""
    for key, value in td.items():
        if key in HONOURED_TASK_FIELDS or key in INERT_TASK_FIELDS:
            continue
        if key == "runtimePlatform" and isinstance(value, dict):
            _runtime_platform(value, rep)
        elif key == "ipcMode" and value in ("host", "none"):
            continue  # passed to Docker
        elif key == "ipcMode":
            rep.warn((key,), "ipcMode task: the containers do not share an IPC namespace locally")
        elif not _empty(value):
            rep.warn((key,), REASONS.get(key, "not honoured locally (ignored)"))
    for i, v in items(td.get("volumes")):
        _subfields(v, "volumes", rep.at(("volumes", i)))
    for i, c in items(td.get("containerDefinitions")):
        at = rep.at(("containerDefinitions", i))
        for key, value in c.items():
            if key in HONOURED_CONTAINER_FIELDS or key in INERT_CONTAINER_FIELDS:
                continue
            if _empty(value):
                continue
            at.warn((key,), REASONS.get(key, "not honoured locally (ignored)"))
        for key in ("linuxParameters", "logConfiguration"):
            if isinstance(c.get(key), dict):
                _subfields(c[key], key, at.at((key,)))
        for j, pm in items(c.get("portMappings")):
            _subfields(pm, "portMappings", at.at(("portMappings", j)))


def _subfields(value: dict[str, Any], section: str, rep: Reporter) -> None:
    allowed = HONOURED_SUBFIELDS[section]
    for key, sub in value.items():
        if key == "efsVolumeConfiguration":
            rep.warn((key,), REASONS[key])
        elif key not in allowed and not _empty(sub):
            rep.warn((key,), REASONS.get(key, "not honoured locally (ignored)"))


def _runtime_platform(value: dict[str, Any], rep: Reporter) -> None:
    arch, osf = value.get("cpuArchitecture"), value.get("operatingSystemFamily")
    if arch is not None and arch != _host_arch():
        rep.warn(
            ("runtimePlatform", "cpuArchitecture"),
            f"{arch} differs from this machine ({_host_arch()}); images run under emulation or fail",
        )
    if osf is not None and osf != "LINUX":
        rep.warn(
            ("runtimePlatform", "operatingSystemFamily"), f"{osf} containers cannot run locally"
        )
