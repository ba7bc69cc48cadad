"""CloudFormation's intrinsic functions, evaluated locally.

A template's values are written with Ref, Fn::Sub, Fn::If and the rest; the layout needs plain
values. ``Evaluator`` walks a value and resolves every function the way CloudFormation does
(Fn::Sub both forms, Fn::Join/Select/Split, conditions, mappings, Fn::GetAZs, Fn::Cidr,
Fn::Base64, Fn::ImportValue, AWS::NoValue removing the key). What a name refers to (parameters,
conditions, resources, exports) is the stack's business: the hooks at the bottom.

A function written wrongly is a ``Problem`` at its place in the template, and evaluation goes on
with ``None`` in its place, so that every problem of the template is found in one pass.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from typing import Any

from emulator.errors import Problem
from emulator.model.yamlsource import PathT, render_path

from .source import Template


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


class Bad(Exception):
    """A function that cannot be evaluated: where and why."""

    def __init__(self, at: PathT, message: str) -> None:
        super().__init__(message)
        self.at = at
        self.message = message


def text(value: Any) -> str:
    """A scalar as CloudFormation turns it into a string (``true``, ``80``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Evaluator:
    """Resolves intrinsic functions in one template; subclasses answer the names."""

    def __init__(self, tpl: Template) -> None:
        self.tpl = tpl
        self.problems: list[Problem] = []
        self._depth = 0

    def report(self, at: PathT, message: str) -> None:
        if not message:  # a consequence of a problem reported already
            return
        problem = self.tpl.problem(at, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def evaluate(self, value: Any, at: PathT) -> Any:
        """``value`` with every function resolved; problems reported, ``None`` in their place."""
        try:
            return self.value(value, at)
        except Bad as e:
            self.report(e.at, e.message)
            return None

    def value(self, value: Any, at: PathT) -> Any:
        if isinstance(value, list):
            out = []
            for i, item in enumerate(value):
                v = self.value(item, at + (i,))
                if v is not NO_VALUE:
                    out.append(v)
            return out
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
                return self.function(key, arg, at + (key,))
        result: dict[Any, Any] = {}
        for k, v in value.items():
            resolved = self.value(v, at + (str(k),))
            if resolved is not NO_VALUE:
                result[k] = resolved
        return result

    def function(self, name: str, arg: Any, at: PathT) -> Any:
        """One function; the outermost reports its problem and stands for ``None``, so one
        bad value does not hide the rest of the resource (nor cascade into more messages)."""
        handler = _FUNCTIONS.get(name)
        self._depth += 1
        try:
            if handler is None:
                raise Bad(at, f"{name} is not a function CloudFormation knows")
            return handler(self, arg, at)
        except Bad as e:
            if self._depth > 1:
                raise
            self.report(e.at, e.message)
            return None
        finally:
            self._depth -= 1

    # --- the functions -------------------------------------------------------------------

    def _ref(self, arg: Any, at: PathT) -> Any:
        if not isinstance(arg, str):
            raise Bad(at, "Ref takes the name of a parameter or resource")
        if arg == "AWS::NoValue":
            return NO_VALUE
        return self.ref(arg, at)

    def _getatt(self, arg: Any, at: PathT) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise Bad(at, "Fn::GetAtt takes [LogicalId, Attribute] (or 'LogicalId.Attribute')")
        attr = self.value(arg[1], at + (1,))
        if not isinstance(attr, str):
            raise Bad(at + (1,), "the attribute name must be a string")
        return self.getatt(arg[0], attr, at)

    def _sub(self, arg: Any, at: PathT) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[0], str) or not isinstance(arg[1], dict):
                raise Bad(at, "Fn::Sub takes a string, or [string, {Name: value, ...}]")
            variables = {k: self.value(v, at + (1, k)) for k, v in arg[1].items()}
            arg = arg[0]
        if not isinstance(arg, str):
            raise Bad(at, "Fn::Sub takes a string, or [string, {Name: value, ...}]")

        def one(m: re.Match[str]) -> str:
            name = m.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.scalar(variables[name], at, f"${{{name}}}")
            if "." in name and not name.startswith("AWS::"):
                lid, attr = name.split(".", 1)
                return self.scalar(self.getatt(lid, attr, at), at, f"${{{name}}}")
            return self.scalar(self.ref(name, at), at, f"${{{name}}}")

        return _SUB_VAR.sub(one, arg)

    def scalar(self, value: Any, at: PathT, what: str) -> str:
        if value is None:
            raise Bad(at, "")  # the reason was reported where the value failed
        if isinstance(value, (list, dict)) or value is None or value is NO_VALUE:
            raise Bad(at, f"{what} is not a single value (it is {json.dumps(value, default=str)})")
        return text(value)

    def _list_arg(self, arg: Any, at: PathT, n: int, usage: str) -> list[Any]:
        if not isinstance(arg, list) or len(arg) != n:
            raise Bad(at, f"takes {usage}")
        return arg

    def _join(self, arg: Any, at: PathT) -> str:
        delim, items = self._list_arg(arg, at, 2, "[delimiter, [values]] (Fn::Join)")
        values = self.value(items, at + (1,))
        if not isinstance(values, list):
            raise Bad(at + (1,), "Fn::Join's second argument must be a list")
        return text(delim).join(self.scalar(v, at + (1,), "a joined value") for v in values)

    def _select(self, arg: Any, at: PathT) -> Any:
        index, items = self._list_arg(arg, at, 2, "[index, [values]] (Fn::Select)")
        i = self.value(index, at + (0,))
        values = self.value(items, at + (1,))
        try:
            n = int(i)
        except (TypeError, ValueError):
            raise Bad(at + (0,), f"index {i!r} is not a number") from None
        if not isinstance(values, list) or not 0 <= n < len(values):
            raise Bad(at, f"index {n} is outside the list ({json.dumps(values, default=str)})")
        return values[n]

    def _split(self, arg: Any, at: PathT) -> list[str]:
        delim, source = self._list_arg(arg, at, 2, "[delimiter, string] (Fn::Split)")
        return self.scalar(self.value(source, at + (1,)), at + (1,), "the split value").split(
            text(delim)
        )

    def _if(self, arg: Any, at: PathT) -> Any:
        name, yes, no = self._list_arg(arg, at, 3, "[condition, value if true, value if false]")
        if self.condition(name, at + (0,)):
            return self.value(yes, at + (1,))
        return self.value(no, at + (2,))

    def _equals(self, arg: Any, at: PathT) -> bool:
        a, b = self._list_arg(arg, at, 2, "[value, value] (Fn::Equals)")
        va, vb = self.value(a, at + (0,)), self.value(b, at + (1,))
        if isinstance(va, (list, dict)) or isinstance(vb, (list, dict)):
            return bool(va == vb)
        return text(va) == text(vb)

    def _bools(self, arg: Any, at: PathT, name: str) -> list[bool]:
        if not isinstance(arg, list) or not 1 <= len(arg) <= 10:
            raise Bad(at, f"{name} takes a list of 1 to 10 conditions")
        return [self.truth(c, at + (i,)) for i, c in enumerate(arg)]

    def truth(self, value: Any, at: PathT) -> bool:
        if isinstance(value, dict) and len(value) == 1 and "Condition" in value:
            return self.condition(value["Condition"], at + ("Condition",))
        result = self.value(value, at)
        if isinstance(result, bool):
            return result
        if text(result).lower() in ("true", "false"):
            return text(result).lower() == "true"
        raise Bad(at, "a condition function (Fn::Equals, Fn::And ...) or a Condition is needed")

    def _not(self, arg: Any, at: PathT) -> bool:
        (value,) = self._list_arg(arg, at, 1, "[condition] (Fn::Not)")
        return not self.truth(value, at + (0,))

    def _find_in_map(self, arg: Any, at: PathT) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            raise Bad(at, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]")
        keys = [
            self.scalar(self.value(k, at + (i,)), at + (i,), "a key") for i, k in enumerate(arg[:3])
        ]
        default = arg[3].get("DefaultValue") if len(arg) == 4 and isinstance(arg[3], dict) else None
        found: Any = self.mappings()
        for i, key in enumerate(keys):
            if not isinstance(found, dict) or key not in found:
                if default is not None:
                    return self.value(default, at + (3, "DefaultValue"))
                where = ("Mappings",) + tuple(keys[:i])
                raise Bad(at + (i,), f"{render_path(where)} has no key {key!r}")
            found = found[key]
        return found

    def _get_azs(self, arg: Any, at: PathT) -> list[str]:
        region = self.value(arg, at) or self.ref("AWS::Region", at)
        return [f"{region}{z}" for z in "abc"]

    def _base64(self, arg: Any, at: PathT) -> str:
        raw = self.scalar(self.value(arg, at), at, "the value to encode")
        return base64.b64encode(raw.encode()).decode()

    def _cidr(self, arg: Any, at: PathT) -> list[str]:
        block, count, bits = (
            self.value(a, at + (i,))
            for i, a in enumerate(
                self._list_arg(arg, at, 3, "[ipBlock, count, cidrBits] (Fn::Cidr)")
            )
        )
        try:
            net = ipaddress.ip_network(text(block), strict=False)
            subnets = net.subnets(new_prefix=net.max_prefixlen - int(bits))
            out = []
            for _ in range(int(count)):
                out.append(str(next(subnets)))
            return out
        except (ValueError, TypeError, StopIteration) as e:
            raise Bad(at, f"cannot cut {count} blocks of {bits} bits from {block}: {e}") from None

    def _import(self, arg: Any, at: PathT) -> Any:
        name = self.scalar(self.value(arg, at), at, "the export name")
        return self.import_value(name, at)

    def _length(self, arg: Any, at: PathT) -> int:
        values = self.value(arg, at)
        if not isinstance(values, list):
            raise Bad(at, "Fn::Length takes a list")
        return len(values)

    def _to_json(self, arg: Any, at: PathT) -> str:
        return json.dumps(self.value(arg, at), separators=(",", ":"))

    # --- hooks: what names mean ----------------------------------------------------------

    def ref(self, name: str, at: PathT) -> Any:  # pragma: no cover - overridden
        raise Bad(at, f"unknown name {name!r}")

    def getatt(self, lid: str, attr: str, at: PathT) -> Any:  # pragma: no cover
        raise Bad(at, f"unknown resource {lid!r}")

    def condition(self, name: Any, at: PathT) -> bool:  # pragma: no cover
        raise Bad(at, f"unknown condition {name!r}")

    def mappings(self) -> dict[str, Any]:  # pragma: no cover
        return {}

    def import_value(self, name: str, at: PathT) -> Any:  # pragma: no cover
        raise Bad(at, f"no stack exports {name!r}")


_FUNCTIONS: dict[str, Any] = {
    "Ref": Evaluator._ref,
    "Fn::GetAtt": Evaluator._getatt,
    "Fn::Sub": Evaluator._sub,
    "Fn::Join": Evaluator._join,
    "Fn::Select": Evaluator._select,
    "Fn::Split": Evaluator._split,
    "Fn::If": Evaluator._if,
    "Fn::Equals": Evaluator._equals,
    "Fn::And": lambda ev, arg, at: all(ev._bools(arg, at, "Fn::And")),
    "Fn::Or": lambda ev, arg, at: any(ev._bools(arg, at, "Fn::Or")),
    "Fn::Not": Evaluator._not,
    "Fn::FindInMap": Evaluator._find_in_map,
    "Fn::GetAZs": Evaluator._get_azs,
    "Fn::Base64": Evaluator._base64,
    "Fn::Cidr": Evaluator._cidr,
    "Fn::ImportValue": Evaluator._import,
    "Fn::Length": Evaluator._length,
    "Fn::ToJsonString": Evaluator._to_json,
}
