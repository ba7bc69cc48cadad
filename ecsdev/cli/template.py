"""``-f template.yaml|cdk.out``: a CloudFormation template or a CDK cloud assembly where a
layout is expected, with the options only templates have.

``TEMPLATE_OPTS`` adds ``--parameter``, ``--stack-name``, ``--publish``, ``--template-url`` and
``--with-template`` to a command without changing its signature (the values wait in the click
context), and ``template_ref`` is what ``stackref.resolve`` calls for a file that is a template:
the translated layout (emulator.cfn), or None for a layout or a task definition.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ecsdev.cli.stackref import StackRef
from emulator.errors import UsageError
from emulator.events import EventSink

F = TypeVar("F", bound=Callable[..., Any])
_META = "ecsdev.cfn"


def _keep(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta.setdefault(_META, {})[param.name or ""] = value
    return value


def _pairs(values: tuple[str, ...], what: str, example: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"{what} {item!r} is not KEY=VALUE", f"For example: {example}")
        out[key] = value
    return out


def _options() -> list[Callable[[F], F]]:
    def opt(*names: str, **kw: Any) -> Callable[[F], F]:
        return click.option(*names, expose_value=False, callback=_keep, **kw)

    return [
        opt(
            "--parameter",
            "parameter",
            multiple=True,
            metavar="KEY=VALUE",
            help="Template parameter value (repeatable).",
        ),
        opt(
            "--stack-name",
            "stack_name",
            metavar="NAME",
            help="The template's stack name (AWS::StackName); default: the file's name.",
        ),
        opt(
            "--publish",
            "publish",
            multiple=True,
            metavar="LB_LOGICAL_ID:PORT=HOSTPORT",
            help="Pin where a template's listener is published on 127.0.0.1 (repeatable).",
        ),
        opt(
            "--template-url",
            "template_url",
            multiple=True,
            metavar="URL=PATH",
            help="Local file (or directory laid out like the bucket) for a nested stack's S3 URL.",
        ),
        opt(
            "--with-template",
            "with_template",
            multiple=True,
            metavar="TEMPLATE",
            help="Another template run together with -f (its exports can be imported).",
        ),
    ]


def TEMPLATE_OPTS(fn: F) -> F:  # noqa: N802 - a decorator named like the other *_OPT ones
    for option in reversed(_options()):
        fn = option(fn)
    return fn


def compose_template_options(file_opt: Callable[[F], F]) -> Callable[[F], F]:
    """``-f`` and the template options together: every command that takes ``-f`` takes them."""

    def both(fn: F) -> F:
        return file_opt(TEMPLATE_OPTS(fn))

    return both


def template_ref(path: Path, stack: str | None, sink: EventSink) -> StackRef | None:
    """The stack of the template (or cdk.out) at ``path``; None when it is not one."""
    from emulator.cfn import load_templates, looks_like_template

    if not looks_like_template(path):
        return None
    ctx = click.get_current_context(silent=True)
    opts: dict[str, Any] = ctx.meta.get(_META, {}) if ctx is not None else {}
    pins: dict[str, int] = {}
    for key, value in _pairs(opts.get("publish") or (), "--publish", "Alb:80=8080").items():
        if not value.isdigit() or not 0 < int(value) < 65536:
            raise UsageError(f"--publish {key}={value}: {value!r} is not a port number")
        pins[key] = int(value)
    extra = [Path(p) for p in opts.get("with_template") or ()]
    for p in extra:
        if not p.exists():
            raise UsageError(f"{p}: no such file", "Check the path given with --with-template.")
    layout = load_templates(
        [*extra, path] if extra else [path],
        parameters=_pairs(opts.get("parameter") or (), "--parameter", "Env=prod"),
        stack_name=opts.get("stack_name") or stack or (path.stem if extra else None),
        publish_pins=pins,
        template_urls=_pairs(
            opts.get("template_url") or (),
            "--template-url",
            "https://s3.amazonaws.com/bucket/app.yaml=./app.yaml",
        ),
        warn=sink,
    )
    file = str(path / "manifest.json") if path.is_dir() else str(path)
    return StackRef(name=layout.name, layout=layout, file=file)
