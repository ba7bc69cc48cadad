"""Desired count, replacement, scaling and rolling deployments, replayed on a fake clock.

Every tick of every scenario also checks (in ``scheduler_sim``) that launches never push
RUNNING + PENDING + STOPPING above floor(desired x max / 100) and that scaling stops never take
healthy tasks below ceil(desired x min / 100).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from emulator.model.layout import DeploymentConfiguration
from emulator.scheduler import (
    StartTasks,
    StopServiceTask,
    TaskObservation,
    bounds,
    create_service,
    plan,
    update_service,
)
from tests.engine.scheduler_sim import T0, TD1, TD2, Behavior, Sim, steady


def deploy(sim: Sim, task_definition: str = TD2) -> str:
    sim.record = update_service(
        sim.record, now=sim.now, task_definition=task_definition, new_id=sim.new_deployment_id
    )
    return sim.record.primary.id


def test_bounds_round_min_up_and_max_down() -> None:
    assert bounds(3, DeploymentConfiguration(50, 150)) == bounds(
        3, DeploymentConfiguration(50, 150)
    )
    assert bounds(3, DeploymentConfiguration(50, 150)).floor == 2  # ceil(1.5)
    assert bounds(3, DeploymentConfiguration(50, 150)).ceiling == 4  # floor(4.5)
    assert bounds(5, DeploymentConfiguration(100, 150)).ceiling == 7
    assert bounds(1, DeploymentConfiguration(100, 150)).ceiling == 1
    assert bounds(4, DeploymentConfiguration(0, 100)).floor == 0
    assert bounds(0, DeploymentConfiguration()).ceiling == 0


def test_new_service_starts_desired_count_and_reaches_steady_state() -> None:
    sim = Sim.create(3)
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 3}
    d = sim.record.primary
    assert (d.status, d.rollout_state, d.running_count, d.pending_count) == (
        "PRIMARY",
        "COMPLETED",
        3,
        0,
    )
    assert d.rollout_state_reason == f"ECS deployment {d.id} completed."
    assert sim.messages() == [
        "(service web) has started 3 tasks: (task 00000000000000000000000000000001) "
        "(task 00000000000000000000000000000002) (task 00000000000000000000000000000003).",
        f"(service web) (deployment {d.id}) deployment completed.",
        "(service web) has reached a steady state.",
    ]
    assert sim.plans[0].record.primary.rollout_state_reason == f"ECS deployment {d.id} in progress."


def test_stopped_task_is_replaced_by_a_new_task() -> None:
    sim = Sim.create(2)
    sim.run_until(steady)
    victim = sim.tasks["00000000000000000000000000000001"]
    victim.status, victim.desired, victim.stopped_at = "STOPPED", "STOPPED", sim.now
    victim.stop_code, victim.reason = (
        "EssentialContainerExited",
        "Essential container in task exited",
    )
    p = sim.step()
    assert p.actions == (StartTasks(sim.record.primary.id, TD1, 1),)
    assert sim.messages()[-1] == (
        "(service web) has started 1 tasks: (task 00000000000000000000000000000003)."
    )
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 2}
    assert sim.tasks[victim.task_id].status == "STOPPED"  # kept in history by the runtime
    assert sim.record.primary.failed_tasks == 0  # a COMPLETED deployment counts no failures
    assert sim.messages().count("(service web) has reached a steady state.") == 2
    assert len(sim.record.deployments) == 1


def test_scale_up_and_down_keep_the_deployment() -> None:
    sim = Sim.create(2)
    sim.run_until(steady)
    first = sim.record.primary.id
    sim.record = update_service(sim.record, now=sim.now, desired_count=5)
    p = sim.step()
    assert p.actions == (StartTasks(first, TD1, 3),)
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 5}
    sim.record = update_service(sim.record, now=sim.now, desired_count=2)
    p = sim.step()
    stops = [a for a in p.actions if isinstance(a, StopServiceTask)]
    # all healthy: the newest go (3, 4 and 5 started together; the task ID breaks the tie)
    assert [a.task_id[-1] for a in stops] == ["3", "4", "5"]
    assert {a.reason for a in stops} == {f"Scaling activity initiated by (deployment {first})"}
    assert {a.stop_code for a in stops} == {"ServiceSchedulerInitiated"}
    assert sim.messages()[-1] == (
        "(service web) has stopped 3 running tasks: (task 00000000000000000000000000000003) "
        "(task 00000000000000000000000000000004) (task 00000000000000000000000000000005)."
    )
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD1: 2}
    assert [d.id for d in sim.record.deployments] == [first]


def _obs(task_id: str, dep: str, status: str, created: float, healthy: bool) -> TaskObservation:
    return TaskObservation(
        task_id,
        dep,
        status,
        created_at=created,
        started_at=created if status == "RUNNING" else None,
        reached_running=status == "RUNNING",
        has_health_check=True,
        health_status="HEALTHY" if healthy else "UNKNOWN",
    )


def test_scale_in_order_pending_then_unhealthy_then_newest() -> None:
    rec = create_service("web", TD1, desired_count=5, now=T0, new_id=lambda: "ecs-svc/1")
    tasks = [
        _obs("a", "ecs-svc/1", "RUNNING", T0, True),
        _obs("b", "ecs-svc/1", "RUNNING", T0 + 1, True),
        _obs("c", "ecs-svc/1", "RUNNING", T0 + 2, False),
        _obs("d", "ecs-svc/1", "PENDING", T0 + 3, False),
        _obs("e", "ecs-svc/1", "RUNNING", T0 + 4, True),
    ]
    rec = update_service(rec, now=T0 + 10, desired_count=1)
    p = plan(rec, tasks, T0 + 10)
    assert [a.task_id for a in p.actions if isinstance(a, StopServiceTask)] == ["d", "c", "e", "b"]


CASES = [
    # min, max, desired
    (100, 200, 3),
    (100, 200, 1),
    (50, 200, 4),
    (50, 200, 5),
    (0, 100, 3),
    (100, 150, 3),
    (100, 150, 5),
    (50, 150, 5),
    (0, 200, 2),
]


@pytest.mark.parametrize(("minimum", "maximum", "desired"), CASES)
def test_rolling_deployment_respects_floor_and_ceiling(
    minimum: int, maximum: int, desired: int
) -> None:
    sim = Sim.create(desired, minimum=minimum, maximum=maximum)
    sim.run_until(steady)
    first = sim.record.primary.id
    start = len(sim.history)
    second = deploy(sim)
    sim.run_until(steady)
    b = bounds(desired, sim.record.deployment_configuration)
    rollout = sim.history[start:]
    assert max(h["live"] for h in rollout) <= b.ceiling
    # no failures in this scenario, so the floor holds at every tick, not only at stops
    assert min(h["healthy"] for h in rollout) >= b.floor
    assert sim.serving_by_definition() == {TD2: desired}
    assert [t for t in sim.live() if t.task_definition == TD1] == []
    assert [(d.id, d.status, d.rollout_state) for d in sim.record.deployments] == [
        (second, "PRIMARY", "COMPLETED")
    ]
    msgs = sim.messages()
    assert f"(service web) (deployment {second}) deployment completed." in msgs
    assert msgs[-1] == "(service web) has reached a steady state."
    stop_reasons = {sim.tasks[t].reason for t in sim.tasks if sim.tasks[t].task_definition == TD1}
    assert stop_reasons == {f"Scaling activity initiated by (deployment {second})"}
    assert first != second


def test_min_100_max_200_starts_a_full_batch_then_stops_old() -> None:
    sim = Sim.create(3)
    sim.run_until(steady)
    second = deploy(sim)
    p = sim.step()
    assert p.actions == (StartTasks(second, TD2, 3),)
    d = {x.id: x for x in p.record.deployments}
    assert d[second].status == "PRIMARY" and d[second].desired_count == 3
    assert [x.status for x in p.record.deployments] == ["PRIMARY", "ACTIVE"]


def test_min_50_stops_half_at_once_and_starts_a_full_batch() -> None:
    sim = Sim.create(4, minimum=50, maximum=200)
    sim.run_until(steady)
    second = deploy(sim)
    p = sim.step()
    stops = [a for a in p.actions if isinstance(a, StopServiceTask)]
    assert len(stops) == 2
    assert [a for a in p.actions if isinstance(a, StartTasks)] == [StartTasks(second, TD2, 4)]
    active = [d for d in p.record.deployments if d.status == "ACTIVE"]
    assert active[0].desired_count == 2  # ACTIVE desiredCount falls as it is drained


def test_min_0_max_100_stops_everything_before_starting() -> None:
    sim = Sim.create(3, minimum=0, maximum=100, behaviors={TD1: Behavior(stop_ticks=2)})
    sim.run_until(steady)
    deploy(sim)
    p = sim.step()
    assert len(p.actions) == 3 and all(isinstance(a, StopServiceTask) for a in p.actions)
    p = sim.step()  # old tasks are still STOPPING: they count against the ceiling
    assert p.actions == ()
    p = sim.step()
    assert [type(a) for a in p.actions] == [StartTasks]


def test_old_tasks_stay_until_new_ones_are_healthy() -> None:
    sim = Sim.create(2, behaviors={TD2: Behavior(healthy_after=5)})
    sim.run_until(steady)
    deploy(sim)
    for _ in range(6):  # new tasks: 1 tick PENDING, then 5 ticks RUNNING before HEALTHY
        p = sim.step()
        assert not [a for a in p.actions if isinstance(a, StopServiceTask)]
        assert sim.serving_by_definition().get(TD1) == 2
    p = sim.step()
    assert len([a for a in p.actions if isinstance(a, StopServiceTask)]) == 2


def test_stuck_bounds_make_progress_one_task_at_a_time() -> None:
    """min 100 / max 150 with one task: floor 1, ceiling 1; nothing could ever move, so the
    scheduler stops the old task (a documented dip below the floor) and starts the new one."""
    sim = Sim.create(1, minimum=100, maximum=150, allow_floor_dip=True)
    sim.run_until(steady)
    deploy(sim)
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD2: 1}
    assert max(h["live"] for h in sim.history) <= 1


def test_desired_count_change_alone_does_not_create_a_deployment() -> None:
    rec = create_service("web", TD1, desired_count=2, now=T0, new_id=lambda: "ecs-svc/1")
    rec2 = update_service(rec, now=T0 + 1, desired_count=4, new_id=lambda: "ecs-svc/2")
    assert [d.id for d in rec2.deployments] == ["ecs-svc/1"]
    assert rec2.primary.desired_count == 4
    rec3 = update_service(rec2, now=T0 + 2, force_new_deployment=True, new_id=lambda: "ecs-svc/3")
    assert [(d.id, d.status, d.task_definition) for d in rec3.deployments] == [
        ("ecs-svc/3", "PRIMARY", TD1),
        ("ecs-svc/1", "ACTIVE", TD1),
    ]
    assert rec3.primary.rollout_state_reason == "ECS deployment ecs-svc/3 in progress."


def test_forced_deployment_replaces_every_task() -> None:
    sim = Sim.create(2)
    sim.run_until(steady)
    old = {t.task_id for t in sim.live()}
    sim.record = update_service(
        sim.record, now=sim.now, force_new_deployment=True, new_id=sim.new_deployment_id
    )
    sim.run_until(steady)
    assert not old & {t.task_id for t in sim.live()}
    assert sim.serving_by_definition() == {TD1: 2}


def test_deployment_superseded_mid_rollout() -> None:
    sim = Sim.create(2, behaviors={TD2: Behavior(healthy_after=3)})
    sim.run_until(steady)
    deploy(sim)
    sim.run(2)
    third = deploy(sim, "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3")
    assert [d.status for d in sim.record.deployments] == ["PRIMARY", "ACTIVE", "ACTIVE"]
    sim.run_until(steady)
    assert [d.id for d in sim.record.deployments] == [third]
    assert {t.task_definition for t in sim.live()} == {
        "arn:aws:ecs:us-east-1:000000000000:task-definition/web:3"
    }


def test_tasks_of_unknown_deployments_are_drained() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0, new_id=lambda: "ecs-svc/1")
    tasks = [
        _obs("mine", "ecs-svc/1", "RUNNING", T0, True),
        _obs("stray", "ecs-svc/0", "RUNNING", T0, True),
    ]
    p = plan(rec, tasks, T0 + 1)
    assert p.actions == (
        StopServiceTask(
            "stray", "ecs-svc/0", "Scaling activity initiated by (deployment ecs-svc/1)"
        ),
    )


def test_a_vanished_task_is_replaced_and_an_unapplied_stop_is_repeated() -> None:
    sim = Sim.create(2)
    sim.run_until(steady)
    del sim.tasks["00000000000000000000000000000002"]
    p = sim.step()
    assert p.actions == (StartTasks(sim.record.primary.id, TD1, 1),)
    sim.run_until(steady)
    # ask for a scale-in, then "lose" the stop: the next step asks again
    sim.record = update_service(sim.record, now=sim.now, desired_count=1)
    p = plan(sim.record, sim.observations(), sim.now)
    (stop,) = p.actions
    again = plan(p.record, sim.observations(), sim.now + 10)
    assert again.actions == (stop,)


def test_scale_to_zero_stops_everything_and_is_steady() -> None:
    sim = Sim.create(2)
    sim.run_until(steady)
    sim.record = update_service(sim.record, now=sim.now, desired_count=0)
    p = sim.step()
    assert len([a for a in p.actions if isinstance(a, StopServiceTask)]) == 2
    sim.run_until(lambda s: not s.live() and steady(s))
    assert sim.record.primary.running_count == 0
    assert sim.messages()[-1] == "(service web) has reached a steady state."


def test_default_deployment_ids_look_like_ecs() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0)
    rec = update_service(rec, now=T0, task_definition=TD2)
    assert all(re.fullmatch(r"ecs-svc/\d{19}", d.id) for d in rec.deployments)
    assert rec.deployments[0].id != rec.deployments[1].id


def test_scale_in_leaves_protected_tasks_running_until_their_protection_expires() -> None:
    rec = create_service("web", TD1, desired_count=5, now=T0, new_id=lambda: "ecs-svc/1")
    until = T0 + 600
    tasks = [
        _obs("a", "ecs-svc/1", "RUNNING", T0, True),
        replace(_obs("b", "ecs-svc/1", "RUNNING", T0 + 1, True), protected_until=until),
        _obs("c", "ecs-svc/1", "RUNNING", T0 + 2, False),
        _obs("d", "ecs-svc/1", "PENDING", T0 + 3, False),
        replace(_obs("e", "ecs-svc/1", "RUNNING", T0 + 4, True), protected_until=until),
    ]
    rec = update_service(rec, now=T0 + 10, desired_count=1)
    p = plan(rec, tasks, T0 + 10)
    # the order of scale-in, without the protected b and e: fewer stops than the excess
    assert [a.task_id for a in p.actions if isinstance(a, StopServiceTask)] == ["d", "c", "a"]
    assert p.wake_at == until  # planning again when the protection lapses
    left = [t for t in tasks if t.task_id in ("b", "e")]
    later = plan(p.record, left, until + 1)
    assert [a.task_id for a in later.actions if isinstance(a, StopServiceTask)] == ["e"]


def test_a_deployment_waits_for_a_protected_old_task() -> None:
    sim = Sim.create(2)
    sim.run_until(steady)
    kept = sim.tasks["00000000000000000000000000000001"]
    kept.protected_until = sim.now + 100
    new = deploy(sim)
    sim.run(6)  # a minute: the other old task is replaced, the protected one is not
    assert kept.status == "RUNNING" and kept.desired == "RUNNING"
    assert sim.record.primary.rollout_state == "IN_PROGRESS"
    assert sim.serving_by_definition() == {TD1: 1, TD2: 2}
    sim.run_until(steady)  # once it lapses, the rollout finishes
    assert kept.status == "STOPPED" and sim.now > kept.protected_until
    assert sim.serving_by_definition() == {TD2: 2}
    assert sim.record.primary.id == new and sim.record.primary.rollout_state == "COMPLETED"
