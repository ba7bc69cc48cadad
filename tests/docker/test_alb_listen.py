"""Where the ALB stand-in listens (issue 14, the listener path): on a local Linux engine its
nginx runs on the host's network and listens at each listener's published address itself,
so no Docker port publishing and no userland proxy (docker-proxy) stands between a client
and the listener, and the application sees the client's own address; targets in private
subnets are still reached. ``ECSDEV_LISTENERS=published`` (what Docker Desktop and rootless
engines get on their own) goes back to ports published by Docker. A listener address that
is taken is a clear error, with nothing left behind."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from emulator.alb import AlbError
from emulator.alb.nginx import AlbParts, Target
from emulator.alb.proxy import Proxy, listener_mode
from emulator.model.layout import Action, Listener, LoadBalancer
from emulator.runtime.docker import DockerRuntime

from .albstack import (
    QUICK,
    base_layout,
    echo_family,
    forward,
    free_port,
    request,
    service,
    stack,
)


def _network_mode(container: str) -> str:
    return subprocess.run(
        ["docker", "inspect", "-f", "{{.HostConfig.NetworkMode}}", container],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _docker_proxies(port: int) -> list[str]:
    """The docker-proxy processes that forward host port ``port``."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [
        line
        for line in out.splitlines()
        if "docker-proxy" in line and f"-host-port {port} " in f"{line} "
    ]


def _layout(name: str, port: int) -> dict[str, object]:
    doc = base_layout(
        name,
        [{"port": 80, "publish": f"127.0.0.1:{port}", "defaultActions": [forward("web")]}],
    )
    doc["taskDefinitions"] = [echo_family("web")]
    doc["targetGroups"] = [{"name": "web", **QUICK}]
    doc["services"] = [service("web", "web")]  # in the private subnet
    return doc


@pytest.mark.parametrize("mode", ["host", "published"])
def test_listener_is_served_where_the_engine_allows(tmp_path: Path, mode: str) -> None:
    assert listener_mode(DockerRuntime()) == "host"  # this machine: a local Linux engine
    port = free_port()
    with stack(tmp_path, "listen") as s:
        if mode == "published":
            s.env["ECSDEV_LISTENERS"] = "published"
        s.up(_layout(s.name, port))
        status, _, body = request(port, "/hello")
        assert status == 200, body
        assert body["path"] == "/hello"
        seen = body["incoming-headers"]
        assert seen["x-forwarded-port"] == str(port)
        proxy = f"{s.name}-alb-edge"
        if mode == "host":
            assert _network_mode(proxy) == "host"
            assert _docker_proxies(port) == []
            assert seen["x-forwarded-for"] == "127.0.0.1"  # the client itself
        else:
            assert _network_mode(proxy) != "host"
            assert len(_docker_proxies(port)) == 1
            assert (
                seen["x-forwarded-for"] != "127.0.0.1"
            )  # Docker's gateway, as docker-proxy connects


def test_a_taken_listener_address_is_a_clear_error_and_nothing_is_left() -> None:
    rt = DockerRuntime()
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        fixed = (Action("fixed-response", status_code="200", content_type="text/plain"),)
        lb = LoadBalancer("taken", listeners=(Listener(80, "HTTP", f"127.0.0.1:{port}", fixed),))
        parts = AlbParts(lb)
        proxy = Proxy(rt, "t-listen-taken", parts, ["bridge"], on_host=True)
        targets: dict[str, list[Target]] = {}
        try:
            with pytest.raises(AlbError) as got:
                proxy.ensure(proxy.render(targets))
            assert f"127.0.0.1:{port}" in got.value.message
            assert got.value.message == (
                f"nginx did not start: bind() to 127.0.0.1:{port} failed (98: Address already in use)"
            )
            assert "publish" in got.value.hint
            assert proxy.find() == []
        finally:
            proxy.remove()
