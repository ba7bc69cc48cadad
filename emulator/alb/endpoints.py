"""Where a person reaches a layout's load balancers and CloudFront stand-ins.

Why this exists: ``ecsdev up`` ends by saying where the stack answers, and that must be
the same address ``proxy`` publishes; both read ``nginx.listens`` and
``proxy.parse_publish``, so the printed URL and the published port cannot disagree.
"""

from __future__ import annotations

import ipaddress

from emulator.alb.nginx import AlbParts, listens
from emulator.alb.proxy import parse_publish
from emulator.model.layout import Layout


def listener_urls(layout: Layout) -> list[str]:
    """One line per listener and per CDN stand-in: URL, then what answers there."""
    out = []
    for lb in layout.load_balancers:
        for x in listens(AlbParts.of(layout, lb.name)):
            host, port = parse_publish(x.publish, x.container_port)
            url = f"http://{_host(host)}:{port}/"
            if x.role == "cdn":
                out.append(f"{url} (cdn {x.name} -> {lb.name})")
            else:
                out.append(f"{url} ({lb.name} listener {x.name})")
    return out


def _host(host: str) -> str:
    ip = ipaddress.ip_address(host)
    if ip.is_unspecified:  # published on every interface: the loopback one works too
        return "127.0.0.1" if ip.version == 4 else "[::1]"
    return f"[{ip}]" if ip.version == 6 else str(ip)


__all__ = ["listener_urls"]
