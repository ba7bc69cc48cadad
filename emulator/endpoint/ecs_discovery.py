"""CreateService's and UpdateService's ``serviceConnectConfiguration`` and
``serviceRegistries``, with their Cloud Map ARNs named by the endpoint's moto.

Why this exists: through the API, namespaces and registries are Cloud Map resources made
with ``aws servicediscovery create-private-dns-namespace`` / ``create-service``, which the
embedded moto answers. A namespace ARN becomes its name and a registry ARN its service's
name and namespace's name by reading moto's servicediscovery backend in this process; a
namespace given by name is used as given. What is unknown is ECS's
InvalidParameterException.
"""

from __future__ import annotations

from typing import Any

from emulator.discovery.config import (
    Discovery,
    DiscoveryError,
    registries,
    service_connect,
)
from emulator.endpoint.api import ApiError, Request
from emulator.model.taskdef import TaskDefinition
from emulator.store import Store


def _backend(req: Request, arn: str) -> Any:
    from moto.servicediscovery.models import servicediscovery_backends

    parts = arn.split(":")
    region = parts[3] if len(parts) > 5 and parts[3] else req.region
    return servicediscovery_backends[req.account_id][region]


def _namespace_name(req: Request) -> Any:
    def name(value: str) -> str:
        if not value.startswith("arn:"):
            return value
        try:
            return str(_backend(req, value).get_namespace(value.rsplit("/", 1)[-1]).name)
        except Exception as e:  # moto's NamespaceNotFound, or an ARN of another shape
            raise ApiError(
                "InvalidParameterException", f"The namespace {value} was not found."
            ) from e

    return name


def _registry(req: Request) -> Any:
    def lookup(arn: str) -> tuple[str, str]:
        try:
            backend = _backend(req, arn)
            service = backend.get_service(arn.rsplit("/", 1)[-1])
            namespace = backend.get_namespace(service.namespace_id)
        except Exception as e:  # moto's ServiceNotFound / NamespaceNotFound
            raise ApiError(
                "InvalidParameterException",
                f"The service registry {arn} was not found in Cloud Map.",
            ) from e
        return str(service.name), str(namespace.name)

    return lookup


def discovery_of(
    req: Request,
    p: Any,
    before: Discovery | None = None,
    store: Store | None = None,
    td: TaskDefinition | None = None,
) -> Discovery | None:
    """The request's discovery fields over ``before`` (None: UpdateService changes
    neither; CreateService always gets one). A Service Connect configuration without a
    namespace takes the cluster's ``serviceConnectDefaults`` (kept in ``store``), as ECS does."""
    sc_given = p.get("serviceConnectConfiguration") is not None
    if sc_given and not p["serviceConnectConfiguration"].get("namespace") and store is not None:
        default = ((store.get("stack") or {}).get("serviceConnectDefaults") or {}).get("namespace")
        if default:
            p = {
                **p,
                "serviceConnectConfiguration": {
                    **p["serviceConnectConfiguration"],
                    "namespace": default,
                },
            }
    reg_given = p.get("serviceRegistries") is not None
    if before is not None and not sc_given and not reg_given:
        return None
    base = before or Discovery()
    try:
        sc = (
            service_connect(p.get("serviceConnectConfiguration"), _namespace_name(req))
            if sc_given
            else base.service_connect
        )
        regs = (
            registries(p.get("serviceRegistries"), _registry(req)) if reg_given else base.registries
        )
    except DiscoveryError as e:
        raise ApiError("InvalidParameterException", e.message) from e
    named = {m.name for c in (td.container_definitions if td else ()) for m in c.port_mappings}
    for s in sc.services if td is not None and sc is not None and sc.enabled else ():
        if s.port_name not in named:
            raise ApiError(
                "InvalidParameterException",
                f"The portName '{s.port_name}' is not a named port mapping of the task definition.",
            )
    return Discovery(sc, regs)
