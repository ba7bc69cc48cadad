"""Issue 14 figures, the listener path: the ALB stand-in against the machine's floor, in the
same run, rounds interleaved.

The floor is a plain nginx ``proxy_pass`` hop *on the host's network* (a container with
``network_mode: host``, so no Docker port publishing on its way in) to the backend
container's IP. Against it: (a) the stand-in (20 rules, headers translated) as ``ecsdev up``
runs it on this machine (``proxy.listener_mode``: on the host's network, listening at its
published 127.0.0.1 port itself, when the engine shares this machine's network), (a0) the
same with the default headers (no translation: the ALB's own headers only), (a2) the
same stand-in with its port published by Docker (``ECSDEV_LISTENERS=published``, what Docker
Desktop and rootless engines get: Docker's userland proxy, docker-proxy, on the way), (b) that
stand-in at its container IP, (c) a bare hop through a published port (what docker-proxy
alone costs) and (d) the same bare hop at its container IP.
Everything is labelled ``ecsdev.stack=bench-alb-*`` and removed at the end.
"""

from __future__ import annotations

from dataclasses import replace

from benchmarks.alb import (
    BACKEND,
    COMMON,
    DURATION,
    Lab,
    _free_port,
    _wait_answer,
    _wrk_binary,
    realistic_listener,
    wrk,
)
from benchmarks.common import figure, heading, median, sh
from emulator.alb.nginx import Target, render
from emulator.alb.proxy import Proxy, listener_mode
from emulator.model.layout import Headers
from emulator.runtime.base import ContainerSpec

ROUNDS = 5  # the figures are ratios of close numbers on a shared machine: more rounds

HOP = COMMON + (
    " http { access_log off; upstream b { server %s:8080; keepalive 32; }"
    " server { listen %s default_server; location / { proxy_pass http://b;"
    ' proxy_http_version 1.1; proxy_set_header Connection ""; } } }'
)


def _cpu_ticks(lab: Lab, container_id: str) -> int | None:
    """User + system CPU ticks (1/100 s) of a container's nginx (master and workers), read
    from /proc: the engine runs on this machine. None where it cannot be read."""
    try:
        pid = str(lab.rt.api.inspect_container(container_id)["State"]["Pid"])
        kids = sh("pgrep", "-P", pid).split()
        total = 0
        for p in [pid, *kids]:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total
    except (OSError, KeyError, ValueError, SystemExit):  # sh() exits when a command fails
        return None


def _host_hop(lab: Lab, backend_ip: str) -> tuple[int, str]:
    """nginx on the host's network, listening on 127.0.0.1:<free port>; that port, and the
    container."""
    port = _free_port()
    cid = lab.rt.create(
        ContainerSpec(
            name=f"{lab.stack}-floor",
            image="ecsdev/base:bookworm",
            labels=lab.labels,
            command=("nginx", "-g", "daemon off;"),
            network_mode="host",
        )
    )
    lab.rt.write_file(
        cid, "/etc/nginx/nginx.conf", (HOP % (backend_ip, f"127.0.0.1:{port}")).encode()
    )
    lab.rt.start(cid)
    _wait_answer(port)
    return port, cid


def main() -> None:
    heading(
        f"listener path: wrk -t2 -c32 -d{DURATION}s, static 1 KiB file, against the floor "
        f"(a plain nginx hop on the host's network; median of {ROUNDS} interleaved rounds)"
    )
    lab = Lab()
    try:
        lab.nginx("backend", BACKEND, 8080, {"/srv/index.html": b"x" * 1024})
        ip = lab.ip("backend")
        floor, floor_id = _host_hop(lab, ip)
        bare = lab.nginx("bare", HOP % (ip, "80"), 80)
        parts, path = realistic_listener()
        targets = {g.name: [Target(ip, 8080, "healthy")] for g in parts.target_groups}
        proxy = Proxy(lab.rt, lab.stack, parts, [lab.net])
        proxy.ensure(render(parts, targets))
        assert proxy.container_id is not None
        published = lab.host_port(proxy.container_id, 80)
        alb_ip = lab.rt.inspect(proxy.container_id).ip_addresses[lab.net]
        on_host = listener_mode(lab.rt) == "host"

        def serve(name: str, headers: Headers) -> tuple[Proxy, int]:
            """The stand-in as ``ecsdev up`` runs it here, with ``headers``."""
            port = _free_port()
            lb = parts.load_balancer
            listeners = tuple(replace(x, publish=f"127.0.0.1:{port}") for x in lb.listeners)
            served = replace(
                parts,
                load_balancer=replace(lb, name=name, listeners=listeners),
                headers=headers,
            )
            proxy = Proxy(lab.rt, lab.stack, served, [lab.net], on_host=on_host)
            proxy.ensure(proxy.render(targets), {lab.net})
            got = port if on_host else lab.host_port(proxy.container_id or "", 80)
            _wait_answer(got)
            return proxy, got

        used, served_port = serve("benchhost", parts.headers)
        plain, plain_port = serve("benchplain", Headers(translate=False))
        bare_ip = lab.ip("bare")
        urls = {
            "floor": f"http://127.0.0.1:{floor}{path}",
            "alb_used": f"http://127.0.0.1:{served_port}{path}",
            "alb_plain": f"http://127.0.0.1:{plain_port}{path}",
            "alb": f"http://127.0.0.1:{published}{path}",
            "alb_ip": f"http://{alb_ip}:80{path}",
            "bare": f"http://127.0.0.1:{bare}{path}",
            "bare_ip": f"http://{bare_ip}:80{path}",
        }
        for url in urls.values():
            sh(_wrk_binary(), "-t1", "-c4", "-d1s", url)  # warm up
        runs: dict[str, list[float]] = {k: [] for k in urls}
        watched = {
            "floor": floor_id,
            "alb_used": used.container_id or "",
            "alb_plain": plain.container_id or "",
        }
        cpu: dict[str, list[float]] = {k: [] for k in watched}
        for _ in range(ROUNDS):
            for key, url in urls.items():
                before = _cpu_ticks(lab, watched[key]) if key in watched else None
                runs[key].append(wrk(url)[0])
                after = _cpu_ticks(lab, watched[key]) if key in watched else None
                if before is not None and after is not None:  # microseconds per request
                    cpu[key].append((after - before) * 10_000 / (runs[key][-1] * DURATION))
        rps = {k: median(v) for k, v in runs.items()}
    finally:
        lab.close()
    names = {
        "floor": "(f) floor: nginx hop on the host's network",
        "alb_used": f"(a) ALB stand-in as ecsdev runs it here ({'host network' if on_host else 'published'})",
        "alb_plain": "(a0) the same with the default headers (no translation)",
        "alb": "(a2) ALB stand-in, port published by Docker (docker-proxy)",
        "alb_ip": "(b) ALB stand-in at its container IP (no docker-proxy)",
        "bare": "(c) bare nginx hop, published port (docker-proxy)",
        "bare_ip": "(d) bare nginx hop at its container IP",
    }
    for key, name in names.items():
        figure(f"{name}: requests/s", rps[key], "req/s")
    figure("(a)/(f) as a user's requests go", rps["alb_used"] / rps["floor"], "x", goal=">= 0.90")
    figure("(a0)/(f) the default headers", rps["alb_plain"] / rps["floor"], "x")
    figure("(a2)/(f) with Docker publishing the port", rps["alb"] / rps["floor"], "x")
    figure("(b)/(f) at the container's IP", rps["alb_ip"] / rps["floor"], "x")
    figure("(c)/(f) what docker-proxy alone leaves", rps["bare"] / rps["floor"], "x")
    figure("(d)/(f) a container's own network hop", rps["bare_ip"] / rps["floor"], "x")
    if all(cpu.values()):  # steadier than requests/s on a shared machine: what each costs
        floor_us, alb_us = median(cpu["floor"]), median(cpu["alb_used"])
        figure("(f) floor's nginx: CPU per request", floor_us, "us")
        figure("(a) stand-in's nginx: CPU per request", alb_us, "us", baseline=floor_us)
        plain_us = median(cpu["alb_plain"])
        figure("(a0) the same, default headers", plain_us, "us", baseline=floor_us)
