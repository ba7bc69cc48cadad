"""Helpers of test_alb_stack: a layout driven through the CLI under a unique stack name
with its own state directory, requests to 127.0.0.1 (and straight to a task, on the stack's
own networks), layout builders, and a client that hammers a listener."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from emulator import labels as L
from emulator.albstate import snapshot
from emulator.runtime.docker import DockerRuntime
from emulator.store import Store

from .conftest import cleanup_stack

CDN = "d1phq4yrkrmw68.cloudfront.net"
ALIVE = {  # a container check that /health/fail does not touch: only the ALB sees that
    "command": ["CMD-SHELL", "curl -fs http://localhost:8080/alive || exit 1"],
    "interval": 5,
    "timeout": 2,
    "retries": 2,
}
QUICK = {  # health checks every 5 s, 2 to change state
    "port": 8080,
    "targetType": "ip",
    "healthCheckPath": "/health",
    "healthCheckIntervalSeconds": 5,
    "healthCheckTimeoutSeconds": 2,
    "healthyThresholdCount": 2,
    "unhealthyThresholdCount": 2,
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def echo_family(name: str, **env: str) -> dict[str, Any]:
    return {
        "family": name,
        "networkMode": "awsvpc",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "ecsdev/echo:latest",
                "memory": 64,
                "portMappings": [{"containerPort": 8080}],
                "environment": [{"name": k, "value": v} for k, v in env.items()],
                "healthCheck": ALIVE,
            }
        ],
    }


def service(name: str, family: str, desired: int = 1, grace: int = 0) -> dict[str, Any]:
    return {
        "serviceName": name,
        "taskDefinition": family,
        "desiredCount": desired,
        "subnets": ["private-a"],
        "healthCheckGracePeriodSeconds": grace,
        "loadBalancers": [{"targetGroup": name, "containerName": "app", "containerPort": 8080}],
    }


def forward(group: str) -> dict[str, Any]:
    return {"type": "forward", "targetGroup": group}


def path_rule(priority: int, path: str, group: str) -> dict[str, Any]:
    return {
        "priority": priority,
        "conditions": [{"field": "path-pattern", "values": [path]}],
        "actions": [forward(group)],
    }


def base_layout(name: str, listeners: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": 1,
        "name": name,
        "vpc": {
            "subnets": [
                {"name": "public-a", "public": True},
                {"name": "private-a", "public": False},
            ]
        },
        "loadBalancers": [{"name": "edge", "subnets": ["public-a"], "listeners": listeners}],
        "headers": {"translate": True},
    }


class Stack:
    """A layout under a unique name, its state directory, and the CLI to drive it."""

    def __init__(self, root: Path, prefix: str) -> None:
        self.name = f"{prefix}-{secrets.token_hex(3)}"
        self.root = root
        self.state = root / "state"
        self.path = root / "ecsdev.yaml"
        self.env = {**os.environ, "ECSDEV_STATE_DIR": str(self.state), "COLUMNS": "200"}
        self.store: Store | None = None

    def cli(self, *args: str, timeout: float = 240) -> str:
        res = subprocess.run(
            [sys.executable, "-m", "ecsdev", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            env=self.env,
        )
        assert res.returncode == 0, (
            f"ecsdev {' '.join(args)}: {res.returncode}\n{res.stdout}\n{res.stderr}"
        )
        return res.stdout

    def up(self, doc: dict[str, Any]) -> str:
        self.path.write_text(yaml.safe_dump(doc))
        out = self.cli("up", "-d", "-f", str(self.path), "--timeout", "150")
        self.store = Store(self.name, self.state / "stacks" / self.name)
        return out

    def targets(self) -> list[dict[str, Any]]:
        """Every TargetHealthDescription the controller last wrote (read directly: cheap)."""
        assert self.store is not None
        return [d for ds in snapshot(self.store).values() for d in ds]

    def target(self, task_arn: str) -> dict[str, Any]:
        return next(d for d in self.targets() if d["Ecsdev"]["TaskArn"] == task_arn)

    def serving(self, service: str) -> list[dict[str, Any]]:
        return [
            d
            for d in self.targets()
            if d["Ecsdev"]["ServiceName"] == service and d["TargetHealth"]["State"] == "healthy"
        ]

    def events(self) -> list[tuple[float, str]]:
        assert self.store is not None
        return [(ev.at, ev.message) for _, ev in self.store.events(limit=2000)]

    def close(self) -> None:
        try:
            if self.path.exists():
                subprocess.run(
                    [sys.executable, "-m", "ecsdev", "down", "--stack", self.name],
                    env=self.env,
                    capture_output=True,
                    timeout=120,
                    check=False,
                )
        finally:
            before = os.environ.get("ECSDEV_STATE_DIR")
            os.environ["ECSDEV_STATE_DIR"] = str(self.state)  # cleanup_stack finds the controller
            try:
                rt = DockerRuntime()
                cleanup_stack(rt, self.name)
                left = rt.list_containers({L.STACK: self.name})
                assert not left, f"left behind: {[c.name for c in left]}"
            finally:
                if before is None:
                    os.environ.pop("ECSDEV_STATE_DIR", None)
                else:
                    os.environ["ECSDEV_STATE_DIR"] = before
                if self.store is not None:
                    self.store.close()


@contextmanager
def stack(tmp: Path, prefix: str) -> Iterator[Stack]:
    s = Stack(tmp, prefix)
    try:
        yield s
    finally:
        s.close()


def request(
    port: int,
    path: str = "/",
    method: str = "GET",
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        hdrs: dict[str, str] = {}
        for k, v in r.getheaders():  # repeated headers (Set-Cookie) one per line
            hdrs[k.lower()] = f"{hdrs[k.lower()]}\n{v}" if k.lower() in hdrs else v
    finally:
        conn.close()
    try:
        return r.status, hdrs, json.loads(body)
    except ValueError:
        return r.status, hdrs, body.decode(errors="replace")


def direct(ip: str, path: str) -> int:
    """A request straight to a task (on a network of the test's own stack)."""
    conn = http.client.HTTPConnection(ip, 8080, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def task_of(port: int, path: str = "/", **kw: Any) -> str:
    status, _, body = request(port, path, **kw)
    assert status == 200, (status, body)
    return str(body["task"])


def wait(pred: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Hammer:
    """Client threads sending requests to the listener until stopped, keeping every
    failure (connection error or non-200 answer) and who served the rest. Each thread pauses
    ``pause`` seconds between requests: ~150 requests a second in all (a request through the
    listener takes a few ms), enough to catch any reload that drops one, without taking every
    core from the controller and nginx whose reloads the tests watch."""

    def __init__(self, port: int, threads: int = 4, pause: float = 0.02) -> None:
        self.port = port
        self.pause = pause
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.served: Counter[str] = Counter()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                status, _, body = request(self.port, "/", timeout=10)
                if status != 200:
                    self.errors.append(f"{status}: {body}")
                else:
                    self.served[body["task"]] += 1
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(repr(e))
            self.stop.wait(self.pause)

    def __enter__(self) -> Hammer:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()
