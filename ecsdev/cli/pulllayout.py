"""From the API records of one ECS service to a layout (docs/layout.md) that runs it here.

Why a module of its own: this is the translation ``ecsdev pull`` promises, and nothing else,
so it is pure (records in, a layout document, the files it names and the notes for the user
out) and tested without AWS or Docker. What it keeps is what decides how the service
behaves: the task definition exactly as registered (the describe-task-definition output,
in a file; revision pinned), the desired count (capped), the service's subnets and the load
balancers' subnets with public/private from their route tables, the target groups with
their health checks and attributes, and each listener that forwards to them with the rules
that do (plus redirects and fixed responses, which shadow paths on the way). Forwards to
target groups of other services are not followed: they answer 503 here, and the note says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ecsdev.sources.netviews import SubnetView
from emulator.model.attributes import (
    LOAD_BALANCER_ATTRIBUTES,
    LOAD_BALANCER_PREFIXES,
    TARGET_GROUP_ATTRIBUTES,
)

SUBNET_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
_HC = ("Enabled", "Path", "Port", "Protocol", "IntervalSeconds", "TimeoutSeconds")
_TG_FIELDS = ("Protocol", "Port", "TargetType", *(f"HealthCheck{k}" for k in _HC))
_TG_FIELDS += ("HealthyThresholdCount", "UnhealthyThresholdCount")  # the layout's, camelCased


@dataclass
class Pulled:
    """What was read from AWS for one service (API records, JSON-safe)."""

    service: dict[str, Any]
    task_definition: dict[str, Any]  # the describe-task-definition response
    target_groups: list[dict[str, Any]]
    load_balancers: list[dict[str, Any]]
    subnets: list[SubnetView]
    unknown_subnets: list[str] = field(default_factory=list)  # IDs EC2 did not describe


@dataclass
class Draft:
    """The layout document, the files it names (relative path -> JSON data), and notes."""

    layout: dict[str, Any]
    files: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    listeners: list[dict[str, Any]] = field(default_factory=list)  # to publish


def stack_name(service: str) -> str:
    """A stack name ([a-z0-9-]{1,32}) from a service name."""
    name = re.sub(r"[^a-z0-9-]+", "-", service.lower()).strip("-")[:32].strip("-")
    return name or "pulled"


def arn_parts(arn: str) -> tuple[str, str]:
    """(region, account) of an ARN."""
    parts = arn.split(":")
    return (parts[3], parts[4]) if len(parts) > 5 else ("", "")


def subnet_names(subnets: list[SubnetView]) -> dict[str, str]:
    """Subnet ID -> layout name: its Name tag when that is a valid, unique name, else its ID."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for s in subnets:
        name = s.name if s.name and SUBNET_NAME.match(s.name) and s.name not in taken else s.id
        out[s.id] = name
        taken.add(name)
    return out


def draft_layout(pulled: Pulled, *, name: str, max_count: int) -> Draft:
    svc = pulled.service
    region, account = arn_parts(str(svc.get("serviceArn", "")))
    td = pulled.task_definition["taskDefinition"]
    family, revision = str(td["family"]), int(td.get("revision", 1))
    td_file = f"taskdefs/{family}-{revision}.json"
    cluster = str(svc.get("clusterArn", "")).rsplit("/", 1)[-1] or "default"
    doc: dict[str, Any] = {"version": 1, "name": name}
    if region:
        doc["region"] = region
    if account:
        doc["accountId"] = account
    doc["cluster"] = cluster
    draft = Draft(doc, {td_file: pulled.task_definition})
    names = subnet_names(pulled.subnets)
    subnets = [{"name": names[s.id], "public": s.public} for s in pulled.subnets]
    for sid in pulled.unknown_subnets:
        public = any(
            lb.get("Scheme") == "internet-facing"
            and sid in [z.get("SubnetId") for z in lb.get("AvailabilityZones", [])]
            for lb in pulled.load_balancers
        )
        names[sid] = sid if SUBNET_NAME.match(sid) and sid not in names.values() else "subnet"
        subnets.append({"name": names[sid], "public": public})
        draft.notes.append(
            f"subnet {sid} could not be described; taken as {'public' if public else 'private'}"
        )
    if subnets:
        doc["vpc"] = {"subnets": subnets}
    doc["taskDefinitions"] = [{"file": td_file}]
    service = _service(svc, family, names, max_count, draft)
    doc["services"] = [service]
    tgs = _target_groups(pulled.target_groups, draft)
    lbs = _load_balancers(pulled.load_balancers, tgs, names, draft)
    used = {g for lb in lbs for ls in lb["listeners"] for g in _forwarded(ls, include_default=True)}
    kept = []
    for entry in service.get("loadBalancers", []):
        if entry["targetGroup"] in used:
            kept.append(entry)
        else:
            draft.notes.append(
                f"target group {entry['targetGroup']} is not attached to a listener of an "
                "application load balancer; the service runs without it"
            )
    if kept:
        service["loadBalancers"] = kept
    else:
        service.pop("loadBalancers", None)
    if tgs:
        doc["targetGroups"] = [tg for tg in tgs.values() if tg["name"] in used]
    if lbs:
        doc["loadBalancers"] = lbs
    return draft


def _service(
    svc: dict[str, Any], family: str, names: dict[str, str], max_count: int, draft: Draft
) -> dict[str, Any]:
    out: dict[str, Any] = {"serviceName": svc["serviceName"], "taskDefinition": family}
    if svc.get("schedulingStrategy") == "DAEMON":
        out["schedulingStrategy"] = "DAEMON"
    else:
        desired = int(svc.get("desiredCount", 1))
        out["desiredCount"] = min(desired, max_count)
        if desired > max_count:
            draft.notes.append(
                f"desiredCount {desired} of service {svc['serviceName']} is capped at "
                f"{max_count} here (--max-count N to change; the layout says {max_count})"
            )
    net = (svc.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    if net.get("subnets"):
        out["subnets"] = [names.get(s, s) for s in net["subnets"]]
    lbs = []
    for lb in svc.get("loadBalancers") or []:
        arn = lb.get("targetGroupArn")
        if not arn:
            draft.notes.append(
                f"classic load balancer {lb.get('loadBalancerName')} is not emulated; skipped"
            )
            continue
        lbs.append(
            {
                "targetGroup": arn.split("/")[-2],
                "containerName": lb["containerName"],
                "containerPort": lb["containerPort"],
            }
        )
    if lbs:
        out["loadBalancers"] = lbs
    if svc.get("healthCheckGracePeriodSeconds") is not None:
        out["healthCheckGracePeriodSeconds"] = svc["healthCheckGracePeriodSeconds"]
    dc = svc.get("deploymentConfiguration") or {}
    conf = {k: dc[k] for k in ("minimumHealthyPercent", "maximumPercent") if k in dc}
    breaker = dc.get("deploymentCircuitBreaker")
    if isinstance(breaker, dict) and "enable" in breaker:
        conf["deploymentCircuitBreaker"] = {
            "enable": bool(breaker["enable"]),
            "rollback": bool(breaker.get("rollback", False)),
        }
    if conf:
        out["deploymentConfiguration"] = conf
    for key, what in (
        ("serviceConnectConfiguration", "Service Connect"),
        ("serviceRegistries", "service discovery (Cloud Map)"),
    ):
        if svc.get(key) and (key != "serviceConnectConfiguration" or svc[key].get("enabled")):
            draft.notes.append(f"{what} settings of the service are not pulled")
    return out


def _target_groups(raw: list[dict[str, Any]], draft: Draft) -> dict[str, dict[str, Any]]:
    """Target-group ARN -> the layout's target group (ALB target groups only)."""
    out: dict[str, dict[str, Any]] = {}
    for tg in raw:
        name = str(tg["TargetGroupName"])
        if tg.get("Protocol") not in ("HTTP", "HTTPS") or tg.get("TargetType") not in (
            "ip",
            "instance",
        ):
            draft.notes.append(
                f"target group {name} ({tg.get('Protocol')}, {tg.get('TargetType')} targets) "
                "is not an ALB target group ecsdev emulates; skipped"
            )
            continue
        doc: dict[str, Any] = {"name": name}
        doc.update(_lower_keys({k: tg[k] for k in _TG_FIELDS if tg.get(k) is not None}))
        matcher = tg.get("Matcher") or {}
        if matcher.get("HttpCode"):
            doc["matcher"] = str(matcher["HttpCode"])
        attrs = _known(tg.get("Attributes") or {}, TARGET_GROUP_ATTRIBUTES, ())
        if attrs:
            doc["attributes"] = attrs
        out[str(tg["TargetGroupArn"])] = doc
    return out


def _known(attrs: dict[str, str], known: dict[str, Any], prefixes: tuple[str, ...]) -> Any:
    return {
        k: v for k, v in sorted(attrs.items()) if v != "" and (k in known or k.startswith(prefixes))
    }


def _load_balancers(
    raw: list[dict[str, Any]],
    tgs: dict[str, dict[str, Any]],
    names: dict[str, str],
    draft: Draft,
) -> list[dict[str, Any]]:
    out = []
    for lb in raw:
        name = str(lb["LoadBalancerName"])
        if lb.get("Type", "application") != "application":
            draft.notes.append(f"{lb.get('Type')} load balancer {name} is not emulated; skipped")
            continue
        listeners = []
        for ls in sorted(lb.get("Listeners", []), key=lambda x: int(x.get("Port", 0))):
            doc = _listener(ls, tgs, name, draft)
            if doc is not None:
                listeners.append(doc)
                draft.listeners.append(doc)
        if not listeners:
            continue
        entry: dict[str, Any] = {"name": name, "scheme": lb.get("Scheme", "internet-facing")}
        ids = [z["SubnetId"] for z in lb.get("AvailabilityZones", []) if z.get("SubnetId")]
        if ids:
            entry["subnets"] = [names.get(i, i) for i in ids]
        attrs = _known(lb.get("Attributes") or {}, LOAD_BALANCER_ATTRIBUTES, LOAD_BALANCER_PREFIXES)
        if attrs:
            entry["attributes"] = attrs
        entry["listeners"] = listeners
        out.append(entry)
    return out


def _listener(
    ls: dict[str, Any], tgs: dict[str, dict[str, Any]], lb: str, draft: Draft
) -> dict[str, Any] | None:
    """The listener when it forwards to one of the service's target groups, with the rules
    that do (and the rules that only redirect or answer)."""
    where = f"listener {ls.get('Port')} of {lb}"
    rules, default, forwards, elsewhere = [], None, False, []
    for r in sorted(ls.get("Rules", []), key=_priority):
        actions = _actions(r.get("Actions", []), tgs, where, draft)
        if r.get("IsDefault") or r.get("Priority") == "default":
            default = r
            continue
        if actions is None:
            elsewhere.append(str(r.get("Priority")))  # forwards to other services
            continue
        forwards = forwards or any(a["type"] == "forward" for a in actions)
        rule: dict[str, Any] = {
            "priority": int(r["Priority"]),
            "conditions": [_condition(c) for c in r.get("Conditions", [])],
            "actions": actions,
        }
        if r.get("Transforms"):
            rule["transforms"] = _lower_keys(r["Transforms"])
        rules.append(rule)
    default_actions = _actions(
        (default or {}).get("Actions") or ls.get("DefaultActions", []), tgs, where, draft
    )
    if default_actions is not None and any(a["type"] == "forward" for a in default_actions):
        forwards = True
    if not forwards:
        return None
    if elsewhere:
        draft.notes.append(
            f"{where}: rule{'s' if len(elsewhere) > 1 else ''} {', '.join(elsewhere)} "
            + ("forward" if len(elsewhere) > 1 else "forwards")
            + " to other services' target groups, left out"
        )
    if default_actions is None:
        default_actions = [
            {
                "type": "fixed-response",
                "statusCode": "503",
                "contentType": "text/plain",
                "messageBody": "ecsdev pull: the default action forwards to another service",
            }
        ]
        draft.notes.append(
            f"{where}: the default action forwards to another service's target group; "
            "here it answers 503"
        )
    doc: dict[str, Any] = {"port": int(ls["Port"])}
    doc["protocol"] = "HTTPS" if ls.get("Protocol") == "HTTPS" else "HTTP"
    doc["defaultActions"] = default_actions
    if rules:
        doc["rules"] = rules
    return doc


def _priority(rule: dict[str, Any]) -> int:
    p = str(rule.get("Priority", "default"))
    return int(p) if p.isdigit() else 1 << 30


def _forwarded(listener: dict[str, Any], include_default: bool) -> set[str]:
    actions = [a for r in listener.get("rules", []) for a in r["actions"]]
    if include_default:
        actions += listener["defaultActions"]
    out = set()
    for a in actions:
        if a.get("targetGroup"):
            out.add(a["targetGroup"])
        for g in (a.get("forwardConfig") or {}).get("targetGroups", []):
            out.add(g["targetGroup"])
    return out


def _actions(
    raw: list[dict[str, Any]], tgs: dict[str, dict[str, Any]], where: str, draft: Draft
) -> list[dict[str, Any]] | None:
    """The layout's actions; None when a forward names a target group not pulled."""
    out: list[dict[str, Any]] = []
    for a in sorted(raw, key=lambda x: int(x.get("Order", 50000))):
        kind = str(a.get("Type"))
        if kind.startswith("authenticate-"):
            draft.notes.append(f"{where}: {kind} is not emulated (requests go on unauthenticated)")
            continue
        action: dict[str, Any] = {"type": kind}
        if kind == "forward":
            fwd = a.get("ForwardConfig") or {}
            groups = fwd.get("TargetGroups") or [{"TargetGroupArn": a.get("TargetGroupArn")}]
            arns = [str(g.get("TargetGroupArn")) for g in groups]
            if any(arn not in tgs for arn in arns):
                return None
            if len(groups) == 1:
                action["targetGroup"] = tgs[arns[0]]["name"]
            else:
                action["forwardConfig"] = {
                    "targetGroups": [
                        {"targetGroup": tgs[arn]["name"], "weight": int(g.get("Weight", 1))}
                        for arn, g in zip(arns, groups, strict=True)
                    ]
                }
                sticky = fwd.get("TargetGroupStickinessConfig") or {}
                if sticky.get("Enabled"):
                    action["forwardConfig"]["targetGroupStickinessConfig"] = {
                        "enabled": True,
                        "durationSeconds": int(sticky.get("DurationSeconds", 3600)),
                    }
        elif kind == "redirect":
            action["redirectConfig"] = _lower_keys(a.get("RedirectConfig") or {})
        elif kind == "fixed-response":
            fixed = _lower_keys(a.get("FixedResponseConfig") or {})
            action.update({k: str(v) for k, v in fixed.items()})
        out.append(action)
    return out


def _condition(c: dict[str, Any]) -> dict[str, Any]:
    fld = str(c.get("Field"))
    config = c.get("".join(w.capitalize() for w in fld.split("-")) + "Config") or {}
    out: dict[str, Any] = {"field": fld}
    values = config.get("Values", c.get("Values"))
    if fld == "query-string" and values is not None:
        values = [_lower_keys(v) for v in values]
    if values:
        out["values"] = values
    if config.get("RegexValues"):
        out["regexValues"] = config["RegexValues"]
    if fld == "http-header" and config.get("HttpHeaderName"):
        out["httpHeaderName"] = config["HttpHeaderName"]
    return out


def _lower_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k)[:1].lower() + str(k)[1:]: _lower_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_keys(v) for v in value]
    return value


__all__ = ["Draft", "Pulled", "draft_layout", "stack_name", "subnet_names"]
