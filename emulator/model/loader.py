"""Public entry points: read a layout or a bare task-definition file, validate everything, and
return typed objects, or raise ``LayoutError`` listing every problem at once.

Order of work: read and parse (``yamlsource``), check shapes (``shapes`` with botocore's ECS
model and the layout schema), cross-field checks (``semantics`` for task definitions,
``layoutcheck`` and ``rulecheck`` for the rest), and only when nothing is wrong, conversion
(``convert``). Warnings (fields not honoured locally, ALB quotas, non-local publishing) go to the
``warn`` sink as they are found; the layout still loads.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from emulator.agent.config import check_credentials
from emulator.errors import LayoutError, Problem
from emulator.events import EventSink, discard
from emulator.model import layoutcheck as lc
from emulator.model.convert import build_layout
from emulator.model.discoverycheck import check_discovery
from emulator.model.layout import Layout
from emulator.model.report import Reporter
from emulator.model.rulecheck import check_load_balancers
from emulator.model.semantics import check_task_definition
from emulator.model.servicecheck import check_services
from emulator.model.shapes import INVALID, check_shape, describe, given, service_shapes
from emulator.model.taskdef import READ_ONLY_FIELDS, TaskDefinition, parse_task_definition
from emulator.model.yamlsource import Document, Lines, PathT, load_document
from emulator.secrets.config import check_secrets

_SECTIONS = ("taskDefinitions", "targetGroups", "loadBalancers")

__all__ = [
    "is_task_definition",
    "layout_from_data",
    "load_file",
    "load_layout",
    "load_task_definition_file",
    "validate_task_definition",
]


def _read_only_fields() -> frozenset[str]:
    """describe-task-definition fields that RegisterTaskDefinition does not take."""
    shapes = service_shapes("ecs")
    described = set(shapes["TaskDefinition"]["members"])
    registered = set(shapes["RegisterTaskDefinitionRequest"]["members"])
    return READ_ONLY_FIELDS | frozenset(described - registered)


def _check_task_definition(doc: Any, rep: Reporter, base_dir: Path) -> dict[str, Any] | None:
    """Shape and semantic checks of one task definition; its cleaned register input, or None
    when it has problems."""
    before = rep.count
    if not isinstance(doc, dict):
        rep.error((), f"expected a mapping (a task definition), got {describe(doc)}")
        return None
    if isinstance(doc.get("taskDefinition"), dict):  # the whole describe-task-definition response
        doc, rep = doc["taskDefinition"], rep.at(("taskDefinition",), shown=False)
    ignored = _read_only_fields()
    body = {k: v for k, v in doc.items() if k not in ignored}
    cleaned = check_shape(body, "ecs:RegisterTaskDefinitionRequest", rep)
    if cleaned is INVALID:
        return None
    check_task_definition(cleaned, rep, base_dir)
    return cleaned if rep.count == before else None


def validate_task_definition(
    doc: Any,
    file: str,
    lines: Lines | None = None,
    *,
    warn: EventSink = discard,
    base_dir: Path | None = None,
    path: PathT = (),
) -> list[Problem]:
    """Every problem of one task definition (RegisterTaskDefinition input or
    describe-task-definition output). ``path`` prefixes the reported paths and the line
    lookups (``("taskDefinitions", 1)`` inside a layout); relative environment files resolve
    against ``base_dir`` (default: the current directory)."""
    rep = Reporter(file, lines, base=path, shown=path, sink=warn)
    try:
        _check_task_definition(doc, rep, base_dir or Path.cwd())
    except Exception as e:  # a bug must not become a traceback for a user's file
        rep.error((), f"internal error while validating ({type(e).__name__}: {e}); please report")
    rep.flush()
    return rep.problems


def is_task_definition(data: Any) -> bool:
    """Whether a parsed file is a task definition (or describe output), not a layout."""
    return isinstance(data, dict) and ("containerDefinitions" in data or "taskDefinition" in data)


def load_file(path: str | Path, warn: EventSink = discard) -> Layout | TaskDefinition:
    """The one place a file named on the command line is read: a layout or a bare task
    definition (by its content), validated, or LayoutError. Whatever the file holds (a FIFO,
    /dev/zero, 10 MB values, 10,000 levels of nesting), the answer is problems, never a
    traceback or a hang."""
    source, file = Path(path), str(path)
    doc, problems = load_document(source, file)
    if doc is None:
        raise LayoutError(problems)
    if is_task_definition(doc.data):
        return _task_definition_from(doc, source, file, warn)
    return layout_from_data(doc.data, source, lines=doc.lines, warn=warn, file=file)


def load_task_definition_file(path: str | Path, warn: EventSink = discard) -> TaskDefinition:
    """A bare task-definition file (JSON or YAML) as a TaskDefinition, or LayoutError."""
    source, file = Path(path), str(path)
    doc, problems = load_document(source, file)
    if doc is None:
        raise LayoutError(problems)
    return _task_definition_from(doc, source, file, warn)


def _task_definition_from(
    doc: Document, source: Path, file: str, warn: EventSink
) -> TaskDefinition:
    if doc.data is None:
        raise LayoutError([Problem(file, None, "", "the file is empty")])
    rep = Reporter(file, doc.lines, sink=warn)
    try:
        cleaned = _check_task_definition(doc.data, rep, source.resolve().parent)
        if cleaned is not None and not rep.problems:
            return parse_task_definition(cleaned)
    except Exception as e:
        rep.error((), f"internal error while validating ({type(e).__name__}: {e}); please report")
    finally:
        rep.flush()
    raise LayoutError(rep.problems)


def load_layout(path: str | Path, warn: EventSink = discard) -> Layout:
    """The layout at ``path``, validated and converted, or LayoutError with every problem."""
    source, file = Path(path), str(path)
    doc, problems = load_document(source, file)
    if doc is None:
        raise LayoutError(problems)
    return layout_from_data(doc.data, source, lines=doc.lines, warn=warn, file=file)


def layout_from_data(
    data: Any,
    source: str | Path,
    *,
    lines: Lines | None = None,
    warn: EventSink = discard,
    file: str | None = None,
) -> Layout:
    """A layout from already-parsed data (``source`` locates relative paths; ``file`` is the
    name problems are reported under, default ``source``), or LayoutError."""
    file = str(source) if file is None else file
    rep = Reporter(file, lines, sink=warn)
    try:
        layout = _load(data, Path(source).resolve(), rep)
    except Exception as e:
        rep.error((), f"internal error while validating ({type(e).__name__}: {e}); please report")
        layout = None
    rep.flush()
    if rep.problems or layout is None:
        raise LayoutError(_ordered(rep.problems, file))
    return layout


def _ordered(problems: list[Problem], main: str) -> list[Problem]:
    """The layout's own problems first, by line; then each task-definition file's (once,
    even when the layout names a file twice)."""
    order = {f: n for n, f in enumerate(dict.fromkeys([main] + [p.file for p in problems]))}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (order[p.file], p.line or 0))


def _load(data: Any, source: Path, rep: Reporter) -> Layout | None:
    if data is None:
        rep.error((), "the file is empty (a layout starts with 'version: 1')")
        return None
    cleaned = check_shape(data, "Layout", rep)
    if cleaned is INVALID:
        return None
    base_dir = source.parent
    cat = lc.Catalog()
    for section, names in (("vpc", "subnets"),) + tuple((s, s) for s in _SECTIONS):
        if given(cleaned, section) and section not in cleaned:
            cat.incomplete.add(names)
    lc.check_top(cleaned, rep)
    lc.check_vpc(cleaned.get("vpc"), rep, cat)
    taskdefs = _task_definitions(cleaned.get("taskDefinitions"), rep, cat, base_dir)
    lc.check_images(cleaned.get("images"), rep, base_dir)
    lc.check_target_groups(cleaned.get("targetGroups"), rep, cat)
    check_load_balancers(cleaned.get("loadBalancers"), rep, cat)
    check_services(cleaned.get("services"), rep, cat)
    cloud_map = check_discovery(cleaned, rep, cat)
    lc.check_cdn(cleaned.get("cdn"), rep, cat)
    secret_sources = check_secrets(cleaned.get("secrets"), rep, base_dir)
    credentials = check_credentials(cleaned.get("credentials"), rep)
    if rep.problems:
        return None
    layout = replace(
        build_layout(cleaned, source, taskdefs, cat),
        secret_sources=secret_sources,
        credentials=credentials,
        cloud_map=cloud_map,
    )
    from emulator.alb.check import config_problems  # the ALB stands on the model

    for path, message in config_problems(layout, cleaned):
        rep.error(path, message)
    return None if rep.problems else layout


def _task_definitions(
    entries: Any, rep: Reporter, cat: lc.Catalog, base_dir: Path
) -> list[TaskDefinition]:
    out: list[TaskDefinition] = []
    for i, entry in enumerate(entries or []):
        if entry is None:
            continue  # reported by the shape check
        at = rep.at(("taskDefinitions", i))
        if isinstance(entry, dict) and "file" in entry:
            cleaned, family = _task_definition_file(entry, at, base_dir)
        else:
            cleaned = _check_task_definition(entry, at, base_dir)
            family = entry.get("family") if isinstance(entry, dict) else None
        if cleaned is not None:
            family = cleaned["family"]  # as checked: a number written as family becomes text
        if isinstance(family, str):
            cat.taskdefs.append((family, cleaned))
        else:
            cat.incomplete.add("taskDefinitions")
        if cleaned is not None:
            out.append(parse_task_definition(cleaned))
    return out


def _task_definition_file(
    entry: dict[str, Any], rep: Reporter, base_dir: Path
) -> tuple[dict[str, Any] | None, Any]:
    ref = check_shape(entry, "TaskDefinitionFile", rep)
    if ref is INVALID or "file" not in ref:
        return None, None
    name = ref["file"]
    target = base_dir / name
    shown = os.path.join(os.path.dirname(rep.file), name)
    doc, problems = load_document(target, shown)
    if doc is None:
        if problems and problems[0].line is None and not target.is_file():
            rep.error(("file",), f"no such file: {name} (looked in {base_dir})")
        else:
            rep.problems.extend(problems)
        return None, None
    inner = Reporter(shown, doc.lines, sink=rep.sink, problems=rep.problems)
    inner.warnings = rep.warnings
    data = doc.data
    if isinstance(data, dict) and isinstance(data.get("taskDefinition"), dict):
        family = data["taskDefinition"].get("family")
    else:
        family = data.get("family") if isinstance(data, dict) else None
    return _check_task_definition(data, inner, base_dir), family
