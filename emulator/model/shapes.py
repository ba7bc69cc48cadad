"""Shape validation against the service models that botocore ships.

AWS describes every API input as "shapes": structures with members and required members, lists,
maps, strings with enums, lengths and patterns, integers with ranges. Checking a task definition
against ``ecs``'s ``RegisterTaskDefinitionRequest`` catches what the AWS CLI would refuse, with
the same vocabulary, and stays current as botocore updates. The layout's own sections are written
in the same shape format (``emulator.model.layoutschema``) and borrow ELBv2 scalars (ports,
priorities, health-check ranges), so one walker checks everything.

The walker returns a *cleaned* copy: values with a type problem are left out (list items become
``None``, so indexes still match the file), numbers given where AWS wants a string become strings
(``cpu: 256`` -> ``"256"``), and null means "not set". Cross-field checks then read the cleaned
copy and may trust every type they find.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from botocore.loaders import Loader

from emulator.model.layoutschema import SHAPES as LAYOUT_SHAPES
from emulator.model.report import Reporter
from emulator.model.yamlsource import PathT, path_key

Shape = dict[str, Any]
INVALID: Any = object()  # "this value failed its shape check"


class Checked(dict[str, Any]):
    """A cleaned mapping that remembers the keys that were given but failed their check, so
    later checks do not also call them missing."""

    invalid: frozenset[str] = frozenset()


def given(value: Any, key: str) -> bool:
    """Whether ``key`` was written in the (cleaned) mapping ``value``, valid or not."""
    return isinstance(value, dict) and (key in value or key in getattr(value, "invalid", ()))


def choices(label: str, names: list[str], word: str) -> str:
    """`` (containers: app, web; did you mean 'app'?)`` for a message about ``word``."""
    near = suggest(word, names)
    hint = f"; did you mean {near!r}?" if near else ""
    return f" ({label}: {', '.join(names) or 'none'}{hint})"


_LIST_ALL_KEYS_UP_TO = 12


@functools.cache
def service_shapes(service: str) -> dict[str, Shape]:
    """The shapes of a botocore service model (``ecs``, ``elbv2``)."""
    model: dict[str, Any] = Loader().load_service_model(service, "service-2")
    shapes: dict[str, Shape] = model["shapes"]
    return shapes


def resolve(ref: str, namespace: str = "layout") -> tuple[Shape, str]:
    """``"ecs:PortMapping"`` or a name in ``namespace`` -> (shape, its namespace)."""
    ns, _, name = ref.rpartition(":")
    ns = ns or namespace
    table = LAYOUT_SHAPES if ns == "layout" else service_shapes(ns)
    return table[name], ns


def describe(value: Any) -> str:
    """How a value reads in a message: ``the string '512'``, ``a list``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def suggest(word: str, choices: list[str]) -> str | None:
    """The nearest valid spelling of ``word``, if one is close."""
    for c in choices:
        if c.lower() == word.lower():
            return c
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: list[str]) -> str:
    near = suggest(word, choices)
    return f" (did you mean {near!r}?)" if near else ""


def items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, item) for the mapping items of a cleaned list (None marks a bad item)."""
    if not isinstance(value, list):
        return []
    return [(i, x) for i, x in enumerate(value) if isinstance(x, dict)]


def check_shape(value: Any, ref: str, rep: Reporter, path: PathT = (), ns: str = "layout") -> Any:
    """Check ``value`` against the shape ``ref``; report problems; return the cleaned value
    (or ``INVALID``)."""
    shape, ns = resolve(ref, ns)
    kind = shape.get("type", "structure")
    checker = _CHECKERS.get(kind)
    if checker is None:
        return value
    return checker(value, shape, rep, path, ns)


def _structure(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if not isinstance(value, dict):
        rep.error(path, f"expected a mapping, got {describe(value)}")
        return INVALID
    members: dict[str, Any] = shape.get("members", {})
    hints: dict[str, str] = shape.get("hints", {})
    out = Checked()
    bad: set[str] = set()
    for key, item in value.items():
        sub = path + (path_key(key),)
        if not isinstance(key, str) or key not in members:
            name = path_key(key)
            if name in hints:
                rep.error(sub, f"unknown key ({hints[name]})")
                continue
            near = did_you_mean(name, list(members))
            if not near and len(members) <= _LIST_ALL_KEYS_UP_TO:
                near = f" (valid keys: {', '.join(members)})"
            rep.error(sub, f"unknown key{near}")
            continue
        if item is None:
            continue
        cleaned = check_shape(item, members[key]["shape"], rep, sub, ns)
        if cleaned is INVALID:
            bad.add(key)
        else:
            out[key] = cleaned
    for req in shape.get("required", []):
        if value.get(req) is None:
            rep.error(path + (req,), "required key is missing")
    out.invalid = frozenset(bad)
    return out


def _list(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if not isinstance(value, list):
        rep.error(path, f"expected a list, got {describe(value)}")
        return INVALID
    _length(len(value), shape, rep, path, "item")
    out: list[Any] = []
    for i, item in enumerate(value):
        if item is None:
            rep.error(path + (i,), "expected a value, got null")
            out.append(None)
            continue
        cleaned = check_shape(item, shape["member"]["shape"], rep, path + (i,), ns)
        out.append(None if cleaned is INVALID else cleaned)
    return out


def _map(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if not isinstance(value, dict):
        rep.error(path, f"expected a mapping, got {describe(value)}")
        return INVALID
    _length(len(value), shape, rep, path, "entry")
    out: dict[str, Any] = {}
    for key, item in value.items():
        sub = path + (path_key(key),)
        k = check_shape(key, shape["key"]["shape"], rep, sub, ns)
        if item is None:
            rep.error(sub, "expected a value, got null")
            continue
        v = check_shape(item, shape["value"]["shape"], rep, sub, ns)
        if k is not INVALID and v is not INVALID:
            out[str(k)] = v
    return out


def _length(n: int, shape: Shape, rep: Reporter, path: PathT, unit: str) -> None:
    lo, hi = shape.get("min"), shape.get("max")
    if lo is not None and n < lo:
        rep.error(path, f"needs at least {lo} {unit}{'s' if lo != 1 else ''}, has {n}")
    if hi is not None and n > hi:
        rep.error(path, f"has {n} {unit}s; at most {hi} allowed")


def _string(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and shape.get("coerce", 1):
        value = str(value)
    if not isinstance(value, str):
        hint = " (write it in quotes)" if isinstance(value, (bool, int, float)) else ""
        rep.error(path, f"expected a string, got {describe(value)}{hint}")
        return INVALID
    enum: list[str] | None = shape.get("enum")
    if enum is not None and value not in enum:
        near = did_you_mean(value, enum)
        rep.error(path, f"{value!r} is not one of: {', '.join(enum)}{near}")
        return INVALID
    lo, hi = shape.get("min"), shape.get("max")
    if lo is not None and len(value) < lo:
        rep.error(path, "must not be empty" if lo == 1 else f"must be at least {lo} characters")
        return INVALID
    if hi is not None and len(value) > hi:
        rep.error(path, f"is {len(value)} characters long; at most {hi} allowed")
        return INVALID
    pattern = shape.get("pattern")
    if pattern and not _matches(pattern, value):
        rep.error(path, f"{value!r} does not match the pattern {pattern}")
        return INVALID
    return value


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:  # a Java-only construct in the model: AWS checks it, we cannot
        return True


def _integer(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        hint = " (remove the quotes)" if isinstance(value, str) and value.isdigit() else ""
        rep.error(path, f"expected an integer, got {describe(value)}{hint}")
        return INVALID
    lo, hi = shape.get("min"), shape.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        if lo is not None and hi is not None:
            rep.error(path, f"{value} is out of range ({lo}-{hi})")
        elif lo is not None:
            rep.error(path, f"{value} is too small (at least {lo})")
        else:
            rep.error(path, f"{value} is too large (at most {hi})")
        return INVALID
    return value


def _boolean(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if not isinstance(value, bool):
        rep.error(path, f"expected true or false, got {describe(value)}")
        return INVALID
    return value


def _number(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        rep.error(path, f"expected a number, got {describe(value)}")
        return INVALID
    return value


def _scalar(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    """Local type: any scalar, as the string AWS would store (attribute values)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (str, int, float)):
        return str(value)
    rep.error(path, f"expected a single value, got {describe(value)}")
    return INVALID


def _any(value: Any, shape: Shape, rep: Reporter, path: PathT, ns: str) -> Any:
    return value


_CHECKERS = {
    "structure": _structure,
    "list": _list,
    "map": _map,
    "string": _string,
    "integer": _integer,
    "long": _integer,
    "boolean": _boolean,
    "double": _number,
    "float": _number,
    "scalar": _scalar,
    "any": _any,
    "timestamp": _any,
    "blob": _any,
}
