"""Cross-field checks of a task definition: what ECS (or Docker, locally) would refuse even
though every field has the right shape.

Input is the cleaned output of the shape check (``emulator.model.shapes``), so every value that
is present has its declared type. Covers section D of reference/aws-semantics.md: names,
dependsOn (targets, cycles, conditions), network modes and ports, CPU and memory (Fargate pairs),
health checks, volumes and mounts, environment files, awslogs options, timeouts; and warns about
every field that is set but not honoured locally (``emulator.model.support``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from emulator.model import support
from emulator.model.containercheck import (
    check_environment,
    check_health_check,
    check_logging,
    check_misc,
)
from emulator.model.report import Reporter
from emulator.model.shapes import choices, given, items
from emulator.model.yamlsource import PathT

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,255}$")
CD = "containerDefinitions"
_UNITS = re.compile(r"^(\d*\.?\d+)\s*(vcpu|gb)$", re.IGNORECASE)  # "1 vCPU", ".25 vcpu"
# Fargate task cpu -> (lowest memory, highest memory, step), all MiB (section D3).
FARGATE_PAIRS: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 512),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}


WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")  # C:\data, C:/test (Windows containers)


def parse_units(text: str) -> int | None:
    """``"512"`` -> 512, ``"1 vCPU"`` -> 1024, ``"2 GB"`` -> 2048; None when unreadable."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    m = _UNITS.match(text)
    return int(float(m.group(1)) * 1024) if m else None


def fargate_memory_choices(cpu: int) -> list[int]:
    lo, hi, step = FARGATE_PAIRS[cpu]
    return [512, 1024, 2048] if cpu == 256 else list(range(lo, hi + 1, step))


def network_mode(td: dict[str, Any]) -> str:
    fargate = "FARGATE" in td.get("requiresCompatibilities", [])
    return str(td.get("networkMode") or ("awsvpc" if fargate else "bridge"))


def check_task_definition(td: dict[str, Any], rep: Reporter, base_dir: Path) -> None:
    """Every cross-field check of one (shape-cleaned) task definition."""
    family = td.get("family")
    if isinstance(family, str) and not NAME.match(family):
        rep.error(("family",), f"{family!r} is not valid (up to 255 letters, digits, _ and -)")
    fargate = "FARGATE" in td.get("requiresCompatibilities", [])
    mode = network_mode(td)
    if fargate and mode != "awsvpc":
        rep.error(("networkMode",), f"Fargate requires networkMode awsvpc, not {mode}")
    containers = items(td.get(CD))
    if CD in td and not td[CD]:
        rep.error((CD,), "needs at least one container")
    names = _names(containers, rep)
    if containers and not any(c.get("essential", True) for _, c in containers):
        rep.error((CD,), "at least one container must be essential (essential defaults to true)")
    # A container whose name failed its check may be the one a reference names.
    complete = all(isinstance(c, dict) and "name" in c for c in td.get(CD) or [])
    _dependencies(containers, names, complete, rep)
    _ports(containers, mode, rep)
    _resources(td, containers, fargate, rep)
    volumes = _volumes(td, rep)
    for i, c in containers:
        at = rep.at((CD, i))
        check_health_check(c, at)
        _mounts(c, volumes, names if complete else None, at)
        check_environment(c, base_dir, at)
        check_logging(c, fargate, at)
        check_misc(c, mode, fargate, at)
    support.warn_unhonoured(td, rep)


def _names(containers: list[tuple[int, dict[str, Any]]], rep: Reporter) -> dict[str, int]:
    names: dict[str, int] = {}
    for i, c in containers:
        name = c.get("name")
        if not given(c, "name"):
            rep.error((CD, i, "name"), "required key is missing")
        elif name is None:
            pass  # reported by the shape check
        elif not NAME.match(name):
            rep.error((CD, i, "name"), f"{name!r} is not valid (letters, digits, _ and -)")
        elif name in names:
            rep.error(
                (CD, i, "name"), f"duplicate container name {name!r} (also {CD}[{names[name]}])"
            )
        else:
            names[name] = i
        if not given(c, "image"):
            rep.error((CD, i, "image"), "required key is missing")
    return names


def _dependencies(
    containers: list[tuple[int, dict[str, Any]]],
    names: dict[str, int],
    complete: bool,
    rep: Reporter,
) -> None:
    by_name = {c["name"]: c for _, c in containers if c.get("name") in names}
    graph: dict[str, list[str]] = {}
    for i, c in containers:
        for j, dep in items(c.get("dependsOn")):
            path: PathT = (CD, i, "dependsOn", j)
            target, cond = dep.get("containerName"), dep.get("condition")
            if target is None or cond is None:
                continue
            if target == c.get("name"):
                rep.error(path + ("containerName",), "a container cannot depend on itself")
                continue
            if target not in by_name:
                if not complete:
                    continue
                rep.error(
                    path + ("containerName",),
                    f"{target!r} is not a container of this task"
                    + choices("containers", list(names), target),
                )
                continue
            graph.setdefault(str(c.get("name")), []).append(target)
            other = by_name[target]
            if cond in ("COMPLETE", "SUCCESS") and other.get("essential", True):
                rep.error(
                    path + ("condition",),
                    f"{cond} cannot be used on {target!r}: it is essential "
                    "(set essential: false on it, or use START or HEALTHY)",
                )
            if cond == "HEALTHY" and not other.get("healthCheck"):
                rep.error(
                    path + ("condition",),
                    f"HEALTHY needs a healthCheck on {target!r}, which has none",
                )
    for cycle in _cycles(graph):
        rep.error((CD, names[cycle[0]], "dependsOn"), f"dependency cycle: {' -> '.join(cycle)}")


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each dependency cycle once, starting at its first container in file order."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    found.append(cycle + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in list(graph):
        if node not in state:
            visit(node)
    return found


def _ports(containers: list[tuple[int, dict[str, Any]]], mode: str, rep: Reporter) -> None:
    used: dict[tuple[int, str], str] = {}
    for i, c in containers:
        mine: dict[tuple[int, str], int] = {}
        for j, pm in items(c.get("portMappings")):
            path: PathT = (CD, i, "portMappings", j)
            if mode == "none":
                rep.error(path, "networkMode none has no network; remove the port mappings")
                continue
            cport, hport = pm.get("containerPort"), pm.get("hostPort")
            proto = pm.get("protocol", "tcp")
            if cport is None:
                if not given(pm, "containerPortRange") and not given(pm, "containerPort"):
                    rep.error(path + ("containerPort",), "required key is missing")
                continue
            if not 1 <= cport <= 65535:
                rep.error(path + ("containerPort",), f"{cport} is out of range (1-65535)")
                continue
            if (cport, proto) in mine:
                rep.error(
                    path + ("containerPort",),
                    f"{cport}/{proto} is mapped twice (also portMappings[{mine[cport, proto]}])",
                )
                continue
            mine[(cport, proto)] = j
            if hport is not None and not 0 <= hport <= 65535:
                rep.error(path + ("hostPort",), f"{hport} is out of range (0-65535)")
                continue
            if mode == "awsvpc" and hport is not None and hport != cport:
                rep.error(
                    path + ("hostPort",),
                    f"{hport} is not allowed in awsvpc mode (omit it or use {cport})",
                )
                continue
            if mode == "host" and hport is not None and hport != cport:
                rep.error(
                    path + ("hostPort",), f"{hport} must equal containerPort {cport} in host mode"
                )
                continue
            bound = cport if mode in ("awsvpc", "host") else hport
            if bound and c.get("name"):
                key = (bound, proto)
                if key in used and used[key] != c["name"]:
                    rep.error(path, f"port {bound}/{proto} is also used by container {used[key]!r}")
                used.setdefault(key, str(c["name"]))


def _resources(
    td: dict[str, Any], containers: list[tuple[int, dict[str, Any]]], fargate: bool, rep: Reporter
) -> None:
    cpu = _task_units(td, "cpu", rep)
    memory = _task_units(td, "memory", rep)
    if fargate:
        for key in ("cpu", "memory"):
            if not given(td, key):
                rep.error((key,), f"task-level {key} is required on Fargate")
        if cpu is not None and memory is not None:
            if cpu not in FARGATE_PAIRS:
                valid = ", ".join(str(k) for k in FARGATE_PAIRS)
                rep.error(("cpu",), f"{cpu} is not a Fargate CPU size (valid: {valid})")
            elif memory not in fargate_memory_choices(cpu):
                lo, hi, step = FARGATE_PAIRS[cpu]
                valid = "512, 1024, 2048" if cpu == 256 else f"{lo}-{hi} in steps of {step}"
                rep.error(
                    ("memory",), f"{memory} MiB is not valid with cpu {cpu} on Fargate ({valid})"
                )
    total_cpu = 0
    for i, c in containers:
        path: PathT = (CD, i)
        mem, res = c.get("memory"), c.get("memoryReservation")
        ccpu = c.get("cpu")
        if ccpu is not None:
            total_cpu += max(ccpu, 0)
            if not 0 <= ccpu <= 10240:
                rep.error(path + ("cpu",), f"{ccpu} is out of range (0-10240)")
        for key, val in (("memory", mem), ("memoryReservation", res)):
            if val is not None and val < 6:
                rep.error(path + (key,), f"{val} MiB is too small (at least 6)")
        if mem is not None and res is not None and res >= mem:
            rep.error(path + ("memoryReservation",), f"{res} must be less than memory ({mem})")
        if memory is not None and mem is not None and mem > memory:
            rep.error(path + ("memory",), f"{mem} MiB exceeds the task memory ({memory} MiB)")
        if not any(given(c, k) for k in ("memory", "memoryReservation")) and not (
            given(td, "memory") or fargate
        ):
            rep.error(
                path + ("memory",),
                "memory or memoryReservation is required when the task has no task-level memory",
            )
    if cpu is not None and total_cpu > cpu:
        rep.error(
            ("cpu",), f"the containers' cpu adds up to {total_cpu}, more than the task's {cpu}"
        )


def _task_units(td: dict[str, Any], key: str, rep: Reporter) -> int | None:
    raw = td.get(key)
    if raw is None:
        return None
    value = parse_units(raw)
    if value is None or value <= 0:
        example = "'1024' or '1 vCPU'" if key == "cpu" else "'2048' or '2 GB'"
        rep.error((key,), f"{raw!r} is not a valid {key} (e.g. {example})")
    return value if value and value > 0 else None


def _volumes(td: dict[str, Any], rep: Reporter) -> set[str] | None:
    """The volume names, or None when one failed its check (references cannot be judged)."""
    names: set[str] = set()
    for i, v in items(td.get("volumes")):
        name = v.get("name")
        if not given(v, "name"):
            rep.error(("volumes", i, "name"), "required key is missing")
        elif name is None:
            pass
        elif not NAME.match(name):
            rep.error(("volumes", i, "name"), f"{name!r} is not valid (letters, digits, _ and -)")
        elif name in names:
            rep.error(("volumes", i, "name"), f"duplicate volume name {name!r}")
        else:
            names.add(name)
        kinds = [
            k for k in ("host", "dockerVolumeConfiguration", "efsVolumeConfiguration") if k in v
        ]
        if len(kinds) > 1:
            rep.error(("volumes", i), f"give only one of {', '.join(kinds)}")
        dvc = v.get("dockerVolumeConfiguration") or {}
        for key in ("driver", "driverOpts", "labels"):
            if dvc.get(key) and not (key == "driver" and dvc[key] == "local"):
                rep.warn(
                    ("volumes", i, "dockerVolumeConfiguration", key),
                    "not passed to Docker: the volume is a plain local volume",
                )
        if dvc.get("autoprovision") and dvc.get("scope", "task") != "shared":
            rep.error(
                ("volumes", i, "dockerVolumeConfiguration", "autoprovision"),
                "autoprovision is only valid with scope shared",
            )
    raw = td.get("volumes")
    complete = not given(td, "volumes") or (
        isinstance(raw, list) and all(isinstance(v, dict) and "name" in v for v in raw)
    )
    return names if complete else None


def _mounts(
    c: dict[str, Any], volumes: set[str] | None, names: dict[str, int] | None, rep: Reporter
) -> None:
    for j, mp in items(c.get("mountPoints")):
        src, dest = mp.get("sourceVolume"), mp.get("containerPath")
        if not given(mp, "sourceVolume"):
            rep.error(("mountPoints", j, "sourceVolume"), "required key is missing")
        elif src is not None and volumes is not None and src not in volumes:
            rep.error(
                ("mountPoints", j, "sourceVolume"),
                f"{src!r} is not a volume of this task" + choices("volumes", sorted(volumes), src),
            )
        if not given(mp, "containerPath"):
            rep.error(("mountPoints", j, "containerPath"), "required key is missing")
        elif dest is not None and not (dest.startswith("/") or WINDOWS_PATH.match(dest)):
            rep.error(("mountPoints", j, "containerPath"), f"{dest!r} must be an absolute path")
    for j, vf in items(c.get("volumesFrom")):
        src = vf.get("sourceContainer")
        if not given(vf, "sourceContainer"):
            rep.error(("volumesFrom", j, "sourceContainer"), "required key is missing")
        elif src is None:
            pass
        elif src == c.get("name"):
            rep.error(
                ("volumesFrom", j, "sourceContainer"), "a container cannot mount its own volumes"
            )
        elif names is not None and src not in names:
            rep.error(
                ("volumesFrom", j, "sourceContainer"),
                f"{src!r} is not a container of this task"
                + choices("containers", list(names), src),
            )
