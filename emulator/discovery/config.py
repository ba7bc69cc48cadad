"""What a service asks of discovery: its ``serviceConnectConfiguration`` and
``serviceRegistries``, typed, with every namespace and registry reduced to the names clients
use.

Why this exists: a layout and CreateService give the same two API fields; the layout has no
Cloud Map resources and the endpoint's live in moto, so each caller passes how a namespace
ARN or a registry ARN becomes names (``NamespaceName``, ``RegistryLookup``) and the rest is
shared. What is kept is enough to echo the fields back as ECS describes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.errors import EcsdevError

NamespaceName = Callable[[str], str]
"""A Service Connect ``namespace`` (a name or a namespace ARN) -> the namespace's name."""
RegistryLookup = Callable[[str], tuple[str, str]]
"""A ``registryArn`` -> (the Cloud Map service's name, its namespace's name)."""


class DiscoveryError(EcsdevError):
    """A discovery setting that cannot be honoured (the message is ECS's wording where ECS
    has one)."""


@dataclass(frozen=True, slots=True)
class ClientAlias:
    port: int
    dns_name: str = ""  # "" = discoveryName.namespace


@dataclass(frozen=True, slots=True)
class ConnectService:
    port_name: str
    discovery_name: str = ""  # "" = portName
    client_aliases: tuple[ClientAlias, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceConnect:
    enabled: bool = False
    namespace: str = ""  # as given (name or ARN)
    namespace_name: str = ""  # what clients append: orders.<namespace_name>
    services: tuple[ConnectService, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistryName:
    """One ``serviceRegistries`` entry and the Cloud Map name it stands for."""

    registry_arn: str
    name: str  # the Cloud Map service's name
    namespace: str  # its namespace's name
    port: int | None = None
    container_name: str = ""
    container_port: int | None = None

    @property
    def dns_name(self) -> str:
        return f"{self.name}.{self.namespace}"


@dataclass(frozen=True, slots=True)
class Discovery:
    service_connect: ServiceConnect | None = None
    registries: tuple[RegistryName, ...] = ()

    @property
    def empty(self) -> bool:
        sc = self.service_connect
        return not self.registries and (sc is None or not sc.enabled or not sc.services)


@dataclass(frozen=True, slots=True)
class CloudMap:
    """A layout's ``cloudMap`` section: the names behind the Cloud Map ARNs its services
    give (a layout has no Cloud Map resources of its own)."""

    namespaces: tuple[tuple[str, str], ...] = ()  # (namespace ARN, its name)
    services: tuple[tuple[str, str, str], ...] = ()  # (service ARN, its name, namespace name)

    def namespace_name(self, value: str) -> str:
        if not value.startswith("arn:"):
            return value
        for arn, name in self.namespaces:
            if arn == value:
                return name
        raise DiscoveryError(
            f"namespace {value} is not in the layout's cloudMap.namespaces",
            "Add {arn: ..., name: ...} under cloudMap.namespaces, or give the name.",
        )

    def registry(self, arn: str) -> tuple[str, str]:
        for a, name, namespace in self.services:
            if a == arn:
                return name, namespace
        raise DiscoveryError(
            f"registry {arn} is not in the layout's cloudMap.services",
            "Add {arn: ..., name: ..., namespace: ...} under cloudMap.services.",
        )


def discovery(raw: Any, cloud_map: CloudMap) -> Discovery:
    """A layout service's discovery fields (already validated)."""
    return Discovery(
        service_connect(raw.get("serviceConnectConfiguration"), cloud_map.namespace_name),
        registries(raw.get("serviceRegistries"), cloud_map.registry),
    )


def service_connect(value: Any, namespace_name: NamespaceName) -> ServiceConnect | None:
    """``serviceConnectConfiguration`` as the API gives it (None when absent)."""
    if not value:
        return None
    enabled = bool(value.get("enabled"))
    namespace = str(value.get("namespace") or "")
    services = tuple(
        ConnectService(
            port_name=str(s.get("portName") or ""),
            discovery_name=str(s.get("discoveryName") or ""),
            client_aliases=tuple(
                ClientAlias(int(a["port"]), str(a.get("dnsName") or ""))
                for a in s.get("clientAliases") or ()
            ),
        )
        for s in value.get("services") or ()
    )
    if enabled and services and not namespace:
        raise DiscoveryError(
            "Service Connect requires a namespace: set serviceConnectConfiguration.namespace."
        )
    name = namespace_name(namespace) if enabled and namespace else namespace
    return ServiceConnect(enabled, namespace, name, services)


def registries(values: Any, lookup: RegistryLookup) -> tuple[RegistryName, ...]:
    """``serviceRegistries`` as the API gives them; each ARN named through ``lookup``."""
    out = []
    for r in values or ():
        arn = str(r.get("registryArn") or "")
        if not arn:
            raise DiscoveryError("serviceRegistries: registryArn must be specified.")
        name, namespace = lookup(arn)
        out.append(
            RegistryName(
                registry_arn=arn,
                name=name,
                namespace=namespace,
                port=int(r["port"]) if r.get("port") is not None else None,
                container_name=str(r.get("containerName") or ""),
                container_port=int(r["containerPort"])
                if r.get("containerPort") is not None
                else None,
            )
        )
    return tuple(out)


def registries_json(d: Discovery) -> list[dict[str, Any]]:
    """``serviceRegistries`` as DescribeServices shows them."""
    out: list[dict[str, Any]] = []
    for r in d.registries:
        item: dict[str, Any] = {"registryArn": r.registry_arn}
        if r.port is not None:
            item["port"] = r.port
        if r.container_name:
            item["containerName"] = r.container_name
        if r.container_port is not None:
            item["containerPort"] = r.container_port
        out.append(item)
    return out


def service_connect_json(d: Discovery) -> dict[str, Any] | None:
    """``serviceConnectConfiguration`` as a deployment of DescribeServices shows it."""
    sc = d.service_connect
    if sc is None:
        return None
    out: dict[str, Any] = {"enabled": sc.enabled}
    if sc.namespace:
        out["namespace"] = sc.namespace
    if sc.services:
        out["services"] = [
            {
                "portName": s.port_name,
                **({"discoveryName": s.discovery_name} if s.discovery_name else {}),
                "clientAliases": [
                    {"port": a.port, **({"dnsName": a.dns_name} if a.dns_name else {})}
                    for a in s.client_aliases
                ],
            }
            for s in sc.services
        ]
    return out
