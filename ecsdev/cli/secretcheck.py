"""``ecsdev secrets``: which source gives each secret a stack's tasks name, before they start.

Why this exists: a task whose secret cannot be had stops at start with ECS's
``ResourceInitializationError``; this command asks the same sources, in the same order, for
every reference of the stack's task definitions (``secrets``, ``secretOptions``,
``repositoryCredentials``) and shows, per reference, the source that holds it or ECS's reason
for the one none holds. It prints names, references and sources, never a value.
"""

from __future__ import annotations

import sys
from typing import Any

from ecsdev.cli import output
from ecsdev.cli.base import FILE_OPT, JSON_OPT, STACK_OPT, cli
from ecsdev.cli.output import Column
from ecsdev.cli.stack import SECRETS_PROFILE_OPT
from ecsdev.cli.stackref import StackRef, resolve
from emulator.model.taskdef import TaskDefinition, parse_task_definition
from emulator.secrets.config import SECRETS_KEY, SourceSpec, record
from emulator.secrets.resolve import Resolver, SecretUnavailable, references, stack_sources

COLUMNS = (
    Column("DEFINITION"),
    Column("CONTAINER"),
    Column("NAME"),
    Column("VALUE FROM", drop=1),
    Column("SOURCE"),
)


def _definitions(ref: StackRef) -> list[TaskDefinition]:
    if ref.task_definition is not None:
        return [ref.task_definition]
    if ref.layout is not None:
        return list(ref.layout.task_definitions)
    from emulator.store import Store

    latest: dict[str, dict[str, Any]] = {}
    for row in Store(ref.name).task_definitions():  # ordered by revision: the last one wins
        latest[row["family"]] = row["body"]
    return [parse_task_definition(body) for body in latest.values()]


def _stored(ref: StackRef) -> Any:
    if ref.layout is not None:
        return record(ref.layout.secret_sources)
    if ref.task_definition is not None and ref.name == "local":
        return None
    from emulator.store import Store

    return Store(ref.name).get(SECRETS_KEY)


@cli.command("secrets")
@FILE_OPT
@STACK_OPT
@SECRETS_PROFILE_OPT
@JSON_OPT
def secrets_cmd(
    file: str | None, stack: str | None, secrets_profile: str | None, as_json: bool
) -> None:
    """Show which source gives each secret of the stack's task definitions (never a value).

    The sources are the layout's secrets.sources (else the stack's stored ones, else the
    state directory's secrets.yaml and the local endpoint), then --secrets-profile's account.
    Exits 1 when a task would stop for a secret none of them holds."""
    ref = resolve(file, stack, sink=output.warning)
    assert ref is not None
    stored = _stored(ref)
    sources = stack_sources(stored)
    if secrets_profile:
        from emulator.secrets.resolve import build_source

        sources.append(build_source(SourceSpec("aws", (("profile", secrets_profile),))))
    region = ref.account.region
    resolver = Resolver(sources, region)
    rows: list[dict[str, Any]] = []
    for td in _definitions(ref):
        for c in td.container_definitions:
            secrets, options, creds = references(c)
            wanted = [(n, v, False) for n, v in secrets]
            wanted += [(f"(log option {v})", v, False) for v in options]
            wanted += [("(registry credentials)", creds, True)] if creds else []
            for name, value_from, registry in wanted:
                row: dict[str, Any] = {"taskDefinition": td.family, "container": c.name,
                                       "name": name, "valueFrom": value_from}  # fmt: skip
                try:
                    row["source"] = resolver.value(value_from, registry=registry)[1]
                except SecretUnavailable as e:
                    row |= {"source": None, "stoppedReason": e.message, "hint": e.hint}
                rows.append(row)
    missing = [r for r in rows if r["source"] is None]
    if as_json:
        output.dump_json({"secrets": rows})
    elif not rows:
        output.note(f"[dim]no secrets in the task definitions of {ref.name}[/dim]")
    else:
        output.table(
            COLUMNS,
            [
                [
                    r["taskDefinition"],
                    r["container"],
                    r["name"],
                    r["valueFrom"],
                    r["source"] or "MISSING",
                ]  # fmt: skip
                for r in rows
            ],
        )
        output.note(f"[dim]sources, in order: {'; '.join(s.label for s in sources)}[/dim]")
        for r in missing:
            output.line(f"{r['name']}: {r['stoppedReason']}", to_err=True)
            output.line(r["hint"], to_err=True)
    if missing:
        sys.exit(1)
