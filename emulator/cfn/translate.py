"""Templates (or a CDK cloud assembly) in, the typed ``Layout`` out: the one entry point that
``ecsdev up/validate/down -f template.yaml|cdk.out`` call.

Order of work: read every template (problems located in it), evaluate the stacks (parameters,
conditions, references, nested stacks, imports), translate the resources that map to layout
parts into a layout document, and judge that document with the layout's own checks
(``layout_from_data``), whose problems are told back at their places in the templates. Every
problem of every stage is gathered before anything is refused; nothing is started here.
Resources that are not emulated are each listed once, as a warning with logical ID and type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from emulator.errors import LayoutError, Problem
from emulator.events import Event, EventSink, discard
from emulator.model.layout import Layout
from emulator.model.loader import layout_from_data

from . import ecs, elb, names, network, publish
from .build import Build
from .cdk import CloudAssembly, read_assembly
from .discovery import record_cloud_map
from .resources import EMULATED, Resource
from .source import Template, load_template
from .stack import Assembly, StackScope

_LAYOUT_FILE = "<from-template>"
_LAYOUT_ORDER = (
    ("AWS::ElasticLoadBalancingV2::TargetGroup", elb.translate_target_group),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", elb.translate_load_balancer),
    ("AWS::ElasticLoadBalancingV2::Listener", elb.translate_listener),
    ("AWS::ElasticLoadBalancingV2::ListenerRule", elb.translate_rule),
    ("AWS::ECS::TaskDefinition", ecs.translate_task_definition),
    ("AWS::ECS::Service", ecs.translate_service),
)
_SILENT = frozenset({"AWS::CDK::Metadata"})


def layout_name(stack_name: str) -> str:
    """A stack name as a layout name: lower case, a-z 0-9 and -, at most 32 characters."""
    name = re.sub(r"[^a-z0-9-]+", "-", stack_name.lower()).strip("-")[:32].strip("-")
    return name or "stack"


def load_templates(
    sources: Sequence[str | Path],
    *,
    parameters: Mapping[str, str] | None = None,
    stack_name: str | None = None,
    publish_pins: Mapping[str, int] | None = None,
    template_urls: Mapping[str, str | Path] | None = None,
    warn: EventSink = discard,
    remember_ports: bool = True,
    document: dict[str, Any] | None = None,
) -> Layout:
    """The layout that runs ``sources`` (template files, or one cdk.out directory), or
    ``LayoutError`` with every problem, each located in its template. ``document``, when
    given, receives the layout document (the YAML a layout file would hold)."""
    try:
        return _load(
            sources,
            dict(parameters or {}),
            stack_name,
            dict(publish_pins or {}),
            {k: Path(v) for k, v in (template_urls or {}).items()},
            warn,
            remember_ports,
            document,
        )
    except (LayoutError, RecursionError) as e:
        if isinstance(e, LayoutError):
            raise
        where = str(sources[0]) if sources else "-f"
        raise LayoutError([Problem(where, None, "", "the template is nested too deeply")]) from None
    except Exception as e:  # a bug must not become a traceback for a user's template
        where = str(sources[0]) if sources else "-f"
        message = f"internal error while translating ({type(e).__name__}: {e}); please report"
        raise LayoutError([Problem(where, None, "", message)]) from None


def _load(
    sources: Sequence[str | Path],
    given: dict[str, str],
    stack_name: str | None,
    pins: dict[str, int],
    urls: dict[str, Path],
    warn: EventSink,
    remember_ports: bool,
    document: dict[str, Any] | None,
) -> Layout:
    problems: list[Problem] = []
    loaded: list[tuple[Template, str, str | None, str | None]] = []
    cdk = CloudAssembly()
    for src in sources:
        path = Path(src)
        if path.is_dir():
            found, more = read_assembly(path, str(src))
            problems += more
            if found is None:
                continue
            cdk.stacks += found.stacks
            cdk.images.update(found.images)
            cdk.files.update(found.files)
            for s in found.stacks:
                tpl, more = load_template(s.template, str(Path(src) / s.template.name))
                problems += more
                if tpl is not None:
                    loaded.append((tpl, s.name, s.account, s.region))
        else:
            tpl, more = load_template(path, str(src))
            problems += more
            if tpl is not None:
                loaded.append((tpl, path.stem, None, None))
    if problems or not loaded:
        raise LayoutError(problems or [Problem("-f", None, "", "no template given")])
    first = stack_name or loaded[0][1]
    region = next((r for _, _, _, r in loaded if r), "us-east-1")
    account = next((a for _, _, a, _ in loaded if a), "000000000000")
    asm = Assembly(region=region, account=account, object_keys=dict(cdk.files), template_urls=urls)
    claimed: set[str] = set()
    scopes = []
    for tpl, name, _, _ in loaded:
        declared = (
            tpl.data.get("Parameters") if isinstance(tpl.data.get("Parameters"), dict) else {}
        )
        mine = {k: v for k, v in given.items() if k in declared}
        claimed |= set(mine)
        env = names.Env(first if len(loaded) == 1 else name, region, account)
        scopes.append(StackScope(asm, tpl, env, mine, {}))
    for key in sorted(set(given) - claimed):
        asm.problems.append(
            Problem("--parameter", None, key, "no template given declares this parameter")
        )
    for scope in scopes:
        scope.walk()
    files = [t.file for t, _, _, _ in loaded]
    try:
        layout = _translate(
            asm,
            layout_name(first),
            cdk,
            pins,
            warn,
            remember_ports and not asm.problems,
            {} if document is None else document,
        )
    except LayoutError as e:
        raise LayoutError(_sorted(asm.problems + e.problems, files)) from None
    if asm.problems:
        raise LayoutError(_sorted(asm.problems, files))
    return layout


def _translate(
    asm: Assembly,
    name: str,
    cdk: CloudAssembly,
    pins: dict[str, int],
    warn: EventSink,
    remember: bool,
    doc: dict[str, Any],
) -> Layout:
    doc.update(version=1, name=name, region=asm.region, accountId=asm.account)
    build = Build(doc)
    resources = [r for r in asm.order if r.ok]
    build.failed = {str(build.ref(r)) for r in asm.order if not r.ok}
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        by_type.setdefault(r.type, []).append(r)
    for r in by_type.get("AWS::SSM::Parameter", []) + by_type.get(
        "AWS::SecretsManager::Secret", []
    ):
        ecs.record_local_values(build, r)
    for tag, asset in cdk.images.items():
        doc.setdefault("images", {})[asset.local_tag] = _image(asset)
        for stack in asm.stacks:
            repo = f"{asm.account}.dkr.ecr.{stack.env.region}.amazonaws.com/"
            build.images[
                f"{repo}cdk-hnb659fds-container-assets-{asm.account}-{stack.env.region}:{tag}"
            ] = asset.local_tag
    _images_by_tag(build, resources, cdk)
    network.translate_network(build, resources)
    record_cloud_map(build, by_type)
    clusters = by_type.get("AWS::ECS::Cluster", [])
    if clusters:
        doc["cluster"] = build.ref(clusters[0])
        build.origins.add(("cluster",), clusters[0].tpl, clusters[0].at)
        for extra in clusters[1:]:
            build.warn(
                extra, (), f"a second cluster: locally every service runs in {doc['cluster']!r}"
            )
    for rtype, translate in _LAYOUT_ORDER:
        for r in by_type.get(rtype, []):
            translate(build, r)
    for r in resources:
        if r.type not in EMULATED and r.type not in _SILENT:
            build.warn(
                r, (), f"{r.type} is not emulated (references to it resolve to placeholders)"
            )
    listeners = []
    for arn, lb in build.load_balancers.items():
        for ls in lb["listeners"]:
            if isinstance(ls.get("port"), int):
                listeners.append((build.lb_lids[arn], ls["port"], ls))
    for key in publish.assign(name, listeners, pins, remember):
        build.problems.append(
            Problem(
                "--publish",
                None,
                key,
                "no such listener (use LB_LOGICAL_ID:PORT of a listener in the templates)",
            )
        )
    seen: list[Problem] = []

    def relay(event: Event) -> None:
        seen.append(_relocate(event.message, build))

    try:
        layout = layout_from_data(doc, Path(asm.stacks[0].tpl.path), warn=relay, file=_LAYOUT_FILE)
    except LayoutError as e:
        raise LayoutError(build.problems + [_relocate(str(p), build) for p in e.problems]) from None
    if build.problems:
        raise LayoutError(build.problems)
    if asm.problems:
        return layout
    files = list(dict.fromkeys(s.tpl.file for s in asm.stacks))
    ordered = sorted(build.warnings, key=lambda w: (_rank(files, w.file), w.line or 0))
    for w in ordered + seen:
        warn(Event(str(w), level="warning", subject=w.file, kind="layout"))
    return layout


def _images_by_tag(build: Build, resources: list[Resource], cdk: CloudAssembly) -> None:
    """Asset images written with another account or region still end in the asset's tag."""
    for r in resources:
        if r.type != "AWS::ECS::TaskDefinition":
            continue
        for c in r.props.get("ContainerDefinitions") or []:
            image = c.get("Image") if isinstance(c, dict) else None
            if isinstance(image, str) and ":" in image:
                tag = image.rsplit(":", 1)[1]
                if tag in cdk.images and "container-assets" in image:
                    build.images[image] = cdk.images[tag].local_tag


def _image(asset: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"build": str(asset.context)}
    if asset.dockerfile:
        out["dockerfile"] = asset.dockerfile
    if asset.args:
        out["args"] = dict(asset.args)
    return out


def _relocate(text: str, build: Build) -> Problem:
    """A layout problem (``<from-template>: path: message``) at its place in a template."""
    prefix = _LAYOUT_FILE + ": "
    if not text.startswith(prefix):
        return Problem(_LAYOUT_FILE, None, "", text)
    rest = text[len(prefix) :]
    path, sep, message = rest.partition(": ")
    if not sep or " " in path:
        return Problem(_LAYOUT_FILE, None, "", rest)
    return build.origins.problem(Problem(_LAYOUT_FILE, None, path, message))


def _rank(files: list[str], file: str) -> int:
    return files.index(file) if file in files else len(files)


def _sorted(problems: list[Problem], files: list[str]) -> list[Problem]:
    order = {f: i for i, f in enumerate(dict.fromkeys(files + [p.file for p in problems]))}
    return sorted(dict.fromkeys(problems), key=lambda p: (order[p.file], p.line or 0))
