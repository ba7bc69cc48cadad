"""An explanation as the terminal and the dashboard show it, as one record per line for a
pipe, and as JSON.

Why this exists: ``ecsdev explain`` and the dashboard's task panel show the same words in
the same order (what happened, which container, the evidence, the next step), so the layout
is made once. Every string shown was cleaned where it was gathered; ``clean_text`` is
applied again here, cheaply, since this is the last step before the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ecsdev.explain.explain import ContainerExplanation, Finding, TaskExplanation
from ecsdev.sources.clean import clean_text

DOCS = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/"


def _finding_json(f: Finding | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "key": f.key,
        "title": f.title,
        "words": f.words,
        "nextStep": f.next_step,
        "doc": DOCS + f.doc if f.doc else None,
    }


def explanation_json(e: TaskExplanation) -> dict[str, Any]:
    """One task's explanation; DescribeTasks' own names where a field is one of ECS's."""
    return {
        "taskArn": e.task_arn,
        "lastStatus": e.last_status,
        "stopCode": e.stop_code,
        "stoppedReason": e.stopped_reason,
        "stoppedAt": e.stopped_at.isoformat() if e.stopped_at else None,
        "explanation": _finding_json(e.finding),
        "cause": e.cause,
        "nextStep": e.next_step,
        "evidence": list(e.evidence),
        "containers": [
            {
                "name": c.name,
                "essential": c.essential,
                "lastStatus": c.last_status,
                "exitCode": c.exit_code,
                "reason": c.reason,
                "cause": c.cause,
                "explanation": _finding_json(c.finding),
                "evidence": list(c.evidence),
            }
            for c in e.containers
        ],
    }


def _c(text: str) -> str:
    return clean_text(text)


def _container_text(out: Text, c: ContainerExplanation) -> None:
    head = f"\n container {_c(c.name)}" + ("" if c.essential else " (not essential)")
    out.append(head, style="bold red" if c.cause else "bold")
    if c.cause:
        out.append("  ← why the task stopped", style="red")
    if c.finding:
        out.append(f"\n   {c.finding.title}: ", style="bold")
        out.append(_c(c.finding.words))
    for line in c.evidence:
        out.append(f"\n   {_c(line)}", style="dim" if line.startswith("  |") else "")
    if c.finding and not c.cause and c.finding.key != "exit.sigterm-on-stop":
        out.append("\n   next: ", style="bold")
        out.append(_c(c.finding.next_step))


def explanation_text(e: TaskExplanation) -> Text:
    """The readable form: several lines per task, styled."""
    out = Text()
    out.append(f"task {e.task_id}  ", style="bold")
    out.append(e.last_status, style="red" if e.last_status == "STOPPED" else "yellow")
    if e.finding is None:
        out.append("\n The task has not stopped; there is nothing to explain yet.")
        return out
    out.append(f"\n {e.stop_code or '-'}: ", style="bold red")
    out.append(_c(e.stopped_reason or "-"), style="red")
    out.append(f"\n {e.finding.title}: ", style="bold")
    out.append(_c(e.finding.words))
    for line in e.evidence:
        out.append(f"\n   {_c(line)}")
    for c in sorted(e.containers, key=lambda c: not c.cause):
        _container_text(out, c)
    out.append("\n next step: ", style="bold green")
    out.append(_c(e.next_step), style="green")
    if e.finding.doc:
        out.append(f"\n docs: {DOCS}{e.finding.doc}", style="dim")
    return out


RECORD_COLUMNS = ("TASK", "SUBJECT", "WHAT", "TEXT")


def explanation_records(e: TaskExplanation) -> list[tuple[str, str, str, str]]:
    """For a pipe: one record per line (task ID, ``task`` or a container, what the line is:
    ``stop``, an entry's key, ``evidence``, ``cause``, ``next``; and its text), so grep finds
    whole facts. Line breaks and tabs inside a text become spaces."""

    def rec(subject: str, what: str, text: str) -> tuple[str, str, str, str]:
        return (e.task_id, _c(subject), what, " ".join(_c(text).split()))

    if e.finding is None:
        return [rec("task", "status", f"{e.last_status}: not stopped")]
    out = [
        rec("task", "stop", f"{e.stop_code or '-'}: {e.stopped_reason or '-'}"),
        rec("task", e.finding.key, f"{e.finding.title}: {e.finding.words}"),
    ]
    out += [rec("task", "evidence", x) for x in e.evidence]
    for c in e.containers:
        if c.finding:
            out.append(rec(c.name, c.finding.key, f"{c.finding.title}: {c.finding.words}"))
        if c.cause:
            out.append(rec(c.name, "cause", "why the task stopped"))
        out += [rec(c.name, "evidence", x) for x in c.evidence]
    out.append(rec("task", "next", e.next_step))
    return out


__all__ = ["RECORD_COLUMNS", "explanation_json", "explanation_records", "explanation_text"]
