"""Where each part of the translated layout came from in the templates, and the conversion of
CloudFormation's PascalCase properties to the API's camelCase.

The translation builds a layout document and lets the layout's own checks judge it; their
problems name layout paths (``services[0].loadBalancers[0].containerPort``). ``Origins``
remembers, for every layout path written, the template and the path inside it, so each problem
is told as ``FILE:LINE: Resources.WebService.Properties.LoadBalancers[0].ContainerPort``.

``to_api`` converts a property value to an API input by walking botocore's shape of that input:
keys match members case-insensitively (``EFSVolumeConfiguration`` -> ``efsVolumeConfiguration``),
maps keep their keys (``awslogs-group``), and the strings CloudFormation accepts for numbers and
booleans (``"80"``, ``"true"``) become numbers and booleans, as CloudFormation converts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import Problem
from emulator.model.shapes import service_shapes
from emulator.model.yamlsource import PathT, render_path

from .source import Template

_SEGMENT = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def parse_path(rendered: str) -> PathT | None:
    """``services[0].name`` -> ``("services", 0, "name")``; None when it does not parse."""
    out: list[str | int] = []
    pos = 0
    while pos < len(rendered):
        m = _SEGMENT.match(rendered, pos)
        if m is None or m.end() == pos:
            return None
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(int(m.group(2)))
        else:
            import json

            out.append(json.loads(m.group(3)))
        pos = m.end()
    return tuple(out)


@dataclass
class Origins:
    """Layout path -> (template, path in the template)."""

    table: dict[PathT, tuple[Template, PathT]] = field(default_factory=dict)

    def add(self, layout: PathT, tpl: Template, at: PathT) -> None:
        self.table[layout] = (tpl, at)

    def locate(self, rendered: str) -> tuple[Template, PathT] | None:
        path = parse_path(rendered)
        if path is None:
            return None
        for n in range(len(path), 0, -1):
            found = self.table.get(path[:n])
            if found is not None:
                tpl, at = found
                rest = tuple(p[:1].upper() + p[1:] if isinstance(p, str) else p for p in path[n:])
                return tpl, at + rest
        return None

    def problem(self, p: Problem) -> Problem:
        """A layout problem told as a template problem (unchanged when it cannot be placed)."""
        found = self.locate(p.path) if p.path else None
        if found is None:
            return p
        tpl, at = found
        return Problem(tpl.file, tpl.lines.line(at), render_path(at), p.message)


def _truthy(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def to_api(
    value: Any,
    shape_name: str,
    service: str,
    origins: Origins,
    layout: PathT,
    tpl: Template,
    at: PathT,
) -> Any:
    """``value`` (CloudFormation form) as the input of botocore shape ``shape_name``."""
    origins.add(layout, tpl, at)
    shapes = service_shapes(service)
    shape = shapes.get(shape_name, {})
    kind = shape.get("type")
    if kind == "structure" and isinstance(value, dict):
        members: dict[str, Any] = shape.get("members", {})
        lower = {m.lower(): m for m in members}
        out: dict[str, Any] = {}
        for key, item in value.items():
            k = str(key)
            member = lower.get(k.lower()) or lower.get(_ALIASES.get(k, "").lower())
            name = member or (k[:1].lower() + k[1:])
            sub = members[member]["shape"] if member else ""
            out[name] = to_api(item, sub, service, origins, layout + (name,), tpl, at + (k,))
        return out
    if kind == "list" and isinstance(value, list):
        member = shape["member"]["shape"]
        return [
            to_api(v, member, service, origins, layout + (i,), tpl, at + (i,))
            for i, v in enumerate(value)
        ]
    if kind == "map" and isinstance(value, dict):
        vshape = shape["value"]["shape"]
        return {
            k: to_api(v, vshape, service, origins, layout + (str(k),), tpl, at + (str(k),))
            for k, v in value.items()
        }
    if kind in ("integer", "long") and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean":
        return _truthy(value)
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


_ALIASES = {"ProxyConfigurationProperties": "properties"}
