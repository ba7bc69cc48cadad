"""The endpoints a discoverable service offers, and what its forwarders are told (pure).

Why this exists: a client alias ``orders:8080`` whose ``portName`` is the container's port
80, or a Cloud Map name ``orders.internal`` on each port the task listens on, is one
``Endpoint``: names, the port clients dial, and the container and port behind it. A
forwarder container has one address on each network, so two endpoints of a service on the
same port under different names need two forwarders: ``groups`` splits them. ``config``
is the forwarder's file (``forwarder.py`` reads it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from emulator.discovery.config import Discovery
from emulator.model.taskdef import TaskDefinition


@dataclass(frozen=True, slots=True)
class Endpoint:
    names: tuple[str, ...]  # DNS names clients use (network aliases of the forwarder)
    port: int  # the port clients dial
    container: str  # the task's container behind it
    container_port: int

    @property
    def key(self) -> tuple[tuple[str, ...], int]:
        return self.names, self.port


def endpoints(d: Discovery, td: TaskDefinition) -> list[Endpoint]:
    """Every endpoint of a service running ``td``: Service Connect client aliases first,
    then Cloud Map names. Ports of ``td`` that the configuration does not name are skipped
    (validation reports them)."""
    out: list[Endpoint] = []
    named = {
        p.name: (c.name, p.container_port)
        for c in td.container_definitions
        for p in c.port_mappings
        if p.name
    }
    sc = d.service_connect
    if sc is not None and sc.enabled:
        for s in sc.services:
            where = named.get(s.port_name)
            if where is None:
                continue
            discovery = s.discovery_name or s.port_name
            for a in s.client_aliases:
                name = a.dns_name or f"{discovery}.{sc.namespace_name}"
                out.append(Endpoint((name,), a.port, where[0], where[1]))
    for r in d.registries:
        for c in td.container_definitions:
            if r.container_name and c.name != r.container_name:
                continue
            for p in c.port_mappings:
                if p.protocol != "tcp":
                    continue
                if r.container_port is not None and p.container_port != r.container_port:
                    continue
                out.append(Endpoint((r.dns_name,), p.container_port, c.name, p.container_port))
    return _merged(out)


def _merged(eps: list[Endpoint]) -> list[Endpoint]:
    """Endpoints with the same port and target under several names become one."""
    out: dict[tuple[int, str, int], list[str]] = {}
    for e in eps:
        names = out.setdefault((e.port, e.container, e.container_port), [])
        names += [n for n in e.names if n not in names]
    return [Endpoint(tuple(sorted(n)), p, c, cp) for (p, c, cp), n in out.items()]


def groups(eps: list[Endpoint]) -> list[list[Endpoint]]:
    """Endpoints split so that in each group a port is served once (one forwarder
    container per group: each of its names also reaches its other ports, which no client
    of the real names notices)."""
    out: list[list[Endpoint]] = []
    for e in eps:
        for g in out:
            if all(x.port != e.port for x in g):
                g.append(e)
                break
        else:
            out.append([e])
    return out


def aliases(group: list[Endpoint]) -> tuple[str, ...]:
    return tuple(sorted({n for e in group for n in e.names}))


Backends = dict[tuple[tuple[str, ...], int], list[tuple[str, int]]]
"""Endpoint key -> the (IP, port) of each healthy task behind it."""


def config(group: list[Endpoint], backends: Backends) -> str:
    """The forwarder's configuration: port -> [[ip, port], ...] (sorted, so an unchanged set
    of tasks writes the same text)."""
    listen = {str(e.port): sorted(set(backends.get(e.key, []))) for e in group}
    return json.dumps({"listen": listen}, sort_keys=True)
