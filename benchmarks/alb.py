"""Issue 4 figures: what the ALB stand-in costs per request, and how fast it stops sending
traffic to a failing target.

- Throughput and latency from ``wrk`` on 127.0.0.1 against a static 1 KiB file served by a
  plain nginx (so the proxy in front is the bottleneck): (a) through the ALB stand-in
  (``proxy.Proxy`` running ``nginx.render`` of a realistic listener: 20 rules, headers
  translated; (a2) with the JSON access log on as well), (b) through a bare nginx ``proxy_pass`` hop to the same
  backend, (c) to the backend directly. Ratios (a)/(b) (goal >= 0.95) and (a)/(c).
  Every path goes through Docker's published 127.0.0.1 ports (what Docker Desktop and rootless
  engines give a user), so the ratios compare the proxies' own work; the path a user gets on a
  local Linux engine, against the machine's floor, is the listener section's.
- A target whose health check starts failing: seconds until it gets no more requests,
  against healthCheckIntervalSeconds x unhealthyThresholdCount, in a stack brought up with
  ``ecsdev up -d`` (its own state directory, taken down afterwards).

Everything it creates is labelled ``ecsdev.stack=bench-alb-*`` and removed at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import figure, heading, median, sh
from emulator import labels as L
from emulator.alb.nginx import AlbParts, Target, render
from emulator.alb.proxy import Proxy
from emulator.model.layout import (
    Action,
    Condition,
    Headers,
    Listener,
    LoadBalancer,
    Rule,
    TargetGroup,
    WeightedTargetGroup,
)
from emulator.runtime.base import ContainerSpec, PublishedPort
from emulator.runtime.docker import DockerRuntime

IMAGE = "ecsdev/base:bookworm"
DURATION = int(os.environ.get("WRK_SECONDS", "5"))  # seconds per wrk run
ROUNDS = 3
CONNECTIONS = 32
COMMON = "worker_processes auto; events { worker_connections 4096; }"
BACKEND = COMMON + (
    " http { access_log off; keepalive_requests 100000;"
    " server { listen 8080 default_server; root /srv; location / { try_files /index.html =404; } } }"
)
BARE = COMMON + (
    " http { access_log off; upstream b { server %s:8080; keepalive 32; }"
    " server { listen 80 default_server; location / { proxy_pass http://b;"
    ' proxy_http_version 1.1; proxy_set_header Connection ""; } } }'
)


def _wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("  (installing wrk with apt-get)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], capture_output=True, check=False)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit(
            "wrk is not installed and apt-get could not install it (apt-get install wrk)"
        )
    return found


def wrk(url: str) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) of a wrk run against ``url``."""
    out = sh(_wrk_binary(), "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--latency", url)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m, out
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  warning: {errors.group(1)} non-2xx answers from {url}", flush=True)
    return rps, pct("50"), pct("99")


def realistic_listener() -> tuple[AlbParts, str]:
    """20 rules of mixed conditions on one listener; the benchmarked path matches the last."""
    rules, groups = [], []
    for n in range(20):
        groups.append(TargetGroup(f"svc{n:02d}", port=8080))
        conds = [Condition("path-pattern", (f"/svc{n:02d}/*", f"/v{n}/svc{n:02d}/*"))]
        if n % 5 == 1:
            conds.append(Condition("http-request-method", ("GET", "HEAD")))
        if n % 5 == 2:
            conds.append(Condition("host-header", ("*.example.com", "127.0.0.1")))
        fwd = Action("forward", (WeightedTargetGroup(f"svc{n:02d}"),))
        rules.append(Rule(10 + n, tuple(conds), (fwd,)))
    default = (Action("fixed-response", status_code="404", content_type="text/plain"),)
    lb = LoadBalancer("bench", listeners=(Listener(80, "HTTP", None, default, tuple(rules)),))
    return AlbParts(lb, tuple(groups), Headers(translate=True)), "/svc19/index.html"


class Lab:
    """A network and containers labelled with a bench stack, removed by label."""

    def __init__(self) -> None:
        self.rt = DockerRuntime()
        self.stack = "bench-alb-" + secrets.token_hex(3)
        self.labels = {L.STACK: self.stack}
        self.net = self.stack
        self.rt.create_network(self.net, self.labels, internal=False, subnet=None)

    def nginx(self, name: str, conf: str, port: int, files: dict[str, bytes] | None = None) -> int:
        """An nginx container with ``conf``, ``port`` published on 127.0.0.1; its host port."""
        spec = ContainerSpec(
            name=f"{self.stack}-{name}",
            image=IMAGE,
            labels=self.labels,
            command=("nginx", "-g", "daemon off;"),
            network_mode=self.net,
            ports=(PublishedPort(port, "tcp", "127.0.0.1", None),),
        )
        cid = self.rt.create(spec)
        self.rt.write_file(cid, "/etc/nginx/nginx.conf", conf.encode())
        for path, data in (files or {}).items():
            self.rt.write_file(cid, path, data)
        self.rt.start(cid)
        return self.host_port(cid, port)

    def host_port(self, cid: str, port: int) -> int:
        st = self.rt.inspect(cid)
        hp = next(hp for cp, _, _, hp in st.ports if cp == port)
        _wait_answer(hp)
        return hp

    def ip(self, name: str) -> str:
        full = f"{self.stack}-{name}"
        c = next(c for c in self.rt.list_containers(self.labels) if c.name == full)
        return c.ip_addresses[self.net]

    def close(self) -> None:
        for c in self.rt.list_containers(self.labels):
            self.rt.remove(c.id)
        self.rt.remove_network(self.net)


def _wait_answer(port: int, path: str = "/", timeout: float = 20) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except (OSError, http.client.HTTPException):
            time.sleep(0.1)
    raise SystemExit(f"nothing answers on 127.0.0.1:{port}")


def throughput() -> None:
    heading(
        f"alb: wrk -t2 -c{CONNECTIONS} -d{DURATION}s on 127.0.0.1, static 1 KiB file "
        f"(median of {ROUNDS} interleaved rounds)"
    )
    lab = Lab()
    try:
        backend = lab.nginx("backend", BACKEND, 8080, {"/srv/index.html": b"x" * 1024})
        ip = lab.ip("backend")
        bare = lab.nginx("bare", BARE % ip, 80)
        parts, path = realistic_listener()
        targets = {g.name: [Target(ip, 8080, "healthy")] for g in parts.target_groups}
        proxy = Proxy(lab.rt, lab.stack, parts, [lab.net])
        conf = render(parts, targets)
        proxy.ensure(conf)
        assert proxy.container_id is not None
        alb = lab.host_port(proxy.container_id, 80)
        logged = AlbParts(
            replace(
                parts.load_balancer,
                name="benchlog",
                attributes=(("access_logs.s3.enabled", "true"),),
                listeners=tuple(
                    replace(x, publish=f"127.0.0.1:{_free_port()}")
                    for x in parts.load_balancer.listeners
                ),
            ),
            parts.target_groups,
            parts.headers,
        )
        proxy_log = Proxy(lab.rt, lab.stack, logged, [lab.net])
        proxy_log.ensure(render(logged, targets))
        assert proxy_log.container_id is not None
        alb_log = lab.host_port(proxy_log.container_id, 80)
        first = "/svc00/index.html"  # matches the first rule
        ports = {
            "alb": (alb, path),
            "alb_first": (alb, first),
            "alb_log": (alb_log, path),
            "bare": (bare, path),
            "direct": (backend, path),
        }
        for port, p in ports.values():
            _wait_answer(port, p)
            sh(_wrk_binary(), "-t1", "-c4", "-d1s", f"http://127.0.0.1:{port}{p}")  # warm up
        runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in ports}
        for _ in range(ROUNDS):  # interleaved: a busy neighbour slows every path alike
            for key, (port, p) in ports.items():
                runs[key].append(wrk(f"http://127.0.0.1:{port}{p}"))
        med = {k: tuple(median([r[i] for r in v]) for i in range(3)) for k, v in runs.items()}
        names = {
            "alb": "(a) ALB stand-in (20 rules, headers translated)",
            "alb_first": "(a1) same, a path that matches the first rule",
            "alb_log": "(a2) same as (a), access log on",
            "bare": "(b) bare nginx proxy_pass hop",
            "direct": "(c) backend directly",
        }
        for key, (rps, p50, p99) in med.items():
            figure(f"{names[key]}: requests/s", rps, "req/s")
            figure(f"{names[key]}: p50 / p99", p50, f"ms / {p99:.2f} ms")
        figure(
            "(a)/(b) requests/s (the last of 20 rules matches)",
            med["alb"][0] / med["bare"][0],
            "x",
            goal=">= 0.95",
        )
        figure(
            "(a1)/(b) requests/s (the first rule matches)",
            med["alb_first"][0] / med["bare"][0],
            "x",
            goal=">= 0.95",
        )
        figure("(a)/(c) requests/s", med["alb"][0] / med["direct"][0], "x")
    finally:
        lab.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str = "/", host: str = "127.0.0.1") -> dict[str, Any] | None:
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            return None
        data = json.loads(body)
        return data if isinstance(data, dict) else None
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


def failing_target() -> None:
    interval, threshold = 5, 2
    heading(f"alb: a failing target leaves nginx (interval {interval} s x threshold {threshold})")
    root = Path(tempfile.mkdtemp(prefix="bench-alb-"))
    name = "bench-alb-" + secrets.token_hex(3)
    port = _free_port()
    env = {**os.environ, "ECSDEV_STATE_DIR": str(root / "state")}
    doc = {
        "version": 1,
        "name": name,
        "vpc": {"subnets": [{"name": "pub", "public": True}, {"name": "priv", "public": False}]},
        "taskDefinitions": [
            {
                "family": "web",
                "networkMode": "awsvpc",
                "containerDefinitions": [
                    {
                        "name": "app",
                        "image": "ecsdev/echo:latest",
                        "memory": 64,
                        "portMappings": [{"containerPort": 8080}],
                    }
                ],
            }
        ],
        "services": [
            {
                "serviceName": "web",
                "taskDefinition": "web",
                "desiredCount": 2,
                "subnets": ["priv"],
                "healthCheckGracePeriodSeconds": 600,  # keep the failing task: measure nginx
                "loadBalancers": [
                    {"targetGroup": "web", "containerName": "app", "containerPort": 8080}
                ],
            }
        ],
        "targetGroups": [
            {
                "name": "web",
                "port": 8080,
                "healthCheckPath": "/health",
                "healthCheckIntervalSeconds": interval,
                "healthCheckTimeoutSeconds": 2,
                "unhealthyThresholdCount": threshold,
                "healthyThresholdCount": 2,
                "deregistrationDelay": 2,
            }
        ],
        "loadBalancers": [
            {
                "name": "edge",
                "subnets": ["pub"],
                "listeners": [
                    {
                        "port": 80,
                        "publish": f"127.0.0.1:{port}",
                        "defaultActions": [{"type": "forward", "targetGroup": "web"}],
                    }
                ],
            }
        ],
    }
    (root / "ecsdev.yaml").write_text(yaml.safe_dump(doc))
    cli = [sys.executable, "-m", "ecsdev"]
    try:
        subprocess.run(
            [*cli, "up", "-d", "-f", str(root / "ecsdev.yaml"), "--timeout", "180"],
            env=env,
            capture_output=True,
            check=True,
            timeout=240,
        )
        answers = [a for a in (_get(port) for _ in range(10)) if a]
        tasks = sorted({str(a["task"]) for a in answers})
        victim = tasks[0]
        ip = _task_ip(name, victim)
        t0 = time.time()
        assert _get(8080, "/health/fail", host=ip) is not None
        last = t0
        while time.time() - t0 < interval * threshold + 15:
            a = _get(port)
            if a and a["task"] == victim:
                last = time.time()
            if time.time() - last > 5:
                break
            time.sleep(0.05)
        figure(
            "from /health/fail to the last request it served",
            last - t0,
            "s",
            baseline=interval * threshold,
            goal=f"<= {interval * threshold} s + a tick",
        )
    finally:
        subprocess.run(
            [*cli, "down", "--purge", "--stack", name], env=env, capture_output=True, check=False
        )
        shutil.rmtree(root, ignore_errors=True)


def _task_ip(stack: str, task_arn: str) -> str:
    rt = DockerRuntime()
    for c in rt.list_containers({L.STACK: stack, L.TASK_ARN: task_arn, L.ROLE: "pause"}):
        return next(iter(c.ip_addresses.values()))
    raise SystemExit(f"no pause container for {task_arn}")


def main() -> None:
    throughput()
    failing_target()


if __name__ == "__main__":
    main()
