"""The nginx container of one load balancer: create or adopt it, attach it to networks,
and swap its configuration without dropping a request.

Why this exists: ``nginx.render`` writes the configuration; something has to run it. One
container per load balancer (``<stack>-alb-<name>``, image ``ecsdev/base:bookworm``,
``nginx -g 'daemon off;'``), labelled ``ecsdev.stack``, ``ecsdev.role=proxy`` and
``ecsdev.load-balancer`` so that ``down`` removes it and a restarted controller adopts it.
The CloudFront stand-ins of the load balancer run in the same nginx, as ``nginx.render``
lays them out (own ports, then a loopback hop to the listener).

Networks: where the engine shares this machine's network (a local Linux engine, not Docker
Desktop, not rootless: ``listener_mode``), the container runs on the host's network and nginx
listens right at each listener's published address: no Docker port publishing and no
userland proxy (docker-proxy) on the request path, which costs more than half of what a hop
can serve, and the application sees the client's own address. From there it reaches every
task over the stack's bridges, private subnets included. Elsewhere (or with
``ECSDEV_LISTENERS=published``) the container starts on the network of one of its public
subnets (Docker publishes ports only from a non-internal network; when every subnet of the
load balancer is private, Docker's default ``bridge`` network carries the published ports)
and is attached to its other subnets and to every network where one of its targets lives: an
ALB in public subnets reaches tasks in private ones, as inside a VPC.

Ports: each listener listens on its own port *inside* the container (80 stays 80: no
privilege is needed there) or, on the host's network, at its published address;
``publish`` decides the host side, default 127.0.0.1:<port>.
So a listener on port 80 with ``publish: 127.0.0.1:8080`` is reached at
http://127.0.0.1:8080 and still tells the application ``X-Forwarded-Port: 80``. CloudFront
stand-ins listen on the ports ``nginx.listens`` picks (18443, ...) and are published where
their ``publish`` says, default 127.0.0.1 on that same port.

Reloads: a new configuration is written next to the old one, checked with ``nginx -t``,
moved into place and loaded with ``nginx -s reload``: new workers take new connections,
old workers finish the requests they hold. ``reload`` only signals the master, so the swap
returns once every old worker has stopped taking connections (its title says "shutting
down"): after ``apply`` the new configuration is what a new request meets. A configuration
that fails the check is not installed; the old one keeps serving and an error event says
why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence

from emulator import labels as L
from emulator.alb import AlbError
from emulator.alb.nginx import HOP_SOCKET, AlbParts, Target, listens, parse_publish, render
from emulator.errors import EcsdevError, NotFound
from emulator.events import Event, EventSink, discard
from emulator.model.layout import Layout
from emulator.networks import network_name
from emulator.runtime.base import ContainerRuntime, ContainerSpec, ContainerState, PublishedPort

IMAGE = "ecsdev/base:bookworm"
CONF = "/etc/nginx/nginx.conf"
NEXT = "/etc/nginx/nginx.conf.next"
ROLE = "proxy"
LOAD_BALANCER = "ecsdev.load-balancer"
DEFAULT_BRIDGE = "bridge"
LISTENERS_ENV = "ECSDEV_LISTENERS"
"""``host`` or ``published``: how listeners are served, whatever the engine looks like."""
_CHECK_FAILED = 3  # exit code of the swap script when ``nginx -t`` refuses the new file
_NOT_IN_EFFECT = 4  # exit code when the old workers still take connections after the wait
# The worker processes that take new connections: not "shutting down" (an old worker that
# got the master's QUIT has closed its listening sockets and says so in its title).
_ACCEPTING = (
    "accepting() { for d in /proc/[0-9]*; do"
    " c=$(tr '\\0' ' ' < $d/cmdline 2>/dev/null) || continue;"
    ' case "$c" in "nginx: worker process"*) case "$c" in *"shutting down"*) ;;'
    " *) echo ${d#/proc/};; esac;; esac; done; }; "
)
# ``nginx -s reload`` only signals the master; the new configuration is in effect once
# every worker that took connections before has stopped taking them (at most 5 s).
SWAP = (
    _ACCEPTING
    + f"nginx -t -q -c {NEXT} 2>&1 || exit {_CHECK_FAILED}; old=$(accepting); "
    + f"mv {NEXT} {CONF} && nginx -s reload 2>&1 || exit 1; "
    + "for i in $(seq 100); do left=''; now=$(accepting); "
    + 'for p in $old; do case " $(echo $now) " in *" $p "*) left=1;; esac; done; '
    + f'[ -z "$left" ] && exit 0; sleep 0.05; done; exit {_NOT_IN_EFFECT}'
)
# After the container starts: wait (at most 5 s) until nginx has workers taking connections.
STARTED = _ACCEPTING + (
    'for i in $(seq 100); do [ -n "$(accepting)" ] && exit 0; sleep 0.05; done; exit 1'
)


def published(parts: AlbParts) -> tuple[PublishedPort, ...]:
    """The proxy's published ports: ``publish`` (HOST:PORT or PORT), else 127.0.0.1 and
    the port nginx listens on inside."""
    out = []
    for x in listens(parts):
        host, port = parse_publish(x.publish, x.container_port)
        out.append(PublishedPort(x.container_port, "tcp", host, port))
    return tuple(out)


def listener_mode(runtime: ContainerRuntime) -> str:
    """``host`` when the load balancers can run on the host's network and listen at their
    published addresses themselves (``ECSDEV_LISTENERS`` decides, else whether the engine
    shares this machine's network), else ``published`` (Docker publishes their ports)."""
    chosen = os.environ.get(LISTENERS_ENV, "").strip().lower()
    if chosen in ("host", "published"):
        return chosen
    return "host" if runtime.shares_host_network() else "published"


def _emerg(log: str) -> str:
    """nginx's distinct fatal messages in ``log``, without their timestamps (it says "bind()
    failed" five times before it gives up)."""
    found = re.findall(r"\[emerg\] \d+#\d+: (.*)", log)
    return "; ".join(dict.fromkeys(m.strip() for m in found if "still could not" not in m))


def home_networks(layout: Layout, load_balancer: str) -> list[str]:
    """The networks of the load balancer's subnets, the one it publishes from first."""
    lb = next(b for b in layout.load_balancers if b.name == load_balancer)
    public = {s.name for s in layout.vpc.subnets if s.public}
    ordered = sorted(lb.subnets or [layout.vpc.subnets[0].name], key=lambda s: s not in public)
    nets = [network_name(layout.name, s) for s in ordered]
    return nets if ordered[0] in public else [DEFAULT_BRIDGE, *nets]


def proxy_name(stack: str, load_balancer: str) -> str:
    return f"{stack}-alb-{load_balancer}"


class Proxy:
    """The nginx container of load balancer ``parts.load_balancer`` in ``stack``."""

    def __init__(
        self,
        runtime: ContainerRuntime,
        stack: str,
        parts: AlbParts,
        networks: list[str],
        sink: EventSink = discard,
        on_host: bool = False,
    ) -> None:
        self.runtime = runtime
        self.stack = stack
        self.parts = parts
        self.name = parts.load_balancer.name
        self.on_host = on_host
        self.home = list(networks)  # where it would publish from (published mode)
        self.ports = published(parts)  # where each listener is reached, in either mode
        self.sink = sink
        self.container_id: str | None = None
        self.conf: str | None = None  # what the running nginx was last given
        self.refused: str | None = None  # the last configuration nginx refused
        self.attached: set[str] = set()
        self.shape = hashlib.sha256(
            json.dumps(
                [
                    IMAGE,
                    ["host"] if on_host else self.home,
                    [(p.container_port, p.host_ip, p.host_port) for p in self.ports],
                ]
            ).encode()
        ).hexdigest()[:16]

    @property
    def labels(self) -> dict[str, str]:
        return {
            L.STACK: self.stack,
            L.ROLE: ROLE,
            LOAD_BALANCER: self.name,
            L.CONFIG_HASH: self.shape,
        }

    def find(self) -> list[ContainerState]:
        return self.runtime.list_containers(
            {L.STACK: self.stack, L.ROLE: ROLE, LOAD_BALANCER: self.name}
        )

    def render(self, targets: Mapping[str, Sequence[Target | tuple[str, int, str]]]) -> str:
        """The configuration of this load balancer with ``targets``, for where it runs."""
        return render(self.parts, targets, on_host=self.on_host)

    def ensure(self, conf: str, networks: Iterable[str] = ()) -> bool:
        """Have the container run ``conf`` and be attached to ``networks``: adopt the one
        running with the same ports and networks, else (re)create it. False when nginx
        refused ``conf`` (``apply``)."""
        if self.container_id is None:
            self._adopt_or_create(conf)
        assert self.container_id is not None
        for net in sorted(set(networks) - self.attached):
            self.attach(net)
        return self.apply(conf)

    def _adopt_or_create(self, conf: str) -> None:
        for c in self.find():
            if c.labels.get(L.CONFIG_HASH) == self.shape and c.running:
                self.container_id = c.id
                self.attached = set(c.ip_addresses)
                return
            self.runtime.remove(c.id)  # other ports or networks: the layout changed
        spec = ContainerSpec(
            name=proxy_name(self.stack, self.name),
            image=IMAGE,
            labels=self.labels,
            # a hop socket left by a killed nginx would stop the next one from starting
            command=("sh", "-c", f"rm -f {HOP_SOCKET}; exec nginx -g 'daemon off;'"),
            network_mode="host" if self.on_host else self.home[0],
            ports=() if self.on_host else self.ports,
            hostname=None if self.on_host else f"alb-{self.name}"[:63],
            stop_timeout=2,
        )
        cid = self.runtime.create(spec)
        try:
            self.runtime.write_file(cid, CONF, conf.encode())
            for net in [] if self.on_host else self.home[1:]:
                self.runtime.connect(net, cid)
            self.runtime.start(cid)
            try:
                code, out = self.runtime.exec_run(cid, ["sh", "-c", STARTED])
            except EcsdevError as e:  # nginx exited (it could not bind, say)
                code, out = 1, e.message
            if code != 0:
                said = _emerg(self.runtime.logs(cid, tail=8))
                raise AlbError(
                    f"nginx did not start: {' '.join((said or out).split())[:600]}",
                    "Free the address it names or publish the listener elsewhere "
                    "(the listener's `publish`)"
                    if "in use" in said
                    else f"See `docker logs {proxy_name(self.stack, self.name)}`.",
                )
        except EcsdevError:
            self.runtime.remove(cid)
            raise
        self.container_id, self.conf = cid, conf
        self.attached = set() if self.on_host else set(self.home)
        where = ", ".join(f"{p.host_ip}:{p.host_port}" for p in self.ports)
        how = "on the host's network, listening on" if self.on_host else "published on"
        self._event(f"load balancer {self.name}: nginx started, {how} {where}")

    def attach(self, network: str) -> None:
        """Connect to a network where a target lives (VPC-internal routing); on the host's
        network every one is reached already."""
        assert self.container_id is not None
        if self.on_host:
            self.attached.add(network)
            return
        try:
            self.runtime.connect(network, self.container_id)
        except EcsdevError as e:
            if "already exists" not in e.message:
                raise
        self.attached.add(network)

    def apply(self, conf: str) -> bool:
        """Check and load ``conf`` (no-op when it is what runs). False when nginx refused
        it: the previous configuration keeps serving and an error event says why."""
        if conf == self.conf:
            return True
        if conf == self.refused:
            return False  # the event was sent when it was refused
        assert self.container_id is not None
        self.runtime.write_file(self.container_id, NEXT, conf.encode())
        code, out = self.runtime.exec_run(self.container_id, ["sh", "-c", SWAP])
        if code == 0:
            self.conf, self.refused = conf, None
            return True
        if code == _NOT_IN_EFFECT:  # installed: in effect once the old workers let go
            self._event(
                f"load balancer {self.name}: nginx reloaded, but its old workers still take "
                "connections after 5 s",
                "warning",
            )
            self.conf = conf
            return False
        what = "refused the new configuration" if code == _CHECK_FAILED else "reload failed"
        self._event(
            f"load balancer {self.name}: nginx {what}; the previous one keeps serving: "
            f"{' '.join(out.split())[:600]}",
            "error",
        )
        self.refused = conf  # not again until something changes
        return False

    def alive(self) -> bool:
        """Whether the adopted container still runs (someone may have removed it)."""
        if self.container_id is None:
            return False
        try:
            running = self.runtime.inspect(self.container_id).running
        except NotFound:
            running = False
        if not running:
            self.forget()
        return running

    def forget(self) -> None:
        self.container_id, self.conf, self.refused, self.attached = None, None, None, set()

    def remove(self) -> None:
        for c in self.find():
            self.runtime.remove(c.id)
        self.forget()

    def _event(self, message: str, level: str = "info") -> None:
        self.sink(Event(message, level, self.name, "alb"))  # type: ignore[arg-type]


__all__ = [
    "IMAGE",
    "LISTENERS_ENV",
    "Proxy",
    "home_networks",
    "listener_mode",
    "parse_publish",
    "proxy_name",
    "published",
]
