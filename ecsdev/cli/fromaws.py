"""``ecsdev run-task --from-aws TASK_ARN``: the definition and overrides of a task that ran in
AWS, as a file ``run-task -f`` runs.

Why a module of its own: a stopped task in AWS is the best evidence of what failed, and what
it ran is its task definition *plus* RunTask's ``overrides`` (a command, environment, a
role, cpu/memory). Applying them here, as ECS applies them, gives a definition that runs the
same containers with the same settings. It is written under the state directory (0600,
like the rest of it) and its path is printed, so the run can be repeated with ``-f`` when
the AWS task is long forgotten. Read-only against AWS, through the same reader as ``pull``.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ecsdev.cli.pullimages import images_of, obtain_images, say, unpullable_message
from ecsdev.cli.pulllayout import arn_parts
from ecsdev.sources.aws_pull import AwsReader
from emulator.errors import AwsAccessError, EcsdevError, UsageError
from emulator.store import state_home

Note = Callable[[str], None]


def from_aws_options(f: Any) -> Any:
    """run-task's options for --from-aws."""
    for opt in reversed(
        [
            click.option(
                "--from-aws",
                "from_aws",
                metavar="TASK_ARN",
                help="Rerun this AWS task's definition with its overrides (read-only).",
            ),
            click.option("--profile", help="--from-aws: AWS profile (default: AWS_PROFILE)."),
            click.option("--region", help="--from-aws: AWS region (default: the ARN's)."),
            click.option("--cluster", help="--from-aws: the task's cluster (old-format ARNs)."),
            click.option(
                "--endpoint-url", help="--from-aws: read from this endpoint (LocalStack, moto)."
            ),
        ]
    ):
        f = opt(f)
    return f


def one_line(e: AwsAccessError) -> AwsAccessError:
    """The error with its hint on the same line: one line naming what to fix."""
    return AwsAccessError(f"{e.message}: {e.hint}" if e.hint else e.message)


def apply_overrides(td: dict[str, Any], overrides: dict[str, Any], note: Note) -> dict[str, Any]:
    """RunTask's ``overrides`` on a copy of a task definition, as ECS applies them: command,
    cpu, memory, memoryReservation and resourceRequirements replace; environment merges (the
    override wins); environmentFiles are added; the task's cpu, memory, roles and ephemeral
    storage replace."""
    out = copy.deepcopy(td)
    containers = {c["name"]: c for c in out.get("containerDefinitions", [])}
    changed: list[str] = []
    for o in overrides.get("containerOverrides") or []:
        name = str(o.get("name", ""))
        c = containers.get(name)
        if c is None:
            raise UsageError(f"the task overrides container {name!r}, which its definition lacks")
        keys = []
        for key in ("command", "cpu", "memory", "memoryReservation", "resourceRequirements"):
            if o.get(key) is not None:
                c[key] = o[key]
                keys.append(key)
        if o.get("environment"):
            env = {e["name"]: e.get("value", "") for e in c.get("environment") or []}
            env.update({e["name"]: e.get("value", "") for e in o["environment"]})
            c["environment"] = [{"name": k, "value": v} for k, v in env.items()]
            keys.append("environment (" + ", ".join(e["name"] for e in o["environment"]) + ")")
        if o.get("environmentFiles"):
            c["environmentFiles"] = [*(c.get("environmentFiles") or []), *o["environmentFiles"]]
            keys.append("environmentFiles")
        if keys:
            changed.append(f"container {name}: {', '.join(keys)}")
    for key in ("cpu", "memory", "taskRoleArn", "executionRoleArn", "ephemeralStorage"):
        if overrides.get(key):
            out[key] = overrides[key]
            changed.append(key)
    if overrides.get("inferenceAcceleratorOverrides"):
        note("inferenceAcceleratorOverrides are not emulated; left out")
    if changed:
        note("the task's overrides: " + "; ".join(changed))
    return out


def from_aws_file(
    file: str | None,
    td_spec: str | None,
    from_aws: str | None = None,
    profile: str | None = None,
    region: str | None = None,
    cluster: str | None = None,
    endpoint_url: str | None = None,
) -> str:
    """run-task's --from-aws options checked and the definition fetched: its file."""
    if not from_aws:
        raise UsageError("--profile, --region, --cluster and --endpoint-url go with --from-aws")
    if file or td_spec:
        raise UsageError(
            "--from-aws runs the AWS task's own definition: leave out -f and --task-definition"
        )
    return fetch_definition(from_aws, profile, region, cluster, endpoint_url)


def fetch_definition(
    arn: str,
    profile: str | None,
    region: str | None,
    cluster: str | None,
    endpoint_url: str | None,
) -> str:
    """Read the task and its definition, apply the overrides, get the images, and write
    the definition to a file under the state directory; its path."""
    note = say
    try:
        reader = AwsReader.open(profile, region or arn_parts(arn)[0] or None, endpoint_url)
        try:
            note(f"reading task {arn} (read-only)…")
            task = reader.task(arn, cluster)
            resp = reader.task_definition(str(task["taskDefinitionArn"]))
            td = apply_overrides(resp["taskDefinition"], task.get("overrides") or {}, note)
            resp["taskDefinition"] = td
            _images(reader, td)
        finally:
            reader.close()
    except AwsAccessError as e:
        raise one_line(e) from None
    task_id = arn.rsplit("/", 1)[-1]
    path = state_home() / "from-aws" / f"{td['family']}-{td.get('revision', 0)}-{task_id}.json"
    _write_private(path, json.dumps(resp, indent=2) + "\n")
    note(
        f"definition with the task's overrides: {path} "
        "(run it again with `ecsdev run-task -f` on it)"
    )
    return str(path)


def _images(reader: AwsReader, td: dict[str, Any]) -> None:
    from ecsdev.cli.base import runtime

    images, private = images_of(td)
    failed = obtain_images(runtime(), images, reader)
    if failed:
        raise EcsdevError(unpullable_message(failed, private))


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


__all__ = ["apply_overrides", "fetch_definition", "from_aws_file", "from_aws_options", "one_line"]
