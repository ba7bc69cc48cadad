"""Cloud Map resources and a service's ``ServiceConnectConfiguration`` and
``ServiceRegistries`` from a template, as a layout's ``cloudMap`` section and service fields.

Why this exists: a template names its namespaces and Cloud Map services as resources
(``AWS::ServiceDiscovery::PrivateDnsNamespace``, ``AWS::ServiceDiscovery::Service``) and
its ECS services point at them by ``!Ref`` (an ID) or ``!GetAtt ... Arn``. A layout names
them by ARN in ``cloudMap``; this records each namespace and Cloud Map service by the ARN the
translation gives it, and a namespace ID given to Service Connect becomes the namespace's
name; a service's Service Connect without a namespace takes its cluster's
``ServiceConnectDefaults``. A Cloud Map service whose namespace is not in the templates is
left out (the service's registry is then refused, naming it).
"""

from __future__ import annotations

from typing import Any

from .build import Build, mapping
from .origins import to_api
from .resources import Resource, names_of

NAMESPACE_TYPES = (
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::PublicDnsNamespace",
    "AWS::ServiceDiscovery::HttpNamespace",
)
SERVICE_TYPE = "AWS::ServiceDiscovery::Service"
PROPS = ("ServiceConnectConfiguration", "ServiceRegistries")
CLUSTER_DEFAULT = ""  # key of ``Build.namespaces``: the cluster's ServiceConnectDefaults


def record_cloud_map(build: Build, by_type: dict[str, list[Resource]]) -> None:
    """The templates' namespaces and Cloud Map services, in the layout's ``cloudMap``."""
    namespaces: list[dict[str, Any]] = []
    for rtype in NAMESPACE_TYPES:
        for r in by_type.get(rtype, []):
            name = r.props.get("Name")
            if not isinstance(name, str):
                continue
            attrs = names_of(r)
            build.namespaces[str(attrs["Ref"])] = name
            namespaces.append({"arn": str(attrs["Arn"]), "name": name})
    services = []
    for r in by_type.get(SERVICE_TYPE, []):
        ns_id = r.props.get("NamespaceId") or mapping(r.props.get("DnsConfig")).get("NamespaceId")
        namespace = build.namespaces.get(str(ns_id))
        if namespace is None:
            build.warn(r, ("Properties",), "its namespace is not in the templates: left out")
            continue
        attrs = names_of(r)
        name = r.props.get("Name") or attrs.get("Name") or r.lid
        services.append({"arn": str(attrs["Arn"]), "name": str(name), "namespace": namespace})
    for r in by_type.get("AWS::ECS::Cluster", [])[:1]:
        default = mapping(r.props.get("ServiceConnectDefaults")).get("Namespace")
        if isinstance(default, str) and default:
            build.namespaces[CLUSTER_DEFAULT] = build.namespaces.get(default, default)
    section = {k: v for k, v in (("namespaces", namespaces), ("services", services)) if v}
    if section:
        build.doc["cloudMap"] = section


def translate_discovery(build: Build, res: Resource, svc: dict[str, Any], index: int) -> None:
    """A service's Service Connect and registry properties, in the layout's words."""
    here = ("services", index)
    sc = res.props.get("ServiceConnectConfiguration")
    if sc is not None:
        body = to_api(
            sc,
            "ServiceConnectConfiguration",
            "ecs",
            build.origins,
            here + ("serviceConnectConfiguration",),
            res.tpl,
            res.at + ("Properties", "ServiceConnectConfiguration"),
        )
        if isinstance(body, dict) and not body.get("namespace"):
            if CLUSTER_DEFAULT in build.namespaces:  # the cluster's ServiceConnectDefaults
                body["namespace"] = build.namespaces[CLUSTER_DEFAULT]
        elif isinstance(body, dict) and str(body.get("namespace")) in build.namespaces:
            body["namespace"] = build.namespaces[str(body["namespace"])]  # an ID by !Ref
        svc["serviceConnectConfiguration"] = body
    regs = res.props.get("ServiceRegistries")
    if regs is not None:
        svc["serviceRegistries"] = to_api(
            regs,
            "ServiceRegistries",
            "ecs",
            build.origins,
            here + ("serviceRegistries",),
            res.tpl,
            res.at + ("Properties", "ServiceRegistries"),
        )
