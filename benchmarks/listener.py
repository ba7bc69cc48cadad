"""Issue 14 figures, the listener path: the ALB stand-in against the machine's floor, in the
same run, rounds interleaved.

The floor is a plain nginx ``proxy_pass`` hop *on the host's network* (a container with
``network_mode: host``, so no Docker port publishing on its way in) to the backend
container's IP. Against it: (a) the stand-in (20 rules, headers translated) through its
port published on 127.0.0.1, as a user's requests reach it today (Docker's userland proxy,
docker-proxy, on the way), (b) the same stand-in at its container IP (the path without
docker-proxy: what a listener published by iptables, or served from the host's network,
costs), (c) a bare hop through a published port (what docker-proxy alone costs) and (d) the
same bare hop at its container IP.
Everything is labelled ``ecsdev.stack=bench-alb-*`` and removed at the end.
"""

from __future__ import annotations

from benchmarks.alb import (
    BACKEND,
    COMMON,
    DURATION,
    ROUNDS,
    Lab,
    _free_port,
    _wait_answer,
    _wrk_binary,
    realistic_listener,
    wrk,
)
from benchmarks.common import figure, heading, median, sh
from emulator.alb.nginx import Target, render
from emulator.alb.proxy import Proxy
from emulator.runtime.base import ContainerSpec

HOP = COMMON + (
    " http { access_log off; upstream b { server %s:8080; keepalive 32; }"
    " server { listen %s default_server; location / { proxy_pass http://b;"
    ' proxy_http_version 1.1; proxy_set_header Connection ""; } } }'
)


def _host_hop(lab: Lab, backend_ip: str) -> int:
    """nginx on the host's network, listening on 127.0.0.1:<free port>; that port."""
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
    return port


def main() -> None:
    heading(
        f"listener path: wrk -t2 -c32 -d{DURATION}s, static 1 KiB file, against the floor "
        f"(a plain nginx hop on the host's network; median of {ROUNDS} interleaved rounds)"
    )
    lab = Lab()
    try:
        lab.nginx("backend", BACKEND, 8080, {"/srv/index.html": b"x" * 1024})
        ip = lab.ip("backend")
        floor = _host_hop(lab, ip)
        bare = lab.nginx("bare", HOP % (ip, "80"), 80)
        parts, path = realistic_listener()
        targets = {g.name: [Target(ip, 8080, "healthy")] for g in parts.target_groups}
        proxy = Proxy(lab.rt, lab.stack, parts, [lab.net])
        proxy.ensure(render(parts, targets))
        assert proxy.container_id is not None
        published = lab.host_port(proxy.container_id, 80)
        alb_ip = lab.rt.inspect(proxy.container_id).ip_addresses[lab.net]
        bare_ip = lab.ip("bare")
        urls = {
            "floor": f"http://127.0.0.1:{floor}{path}",
            "alb": f"http://127.0.0.1:{published}{path}",
            "alb_ip": f"http://{alb_ip}:80{path}",
            "bare": f"http://127.0.0.1:{bare}{path}",
            "bare_ip": f"http://{bare_ip}:80{path}",
        }
        for url in urls.values():
            sh(_wrk_binary(), "-t1", "-c4", "-d1s", url)  # warm up
        runs: dict[str, list[float]] = {k: [] for k in urls}
        for _ in range(ROUNDS):
            for key, url in urls.items():
                runs[key].append(wrk(url)[0])
        rps = {k: median(v) for k, v in runs.items()}
    finally:
        lab.close()
    names = {
        "floor": "(f) floor: nginx hop on the host's network",
        "alb": "(a) ALB stand-in, published port (docker-proxy)",
        "alb_ip": "(b) ALB stand-in at its container IP (no docker-proxy)",
        "bare": "(c) bare nginx hop, published port (docker-proxy)",
        "bare_ip": "(d) bare nginx hop at its container IP",
    }
    for key, name in names.items():
        figure(f"{name}: requests/s", rps[key], "req/s")
    figure("(a)/(f) as a user's requests go today", rps["alb"] / rps["floor"], "x", goal=">= 0.90")
    figure("(b)/(f) without the userland proxy", rps["alb_ip"] / rps["floor"], "x", goal=">= 0.90")
    figure("(c)/(f) what docker-proxy alone leaves", rps["bare"] / rps["floor"], "x")
    figure("(d)/(f) a container's own network hop", rps["bare_ip"] / rps["floor"], "x")
