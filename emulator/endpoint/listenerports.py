"""Where the listeners of load balancers made through the endpoint answer on this machine.

Why this exists: a listener is published on 127.0.0.1 at its own port when that port can be
bound, else at a free one (two load balancers often both listen on 80); the choice is kept
with the listener, and ``ecsdev ps``, ``ecsdev targets``, the serve log and the tests read
where each one answers from here.
"""

from __future__ import annotations

import socket
from typing import Any

from emulator.endpoint.elbv2_records import Listener, LoadBalancer
from emulator.endpoint.resources import Resources, Tx, endpoint_dir
from emulator.errors import EcsdevError

PUBLISH_HOST = "127.0.0.1"


def choose_publish(tx: Tx | Resources, port: int) -> str:
    """``127.0.0.1:<port>`` when no listener has it and it can be bound now, else a free
    port's address."""
    taken = {_port_of(x.publish) for x in tx.list(Listener)}
    if port not in taken and _bindable(port):
        return f"{PUBLISH_HOST}:{port}"
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((PUBLISH_HOST, 0))
            free = int(s.getsockname()[1])
        if free not in taken:
            return f"{PUBLISH_HOST}:{free}"
    raise EcsdevError("no free port on 127.0.0.1 for a listener")


def _port_of(publish: str) -> int:
    return int(publish.rpartition(":")[2]) if publish else 0


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((PUBLISH_HOST, port))
        except OSError:
            return False
    return True


def listener_addresses(resources: Resources, region: str | None = None) -> list[dict[str, Any]]:
    """Where each listener answers on this machine: ``{"loadBalancer", "listenerArn",
    "port", "url", "moved"}`` (``moved`` when the published port is not the listener's), for
    ``ecsdev ps``/``targets`` and the serve log."""
    names = {lb.arn: lb.name for lb in resources.list(LoadBalancer, region)}
    out = []
    for lis in resources.list(Listener, region):
        if lis.load_balancer_arn not in names or not lis.publish:
            continue
        out.append(
            {
                "loadBalancer": names[lis.load_balancer_arn],
                "listenerArn": lis.arn,
                "port": lis.port,
                "url": f"http://{lis.publish}/",
                "moved": _port_of(lis.publish) != lis.port,
            }
        )
    return out


def stack_listeners(stack: str) -> list[dict[str, Any]]:
    """Where the listeners of the load balancers ``stack`` runs answer (the endpoint's records,
    in any region): for ``ecsdev ps`` and ``ecsdev targets``; [] with no endpoint state."""
    from emulator.endpoint.albprojection import ElbProjection

    path = endpoint_dir() / "resources.db"
    if not path.exists():
        return []
    res = Resources(path)
    try:
        mine = {a for p in res.list(ElbProjection) if p.stack == stack for a in p.load_balancers}
        return [
            a
            for a in listener_addresses(res)
            if a["listenerArn"].replace(":listener/", ":loadbalancer/").rsplit("/", 1)[0] in mine
        ]
    finally:
        res.close()
