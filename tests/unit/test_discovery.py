"""Names between tasks without Docker: the endpoints a service's Service Connect and Cloud Map
settings make (alias port vs container port, default names), how forwarders are split,
the layout's checks of those settings, and the forwarder program itself on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import textwrap
from pathlib import Path
from typing import Any

import pytest

from emulator.discovery import forwarder
from emulator.discovery.config import (
    CloudMap,
    Discovery,
    DiscoveryError,
    discovery,
    registries_json,
    service_connect_json,
)
from emulator.discovery.plan import Endpoint, aliases, config, endpoints, groups
from emulator.errors import LayoutError
from emulator.model.loader import load_layout
from emulator.model.taskdef import parse_task_definition

REGISTRY = "arn:aws:servicediscovery:us-east-1:000000000000:service/srv-orders"
NAMESPACE = "arn:aws:servicediscovery:us-east-1:000000000000:namespace/ns-abc"
CLOUD_MAP = CloudMap(((NAMESPACE, "corp.local"),), ((REGISTRY, "orders", "internal"),))
TD = parse_task_definition(
    {
        "family": "orders",
        "networkMode": "awsvpc",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "x",
                "portMappings": [
                    {"containerPort": 80, "name": "http"},
                    {"containerPort": 9090, "name": "admin"},
                ],
            },
            {"name": "side", "image": "x", "portMappings": [{"containerPort": 5000}]},
        ],
    }
)


def test_client_aliases_name_their_own_port_in_front_of_the_container_port() -> None:
    d = discovery(
        {
            "serviceConnectConfiguration": {
                "enabled": True,
                "namespace": NAMESPACE,
                "services": [
                    {"portName": "http", "clientAliases": [{"port": 8080, "dnsName": "orders"}]},
                    {"portName": "admin", "discoveryName": "ops", "clientAliases": [{"port": 90}]},
                ],
            }
        },
        CLOUD_MAP,
    )
    assert endpoints(d, TD) == [
        Endpoint(("orders",), 8080, "app", 80),
        Endpoint(("ops.corp.local",), 90, "app", 9090),  # default: discoveryName.namespace
    ]
    assert service_connect_json(d) == {
        "enabled": True,
        "namespace": NAMESPACE,
        "services": [
            {"portName": "http", "clientAliases": [{"port": 8080, "dnsName": "orders"}]},
            {"portName": "admin", "discoveryName": "ops", "clientAliases": [{"port": 90}]},
        ],
    }


def test_a_registry_names_every_port_or_the_one_it_gives() -> None:
    every = discovery({"serviceRegistries": [{"registryArn": REGISTRY}]}, CLOUD_MAP)
    assert {(e.port, e.container) for e in endpoints(every, TD)} == {
        (80, "app"),
        (9090, "app"),
        (5000, "side"),
    }
    assert {e.names for e in endpoints(every, TD)} == {("orders.internal",)}
    one = discovery(
        {
            "serviceRegistries": [
                {"registryArn": REGISTRY, "containerName": "app", "containerPort": 9090}
            ]
        },
        CLOUD_MAP,
    )
    assert endpoints(one, TD) == [Endpoint(("orders.internal",), 9090, "app", 9090)]
    assert registries_json(one) == [
        {"registryArn": REGISTRY, "containerName": "app", "containerPort": 9090}
    ]


def test_names_on_one_port_and_target_merge_and_a_clash_of_ports_splits_forwarders() -> None:
    d = discovery(
        {
            "serviceConnectConfiguration": {
                "enabled": True,
                "namespace": "internal",
                "services": [
                    {"portName": "http", "clientAliases": [{"port": 80, "dnsName": "orders"}]},
                    {"portName": "admin", "clientAliases": [{"port": 80, "dnsName": "ops"}]},
                ],
            },
            "serviceRegistries": [{"registryArn": REGISTRY, "containerName": "app"}],
        },
        CLOUD_MAP,
    )
    eps = endpoints(d, TD)
    assert Endpoint(("orders", "orders.internal"), 80, "app", 80) in eps  # one port, two names
    split = groups(eps)
    assert len(split) == 2 and all(len({e.port for e in g}) == len(g) for g in split)
    assert aliases(split[0]) == ("orders", "orders.internal")
    text = config(split[0], {split[0][0].key: [("10.0.0.9", 80), ("10.0.0.2", 80)]})
    assert json.loads(text)["listen"]["80"] == [["10.0.0.2", 80], ["10.0.0.9", 80]]


def test_unknown_arns_and_a_missing_namespace_are_refused() -> None:
    with pytest.raises(DiscoveryError, match="cloudMap.services"):
        discovery({"serviceRegistries": [{"registryArn": REGISTRY + "x"}]}, CLOUD_MAP)
    with pytest.raises(DiscoveryError, match="cloudMap.namespaces"):
        CLOUD_MAP.namespace_name(NAMESPACE + "x")
    with pytest.raises(DiscoveryError, match="namespace"):
        discovery(
            {
                "serviceConnectConfiguration": {
                    "enabled": True,
                    "services": [{"portName": "http", "clientAliases": [{"port": 80}]}],
                }
            },
            CLOUD_MAP,
        )
    assert Discovery().empty
    assert discovery({"serviceConnectConfiguration": {"enabled": True}}, CLOUD_MAP).empty


LAYOUT = """\
version: 1
name: names
cloudMap:
  services: [{{arn: "{registry}", name: orders, namespace: internal}}]
taskDefinitions:
  - family: orders
    networkMode: awsvpc
    containerDefinitions:
      - name: app
        image: x
        memory: 64
        portMappings: [{{containerPort: 80, name: http}}]
services:
  - serviceName: orders
    taskDefinition: orders
    serviceConnectConfiguration:
      enabled: true
      namespace: {namespace}
      services:
        - portName: {port_name}
          clientAliases: [{{port: 8080, dnsName: orders}}]
          timeout: {{idleTimeoutSeconds: 5}}
    serviceRegistries:
      - {{registryArn: "{used}", containerName: app, containerPort: {container_port}}}
"""


def _layout(tmp_path: Path, **kw: Any) -> Path:
    values = {
        "registry": REGISTRY,
        "namespace": "internal",
        "port_name": "http",
        "used": REGISTRY,
        "container_port": 80,
    }
    path = tmp_path / "ecsdev.yaml"
    path.write_text(textwrap.dedent(LAYOUT.format(**{**values, **kw})))
    return path


def test_a_layout_takes_service_connect_and_registries(tmp_path: Path) -> None:
    warned: list[str] = []
    layout = load_layout(_layout(tmp_path), lambda e: warned.append(e.message))
    assert layout.cloud_map.registry(REGISTRY) == ("orders", "internal")
    d = discovery(layout.services[0].raw, layout.cloud_map)
    names = {e.names for e in endpoints(d, layout.task_definitions[0])}
    assert names == {("orders",), ("orders.internal",)}
    assert any("timeout" in w and "not honoured" in w for w in warned), warned


@pytest.mark.parametrize(
    ("kw", "problem"),
    [
        ({"port_name": "web"}, "'web' is not the name of a port mapping"),
        ({"used": REGISTRY + "x"}, "is not in cloudMap.services"),
        ({"namespace": NAMESPACE}, "is not in cloudMap.namespaces"),
        ({"container_port": 81}, "81 is not a port of container 'app'"),
    ],
)
def test_a_layout_refuses_names_that_would_not_resolve(
    tmp_path: Path, kw: dict[str, Any], problem: str
) -> None:
    with pytest.raises(LayoutError) as info:
        load_layout(_layout(tmp_path, **kw))
    assert any(problem in p.message for p in info.value.problems), info.value.problems


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_forwarder_forwards_to_its_backends_and_refuses_without_one(tmp_path: Path) -> None:
    async def scenario() -> tuple[bytes, bool]:
        async def echo(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
            w.write(b"hello " + await r.read(100))
            await w.drain()
            w.close()

        backend = await asyncio.start_server(echo, "127.0.0.1", 0)
        to = backend.sockets[0].getsockname()[1]
        listen, conf = _free_port(), tmp_path / "names.json"
        conf.write_text(json.dumps({"listen": {str(listen): [["127.0.0.1", to]]}}))
        fw = forwarder.Forwarder(str(conf))
        await fw.reload()
        reader, writer = await asyncio.open_connection("127.0.0.1", listen)
        writer.write(b"world")
        writer.write_eof()
        got = await asyncio.wait_for(reader.read(100), 5)
        writer.close()
        conf.write_text(json.dumps({"listen": {str(listen): []}}))
        await fw.reload()
        refused = False
        try:
            await asyncio.open_connection("127.0.0.1", listen)
        except OSError:
            refused = True
        backend.close()
        for server in fw.servers.values():
            server.close()
        return got, refused

    got, refused = asyncio.run(scenario())
    assert got == b"hello world" and refused


def test_a_client_alias_given_by_two_services_is_warned(tmp_path: Path) -> None:
    path = _layout(tmp_path)
    shadow = (
        "  - serviceName: shadow\n"
        "    taskDefinition: orders\n"
        "    serviceConnectConfiguration:\n"
        "      enabled: true\n"
        "      namespace: internal\n"
        "      services: [{portName: http, clientAliases: [{port: 8080, dnsName: orders}]}]\n"
    )
    path.write_text(path.read_text() + shadow)
    warned: list[str] = []
    load_layout(path, lambda e: warned.append(e.message))
    assert any("'orders' is also a client alias of services[0]" in w for w in warned), warned
