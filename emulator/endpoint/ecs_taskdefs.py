"""Task definitions through the API: a regional registry of revisions.

Why this exists: in ECS a task definition belongs to the region, not to a cluster, and its
revisions count up per family. RegisterTaskDefinition validates the input with the same
checks as a layout's task definitions and keeps the revision here; a cluster's stack receives a
copy of the revision it launches (``Store.import_task_definition``). Task definitions of
layout stacks in the region are listed and described too (one world).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from typing import Any

from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.clusters import Clusters
from emulator.endpoint.jsontime import when
from emulator.endpoint.resources import Resources
from emulator.model.loader import validate_task_definition
from emulator.model.taskdef import TaskDefinition, parse_task_definition

ACTIVE, INACTIVE, DELETING = "ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"


@dataclass(frozen=True, slots=True)
class TaskDefinitionRecord:
    family: str
    revision: int
    arn: str
    body: str
    """The registered input (RegisterTaskDefinition's members, without tags) as JSON text."""
    status: str = ACTIVE
    registered_at: float = 0.0
    deregistered_at: float | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def input(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    @property
    def model(self) -> TaskDefinition:
        return parse_task_definition(self.input)


def _key(family: str, revision: int) -> str:
    return f"{family}:{revision:09d}"


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``family``, ``family:3`` or an ARN ``...:task-definition/family:3``."""
    tail = ref.split(":task-definition/", 1)[1] if ":task-definition/" in ref else ref
    family, _, rev = tail.partition(":")
    if rev and not rev.isdigit():
        raise ApiError("ClientException", f"Invalid revision number. Number: {rev}")
    return family, int(rev) if rev else None


class TaskDefinitions:
    """The regional registry (the endpoint's resource tables plus the layout stacks')."""

    def __init__(self, resources: Resources, clusters: Clusters) -> None:
        self.resources = resources
        self.clusters = clusters

    def register(self, req: Request) -> TaskDefinitionRecord:
        params = {k: v for k, v in req.params.items() if k != "tags"}
        problems = validate_task_definition(params, "RegisterTaskDefinition")
        if problems:
            first = problems[0]
            text = f"{first.path}: {first.message}" if first.path else first.message
            raise ApiError("ClientException", text)
        family = str(params["family"])
        tags = tuple((t["key"], t.get("value", "")) for t in req.params.get("tags") or ())
        with self.resources.transaction() as tx:
            mine = [r for r in tx.list(TaskDefinitionRecord, req.region) if r.family == family]
            others = [r for r in self._layout_revisions(req.region) if r.family == family]
            revision = max([r.revision for r in mine + others], default=0) + 1
            rec = TaskDefinitionRecord(
                family=family,
                revision=revision,
                arn=req.account.task_definition_arn(family, revision),
                body=json.dumps(params, sort_keys=True),
                registered_at=time.time(),
                tags=tags,
            )
            tx.put(rec, req.region, _key(family, revision))
        return rec

    def _layout_revisions(self, region: str) -> list[TaskDefinitionRecord]:
        out = []
        for c in self.clusters.all(region):
            if c.origin != "layout":
                continue
            for d in self.clusters.store(c.stack).task_definitions():
                out.append(
                    TaskDefinitionRecord(
                        family=d["family"],
                        revision=int(d["revision"]),
                        arn=d["taskDefinitionArn"],
                        body=json.dumps(d["body"], sort_keys=True),
                        registered_at=float(d["registeredAt"]),
                    )
                )
        return out

    def all(self, region: str) -> list[TaskDefinitionRecord]:
        mine = self.resources.list(TaskDefinitionRecord, region)
        seen = {r.arn for r in mine}
        others = [r for r in self._layout_revisions(region) if r.arn not in seen]
        return sorted(mine + others, key=lambda r: (r.family, r.revision))

    def find(self, region: str, ref: str) -> TaskDefinitionRecord | None:
        family, revision = parse_ref(ref)
        revs = [r for r in self.all(region) if r.family == family and r.status != DELETING]
        if revision is None:
            active = [r for r in revs if r.status == ACTIVE]
            return active[-1] if active else None
        return next((r for r in revs if r.revision == revision), None)

    def get(
        self, region: str, ref: str, message: str = "Unable to describe task definition."
    ) -> TaskDefinitionRecord:
        found = self.find(region, ref)
        if found is None:
            raise ApiError("ClientException", message)
        return found

    def set_status(
        self, region: str, rec: TaskDefinitionRecord, status: str
    ) -> TaskDefinitionRecord:
        with self.resources.transaction() as tx:
            current = tx.get(TaskDefinitionRecord, region, _key(rec.family, rec.revision))
            if current is None:
                raise ApiError(
                    "ClientException",
                    "The task definition was registered by a layout (ecsdev up); change the "
                    "layout instead.",
                )
            new = replace(
                current,
                status=status,
                deregistered_at=current.deregistered_at
                or (time.time() if status != ACTIVE else None),
            )
            tx.put(new, region, _key(rec.family, rec.revision))
        return new

    def set_tags(
        self, region: str, rec: TaskDefinitionRecord, tags: tuple[tuple[str, str], ...]
    ) -> None:
        with self.resources.transaction() as tx:
            current = tx.get(TaskDefinitionRecord, region, _key(rec.family, rec.revision))
            if current is not None:
                tx.put(replace(current, tags=tags), region, _key(rec.family, rec.revision))


def compatibilities(body: dict[str, Any]) -> list[str]:
    mode = body.get("networkMode", "bridge")
    return ["EC2", "FARGATE"] if mode == "awsvpc" else ["EC2"]


def task_definition_json(rec: TaskDefinitionRecord) -> dict[str, Any]:
    """A DescribeTaskDefinition ``taskDefinition``."""
    body = rec.input
    out: dict[str, Any] = {
        "taskDefinitionArn": rec.arn,
        **body,
        "family": rec.family,
        "revision": rec.revision,
        "status": rec.status,
        "requiresAttributes": [],
        "compatibilities": compatibilities(body),
        "registeredAt": when(rec.registered_at),
        "registeredBy": "arn:aws:iam::000000000000:root",
    }
    out.setdefault("volumes", [])
    out.setdefault("placementConstraints", [])
    if rec.deregistered_at is not None:
        out["deregisteredAt"] = when(rec.deregistered_at)
    return out


def tags_json(tags: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags]
