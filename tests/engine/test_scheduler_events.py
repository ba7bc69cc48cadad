"""ECS's exact event texts, the event list (newest first, capped), the periodic steady-state
event, DescribeServices output, persistence and determinism."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from emulator.endpoint.ecs_json import plain, service_json
from emulator.scheduler import (
    SchedulerSettings,
    ServiceRecord,
    create_service,
    describe_service,
    plan,
    record_started,
    record_stopped,
    update_service,
)
from emulator.scheduler import messages as m
from emulator.services import ServiceState
from tests.engine.scheduler_sim import T0, TD1, TD2, Behavior, Sim, steady

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"


def test_message_texts_are_ecs_own() -> None:
    assert m.steady_state("web") == "(service web) has reached a steady state."
    assert m.started_tasks("web", ["2c47373308424022880765916ed57a9d"]) == (
        "(service web) has started 1 tasks: (task 2c47373308424022880765916ed57a9d)."
    )
    assert m.started_tasks("web", ["a", "b", "c"]) == (
        "(service web) has started 3 tasks: (task a) (task b) (task c)."
    )
    assert m.stopped_tasks("web", ["a"]) == "(service web) has stopped 1 running tasks: (task a)."
    assert m.registered_targets("web", 1, ARN) == (
        f"(service web) registered 1 targets in (target-group {ARN})"
    )
    assert m.deregistered_targets("web", 1, ARN) == (
        f"(service web) deregistered 1 targets in (target-group {ARN})"
    )
    assert m.draining_connections("web", 1, "ecs-svc/4034032221499882557") == (
        "(service web, taskSet ecs-svc/4034032221499882557) has begun draining connections on 1 tasks."
    )
    assert (
        m.draining_connections("web", 1)
        == "(service web) has begun draining connections on 1 tasks."
    )
    assert m.deployment_completed("web", "ecs-svc/4898377691688528528") == (
        "(service web) (deployment ecs-svc/4898377691688528528) deployment completed."
    )
    assert m.target_unhealthy("web", "abc", 8080, ARN, "Health checks failed") == (
        f"(service web) (task abc) (port 8080) is unhealthy in (target-group {ARN}) "
        "due to (reason Health checks failed)."
    )
    assert m.unable_to_start("web") == (
        "(service web) is unable to consistently start tasks successfully."
    )
    assert m.rollout_in_progress("ecs-svc/3763308422771520962") == (
        "ECS deployment ecs-svc/3763308422771520962 in progress."
    )
    assert m.rollout_completed("ecs-svc/1") == "ECS deployment ecs-svc/1 completed."
    assert (
        m.CIRCUIT_BREAKER_TASKS_FAILED == "ECS deployment circuit breaker: tasks failed to start."
    )
    assert m.rollout_rolling_back("ecs-svc/1") == (
        "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1."
    )
    assert m.stopped_scaling("ecs-svc/1234567890123456789") == (
        "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)"
    )
    assert m.stopped_elb_health(ARN) == f"Task failed ELB health checks in (target-group {ARN})"
    assert m.CONTAINER_HEALTH_FAILED == "Task failed container health checks"


def test_events_are_newest_first_capped_and_have_stable_ids() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0, new_id=lambda: "ecs-svc/1")
    settings = SchedulerSettings(max_events=100)
    for i in range(120):
        rec = record_started(rec, "ecs-svc/1", [f"t{i}"], T0 + i, settings)
    assert len(rec.events) == 100
    assert rec.events[0].message == "(service web) has started 1 tasks: (task t119)."
    assert rec.events[-1].message == "(service web) has started 1 tasks: (task t20)."
    assert [e.created_at for e in rec.events] == sorted(
        (e.created_at for e in rec.events), reverse=True
    )
    ids = [e.id for e in rec.events]
    assert len(set(ids)) == 100
    assert all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids)
    rec2 = record_stopped(rec, ["t119"], T0 + 200, settings)
    assert rec2.events[0].message == "(service web) has stopped 1 running tasks: (task t119)."
    assert rec2.events[1:] == rec.events[:99]
    # record_stopped / record_started with nothing to report change nothing
    assert record_stopped(rec, [], T0) is rec and record_started(rec, "ecs-svc/1", [], T0) is rec


def test_record_started_tracks_tasks_that_die_before_being_seen() -> None:
    rec = create_service("web", TD1, desired_count=1, now=T0, new_id=lambda: "ecs-svc/1")
    rec = record_started(rec, "ecs-svc/1", ["t1"], T0)
    assert [t.task_id for t in rec.primary.tracked] == ["t1"]


def test_steady_state_event_repeats_periodically() -> None:
    sim = Sim.create(1)
    sim.settings = SchedulerSettings(steady_state_interval=60.0)
    sim.run_until(steady)
    first = sim.record.last_steady_event_at
    assert first is not None
    sim.run(30)  # 300 s of steadiness
    times = [e.created_at for e in sim.record.events if e.message == m.steady_state("web")]
    assert sorted(times) == [first + 60.0 * i for i in range(6)]
    assert sim.plans[-1].wake_at == max(times) + 60.0


def test_describe_service_mid_rollout() -> None:
    sim = Sim.create(2, behaviors={TD2: Behavior(healthy_after=3)})
    sim.record = replace(
        sim.record, service_arn="arn:aws:ecs:us-east-1:000000000000:service/default/web"
    )
    sim.run_until(steady)
    first = sim.record.primary.id
    sim.record = update_service(
        sim.record, now=sim.now, task_definition=TD2, new_id=sim.new_deployment_id
    )
    sim.run(3)
    out = plain(service_json(ServiceState(describe_service(sim.record, sim.observations()), None)))
    assert json.loads(json.dumps(out)) == out
    assert out["serviceName"] == "web"
    assert out["serviceArn"] == "arn:aws:ecs:us-east-1:000000000000:service/default/web"
    assert (out["status"], out["desiredCount"], out["taskDefinition"]) == ("ACTIVE", 2, TD2)
    assert (out["runningCount"], out["pendingCount"]) == (4, 0)
    assert out["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    primary, active = out["deployments"]
    assert primary["status"] == "PRIMARY" and primary["taskDefinition"] == TD2
    assert primary["rolloutState"] == "IN_PROGRESS"
    assert primary["rolloutStateReason"] == f"ECS deployment {primary['id']} in progress."
    assert (primary["desiredCount"], primary["runningCount"], primary["failedTasks"]) == (2, 2, 0)
    assert active["id"] == first and active["status"] == "ACTIVE"
    assert (active["desiredCount"], active["runningCount"]) == (2, 2)
    assert active["rolloutState"] == "COMPLETED"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", primary["createdAt"])
    assert out["events"][0]["message"].startswith("(service web) has started 2 tasks:")
    assert set(out["events"][0]) == {"id", "createdAt", "message"}
    assert out["healthCheckGracePeriodSeconds"] == 0  # the service has a load balancer
    assert out["deploymentController"] == {"type": "ECS"}


def test_record_survives_json_round_trip_mid_rollout() -> None:
    sim = Sim.create(3, breaker=True, rollback=True, behaviors={TD2: Behavior(fail_to_start=True)})
    sim.run_until(steady)
    sim.record = update_service(
        sim.record, now=sim.now, task_definition=TD2, new_id=sim.new_deployment_id
    )
    sim.run(4)
    data = json.loads(json.dumps(sim.record.to_dict()))
    assert ServiceRecord.from_dict(data) == sim.record


def _scenario() -> Sim:
    sim = Sim.create(
        3,
        minimum=50,
        maximum=150,
        breaker=True,
        rollback=True,
        behaviors={
            TD2: Behavior(healthy_after=None, unhealthy_after=1),
            TD1: Behavior(check="elb"),
        },
    )
    sim.run_until(steady)
    sim.record = update_service(
        sim.record, now=sim.now, task_definition=TD2, new_id=sim.new_deployment_id
    )
    sim.run(40)
    return sim


def test_whole_scenarios_are_deterministic() -> None:
    a, b = _scenario(), _scenario()
    assert a.record.to_dict() == b.record.to_dict()
    assert [p.actions for p in a.plans] == [p.actions for p in b.plans]
    assert a.serving_by_definition() == {TD1: 3}


def test_plan_is_pure() -> None:
    rec = create_service("web", TD1, desired_count=2, now=T0, new_id=lambda: "ecs-svc/1")
    before = rec.to_dict()
    p1 = plan(rec, [], T0)
    p2 = plan(rec, [], T0)
    assert p1 == p2
    assert rec.to_dict() == before
    assert p1.record.events == ()  # nothing happened yet: the controller reports the start


def test_engine_events_carry_levels() -> None:
    sim = Sim.create(1, breaker=True, behaviors={TD1: Behavior(fail_to_start=True)})
    sim.run(20)
    levels = {e.message: e.level for p in sim.plans for e in p.engine_events()}
    assert levels[m.unable_to_start("web")] == "warning"
    failed = [k for k in levels if "deployment failed" in k]
    assert failed and levels[failed[0]] == "error"
    assert all(e.subject == "web" for p in sim.plans for e in p.engine_events())
