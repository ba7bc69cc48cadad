"""Cross-field checks of services: the task definition they run (family and revision in this
layout), their subnets, their load balancers (target group, container, port, target type) and
deployment configuration (reference sections D4 and E1).
"""

from __future__ import annotations

import re
from typing import Any

from emulator.model.layoutcheck import ECS_NAME, Catalog
from emulator.model.report import Reporter
from emulator.model.semantics import network_mode
from emulator.model.shapes import choices, did_you_mean, items
from emulator.model.yamlsource import PathT

TASKDEF_REF = re.compile(r"^([a-zA-Z0-9_-]{1,255})(?::(\d+))?$")
TARGET_TYPE_FOR = {"awsvpc": "ip", "bridge": "instance", "host": "instance"}


def check_services(services: Any, rep: Reporter, cat: Catalog) -> None:
    names: dict[str, int] = {}
    for i, svc in items(services):
        at = rep.at(("services", i))
        name = svc.get("serviceName")
        if name is not None and not ECS_NAME.match(name):
            at.error(("serviceName",), f"{name!r} is not valid (letters, digits, _ and -)")
        elif name is not None and name in names:
            at.error(("serviceName",), f"duplicate service name (also services[{names[name]}])")
        elif name is not None:
            names[name] = i
        td, family = _service_task_definition(svc, at, cat)
        mode = network_mode(td) if td is not None else None
        _service_subnets(svc, at, cat, mode)
        _service_load_balancers(svc, at, cat, td, family, mode)
        dc = svc.get("deploymentConfiguration") or {}
        for key in ("resetOnHealthyTask", "thresholdConfiguration"):
            if key in (dc.get("deploymentCircuitBreaker") or {}):
                at.warn(
                    ("deploymentConfiguration", "deploymentCircuitBreaker", key),
                    "not honoured locally (the default threshold applies)",
                )
        low, high = dc.get("minimumHealthyPercent", 100), dc.get("maximumPercent", 200)
        if "maximumPercent" in dc and high < 100:
            at.error(("deploymentConfiguration", "maximumPercent"), f"{high} must be at least 100")
        elif high <= low and ("maximumPercent" in dc or "minimumHealthyPercent" in dc):
            at.error(
                ("deploymentConfiguration", "maximumPercent"),
                f"{high} must be more than minimumHealthyPercent ({low})",
            )


def _service_task_definition(
    svc: dict[str, Any], rep: Reporter, cat: Catalog
) -> tuple[dict[str, Any] | None, str | None]:
    ref = svc.get("taskDefinition")
    if ref is None:
        return None, None
    m = TASKDEF_REF.match(ref)
    if not m:
        rep.error(("taskDefinition",), f"{ref!r} is not FAMILY or FAMILY:REVISION")
        return None, None
    family, rev = m.group(1), m.group(2)
    revisions = cat.revisions(family)
    if not revisions:
        if "taskDefinitions" not in cat.incomplete:
            families = sorted({f for f, _ in cat.taskdefs})
            rep.error(
                ("taskDefinition",),
                f"no task definition of family {family!r} in this layout"
                + choices("families", families, family),
            )
        return None, None
    if rev is not None and not 1 <= int(rev) <= len(revisions):
        n = len(revisions)
        have = f"only {family}:1" if n == 1 else f"{family}:1 to {family}:{n}"
        rep.error(("taskDefinition",), f"{family}:{rev} does not exist (this layout has {have})")
        return None, None
    return revisions[int(rev) - 1 if rev else -1], family


def _service_subnets(svc: dict[str, Any], rep: Reporter, cat: Catalog, mode: str | None) -> None:
    nc = svc.get("networkConfiguration") or {}
    vpc_cfg = nc.get("awsvpcConfiguration") or {}
    if "subnets" in svc and vpc_cfg:
        rep.error(("networkConfiguration",), "give subnets or networkConfiguration, not both")
        return
    path: PathT = (
        ("subnets",)
        if "subnets" in svc
        else ("networkConfiguration", "awsvpcConfiguration", "subnets")
    )
    subnets = svc.get("subnets") or vpc_cfg.get("subnets")
    for key in ("securityGroups", "assignPublicIp"):
        if key in vpc_cfg:
            rep.warn(
                ("networkConfiguration", "awsvpcConfiguration", key),
                "not honoured locally (ignored)",
            )
    if subnets is None:
        return
    if mode is not None and mode != "awsvpc":
        rep.error(path, f"subnets apply only to awsvpc tasks; this task definition uses {mode}")
        return
    for k, sn in enumerate(subnets):
        if isinstance(sn, str) and sn not in cat.subnets and "subnets" not in cat.incomplete:
            rep.error(
                path + (k,),
                f"{sn!r} is not a subnet of the VPC" + choices("subnets", list(cat.subnets), sn),
            )


def _service_load_balancers(
    svc: dict[str, Any],
    rep: Reporter,
    cat: Catalog,
    td: dict[str, Any] | None,
    family: str | None,
    mode: str | None,
) -> None:
    seen: set[str] = set()
    lbs = items(svc.get("loadBalancers"))
    if len(lbs) > 5:
        rep.warn(("loadBalancers",), "over the ECS quota of 5 target groups per service")
    containers = {c.get("name"): c for _, c in items((td or {}).get("containerDefinitions"))}
    for j, lb in lbs:
        path: PathT = ("loadBalancers", j)
        tg_name, cname, cport = (
            lb.get("targetGroup"),
            lb.get("containerName"),
            lb.get("containerPort"),
        )
        tg = cat.target_groups.get(tg_name) if tg_name else None
        if tg_name is not None and tg is None:
            if "targetGroups" not in cat.incomplete:
                near = did_you_mean(tg_name, list(cat.target_groups))
                rep.error(path + ("targetGroup",), f"no target group named {tg_name!r}{near}")
        elif tg_name is not None and tg_name in seen:
            rep.error(path + ("targetGroup",), f"target group {tg_name!r} is listed twice")
        elif (
            tg is not None and tg_name not in cat.tg_users and "loadBalancers" not in cat.incomplete
        ):
            rep.error(
                path + ("targetGroup",),
                f"target group {tg_name!r} is not used by any load balancer "
                "(ECS needs it attached to a listener rule or default action)",
            )
        if tg_name:
            seen.add(tg_name)
        if tg is not None and mode is not None:
            need = TARGET_TYPE_FOR.get(mode)
            have = tg.get("targetType", "ip")
            if need is None:
                rep.error(path, f"a task with networkMode {mode} cannot be behind a load balancer")
            elif mode == "host":
                rep.warn(
                    path,
                    "host network mode tasks are not registered in target groups locally (the "
                    "ALB stand-in does not route into the host's network): the load balancer "
                    "answers 503 for them; use awsvpc or bridge to route to them",
                )
            elif have != need:
                rep.error(
                    path + ("targetGroup",),
                    f"target group {tg_name!r} has targetType {have}, but task definition "
                    f"{family!r} uses networkMode {mode} (needs targetType {need})",
                )
        if td is None or cname is None:
            continue
        container = containers.get(cname)
        if container is None:
            rep.error(
                path + ("containerName",),
                f"{cname!r} is not a container of task definition {family!r}"
                + choices("containers", [str(n) for n in containers], cname),
            )
            continue
        ports = [p.get("containerPort") for _, p in items(container.get("portMappings"))]
        ports = [p for p in ports if p is not None]
        if cport is not None and cport not in ports:
            listed = ", ".join(str(p) for p in ports)
            rep.error(
                path + ("containerPort",),
                f"{cport} is not a port of container {cname!r} "
                + (f"(ports: {listed})" if ports else "(it has no portMappings)"),
            )
