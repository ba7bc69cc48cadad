"""``ecsdev explain``: why a task stopped, in words a user can act on.

Why a module of its own: it reads a local stack's records (the stopped task's DescribeTasks
shape, saved logs, the health-check runs kept at stop, events, target health history) or,
with ``--profile``/``--region``/``--endpoint-url``, an AWS account read-only (DescribeTasks,
the task definition, CloudWatch Logs, target health, service events), and hands both to the
same explanation (``ecsdev.explain``). The answer goes to stdout: readable in a terminal,
one record per line in a pipe, ``--json`` for scripts.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ecsdev.cli import output
from ecsdev.cli.base import FILE_OPT, JSON_OPT, STACK_OPT, cli, runtime, stacks_for
from ecsdev.explain.explain import TaskExplanation, explain
from ecsdev.explain.render import (
    RECORD_COLUMNS,
    explanation_json,
    explanation_records,
    explanation_text,
)
from emulator.errors import NotFound, UsageError
from emulator.tasks import TaskRunner


def _local(
    file: str | None, stack: str | None, task: str | None, last: int
) -> list[TaskExplanation]:
    from ecsdev.cli.tasks import find_task
    from ecsdev.explain.local import local_evidence, local_task, local_task_definition
    from emulator.services import stack_identity
    from emulator.store import Store

    rt = runtime()
    runners: list[TaskRunner] = []
    try:
        if task:
            runner, arn = find_task(file, stack, task, rt)
            runners.append(runner)
            pairs = [(runner, arn)]
        else:  # the latest stopped tasks of the stack named, or of every stack
            found: list[tuple[float, TaskRunner, str]] = []
            for name in stacks_for(file, stack, rt):
                store = Store(name)
                account, cluster = stack_identity(store)
                runners.append(TaskRunner(rt, store, name, cluster, account))
                found += [
                    (s.stopped_at or 0.0, runners[-1], s.task_arn)
                    for s in store.stopped_tasks(last)
                ]
            found.sort(key=lambda f: -f[0])
            pairs = [(r, a) for _, r, a in found[:last]]
            if not pairs:
                raise NotFound("no stopped task", "List tasks with `ecsdev ps -a`.")
        out = []
        for runner, arn in pairs:
            tv = local_task(runner, arn)
            td = local_task_definition(runner.store, tv.task_definition)
            out.append(explain(tv, td, local_evidence(runner, tv)))
        return out
    finally:
        for r in runners:
            r.close()


def _aws(
    task: str, cluster: str | None, profile: str | None, region: str | None, url: str | None
) -> TaskExplanation:
    """Read-only: DescribeTasks, DescribeTaskDefinition, GetLogEvents, DescribeTargetHealth
    and DescribeServices, through the dashboard's AWS source."""
    from ecsdev.explain.gather import source_evidence, task_definition_of
    from ecsdev.sources.aws import AwsSource, boto3_factory
    from ecsdev.sources.clean import sanitized
    from ecsdev.sources.views import SourceInfo

    parts = task.split(":")
    if task.startswith("arn:") and len(parts) >= 6:
        region = region or parts[3]
        path = parts[5].split("/")
        if len(path) == 3 and not cluster:
            cluster = path[1]
    if not cluster:
        raise UsageError(
            "the task's cluster is not known",
            "Give the task's full ARN (arn:aws:ecs:REGION:ACCOUNT:task/CLUSTER/ID) or --cluster.",
        )
    info = SourceInfo(
        name=f"aws:{profile or 'default'}",
        kind="aws",
        region=region,
        profile=profile,
        endpoint_url=url,
        writable=False,
    )
    source = sanitized(AwsSource(info, boto3_factory(profile, url)))
    try:
        tv = source.describe_task(cluster, task)
        td = task_definition_of(source, tv)
        return explain(tv, td, source_evidence(source, tv, td))
    finally:
        source.close()


def _print(explained: list[TaskExplanation], as_json: bool) -> None:
    if as_json:
        output.dump_json({"tasks": [explanation_json(e) for e in explained]})
        return
    if sys.stdout.isatty():
        for i, e in enumerate(explained):
            if i:
                output.line("")
            output.line(explanation_text(e))
        return
    columns = [output.Column(name) for name in RECORD_COLUMNS]
    output.table(columns, [rec for e in explained for rec in explanation_records(e)])


@cli.command("explain")
@FILE_OPT
@STACK_OPT
@click.argument("task", required=False)
@click.option(
    "--last", type=int, default=3, show_default=True, help="Without TASK: the latest stopped tasks."
)
@click.option("--profile", help="Explain an AWS task (read-only) with this profile.")
@click.option("--region", help="AWS region (default: the task ARN's).")
@click.option("--endpoint-url", help="An AWS-compatible endpoint (LocalStack, moto, ecsdev serve).")
@click.option("--cluster", help="The AWS task's cluster, when TASK is not a full ARN.")
@JSON_OPT
def explain_cmd(
    file: str | None,
    stack: str | None,
    task: str | None,
    last: int,
    profile: str | None,
    region: str | None,
    endpoint_url: str | None,
    cluster: str | None,
    as_json: bool,
) -> None:
    """Why a task stopped: stop code and reason in plain words, each container's exit code,
    OOM and memory limit, health checks, last log lines, the dependency or target group
    that failed, and the next step.

    TASK is a local task (ID, prefix or ARN; without it, the latest stopped tasks of the
    stack named, or of every stack) or, with --profile/--region/--endpoint-url, an AWS
    task ARN (read-only calls only). --json prints {"tasks": [...]}."""
    aws: dict[str, Any] = {"profile": profile, "region": region, "url": endpoint_url}
    if any(aws.values()):
        if not task:
            raise UsageError("an AWS task needs its ARN: ecsdev explain --profile P TASK_ARN")
        _print([_aws(task, cluster, profile, region, endpoint_url)], as_json)
        return
    _print(_local(file, stack, task, last), as_json)


__all__ = ["explain_cmd"]
