"""Cross-field checks of the services' names between tasks: ``serviceConnectConfiguration``
(its namespace, each ``portName`` a named port mapping of the task definition) and
``serviceRegistries`` (each ``registryArn`` named in the layout's ``cloudMap`` section, the
container and port in the task definition), and what of them has no local effect.

Why this exists: a layout has no Cloud Map resources, so the names clients use come from
the layout itself (a namespace's name, or ``cloudMap``), and a name that would not resolve
must be refused before anything starts.
"""

from __future__ import annotations

from typing import Any

from emulator.discovery.config import CloudMap
from emulator.model.layoutcheck import Catalog
from emulator.model.report import Reporter
from emulator.model.semantics import network_mode
from emulator.model.servicecheck import TASKDEF_REF
from emulator.model.shapes import choices, items

_SC_IGNORED = ("logConfiguration", "accessLogConfiguration")
_SC_SERVICE_IGNORED = ("tls", "timeout", "ingressPortOverride")


def check_discovery(doc: dict[str, Any], rep: Reporter, cat: Catalog) -> CloudMap:
    """Problems and warnings of every service's discovery fields; the ``cloudMap`` section."""
    section = doc.get("cloudMap") or {}
    cloud_map = CloudMap(
        tuple((n["arn"], n["name"]) for _, n in items(section.get("namespaces"))),
        tuple((s["arn"], s["name"], s["namespace"]) for _, s in items(section.get("services"))),
    )
    owners: dict[str, int] = {}
    for i, svc in items(doc.get("services")):
        at = rep.at(("services", i))
        _unique_aliases(svc, i, at, owners)
        td = _task_definition(svc, cat)
        if td is not None and network_mode(td) == "host" and _asks(svc):
            at.warn(
                (
                    "serviceConnectConfiguration"
                    if "serviceConnectConfiguration" in svc
                    else "serviceRegistries",
                ),
                "not honoured for host-mode tasks locally (no Docker DNS on the host network)",
            )
        _service_connect(svc.get("serviceConnectConfiguration"), at, td, cloud_map)
        _registries(svc.get("serviceRegistries"), at, td, cloud_map)
    return cloud_map


def _unique_aliases(svc: dict[str, Any], i: int, rep: Reporter, owners: dict[str, int]) -> None:
    """A client alias's dnsName names one service: two would share it, round-robin."""
    sc = svc.get("serviceConnectConfiguration") or {}
    if not sc.get("enabled"):
        return
    for j, s in items(sc.get("services")):
        for k, a in items(s.get("clientAliases")):
            name = a.get("dnsName")
            if not isinstance(name, str) or not name:
                continue
            first = owners.setdefault(name, i)
            if first != i:
                rep.warn(
                    ("serviceConnectConfiguration", "services", j, "clientAliases", k, "dnsName"),
                    f"{name!r} is also a client alias of services[{first}]: both answer it",
                )


def _asks(svc: dict[str, Any]) -> bool:
    return bool(svc.get("serviceConnectConfiguration") or svc.get("serviceRegistries"))


def _task_definition(svc: dict[str, Any], cat: Catalog) -> dict[str, Any] | None:
    m = TASKDEF_REF.match(str(svc.get("taskDefinition") or ""))
    if not m:
        return None
    revisions = cat.revisions(m.group(1))
    rev = int(m.group(2)) if m.group(2) else len(revisions)
    return revisions[rev - 1] if 1 <= rev <= len(revisions) else None


def _containers(td: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [c for _, c in items((td or {}).get("containerDefinitions"))]


def _service_connect(
    sc: Any, rep: Reporter, td: dict[str, Any] | None, cloud_map: CloudMap
) -> None:
    if not sc:
        return
    at = rep.at(("serviceConnectConfiguration",))
    for key in _SC_IGNORED:
        if sc.get(key):
            at.warn((key,), "not honoured locally (ignored)")
    services = sc.get("services") or []
    if not sc.get("enabled") or not services:
        return
    namespace = sc.get("namespace")
    if not namespace:
        at.error(
            ("namespace",),
            "Service Connect needs a namespace here (a layout has no cluster default): "
            "give its name, such as 'internal'",
        )
    elif str(namespace).startswith("arn:") and all(a != namespace for a, _ in cloud_map.namespaces):
        at.error(
            ("namespace",),
            f"{namespace} is not in cloudMap.namespaces (add {{arn, name}} there, or give "
            "the namespace's name)",
        )
    named = [
        str(p["name"])
        for c in _containers(td)
        for _, p in items(c.get("portMappings"))
        if p.get("name")
    ]
    for j, s in items(services):
        for key in _SC_SERVICE_IGNORED:
            if s.get(key):
                at.warn(("services", j, key), "not honoured locally (ignored)")
        port_name = s.get("portName")
        if td is not None and port_name is not None and port_name not in named:
            at.error(
                ("services", j, "portName"),
                f"{port_name!r} is not the name of a port mapping of the task definition"
                + choices("named ports", named, str(port_name)),
            )


def _registries(regs: Any, rep: Reporter, td: dict[str, Any] | None, cloud_map: CloudMap) -> None:
    containers = {str(c.get("name")): c for c in _containers(td)}
    for k, r in items(regs):
        at = rep.at(("serviceRegistries", k))
        arn = r.get("registryArn")
        if not arn:
            at.error(("registryArn",), "registryArn must be specified")
        elif all(a != arn for a, _, _ in cloud_map.services):
            at.error(
                ("registryArn",),
                f"{arn} is not in cloudMap.services (add {{arn, name, namespace}} there: the "
                "Cloud Map service's name and its namespace's name)",
            )
        name, port = r.get("containerName"), r.get("containerPort")
        if td is None or name is None:
            continue
        c = containers.get(str(name))
        if c is None:
            at.error(
                ("containerName",),
                f"{name!r} is not a container of the task definition"
                + choices("containers", list(containers), str(name)),
            )
            continue
        ports = [p.get("containerPort") for _, p in items(c.get("portMappings"))]
        if port is not None and port not in ports:
            at.error(
                ("containerPort",),
                f"{port} is not a port of container {name!r} (ports: "
                f"{', '.join(str(p) for p in ports) or 'none'})",
            )
