"""A layout's Service Connect and Cloud Map names rendered for real ECS: the namespaces and
Cloud Map services are made in the template, cfn-lint accepts it, and loading it back gives
the same names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from emulator.cfn import load_templates
from emulator.cfn.render import render_template
from emulator.discovery.config import discovery
from emulator.discovery.plan import endpoints
from emulator.model.layout import Layout
from emulator.model.loader import load_layout

CFN_LINT = Path(sys.executable).parent / "cfn-lint"
REGISTRY = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-orders"
LAYOUT = f"""\
version: 1
name: names
cloudMap:
  services: [{{arn: "{REGISTRY}", name: orders, namespace: corp.local}}]
taskDefinitions:
  - family: orders
    networkMode: awsvpc
    cpu: "256"
    memory: "512"
    requiresCompatibilities: [FARGATE]
    containerDefinitions:
      - name: app
        image: ecsdev/echo:latest
        portMappings: [{{containerPort: 80, name: http}}]
services:
  - serviceName: orders
    taskDefinition: orders
    serviceConnectConfiguration:
      enabled: true
      namespace: internal
      services: [{{portName: http, clientAliases: [{{port: 8080, dnsName: orders}}]}}]
    serviceRegistries: [{{registryArn: "{REGISTRY}"}}]
"""


def names(layout: Layout) -> set[tuple[tuple[str, ...], int, int]]:
    svc = layout.services[0]
    eps = endpoints(discovery(svc.raw, layout.cloud_map), layout.task_definition("orders"))
    return {(e.names, e.port, e.container_port) for e in eps}


def test_names_render_lint_and_come_back(tmp_path: Path) -> None:
    src = tmp_path / "ecsdev.yaml"
    src.write_text(LAYOUT)
    layout = load_layout(src)
    out = tmp_path / "template.yaml"
    out.write_text(render_template(layout))
    doc = yaml.safe_load(out.read_text())
    kinds = sorted(r["Type"] for r in doc["Resources"].values() if "ServiceDiscovery" in r["Type"])
    assert kinds == [
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        "AWS::ServiceDiscovery::PrivateDnsNamespace",
        "AWS::ServiceDiscovery::Service",
    ]
    res = subprocess.run([str(CFN_LINT), str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    again = load_templates([out], remember_ports=False)
    assert (
        names(again)
        == names(layout)
        == {
            (("orders",), 8080, 80),
            (("orders.corp.local",), 80, 80),
        }
    )
