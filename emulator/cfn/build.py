"""The layout document being built from evaluated resources, shared by the translators of each
resource family (``network``, ``ecs``, ``elb``): the document itself, where each part came
from, the names given to what other resources refer to by ID or ARN, and the problems and
warnings found on the way, each located in its template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import Problem
from emulator.model.yamlsource import PathT, render_path

from .intrinsics import text
from .origins import Origins
from .resources import Resource, names_of

_NUMBER = re.compile(r"^-?\d+$")


@dataclass
class Build:
    doc: dict[str, Any]
    origins: Origins = field(default_factory=Origins)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    subnets: dict[str, str] = field(default_factory=dict)  # subnet ID -> layout subnet name
    target_groups: dict[str, str] = field(default_factory=dict)  # TG ARN -> layout name
    load_balancers: dict[str, dict[str, Any]] = field(default_factory=dict)  # ARN -> lb doc
    lb_index: dict[str, int] = field(default_factory=dict)  # ARN -> index in loadBalancers
    lb_lids: dict[str, str] = field(default_factory=dict)  # ARN -> logical ID
    listeners: dict[str, tuple[str, int]] = field(default_factory=dict)  # ARN -> (LB ARN, i)
    families: dict[str, str] = field(default_factory=dict)  # task-definition ARN -> family
    images: dict[str, str] = field(default_factory=dict)  # template image -> local tag
    local_values: dict[str, str] = field(default_factory=dict)  # SSM name / secret ARN -> value
    failed: set[str] = field(default_factory=set)  # Refs of resources with problems
    namespaces: dict[str, str] = field(default_factory=dict)  # Cloud Map namespace ID -> name

    def missing(self, ref: Any) -> bool:
        """A reference whose resource had problems (reported already): skip it quietly."""
        return ref is None or (isinstance(ref, str) and ref in self.failed)

    def error(self, res: Resource, sub: PathT, message: str) -> None:
        at = res.at + sub
        self.problems.append(
            Problem(res.tpl.file, res.tpl.lines.line(at), render_path(at), message)
        )

    def warn(self, res: Resource, sub: PathT, message: str) -> None:
        at = res.at + sub
        w = Problem(res.tpl.file, res.tpl.lines.line(at), render_path(at), message)
        if w not in self.warnings:
            self.warnings.append(w)

    def section(self, name: str) -> list[Any]:
        out: list[Any] = self.doc.setdefault(name, [])
        return out

    def put(self, section: str, entry: dict[str, Any], res: Resource) -> int:
        """Append ``entry`` to ``section``; its path maps to the resource's Properties."""
        items = self.section(section)
        items.append(entry)
        index = len(items) - 1
        self.origins.add((section, index), res.tpl, res.at + ("Properties",))
        return index

    def field(self, layout: PathT, res: Resource, sub: PathT) -> None:
        """``layout`` path came from ``Properties`` + ``sub`` of ``res``."""
        self.origins.add(layout, res.tpl, res.at + ("Properties",) + sub)

    def ref(self, res: Resource) -> Any:
        return names_of(res).get("Ref")


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a mapping, else an empty one (the layout checks say what is wrong)."""
    return value if isinstance(value, dict) else {}


def integer(value: Any) -> Any:
    """CloudFormation's string numbers as numbers (anything else unchanged, for the checks)."""
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return int(value)
    return value


def boolean(value: Any) -> Any:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def copy(
    out: dict[str, Any],
    key: str,
    props: dict[str, Any],
    prop: str,
    build: Build,
    section: PathT,
    res: Resource,
    conv: Any = None,
) -> None:
    """``out[key] = props[prop]`` (converted) when given, with its origin."""
    if prop in props:
        value = props[prop]
        out[key] = conv(value) if conv else value
        build.field(section + (key,), res, (prop,))


def name_value_list(items: Any) -> dict[str, str]:
    """``[{Key: k, Value: v}]`` (CloudFormation's attribute lists) as a mapping."""
    out: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "Key" in item:
            out[text(item["Key"])] = text(item.get("Value", ""))
    return out
