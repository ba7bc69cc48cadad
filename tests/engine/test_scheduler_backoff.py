"""The service throttle: repeated PENDING -> STOPPED launches back off up to 15 minutes."""

from __future__ import annotations

from emulator.scheduler import BackoffPolicy, BackoffState, StartTasks, update_service
from emulator.scheduler.backoff import record_start_failure, record_start_success
from tests.engine.scheduler_sim import TD1, TD2, Behavior, Sim, steady

THROTTLED = "(service web) is unable to consistently start tasks successfully."


def test_policy_grows_exponentially_to_15_minutes() -> None:
    policy = BackoffPolicy()
    assert [policy.delay(n) for n in range(1, 11)] == [
        0.0,
        10.0,
        20.0,
        40.0,
        80.0,
        160.0,
        320.0,
        640.0,
        900.0,
        900.0,
    ]
    assert BackoffPolicy(free_failures=0, base_seconds=5).delay(1) == 5.0


def test_state_engages_once_per_episode_and_resets() -> None:
    policy = BackoffPolicy()
    s, engaged = record_start_failure(BackoffState(), 100.0, policy)
    assert (s.next_start_at, engaged) == (None, False) and s.can_start(100.0)
    s, engaged = record_start_failure(s, 100.0, policy)
    assert (s.next_start_at, engaged) == (110.0, True)
    assert not s.can_start(109.9) and s.can_start(110.0)
    s, engaged = record_start_failure(s, 120.0, policy)
    assert (s.next_start_at, engaged) == (140.0, False)
    assert record_start_success(s) == BackoffState()
    assert BackoffState.from_dict(s.to_dict()) == s


def test_crash_looping_service_backs_off_and_says_so_once() -> None:
    sim = Sim.create(1, behaviors={TD1: Behavior(fail_to_start=True)})
    launches: list[float] = []
    for _ in range(400):  # 4000 s of fake time
        at = sim.now
        p = sim.step()
        if any(isinstance(a, StartTasks) for a in p.actions):
            launches.append(at)
        elif p.record.backoff.next_start_at is not None and p.record.backoff.next_start_at > at:
            assert p.wake_at == p.record.backoff.next_start_at
    gaps = [b - a for a, b in zip(launches, launches[1:], strict=False)]
    assert gaps == sorted(gaps)  # never shorter than the one before
    assert gaps[0] == 10.0  # STOPPED seen one tick after the launch: a free, immediate retry
    assert gaps[1] == 20.0  # the second failure engages the throttle: 10 s on top
    assert max(gaps) <= 900 + 2 * sim.tick
    assert max(gaps) >= 900
    assert sim.messages().count(THROTTLED) == 1
    warnings = [e for p in sim.plans for e in p.engine_events() if e.message == THROTTLED]
    assert [e.level for e in warnings] == ["warning"]


def test_tasks_that_reach_running_do_not_throttle() -> None:
    sim = Sim.create(1, behaviors={TD1: Behavior(healthy_after=None, crash_after=1)})
    sim.run(60)
    assert THROTTLED not in sim.messages()
    assert sim.record.backoff == BackoffState()
    launches = [
        i for i, p in enumerate(sim.plans) if any(isinstance(a, StartTasks) for a in p.actions)
    ]
    assert len(launches) >= 15  # relaunched every few ticks, no delay


def test_update_service_resets_the_throttle() -> None:
    sim = Sim.create(1, behaviors={TD1: Behavior(fail_to_start=True)})
    sim.run(30)
    assert sim.record.backoff.next_start_at is not None
    sim.record = update_service(
        sim.record, now=sim.now, task_definition=TD2, new_id=sim.new_deployment_id
    )
    assert sim.record.backoff == BackoffState()
    p = sim.step()
    assert [a for a in p.actions if isinstance(a, StartTasks)][0].task_definition == TD2
    sim.run_until(steady)
    assert sim.serving_by_definition() == {TD2: 1}
