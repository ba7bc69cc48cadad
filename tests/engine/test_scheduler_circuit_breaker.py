"""The deployment circuit breaker: threshold, stage 1 (tasks never reach RUNNING), stage 2
(tasks fail their health checks), FAILED deployments, rollback to the last COMPLETED one."""

from __future__ import annotations

from dataclasses import replace

import pytest

from emulator.model.layout import CircuitBreaker, DeploymentConfiguration
from emulator.scheduler import (
    StartTasks,
    StopServiceTask,
    TaskObservation,
    TrackedTask,
    circuit_breaker_threshold,
    create_service,
    plan,
    update_service,
)
from emulator.scheduler.deployment import classify_stop
from tests.engine.scheduler_sim import T0, TD1, TD2, Behavior, Sim, steady

FAILING = "ECS deployment circuit breaker: tasks failed to start."


def deploy(sim: Sim, task_definition: str = TD2) -> str:
    sim.record = update_service(
        sim.record, now=sim.now, task_definition=task_definition, new_id=sim.new_deployment_id
    )
    return sim.record.primary.id


def tripped(sim: Sim) -> bool:
    return any(d.rollout_state == "FAILED" for d in sim.record.deployments)


@pytest.mark.parametrize(
    ("desired", "threshold"),
    [(0, 3), (1, 3), (5, 3), (6, 3), (7, 4), (10, 5), (399, 200), (400, 200), (1000, 200)],
)
def test_threshold_is_half_the_desired_count_rounded_up_within_3_and_200(
    desired: int, threshold: int
) -> None:
    assert circuit_breaker_threshold(desired) == threshold


def test_stage_1_failure_rolls_back_to_the_last_completed_deployment() -> None:
    sim = Sim.create(2, breaker=True, rollback=True, behaviors={TD2: Behavior(fail_to_start=True)})
    sim.run_until(steady)
    good = sim.record.primary.id
    bad = deploy(sim)
    sim.run_until(tripped)
    deps = {d.id: d for d in sim.record.deployments}
    failed = deps[bad]
    assert (failed.status, failed.rollout_state, failed.rollout_state_reason) == (
        "ACTIVE",
        "FAILED",
        FAILING,
    )
    assert failed.failed_tasks >= 3 and failed.breaker == "TRIGGERED" and failed.stage == 1
    rollback = sim.record.primary
    assert rollback.id not in (good, bad)
    assert rollback.task_definition == TD1 == sim.record.task_definition
    assert rollback.rollout_state == "IN_PROGRESS"
    assert rollback.rollout_state_reason == (
        f"ECS deployment circuit breaker: rolling back to deploymentId {good}."
    )
    assert f"(service web) (deployment {bad}) deployment failed: tasks failed to start." in (
        sim.messages()
    )
    # min 100%: the good tasks kept serving throughout
    assert sim.serving_by_definition() == {TD1: 2}
    sim.run_until(steady)
    assert [(d.id, d.rollout_state) for d in sim.record.deployments] == [(rollback.id, "COMPLETED")]
    assert sim.record.primary.rollout_state_reason == f"ECS deployment {rollback.id} completed."
    assert sim.record.rollback_target is not None
    assert sim.record.rollback_target.deployment_id == rollback.id


def test_stage_2_health_check_failures_trip_the_breaker() -> None:
    sim = Sim.create(
        2,
        breaker=True,
        rollback=True,
        behaviors={TD2: Behavior(healthy_after=None, unhealthy_after=2)},
    )
    sim.run_until(steady)
    bad = deploy(sim)
    sim.run_until(tripped)
    failed = sim.record.deployment(bad)
    assert failed is not None and failed.stage == 2 and failed.failed_tasks >= 3
    td2_stops = {t.reason for t in sim.tasks.values() if t.task_definition == TD2 and t.reason}
    assert "Task failed container health checks" in td2_stops
    # tasks that reached RUNNING do not throttle the service
    assert not [m for m in sim.messages() if "unable to consistently" in m]
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 2}


def test_without_rollback_a_failed_deployment_stalls() -> None:
    sim = Sim.create(2, breaker=True, behaviors={TD2: Behavior(fail_to_start=True)})
    sim.run_until(steady)
    bad = deploy(sim)
    sim.run_until(tripped)
    assert sim.record.primary.id == bad and sim.record.primary.rollout_state == "FAILED"
    for _ in range(30):
        p = sim.step()
        assert not [a for a in p.actions if isinstance(a, StartTasks)]
    assert sim.serving_by_definition() == {TD1: 2}  # the old tasks keep serving
    assert not sim.record.steady
    assert [d.status for d in sim.record.deployments] == ["PRIMARY", "ACTIVE"]


def test_rollback_needs_a_completed_deployment() -> None:
    sim = Sim.create(2, breaker=True, rollback=True, behaviors={TD1: Behavior(fail_to_start=True)})
    sim.run_until(tripped)
    assert len(sim.record.deployments) == 1
    assert sim.record.primary.rollout_state_reason == FAILING
    for _ in range(10):
        assert sim.step().actions == ()


def test_failed_rollback_does_not_roll_back_again() -> None:
    sim = Sim.create(1, breaker=True, rollback=True)
    sim.run_until(steady)
    # the good definition breaks too (say, a vanished image): rollback fails, and then stalls
    sim.behaviors[TD1] = Behavior(fail_to_start=True)
    sim.behaviors[TD2] = Behavior(fail_to_start=True)
    deploy(sim)
    sim.run_until(tripped)
    rollback = sim.record.primary.id
    sim.run_until(lambda s: s.record.primary.rollout_state == "FAILED", max_ticks=400)
    assert sim.record.primary.id == rollback
    assert sim.record.rollback_target is None
    assert [(d.status, d.rollout_state) for d in sim.record.deployments] == [
        ("PRIMARY", "FAILED"),  # the rollback
        ("ACTIVE", "FAILED"),  # the bad deployment
        ("ACTIVE", "COMPLETED"),  # the first one, whose task still serves
    ]
    assert sim.serving_by_definition() == {TD1: 1}


def test_disabled_breaker_never_fails_the_deployment() -> None:
    sim = Sim.create(2, behaviors={TD2: Behavior(fail_to_start=True)})
    sim.run_until(steady)
    deploy(sim)
    sim.run(60)
    assert sim.record.primary.rollout_state == "IN_PROGRESS"
    assert sim.record.primary.failed_tasks >= 3
    assert sim.serving_by_definition() == {TD1: 2}


def test_a_healthy_task_resets_the_failure_count() -> None:
    config = DeploymentConfiguration(circuit_breaker=CircuitBreaker(True, True))
    rec = create_service(
        "web",
        TD1,
        desired_count=4,
        now=T0,
        deployment_configuration=config,
        new_id=lambda: "ecs-svc/1",
    )
    dep = replace(rec.primary, failed_tasks=2, tracked=(TrackedTask("t1"),))
    rec = replace(rec, deployments=(dep,))
    t = TaskObservation(
        "t1",
        "ecs-svc/1",
        "RUNNING",
        started_at=T0,
        reached_running=True,
        has_health_check=True,
        health_status="HEALTHY",
    )
    p = plan(rec, [t], T0 + 10)
    assert p.record.primary.failed_tasks == 0
    assert p.record.primary.stage == 2


def test_tasks_that_were_healthy_and_then_crashed_do_not_count() -> None:
    sim = Sim.create(2, breaker=True, behaviors={TD2: Behavior(healthy_after=1, crash_after=4)})
    sim.run_until(steady)
    deploy(sim)
    sim.run(40)
    assert not tripped(sim)


def test_scale_only_update_with_running_tasks_skips_the_breaker() -> None:
    config = DeploymentConfiguration(circuit_breaker=CircuitBreaker(True, True))
    rec = create_service(
        "web",
        TD1,
        desired_count=2,
        now=T0,
        deployment_configuration=config,
        new_id=lambda: "ecs-svc/1",
    )
    assert rec.primary.breaker == "MONITORING"
    not_running = update_service(rec, now=T0 + 1, desired_count=3)
    assert not_running.primary.breaker == "MONITORING"
    running = replace(rec, deployments=(replace(rec.primary, running_count=1),))
    skipped = update_service(running, now=T0 + 1, desired_count=3)
    assert skipped.primary.breaker == "DISABLED"
    new = update_service(running, now=T0 + 1, task_definition=TD2, new_id=lambda: "ecs-svc/2")
    assert new.primary.breaker == "MONITORING"  # a new deployment always starts monitoring


def test_user_stopped_tasks_are_not_failures() -> None:
    config = DeploymentConfiguration(circuit_breaker=CircuitBreaker(True, False))
    rec = create_service(
        "web",
        TD1,
        desired_count=1,
        now=T0,
        deployment_configuration=config,
        new_id=lambda: "ecs-svc/1",
    )
    rec = replace(rec, deployments=(replace(rec.primary, tracked=(TrackedTask("t1"),)),))
    t = TaskObservation(
        "t1", "ecs-svc/1", "STOPPED", desired_status="STOPPED", stop_code="UserInitiated"
    )
    p = plan(rec, [t], T0 + 1)
    assert p.record.primary.failed_tasks == 0
    assert p.actions == (StartTasks("ecs-svc/1", TD1, 1),)
    assert not [a for a in p.actions if isinstance(a, StopServiceTask)]


def test_stop_classification() -> None:
    def stopped(**kw: object) -> TaskObservation:
        return TaskObservation("t", "d", "STOPPED", desired_status="STOPPED", **kw)  # type: ignore[arg-type]

    fresh = TrackedTask("t")
    assert classify_stop(fresh, None) == "neutral"
    assert classify_stop(fresh, stopped(stop_code="TaskFailedToStart")) == "start_failure"
    assert classify_stop(fresh, stopped(stop_code="UserInitiated")) == "neutral"
    assert (
        classify_stop(
            fresh,
            stopped(
                stop_code="ServiceSchedulerInitiated",
                stopped_reason="Scaling activity initiated by (deployment ecs-svc/1)",
            ),
        )
        == "neutral"
    )
    assert classify_stop(TrackedTask("t", stop_kind="scaling"), stopped()) == "neutral"
    assert classify_stop(TrackedTask("t", True, stop_kind="health"), stopped()) == "failure"
    ran = stopped(stop_code="EssentialContainerExited", reached_running=True)
    assert classify_stop(TrackedTask("t", True), ran) == "failure"  # crashed before healthy
    assert classify_stop(TrackedTask("t", True, True), ran) == "neutral"  # was healthy
