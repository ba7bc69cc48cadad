"""Reading CloudFormation templates (JSON, or YAML with the short ``!Ref``/``!Sub`` tags) while
remembering the line of every value.

The layout reader rejects unknown YAML tags, and rightly so for layouts; a template's short tags
are its intrinsic functions written another way. Here they become the long form
(``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``) while the node tree is built by hand, so a
problem anywhere in the template can be reported as ``FILE:LINE: Resources.X.Properties...``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from emulator.errors import Problem
from emulator.model.yamlsource import Lines, PathT, path_key, read_text, render_path

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000
_SNIFF = 1 << 20  # how much of a file is read to tell a template from a layout
_FN_TAGS = frozenset(
    [
        "Sub",
        "Join",
        "Select",
        "Split",
        "If",
        "Equals",
        "And",
        "Or",
        "Not",
        "FindInMap",
        "GetAZs",
        "Base64",
        "Cidr",
        "ImportValue",
        "Transform",
        "Length",
        "ToJsonString",
        "Contains",
        "EachMemberEquals",
        "EachMemberIn",
        "ValueOf",
        "RefAll",
        "ValueOfAll",
    ]
)


@dataclass
class Template:
    """One template file: its data, where each value is, and its name for messages."""

    file: str
    path: Path
    data: Any
    lines: Lines

    def problem(self, at: PathT, message: str) -> Problem:
        return Problem(self.file, self.lines.line(at), render_path(at), message)


class _Builder:
    """Plain data from composed YAML nodes, short tags in their long form, lines by path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines = Lines()
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._count = 0
        self._active: set[int] = set()

    def _problem(self, node: Node, path: PathT, message: str) -> None:
        line = node.start_mark.line + 1
        self.problems.append(Problem(self.file, line, render_path(path), message))

    def build(self, node: Node, path: PathT) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            if self._count == MAX_NODES + 1:
                self._problem(node, path, f"the template expands to more than {MAX_NODES} values")
            return None
        if id(node) in self._active:
            self._problem(node, path, "recursive alias (a value that contains itself)")
            return None
        tag = node.tag or ""
        if tag.startswith("!"):
            return self._short(node, tag[1:], path)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                out = []
                for i, item in enumerate(node.value):
                    self.lines.table.setdefault(path + (i,), item.start_mark.line + 1)
                    out.append(self.build(item, path + (i,)))
                return out
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return None
        finally:
            self._active.discard(id(node))

    def _plain(self, node: Node, path: PathT) -> Any:
        """The node's value as if it had no tag."""
        if isinstance(node, ScalarNode):
            return node.value
        node.tag = (
            "tag:yaml.org,2002:seq" if isinstance(node, SequenceNode) else "tag:yaml.org,2002:map"
        )
        return self.build(node, path)

    def _short(self, node: Node, name: str, path: PathT) -> Any:
        if name == "Ref" or name == "Condition":
            key = name
        elif name == "GetAtt":
            key = "Fn::GetAtt"
        elif name in _FN_TAGS:
            key = "Fn::" + name
        else:
            self._problem(node, path, f"unknown tag !{name} (not a CloudFormation function)")
            return None
        self.lines.table.setdefault(path + (key,), node.start_mark.line + 1)
        value = self._plain(node, path + (key,))
        if key == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {key: value}

    def _scalar(self, node: ScalarNode, path: PathT) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except Exception as e:  # yaml errors, ValueError from int(), base64
            self._problem(node, path, f"cannot read this value: {getattr(e, 'problem', e)}")
            return None

    def _mapping(self, node: MappingNode, path: PathT) -> dict[Any, Any]:
        try:
            self._constructor.flatten_mapping(node)
        except yaml.YAMLError as e:
            self._problem(node, path, f"bad merge key: {getattr(e, 'problem', e)}")
            return {}
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode):
                self._problem(knode, path, "a key must be a plain value, not a list or mapping")
                continue
            key = self._scalar(knode, path)
            sub = path + (path_key(key),)
            line = knode.start_mark.line + 1
            if key in first:
                self._problem(knode, sub, f"duplicate key (first at line {first[key]})")
                continue
            first[key] = line
            self.lines.table.setdefault(sub, line)
            out[key] = self.build(vnode, sub)
        return out


def _compose(text: str, file: str) -> tuple[Node | None, list[Problem]]:
    try:
        return yaml.compose(text, Loader=_Loader), []
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(file, line, "", f"YAML syntax error: {e.problem or e}")]
    except yaml.YAMLError as e:
        return None, [Problem(file, None, "", f"YAML syntax error: {e}")]
    except RecursionError:
        return None, [Problem(file, None, "", "the template is nested too deeply")]


def parse_template(text: str, file: str, path: Path) -> tuple[Template | None, list[Problem]]:
    """A template from its text: JSON when it parses as JSON, else YAML with short tags."""
    data: Any = None
    is_json = text.lstrip().startswith("{")
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            return None, [Problem(file, e.lineno, "", f"JSON syntax error: {e.msg}")]
        except RecursionError:
            return None, [Problem(file, None, "", "the template is nested too deeply")]
        text = text.replace("\t", " ")
    node, problems = _compose(text, file)
    if problems:
        return (Template(file, path, data, Lines()), []) if is_json else (None, problems)
    builder = _Builder(file)
    if node is None:
        return None, [Problem(file, None, "", "the template is empty")]
    builder.lines.table[()] = node.start_mark.line + 1
    try:
        built = builder.build(node, ())
    except RecursionError:
        return None, [Problem(file, None, "", "the template is nested too deeply")]
    if builder.problems and not is_json:
        return None, builder.problems
    return Template(file, path, data if is_json else built, builder.lines), []


def load_template(path: Path, file: str | None = None) -> tuple[Template | None, list[Problem]]:
    """Read and parse the template at ``path`` (``file``: its name in messages)."""
    shown = file or str(path)
    text, problems = read_text(path, shown)
    if text is None:
        return None, problems
    tpl, problems = parse_template(text, shown, path)
    if tpl is not None and not isinstance(tpl.data, dict):
        return None, [Problem(shown, 1, "", "a template is a mapping with a Resources section")]
    return tpl, problems


def looks_like_template(path: Path) -> bool:
    """A file that is a CloudFormation template (or a CDK cloud assembly directory), not a
    layout or a task definition: it has ``Resources`` or ``AWSTemplateFormatVersion``."""
    if path.is_dir():
        return (path / "manifest.json").is_file()
    if not path.is_file():  # a FIFO or a device (/dev/zero): never read to the end
        return False
    try:
        with path.open("rb") as f:
            text = f.read(_SNIFF).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        stripped = line.strip().strip('"')
        if (
            stripped.startswith(("AWSTemplateFormatVersion", "Resources"))
            and not line[:1].isspace()
        ):
            return True
        if '"AWSTemplateFormatVersion"' in line or '"Resources"' in line:
            return True
    return False
