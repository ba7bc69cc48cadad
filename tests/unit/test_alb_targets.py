"""The controller's ALB extension (emulator.albtargets) on a fake container runtime and
a fake prober: a RUNNING service task is registered, probed and put in nginx; draining
takes it out at once and says when the task may stop; ECS's events come in ECS's order;
a configuration nginx refuses is not installed."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import pytest

from emulator import labels as L
from emulator.alb.health import ProbeResult
from emulator.alb.proxy import CONF, NEXT
from emulator.alb.spec import ALB_KEY, record, target_group_arn
from emulator.albstate import snapshot, unreachable
from emulator.albtargets import AlbTargets
from emulator.arns import Account
from emulator.events import Collector
from emulator.lifecycle import ObservedTask, TaskContainer
from emulator.model.layout import (
    Action,
    Layout,
    Listener,
    LoadBalancer,
    Subnet,
    TargetGroup,
    Vpc,
    WeightedTargetGroup,
)
from emulator.model.layout import TargetGroup as TG
from emulator.runtime.base import ContainerSpec, ContainerState
from emulator.services import DEPLOYMENT, ServiceSpec, SpecLoadBalancer, save_spec
from emulator.store import Store

TASK = "arn:aws:ecs:us-east-1:000000000000:task/default/" + "c" * 32
GROUP = TG("web", port=8080, health_check_path="/health", deregistration_delay=7)
LAYOUT = Layout(
    "s",
    "s.yaml",
    vpc=Vpc(subnets=(Subnet("pub"), Subnet("priv", public=False))),
    target_groups=(GROUP,),
    load_balancers=(
        LoadBalancer(
            "lb",
            subnets=("pub",),
            listeners=(
                Listener(
                    80,
                    publish="127.0.0.1:18080",
                    default_actions=(Action("forward", (WeightedTargetGroup("web"),)),),
                ),
            ),
        ),
    ),
)


@dataclass
class Box:
    spec: ContainerSpec
    files: dict[str, bytes] = field(default_factory=dict)
    networks: list[str] = field(default_factory=list)
    running: bool = False


class FakeRuntime:
    """Just what ``proxy.Proxy`` uses."""

    def __init__(self) -> None:
        self.boxes: dict[str, Box] = {}
        self.exec_result = (0, "")

    def shares_host_network(self) -> bool:  # Docker-published ports, as on Docker Desktop
        return False

    def _state(self, cid: str) -> ContainerState:
        b = self.boxes[cid]
        status = "running" if b.running else "created"
        ips = dict.fromkeys(b.networks, "10.0.0.9")
        return ContainerState(cid, b.spec.name, b.spec.labels, status, ip_addresses=ips)

    def list_containers(self, labels: dict[str, str]) -> list[ContainerState]:
        return [
            self._state(cid)
            for cid, b in self.boxes.items()
            if all(b.spec.labels.get(k) == v for k, v in labels.items())
        ]

    def inspect(self, cid: str) -> ContainerState:
        return self._state(cid)

    def create(self, spec: ContainerSpec) -> str:
        cid = f"c{len(self.boxes)}"
        self.boxes[cid] = Box(spec, networks=[spec.network_mode or ""])
        return cid

    def write_file(self, cid: str, path: str, data: bytes) -> None:
        self.boxes[cid].files[path] = data

    def connect(self, network: str, cid: str, aliases: tuple[str, ...] = ()) -> None:
        self.boxes[cid].networks.append(network)

    def start(self, cid: str) -> None:
        self.boxes[cid].running = True

    def exec_run(self, cid: str, cmd: list[str]) -> tuple[int, str]:
        if NEXT not in self.boxes[cid].files:  # the wait for nginx's first workers
            return 0, ""
        if self.exec_result[0] in (0, 4):  # 4: installed, old workers slow to let go
            self.boxes[cid].files[CONF] = self.boxes[cid].files.pop(NEXT)
        return self.exec_result

    def remove(self, cid: str) -> None:
        self.boxes.pop(cid, None)

    def conf(self) -> str:
        (box,) = self.boxes.values()
        return box.files[CONF].decode()


def observed(ip: str = "10.1.1.5") -> dict[str, ObservedTask]:
    labels = {
        L.TASK_ARN: TASK,
        L.SERVICE: "web",
        L.NETWORK_MODE: "awsvpc",
        L.CONTAINER_NAME: "app",
        DEPLOYMENT: "ecs-svc/7",
    }
    app = ContainerState("app", "app", labels, "running", started_at="2026-01-01T00:00:00Z")
    pause = ContainerState("p", "p", {}, "running", ip_addresses={"s-priv": ip} if ip else {})
    return {TASK: ObservedTask(TASK, labels, pause, (TaskContainer.from_state(app),))}


World = tuple[AlbTargets, FakeRuntime, Store, Collector]


@pytest.fixture
def world() -> Iterator[World]:
    store = Store("s")
    store.put(ALB_KEY, record(LAYOUT))
    lbs = (SpecLoadBalancer("web", "app", 8080),)
    save_spec(store, ServiceSpec("web", "td-arn", 1, load_balancers=lbs))
    rt, events = FakeRuntime(), Collector()
    results = iter([ProbeResult(ok=True, status=200)] * 100)

    def prober(ip: str, port: int, group: TargetGroup) -> ProbeResult:
        assert (ip, port, group.health_check_path) == ("10.1.1.5", 8080, "/health")
        return next(results)

    alb = AlbTargets("s", rt, store, Account(), events, prober=prober, background=False)
    try:
        yield alb, rt, store, events
    finally:
        alb.close()
        store.close()


def test_running_task_is_registered_probed_and_routed(world: World) -> None:
    alb, rt, store, events = world
    alb.tick(100.0, observed())
    assert alb.settle()
    (box,) = rt.boxes.values()
    assert box.spec.labels[L.ROLE] == "proxy" and box.spec.labels["ecsdev.load-balancer"] == "lb"
    assert [(p.container_port, p.host_ip, p.host_port) for p in box.spec.ports] == [
        (80, "127.0.0.1", 18080)
    ]
    assert box.networks == ["s-pub", "s-priv"]  # home subnet, then where the target lives
    assert "server 10.1.1.5:8080" in rt.conf()
    arn = target_group_arn(Account(), "s", "web")
    # the first probe runs in a worker and may report before the proxy's start is recorded
    assert {
        "load balancer lb: nginx started, published on 127.0.0.1:18080",
        f"(service web) registered 1 targets in (target-group {arn})",
    } <= set(events.messages()[:3])
    assert [d["TargetHealth"]["State"] for d in snapshot(store)[arn]] == ["healthy"]
    assert [h["state"] for h in store.target_health_history(arn)] == ["healthy", "initial"]
    assert alb.targets_of(TASK)[0].state == "healthy"
    # nginx runs what the snapshot says: `up -d` may say the stack can be reached
    assert not unreachable(store, {"web": 1}) and unreachable(store, {"web": 2})
    # every event is stamped when it is said, so they read in time order: the check's send
    # time (the tick's clock, here 100.0) once put "is healthy" before "registered"
    healthy = next(e for e in events.events if "is healthy" in e.message)
    registered = next(e for e in events.events if "registered 1 targets" in e.message)
    assert registered.at <= healthy.at <= time.time()


def test_reachable_only_once_nginx_runs_the_healthy_targets(world: World) -> None:
    alb, rt, store, events = world
    rt.exec_result = (4, "")  # installed, but the old workers took more than 5 s to let go
    alb.tick(100.0, observed(ip=""))
    assert alb.settle()
    assert unreachable(store, {"web": 1}) == [  # registered nowhere yet (nginx has no one)
        "(service web) 0 of 1 targets healthy in (target-group web)"
    ]
    alb.tick(101.0, observed())  # registered and probed healthy; nginx slow to switch
    assert alb.settle() and alb.targets_of(TASK)[0].state == "healthy"
    assert "10.1.1.5" in rt.conf()
    assert unreachable(store, {"web": 1}) == [
        "the load balancers' nginx does not run the current targets yet"
    ]
    assert [m for m in events.messages("warning") if "old workers" in m]
    rt.exec_result = (0, "")
    alb.pump(110.0)  # the periodic check: in effect now
    assert alb.settle() and not unreachable(store, {"web": 1})
    assert not unreachable(store, {"web": 0, "other": 3})  # nothing asked of those here
    unreadable = {**record(LAYOUT), "load_balancers": [{"nom": "lb"}]}
    store.put(ALB_KEY, unreadable)  # the proxies keep the old settings: not what is recorded
    alb.tick(110.5, observed())
    alb.pump(116.0)  # the periodic resync: nginx still runs the old settings
    assert alb.settle() and unreachable(store, {"web": 1})
    assert [m for m in events.messages("error") if "unreadable" in m]
    store.put(ALB_KEY, record(LAYOUT))  # back to the settings nginx runs
    alb.tick(116.5, observed())
    assert alb.settle() and not unreachable(store, {"web": 1})
    rt.exec_result = (3, "nginx: [emerg] something is wrong")
    alb.begin_draining(TASK, 111.0)  # the target leaves; nginx refuses the new config
    assert alb.settle() and "10.1.1.5" in rt.conf()
    assert unreachable(store, {"web": 0})  # nginx does not run what the snapshot says
    alb.pump(120.0)  # the same refused text stays refused
    assert alb.settle() and unreachable(store, {"web": 0})


def test_draining_leaves_nginx_at_once_and_events_follow_the_stop(world: World) -> None:
    alb, rt, store, events = world
    alb.tick(100.0, observed())
    assert alb.settle()
    assert alb.begin_draining(TASK, 101.0) == 108.0
    assert alb.settle() and alb.busy
    assert "10.1.1.5" not in rt.conf() and alb.targets_of(TASK)[0].state == "draining"
    assert not [m for m in events.messages() if "deregistered" in m]  # after "has stopped"
    alb.tick(102.0, observed())
    assert [m.split(" in ")[0] for m in events.messages() if "dereg" in m or "drain" in m] == [
        "(service web) deregistered 1 targets",
        "(service web, taskSet ecs-svc/7) has begun draining connections on 1 tasks.",
    ]
    alb.pump(108.0)
    assert not alb.busy and alb.targets_of(TASK) == ()


def test_unregistered_task_reads_initial_and_refused_config_keeps_the_old(world: World) -> None:
    alb, rt, store, events = world
    alb.tick(100.0, observed(ip=""))
    assert [o.state for o in alb.targets_of(TASK)] == ["initial"]
    assert alb.settle()
    before = rt.conf()
    rt.exec_result = (3, "nginx: [emerg] something is wrong")
    alb.tick(101.0, observed())
    assert alb.settle()
    assert rt.conf() == before
    assert [m for m in events.messages("error") if "refused" in m and "[emerg]" in m]


def test_a_restarted_controller_keeps_what_the_last_one_knew(world: World) -> None:
    alb, rt, store, events = world
    alb.tick(100.0, observed())
    assert alb.settle()
    alb.close()
    seen = len(events.messages())
    slow: list[str] = []

    def never_answers(ip: str, port: int, group: TargetGroup) -> ProbeResult:
        slow.append(ip)
        return ProbeResult(ok=False, timed_out=True)

    again = AlbTargets("s", rt, store, Account(), events, prober=never_answers, background=False)
    try:
        with again._lock:  # before any health check of the new controller
            again.tick(200.0, observed())
            assert [o.state for o in again.targets_of(TASK)] == ["healthy"]
        assert again.settle()
        assert "server 10.1.1.5:8080" in rt.conf() and len(rt.boxes) == 1  # adopted
        assert not [m for m in events.messages()[seen:] if "registered" in m]
        assert slow == ["10.1.1.5"]
    finally:
        again.close()


def test_host_mode_tasks_are_not_registered_and_do_not_hold_up_the_service(
    world: World,
) -> None:
    alb, rt, store, events = world
    task = observed()[TASK]
    host = replace(task, labels={**task.labels, L.NETWORK_MODE: "host"}, pause=None)
    alb.tick(100.0, {TASK: host})
    assert alb.settle()
    assert alb.targets_of(TASK) == ()  # not "initial" forever: the scheduler may complete
    assert not [m for m in events.messages() if "registered" in m]
    assert "10.1.1.5" not in rt.conf()  # the ALB answers 503 for the group
