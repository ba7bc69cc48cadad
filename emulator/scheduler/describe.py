"""A service as describe-services shows it, as a typed record: its scheduler record and the
task counts of the current observation.

Why this exists: ``runningCount`` and ``pendingCount`` (of the service and of each deployment)
come from the tasks observed now, not from the record of the last planning step, so they are
right even between two steps. The JSON that AWS clients read is made from this record at the
edge (``emulator.endpoint.ecs_json``), never here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from emulator.scheduler.state import PENDING_STATUSES, RUNNING, ServiceRecord, TaskObservation


@dataclass(frozen=True, slots=True)
class Counts:
    running: int = 0
    pending: int = 0


@dataclass(frozen=True, slots=True)
class ServiceCounts:
    """A service record with what is running and pending now, service-wide and per deployment."""

    record: ServiceRecord
    total: Counts
    by_deployment: tuple[tuple[str, Counts], ...] = ()

    def of(self, deployment_id: str) -> Counts:
        return next((c for d, c in self.by_deployment if d == deployment_id), Counts())


def describe_service(record: ServiceRecord, tasks: Sequence[TaskObservation]) -> ServiceCounts:
    def counts(deployment_id: str | None) -> Counts:
        mine = [t for t in tasks if deployment_id is None or t.deployment_id == deployment_id]
        return Counts(
            sum(1 for t in mine if t.last_status == RUNNING),
            sum(1 for t in mine if t.last_status in PENDING_STATUSES),
        )

    return ServiceCounts(
        record, counts(None), tuple((d.id, counts(d.id)) for d in record.deployments)
    )
