"""The task rows of the stack's store (emulator.store): a stopped task's record is written
once by whichever process finishes the task first, and never spoiled by a later, worse look
at containers another process is removing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.store import Store
from emulator.taskview import ContainerDescription, TaskDescription

ARN = "arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef"


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store("tasks")
    try:
        yield s
    finally:
        s.close()


def snap(exit_code: int | None, reason: str = "done testing") -> TaskDescription:
    return TaskDescription(
        task_arn=ARN,
        cluster_arn="arn:aws:ecs:us-east-1:000000000000:cluster/default",
        task_definition_arn="arn:aws:ecs:us-east-1:000000000000:task-definition/app:1",
        last_status="STOPPED",
        desired_status="STOPPED",
        created_at=1.0,
        stop_code="UserInitiated",
        stopped_reason=reason,
        containers=(ContainerDescription("app", "img", "STOPPED", exit_code=exit_code),),
    )


def test_the_first_stopped_record_wins(store: Store) -> None:
    store.request_stop(ARN, "UserInitiated", "done testing")
    assert store.save_stopped(ARN, snap(0), first=True)
    # the other process looked while the containers were being removed: no exit code
    assert not store.save_stopped(ARN, snap(None, "later"), first=True)
    row = store.task_row(ARN)
    assert row is not None
    assert row["snapshot"].containers[0].exit_code == 0
    assert (row["desiredStatus"], row["stoppedReason"]) == ("STOPPED", "done testing")
    assert [t.task_arn for t in store.stopped_tasks()] == [ARN]


def test_a_plain_save_replaces_and_creates_the_row(store: Store) -> None:
    assert store.save_stopped(ARN, snap(None))  # e.g. a task that failed to start
    assert store.save_stopped(ARN, snap(3))
    row = store.task_row(ARN)
    assert row is not None and row["snapshot"].containers[0].exit_code == 3
