"""Target registration (emulator.albregistry) with a fake clock: register, health checks,
draining and forgetting, ECS's event texts, what the scheduler and nginx are told, and
where a task's container is reached in each network mode."""

from __future__ import annotations

from emulator import labels as L
from emulator.alb.health import ProbeResult, State
from emulator.alb.nginx import Target
from emulator.alb.spec import instance_id
from emulator.albregistry import Address, Registry, TargetKey, address_of
from emulator.lifecycle import ObservedTask, TaskContainer
from emulator.model.layout import TargetGroup
from emulator.runtime.base import ContainerState

TG = TargetGroup(
    "web",
    port=8080,
    health_check_path="/health",
    health_check_interval_seconds=5,
    healthy_threshold_count=2,
    unhealthy_threshold_count=2,
    deregistration_delay=10,
)
ARN = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef"
TASK = "arn:aws:ecs:us-east-1:000000000000:task/default/" + "a" * 32
OTHER = "arn:aws:ecs:us-east-1:000000000000:task/default/" + "b" * 32
OK = ProbeResult(ok=True, status=200)
E503 = ProbeResult(ok=False, status=503)


def registry() -> Registry:
    return Registry({"web": TG}, lambda name: ARN.replace("/web/", f"/{name}/"))


def key(task: str = TASK) -> TargetKey:
    return TargetKey("web", task, "app", 8080)


def addr(ip: str = "10.0.1.5") -> Address:
    return Address(ip, 8080, "s-private", ip, 8080)


def test_register_emits_ecs_text_and_starts_initial() -> None:
    r = registry()
    ch = r.register(key(), addr(), "web", "ecs-svc/1", now=100.0)
    assert ch.events == [
        ("web", f"(service web) registered 1 targets in (target-group {ARN})"),
    ]
    assert [(t.from_state, t.to_state) for _, t in ch.transitions] == [
        (State.UNUSED, State.INITIAL)
    ]
    assert r.observations(TASK)[0].state == "initial"
    assert r.due(100.0) and r.targets(["web"]) == {"web": [Target("10.0.1.5", 8080, "initial")]}
    assert not r.register(key(), addr(), "web", "ecs-svc/1", now=101.0)  # known: left alone


def test_health_checks_move_the_target_and_the_scheduler_sees_the_reason() -> None:
    r = registry()
    r.register(key(), addr(), "web", "ecs-svc/1", now=0.0)
    r.record(key(), OK, 0.0)
    assert r.observations(TASK)[0].state == "healthy"
    assert not r.due(4.9) and r.due(5.0)
    r.record(key(), E503, 5.0)
    ch = r.record(key(), E503, 10.0)
    (obs,) = r.observations(TASK)
    assert (obs.state, obs.reason, obs.port) == (
        "unhealthy",
        "Health checks failed with these codes: [503]",
        8080,
    )
    assert obs.target_group_arn == ARN and obs.instance_id is None
    assert [t.to_state for _, t in ch.transitions] == [State.UNHEALTHY]


def test_deregister_drains_for_the_delay_then_forgets() -> None:
    r = registry()
    r.register(key(), addr(), "web", "ecs-svc/1", now=0.0)
    r.register(key(OTHER), addr("10.0.1.6"), "web", "ecs-svc/1", now=0.0)
    r.record(key(), OK, 0.0)
    r.record(key(OTHER), OK, 0.0)
    ch, until = r.deregister_task(TASK, now=20.0)
    assert until == 30.0
    assert ch.events == [
        ("web", f"(service web) deregistered 1 targets in (target-group {ARN})"),
        ("web", "(service web, taskSet ecs-svc/1) has begun draining connections on 1 tasks."),
    ]
    # draining targets get no new requests; the other one does
    assert r.targets(["web"])["web"] == [
        Target("10.0.1.5", 8080, "draining"),
        Target("10.0.1.6", 8080, "healthy"),
    ]
    assert r.draining() and not [e for e in r.due(25.0) if e.key.task_arn == TASK]
    assert r.deregister_task(TASK, now=21.0) == (r.deregister_task(TASK, 22.0)[0], None)
    assert not r.expire(29.9)
    ch = r.expire(30.0)
    assert [(t.from_state, t.to_state) for _, t in ch.transitions] == [
        (State.DRAINING, State.UNUSED)
    ]
    assert r.observations(TASK) == () and not r.draining()
    assert r.deregister_task(TASK, now=31.0)[1] is None


def test_describe_is_describe_target_health() -> None:
    r = registry()
    r.register(key(), addr(), "web", "ecs-svc/1", now=0.0)
    r.record(key(), E503, 0.0)
    (d,) = r.describe()[ARN]
    assert d["Target"] == {"Id": "10.0.1.5", "Port": 8080}
    assert d["HealthCheckPort"] == "8080"
    assert d["TargetHealth"] == {
        "State": "initial",
        "Reason": "Elb.InitialHealthChecking",
        "Description": "Initial health checks in progress",
    }
    assert d["Ecsdev"]["TaskArn"] == TASK and d["Ecsdev"]["Since"] == 0.0
    r.record(key(), OK, 5.0)
    (d,) = r.describe()[ARN]
    assert d["TargetHealth"] == {"State": "healthy"} and d["Ecsdev"]["Since"] == 5.0


def test_changed_settings_apply_and_removed_groups_forget_their_targets() -> None:
    r = registry()
    r.register(key(), addr(), "web", "ecs-svc/1", now=0.0)
    slower = TargetGroup("web", health_check_interval_seconds=30)
    r.set_groups({"web": slower}, now=1.0)
    r.record(key(), OK, 1.0)
    assert not r.due(30.0) and r.due(31.0)
    ch = r.set_groups({}, now=40.0)
    assert [t.to_state for _, t in ch.transitions] == [State.DRAINING, State.UNUSED]
    assert not r.entries


def state(
    name: str,
    labels: dict[str, str],
    ips: dict[str, str] | None = None,
    ports: tuple[tuple[int, str, str, int], ...] = (),
    status: str = "running",
) -> ContainerState:
    return ContainerState(
        id=name,
        name=name,
        labels=labels,
        status=status,
        started_at="2026-01-01T00:00:00Z",
        ip_addresses=ips or {},
        ports=ports,
    )


def task(mode: str, app: ContainerState, pause: ContainerState | None = None) -> ObservedTask:
    labels = {L.NETWORK_MODE: mode, L.TASK_ARN: TASK}
    return ObservedTask(TASK, labels, pause, (TaskContainer.from_state(app),))


def test_awsvpc_target_is_the_task_ip_and_the_container_port() -> None:
    labels = {L.CONTAINER_NAME: "app", L.NETWORK_MODE: "awsvpc"}
    pause = state("pause", {}, {"s-private": "10.9.1.4"})
    t = task("awsvpc", state("app", labels), pause)
    assert address_of(t, "app", 8080, "s") == Address(
        "10.9.1.4", 8080, "s-private", "10.9.1.4", 8080
    )
    assert address_of(t, "sidecar", 8080, "s") is None
    no_ip = task("awsvpc", state("app", labels), state("pause", {}))
    assert address_of(no_ip, "app", 8080, "s") is None


def test_bridge_target_is_named_instance_and_host_port_but_reached_directly() -> None:
    labels = {L.CONTAINER_NAME: "app", L.NETWORK_MODE: "bridge"}
    app = state("app", labels, {"bridge": "172.17.0.9"}, ((8080, "tcp", "127.0.0.1", 32801),))
    a = address_of(task("bridge", app), "app", 8080, "s")
    assert a == Address("172.17.0.9", 8080, "bridge", instance_id("s"), 32801, instance_id("s"))
    assert a is not None and a.target_id.startswith("i-") and len(a.target_id) == 19


def test_stopped_container_and_host_mode_are_not_targets() -> None:
    labels = {L.CONTAINER_NAME: "app", L.NETWORK_MODE: "bridge"}
    exited = state("app", labels, {"bridge": "172.17.0.9"}, status="exited")
    assert address_of(task("bridge", exited), "app", 8080, "s") is None
    host = state("app", {L.CONTAINER_NAME: "app", L.NETWORK_MODE: "host"})
    assert address_of(task("host", host), "app", 8080, "s") is None
