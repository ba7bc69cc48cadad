"""Reading layout and task-definition files while remembering where every value came from.

Error messages must say ``FILE:LINE: path: ...``, so a plain ``yaml.safe_load`` is not enough:
it forgets lines. Here the YAML is composed into nodes (which carry marks) and built into plain
dicts and lists by hand, recording the line of every mapping key and sequence item under its
path (a tuple of keys and indexes). The same walk reports duplicate keys, unknown tags and
recursive aliases as problems, never as exceptions. JSON files are parsed with ``json`` for
their values and composed as YAML (JSON is YAML) for their lines.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from emulator.errors import Problem

PathKey = str | int
PathT = tuple[PathKey, ...]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COLLECTION_TAGS = frozenset(
    {
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
        "tag:yaml.org,2002:omap",
        "tag:yaml.org,2002:pairs",
        "tag:yaml.org,2002:set",
    }
)
MAX_NODES = 50_000  # guards against alias bombs ("billion laughs")
MAX_BYTES = 4 * 1024 * 1024  # a layout of twenty 64 KiB task definitions is a quarter of this
MAX_DEPTH = 100  # a real layout nests ten levels; YAML and JSON parsers recurse per level
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def path_key(key: object) -> str:
    """The path element for a mapping key: the key itself when it is a string."""
    return key if isinstance(key, str) else str(key)


def render_path(path: PathT) -> str:
    """``("services", 0, "loadBalancers")`` -> ``services[0].loadBalancers``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif _IDENT.match(p):
            out += f".{p}" if out else p
        else:
            out += f"[{json.dumps(p)}]"
    return out


@dataclass
class Lines:
    """Line numbers (1-based) of keys and items, by path."""

    table: dict[PathT, int] = field(default_factory=dict)

    def line(self, path: PathT) -> int | None:
        """The line of ``path``, or of its nearest parent that exists."""
        for n in range(len(path), -1, -1):
            found = self.table.get(path[:n])
            if found is not None:
                return found
        return None


@dataclass
class Document:
    data: Any
    lines: Lines


class _TooDeep(Exception):
    """Raised once the first too-deep value is reported: nothing below it is worth reading."""


_LEAD = re.compile(r"^[ \t?:-]*", re.MULTILINE)
_OPEN = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSE = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


def _too_deep(text: str) -> bool:
    """Whether the document nests beyond MAX_DEPTH, found before parsing: the parsers recurse
    once per level and would overflow Python's stack. A cheap look first (brackets, and the
    indentation that block nesting needs); only when it could be that deep are the tokens
    counted (the scanner does not recurse), so brackets inside strings do not count."""
    depth = 0
    suspicious = any(len(m.group()) > MAX_DEPTH for m in _LEAD.finditer(text))
    brackets = text.count("[") + text.count("{") > MAX_DEPTH
    for ch in text if brackets and not suspicious else "":
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                suspicious = True
                break
        elif ch in "]}":
            depth -= 1
    if not suspicious:
        return False
    depth = 0
    try:
        for tok in yaml.scan(text, Loader=_Loader):
            if isinstance(tok, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    return True
            elif isinstance(tok, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return False  # the parser reports the syntax error
    return False


class _Builder:
    """Builds plain Python data from a composed node tree, recording lines and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines = Lines()
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._active: set[int] = set()
        self._count = 0

    def _problem(self, node: Node, message: str, path: PathT = ()) -> None:
        line = node.start_mark.line + 1
        self.problems.append(Problem(self.file, line, render_path(path), message))

    def build(self, node: Node, path: PathT) -> Any:
        if len(path) > MAX_DEPTH:
            self._problem(node, f"nested more than {MAX_DEPTH} levels deep", path[:3])
            raise _TooDeep
        self._count += 1
        if self._count > MAX_NODES:
            if self._count == MAX_NODES + 1:
                self._problem(node, f"the document expands to more than {MAX_NODES} values")
            return None
        if id(node) in self._active:
            self._problem(node, "recursive alias (a value that contains itself)", path)
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if node.tag not in _COLLECTION_TAGS:
            self._problem(node, f"unsupported YAML tag {node.tag!r}", path)
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return None
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: ScalarNode, path: PathT) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as e:
            problem = getattr(e, "problem", None) or str(e)
            self._problem(node, f"cannot read this value: {problem}", path)
        except Exception as e:  # ValueError and friends from int(), datetime(), base64
            self._problem(node, f"cannot read this value: {_why(e, node.tag)}", path)
        return None

    def _sequence(self, node: SequenceNode, path: PathT) -> list[Any]:
        out: list[Any] = []
        for i, item in enumerate(node.value):
            self.lines.table.setdefault(path + (i,), item.start_mark.line + 1)
            out.append(self.build(item, path + (i,)))
        return out

    def _mapping(self, node: MappingNode, path: PathT) -> dict[Any, Any]:
        try:
            self._constructor.flatten_mapping(node)  # resolves "<<" merge keys
        except yaml.YAMLError as e:
            self._problem(node, f"bad merge key: {getattr(e, 'problem', e)}", path)
            return {}
        out: dict[Any, Any] = {}
        first: dict[Any, int] = {}
        for knode, vnode in node.value:
            line = knode.start_mark.line + 1
            if not isinstance(knode, ScalarNode):
                self._problem(knode, "a key must be a plain value, not a list or mapping", path)
                continue
            key = self._scalar(knode, path)
            if not isinstance(key, Hashable):  # pragma: no cover - scalars are hashable
                continue
            sub = path + (path_key(key),)
            if key in first:
                self._problem(knode, f"duplicate key (first at line {first[key]})", sub)
                continue
            first[key] = line
            self.lines.table.setdefault(sub, line)
            out[key] = self.build(vnode, sub)
        return out


def _why(e: Exception, tag: str = "") -> str:
    text = str(e)
    if "integer string conversion" in text:
        return "a number of more than 4300 digits"
    if isinstance(e, AttributeError | TypeError):  # PyYAML's constructors on a wrong value
        return f"not a valid {tag.rsplit(':', 1)[-1] or 'value'}"
    return text


def _syntax_problem(file: str, e: yaml.YAMLError, what: str) -> Problem:
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        text = e.problem or "invalid syntax"
        if e.context:
            text = f"{e.context}: {text}"
        return Problem(file, line, "", f"{what} syntax error: {text}")
    return Problem(file, None, "", f"{what} syntax error: {e}")


def _compose(text: str, file: str) -> tuple[Node | None, list[Problem]]:
    if _too_deep(text):
        return None, [Problem(file, None, "", f"nested more than {MAX_DEPTH} levels deep")]
    try:
        return yaml.compose(text, Loader=_Loader), []
    except yaml.YAMLError as e:
        return None, [_syntax_problem(file, e, "YAML")]
    except RecursionError:
        return None, [Problem(file, None, "", "the document is nested too deeply")]


def parse_yaml(text: str, file: str) -> tuple[Document | None, list[Problem]]:
    """Parse YAML text; problems instead of exceptions."""
    node, problems = _compose(text, file)
    if problems:
        return None, problems
    builder = _Builder(file)
    if node is None:
        return Document(None, builder.lines), []
    builder.lines.table[()] = node.start_mark.line + 1
    try:
        data = builder.build(node, ())
    except _TooDeep:
        return None, builder.problems
    except RecursionError:
        return None, [Problem(file, None, "", "the document is nested too deeply")]
    if builder.problems:
        return None, builder.problems
    return Document(data, builder.lines), []


def parse_json(text: str, file: str) -> tuple[Document | None, list[Problem]]:
    """Parse JSON text; values from ``json``, lines from composing it as YAML."""
    if _too_deep(text):
        return None, [Problem(file, None, "", f"nested more than {MAX_DEPTH} levels deep")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return None, [Problem(file, e.lineno, "", f"JSON syntax error: {e.msg}")]
    except ValueError as e:  # an integer of more than 4300 digits
        return None, [Problem(file, None, "", f"cannot read a value: {_why(e)}")]
    except RecursionError:
        return None, [Problem(file, None, "", "the document is nested too deeply")]
    # Tabs are legal JSON whitespace but not always legal YAML; same lines either way.
    doc, problems = parse_yaml(text.replace("\t", " "), file)
    duplicates = [p for p in problems if p.message.startswith("duplicate key")]
    if duplicates:  # json.loads keeps the last silently; RegisterTaskDefinition refuses them
        return None, duplicates
    return Document(data, doc.lines if doc and not problems else Lines()), []


def read_text(path: Path, file: str) -> tuple[str | None, list[Problem]]:
    """The file's text, or a problem saying why it cannot be read: only regular files of at
    most MAX_BYTES are read (a FIFO would hang, /dev/zero never ends)."""

    def refuse(why: str) -> tuple[None, list[Problem]]:
        return None, [Problem(file, None, "", why)]

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return refuse("no such file")
    except OSError as e:
        return refuse(f"cannot read: {e.strerror or e}")
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return refuse("is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            return refuse("is not a regular file (a pipe, device or socket); save it to a file")
        if st.st_size > MAX_BYTES:
            return refuse(f"is {st.st_size} bytes; a layout is at most {MAX_BYTES} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            return refuse(f"is over {MAX_BYTES} bytes; a layout is at most {MAX_BYTES} bytes")
    except OSError as e:
        return refuse(f"cannot read: {e.strerror or e}")
    finally:
        os.close(fd)
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        return None, [Problem(file, None, "", f"not UTF-8 text (byte {e.start})")]


def load_document(path: Path, file: str) -> tuple[Document | None, list[Problem]]:
    """Read and parse a YAML or (by its ``.json`` suffix) JSON file."""
    text, problems = read_text(path, file)
    if text is None:
        return None, problems
    if path.suffix.lower() == ".json":
        return parse_json(text, file)
    return parse_yaml(text, file)
