"""Task health as the scheduler sees it: container checks, ELB targets, the no-check delay and
healthCheckGracePeriodSeconds; unhealthy service tasks are stopped and replaced."""

from __future__ import annotations

from emulator.scheduler import (
    SchedulerSettings,
    StartTasks,
    StopServiceTask,
    TargetObservation,
    TaskObservation,
    create_service,
    plan,
    task_health,
)
from tests.engine.scheduler_sim import T0, TD1, TG, Behavior, Sim, steady


def running(**kw: object) -> TaskObservation:
    base: dict[str, object] = {
        "task_id": "t1",
        "deployment_id": "ecs-svc/1",
        "last_status": "RUNNING",
        "created_at": T0,
        "started_at": T0,
        "reached_running": True,
    }
    base.update(kw)
    return TaskObservation(**base)  # type: ignore[arg-type]


def test_task_health_rules() -> None:
    # no health check: healthy after the delay (ECS: 40 s) in RUNNING
    assert task_health(running(), T0 + 39.9, 40.0) == "UNKNOWN"
    assert task_health(running(), T0 + 40.0, 40.0) == "HEALTHY"
    assert task_health(running(last_status="PENDING"), T0 + 99, 40.0) == "UNKNOWN"
    # container checks decide, whatever the time
    checked = {"has_health_check": True}
    assert task_health(running(**checked), T0 + 999, 40.0) == "UNKNOWN"
    assert task_health(running(health_status="HEALTHY", **checked), T0, 40.0) == "HEALTHY"
    assert task_health(running(health_status="UNHEALTHY", **checked), T0, 40.0) == "UNHEALTHY"
    # behind a target group the target must be healthy too
    initial = (TargetObservation(TG, 8080, "initial"),)
    healthy = (TargetObservation(TG, 8080, "healthy"),)
    unhealthy = (TargetObservation(TG, 8080, "unhealthy", "Request timed out"),)
    ok = {"health_status": "HEALTHY", **checked}
    assert task_health(running(targets=initial, **ok), T0, 40.0) == "UNKNOWN"
    assert task_health(running(targets=healthy, **ok), T0, 40.0) == "HEALTHY"
    assert task_health(running(targets=unhealthy, **ok), T0, 40.0) == "UNHEALTHY"
    assert task_health(running(targets=healthy), T0 + 39, 40.0) == "UNKNOWN"
    assert task_health(running(targets=healthy), T0 + 40, 40.0) == "HEALTHY"


def test_no_check_delay_defaults_to_ecs_40_seconds_and_is_a_parameter() -> None:
    assert SchedulerSettings().no_health_check_healthy_after == 40.0
    for delay in (40.0, 0.0):
        sim = Sim.create(1, behaviors={TD1: Behavior(check="none")})
        sim.settings = SchedulerSettings(no_health_check_healthy_after=delay)
        sim.run_until(steady)
        started = sim.tasks["00000000000000000000000000000001"].started_at
        assert started is not None
        (done,) = [e for e in sim.record.events if "deployment completed" in e.message]
        assert done.created_at - started == delay  # ticks are 10 s, so exactly on time


def test_wake_at_points_to_the_end_of_the_no_check_delay() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0, new_id=lambda: "ecs-svc/1")
    p = plan(rec, [running()], T0 + 5)
    assert p.wake_at == T0 + 40
    assert p.actions == ()


def test_container_unhealthy_task_is_stopped_and_replaced() -> None:
    sim = Sim.create(2, behaviors={TD1: Behavior(healthy_after=1)})
    sim.run_until(steady)
    sick = sim.tasks["00000000000000000000000000000001"]
    sick.behavior = Behavior(unhealthy_after=0)
    p = sim.step()
    primary = sim.record.primary.id
    assert p.actions == (
        StopServiceTask(sick.task_id, primary, "Task failed container health checks"),
        StartTasks(primary, TD1, 1),  # max 200%: the replacement starts at once
    )
    assert (
        sim.messages()[-2] == f"(service web) has stopped 1 running tasks: (task {sick.task_id})."
    )
    assert sim.messages()[-1].startswith("(service web) has started 1 tasks: ")
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 2}
    assert sim.tasks[sick.task_id].status == "STOPPED"
    assert sim.tasks[sick.task_id].stop_code == "ServiceSchedulerInitiated"


def test_elb_unhealthy_task_gets_the_elb_event_and_reason() -> None:
    sim = Sim.create(1, behaviors={TD1: Behavior(check="elb")})
    sim.run_until(steady)
    sick = sim.tasks["00000000000000000000000000000001"]
    sick.behavior = Behavior(check="elb", unhealthy_after=0)
    p = sim.step()
    primary = sim.record.primary.id
    assert p.actions == (
        StopServiceTask(
            sick.task_id, primary, f"Task failed ELB health checks in (target-group {TG})"
        ),
        StartTasks(primary, TD1, 1),
    )
    assert [e.message for e in p.events] == [
        f"(service web) (task {sick.task_id}) (port 8080) is unhealthy in (target-group {TG}) "
        "due to (reason Health checks failed with these codes: [404])."
    ]
    assert p.engine_events()[0].level == "warning"
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 1}


def test_bridge_target_names_the_instance() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0, new_id=lambda: "ecs-svc/1")
    t = running(targets=(TargetObservation(TG, 32875, "unhealthy", "Request timed out", "i-0abc"),))
    p = plan(rec, [t], T0 + 50)
    assert p.events[0].message == (
        f"(service web) (instance i-0abc) (port 32875) is unhealthy in (target-group {TG}) "
        "due to (reason Request timed out)."
    )


def test_grace_period_ignores_unhealthy_signals_after_running() -> None:
    sim = Sim.create(1, grace=60, behaviors={TD1: Behavior(unhealthy_after=0)})
    sim.step()  # start
    started = sim.now  # the task becomes RUNNING at the end of this tick
    stops_at = None
    for _ in range(10):
        at = sim.now
        p = sim.step()
        stops = [a for a in p.actions if isinstance(a, StopServiceTask)]
        if stops:
            assert stops[0].reason == "Task failed container health checks"
            stops_at = at
            break
        assert p.wake_at == started + 60
    assert stops_at == started + 60


def test_unhealthy_before_running_is_not_acted_on() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0, new_id=lambda: "ecs-svc/1")
    pending = running(
        last_status="PENDING",
        started_at=None,
        reached_running=False,
        has_health_check=True,
        health_status="UNHEALTHY",
    )
    p = plan(rec, [pending], T0 + 100)
    assert p.actions == ()


def test_health_stop_during_steady_state_with_max_100_waits_for_the_stop() -> None:
    sim = Sim.create(1, maximum=100, behaviors={TD1: Behavior(stop_ticks=2)})
    sim.run_until(steady)
    sim.tasks["00000000000000000000000000000001"].behavior = Behavior(
        unhealthy_after=0, stop_ticks=2
    )
    p = sim.step()
    assert [type(a) for a in p.actions] == [StopServiceTask]
    p = sim.step()
    assert p.actions == ()  # the stopping task still fills the only slot
    p = sim.step()
    assert [type(a) for a in p.actions] == [StartTasks]
