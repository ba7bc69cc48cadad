"""Seeded scenario sweep: random (but fixed) timings, settings, deployments and scaling.

The simulator checks the floor and ceiling at every tick; here we add that every scenario ends
converged: exactly the desired count of the newest task definition, healthy, one deployment.
"""

from __future__ import annotations

import random

import pytest

from emulator.model.layout import DeploymentConfiguration
from emulator.scheduler import bounds, update_service
from tests.engine.scheduler_sim import Behavior, Sim, steady

SETTINGS = [(100, 200), (50, 200), (0, 100), (100, 150), (50, 150), (0, 200), (75, 125)]


def _taskdef(n: int) -> str:
    return f"arn:aws:ecs:us-east-1:000000000000:task-definition/web:{n}"


def _behavior(rng: random.Random) -> Behavior:
    return Behavior(
        pending_ticks=rng.randint(1, 3),
        healthy_after=rng.randint(0, 4),
        stop_ticks=rng.randint(1, 3),
        check=rng.choice(["container", "elb", "none"]),
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_rollouts_keep_the_bounds_and_converge(seed: int) -> None:
    rng = random.Random(seed)
    minimum, maximum = rng.choice(SETTINGS)
    counts = [rng.randint(0, 6) for _ in range(3)]
    config = DeploymentConfiguration(minimum, maximum)
    stuck_possible = any(bounds(d, config).floor == bounds(d, config).ceiling > 0 for d in counts)
    revision = 1
    sim = Sim.create(
        counts[0],
        minimum=minimum,
        maximum=maximum,
        task_definition=_taskdef(1),
        behaviors={_taskdef(n): _behavior(rng) for n in range(1, 6)},
        allow_floor_dip=stuck_possible,
    )
    sim.run(rng.randint(0, 6))
    for desired in counts[1:]:
        if rng.random() < 0.7:
            revision += 1
        sim.record = update_service(
            sim.record,
            now=sim.now,
            task_definition=_taskdef(revision),
            desired_count=desired,
            new_id=sim.new_deployment_id,
        )
        sim.run(rng.randint(0, 8))
    sim.run_until(steady, max_ticks=300)
    final = counts[-1]
    assert sim.serving_by_definition() == ({_taskdef(revision): final} if final else {})
    assert len(sim.live()) == final
    assert len(sim.record.deployments) == 1
    assert sim.record.primary.task_definition == _taskdef(revision)
    b = bounds(final, config)
    assert sim.history[-1]["live"] <= b.ceiling
