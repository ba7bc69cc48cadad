"""The controller through a Docker daemon restart: the engine goes away (and takes the
stack's containers down with it, as a restart without restart policies does), comes back,
and the controller notices, records events, and reconciles: the stopped task is recorded
with its reason and replaced. The "daemon" the controller talks to is a socket proxy in
front of the real one, so the test can cut it without disturbing anything else."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from emulator import labels as L
from emulator.runtime.docker import DockerRuntime
from emulator.store import Store

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker

REAL_SOCKET = "/var/run/docker.sock"


class SocketProxy:
    """A unix-socket proxy that can be cut and restored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conns: list[socket.socket] = []
        self._server: socket.socket | None = None

    def start(self) -> None:
        if self.path.exists():
            self.path.unlink()
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(str(self.path))
        srv.listen(64)
        self._server = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                client, _ = srv.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(REAL_SOCKET)
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for c in self._conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self._conns.clear()
        if self.path.exists():
            self.path.unlink()


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[tuple[SocketProxy, str, Path]]:
    if not Path(REAL_SOCKET).exists():
        pytest.fail(f"this test needs the engine at {REAL_SOCKET}")
    proxy = SocketProxy(tmp_path / "docker.sock")
    proxy.start()
    name = "r-" + secrets.token_hex(4)
    try:
        yield proxy, name, tmp_path
    finally:
        proxy.cut()
        cleanup_stack(DockerRuntime(), name)


def test_controller_survives_a_daemon_restart_and_reconciles(
    proxied: tuple[SocketProxy, str, Path],
) -> None:
    proxy, name, tmp = proxied
    (tmp / "ecsdev.yaml").write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "name": name,
                "taskDefinitions": [
                    {
                        "family": "web",
                        "networkMode": "bridge",
                        "containerDefinitions": [
                            {
                                "name": "app",
                                "image": "ecsdev/echo:latest",
                                "memory": 64,
                                "healthCheck": {
                                    "command": [
                                        "CMD-SHELL",
                                        "curl -fs localhost:8080/health || exit 1",
                                    ],
                                    "interval": 5,
                                    "retries": 2,
                                },
                            }
                        ],
                    }
                ],
                "services": [{"serviceName": "web", "taskDefinition": "web", "desiredCount": 1}],
            }
        )
    )
    env = {**os.environ, "DOCKER_HOST": f"unix://{proxy.path}"}
    subprocess.run(
        [sys.executable, "-m", "ecsdev", "up", "-d", "--timeout", "90"],
        cwd=tmp,
        env=env,
        check=True,
        capture_output=True,
    )
    real = DockerRuntime()
    (before,) = [c for c in real.list_containers({L.STACK: name}) if c.labels.get(L.ROLE) == "task"]
    store = Store(name)

    proxy.cut()  # the daemon goes away ...
    subprocess.run(
        ["docker", "kill", before.id], check=True, capture_output=True
    )  # ... with its containers
    deadline = time.time() + 20
    while time.time() < deadline and not any(
        "not reachable" in e.message for _, e in store.events(limit=50)
    ):
        time.sleep(0.5)
    assert any(
        "controller: Docker is not reachable" in e.message for _, e in store.events(limit=50)
    )

    proxy.start()  # ... and comes back
    deadline = time.time() + 90
    replaced = []
    while time.time() < deadline:
        live = [
            c
            for c in real.list_containers({L.STACK: name})
            if c.labels.get(L.ROLE) == "task" and c.running and c.health == "healthy"
        ]
        replaced = [c for c in live if c.labels[L.TASK_ARN] != before.labels[L.TASK_ARN]]
        if replaced:
            break
        time.sleep(1)
    assert replaced, "the controller did not replace the task after the engine came back"
    messages = [e.message for _, e in store.events(limit=200)]
    assert "Docker engine is back; reconciling" in messages
    snap = (store.task_row(before.labels[L.TASK_ARN]) or {}).get("snapshot")
    assert snap is not None and snap.stop_code == "EssentialContainerExited"
    assert any("has started 1 tasks" in m for m in messages[-20:])
