"""Names between tasks in a rendered template: a service's ``serviceConnectConfiguration``
and ``serviceRegistries``, with the Cloud Map namespaces and services they name.

Why this exists: a layout names its namespaces by name (or by an ARN its ``cloudMap``
section names) and its registries by ARN; a template for a fresh account has to make them.
Each namespace becomes an ``AWS::ServiceDiscovery::PrivateDnsNamespace`` in the VPC, each
registry an ``AWS::ServiceDiscovery::Service`` in it (A records for awsvpc tasks, SRV for
bridge and host tasks, as ECS requires), and the service points at them by ``Fn::GetAtt``.
Loading the rendered template gives the same names back (``emulator.cfn.discovery``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from emulator.discovery.config import discovery
from emulator.model.layout import Service
from emulator.model.taskdef import TaskDefinition

from .render_ecs import logical, to_cfn

if TYPE_CHECKING:
    from .render import Renderer


def _namespace(self: Renderer, name: str) -> str:
    lid = logical("Namespace", name)
    self.res.setdefault(
        lid,
        {
            "Type": "AWS::ServiceDiscovery::PrivateDnsNamespace",
            "Properties": {"Name": name, "Vpc": {"Ref": "Vpc"}},
        },
    )
    return lid


def discovery_props(self: Renderer, svc: Service, td: TaskDefinition) -> dict[str, Any]:
    """The service's ``ServiceConnectConfiguration`` and ``ServiceRegistries`` properties
    (empty when it has neither); the resources they name are added to the template."""
    out: dict[str, Any] = {}
    d = discovery(svc.raw, self.layout.cloud_map)
    sc = svc.raw.get("serviceConnectConfiguration")
    if sc:
        body = to_cfn(sc, "ServiceConnectConfiguration")
        if d.service_connect is not None and d.service_connect.namespace_name:
            ns = _namespace(self, d.service_connect.namespace_name)
            body["Namespace"] = {"Fn::GetAtt": [ns, "Arn"]}
        out["ServiceConnectConfiguration"] = body
    regs = []
    for r, raw in zip(d.registries, svc.raw.get("serviceRegistries") or [], strict=False):
        srv = logical("Discovery", f"{r.namespace}-{r.name}")
        record = "A" if td.network_mode == "awsvpc" else "SRV"
        if record == "SRV" and (not r.container_name or r.container_port is None):
            self.notes.append(
                f"service {svc.name}: a {td.network_mode}-mode registry needs containerName and "
                "containerPort (SRV records) in AWS"
            )
        self.res.setdefault(
            srv,
            {
                "Type": "AWS::ServiceDiscovery::Service",
                "Properties": {
                    "Name": r.name,
                    "NamespaceId": {"Ref": _namespace(self, r.namespace)},
                    "DnsConfig": {
                        "DnsRecords": [{"Type": record, "TTL": 10}],
                        "RoutingPolicy": "MULTIVALUE",
                    },
                },
            },
        )
        entry = {k: v for k, v in to_cfn(raw, "ServiceRegistry").items() if k != "RegistryArn"}
        regs.append({"RegistryArn": {"Fn::GetAtt": [srv, "Arn"]}, **entry})
    if regs:
        out["ServiceRegistries"] = regs
    return out
