"""CloudWatch Logs filter patterns: what ``FilterLogEvents`` (and ``aws logs tail
--filter-pattern``) match.

Why this exists: troubleshooting reads logs by pattern (``ERROR``, ``"connection refused"``,
``?ERROR ?WARN``, ``ERROR -healthcheck``, ``{ $.level = "error" }``); the same pattern must
select the same events here as in CloudWatch. Supported: unstructured terms (all must appear;
quoted phrases; ``?term`` any-of; ``-term`` excluded; case-sensitive), JSON patterns
(``$.a.b[0]`` selectors, ``= != < > <= >=``, ``*`` in string values, ``IS TRUE|FALSE|NULL``,
``EXISTS``, ``NOT EXISTS``, ``&&``, ``||``, parentheses) and space-delimited patterns
(``[ip, user, ..., status=4*, size>100]``).
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from collections.abc import Callable
from typing import Any

from emulator.endpoint.api import ApiError

Matcher = Callable[[str], bool]

_TOKEN = re.compile(r'\s*(?:(\|\||&&|\(|\)|!=|<=|>=|=|<|>)|("(?:[^"\\]|\\.)*")|([^\s()=!<>&|]+))')
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def invalid_pattern(pattern: str) -> ApiError:
    return ApiError("InvalidParameterException", f"Invalid filter pattern: {pattern}")


def compile_pattern(pattern: str | None) -> Matcher:
    """A function telling whether a message matches ``pattern`` (None/empty: all do)."""
    text = (pattern or "").strip()
    if not text or text == '""':
        return lambda message: True
    if text.startswith("{"):
        if not text.endswith("}"):
            raise invalid_pattern(text)
        return _json_matcher(text[1:-1], text)
    if text.startswith("["):
        if not text.endswith("]"):
            raise invalid_pattern(text)
        return _delimited_matcher(text[1:-1], text)
    return _terms_matcher(text)


# unstructured ------------------------------------------------------------------------------
def _terms_matcher(text: str) -> Matcher:
    try:
        words = shlex.split(text, posix=True)
    except ValueError as e:
        raise invalid_pattern(text) from e
    required, optional, excluded = [], [], []
    for w in words:
        if w.startswith("?") and len(w) > 1:
            optional.append(w[1:])
        elif w.startswith("-") and len(w) > 1:
            excluded.append(w[1:])
        elif w:
            required.append(w)

    def match(message: str) -> bool:
        return (
            all(t in message for t in required)
            and (not optional or any(t in message for t in optional))
            and not any(t in message for t in excluded)
        )

    return match


# JSON ----------------------------------------------------------------------------------------
def _value_of(doc: Any, selector: str) -> tuple[bool, Any]:
    """(found, value) of ``$.a.b[0]`` in ``doc``."""
    if not selector.startswith("$"):
        return False, None
    cur = doc
    for name, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector[1:]):
        if name:
            if not isinstance(cur, dict) or name not in cur:
                return False, None
            cur = cur[name]
        else:
            if not isinstance(cur, list) or int(index) >= len(cur):
                return False, None
            cur = cur[int(index)]
    return True, cur


def _compare(have: Any, op: str, want: str) -> bool:
    numeric = _NUMBER.match(want) is not None
    if numeric and isinstance(have, int | float) and not isinstance(have, bool):
        a, b = float(have), float(want)
        return {
            "=": a == b,
            "!=": a != b,
            "<": a < b,
            ">": a > b,
            "<=": a <= b,
            ">=": a >= b,
        }[op]
    if op not in ("=", "!="):
        return False
    if isinstance(have, bool) or have is None or isinstance(have, dict | list):
        return op != "="
    hit = fnmatch.fnmatchcase(str(have), want)
    return hit if op == "=" else not hit


Test = Callable[[Any], bool]


def _either(a: Test, b: Test) -> Test:
    return lambda d: a(d) or b(d)


def _both(a: Test, b: Test) -> Test:
    return lambda d: a(d) and b(d)


class _JsonParser:
    def __init__(self, body: str, whole: str) -> None:
        self.whole = whole
        self.tokens: list[str] = []
        pos = 0
        body = body.strip()
        while pos < len(body):
            m = _TOKEN.match(body, pos)
            if not m or m.end() == pos:
                raise invalid_pattern(whole)
            self.tokens.append(next(g for g in m.groups() if g is not None))
            pos = m.end()
            while pos < len(body) and body[pos].isspace():
                pos += 1
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise invalid_pattern(self.whole)
        self.i += 1
        return tok

    def parse(self) -> Callable[[Any], bool]:
        fn = self.expr()
        if self.peek() is not None:
            raise invalid_pattern(self.whole)
        return fn

    def expr(self) -> Callable[[Any], bool]:
        left = self.conj()
        while self.peek() == "||":
            self.take()
            left = _either(left, self.conj())
        return left

    def conj(self) -> Callable[[Any], bool]:
        left = self.atom()
        while self.peek() == "&&":
            self.take()
            left = _both(left, self.atom())
        return left

    def atom(self) -> Callable[[Any], bool]:
        tok = self.take()
        if tok == "(":
            inner = self.expr()
            if self.take() != ")":
                raise invalid_pattern(self.whole)
            return inner
        selector = tok
        op = self.take()
        if op.upper() == "IS":
            what = self.take().upper()
            expect = {"TRUE": True, "FALSE": False, "NULL": None}
            if what not in expect:
                raise invalid_pattern(self.whole)
            return lambda d: (lambda fv: fv[0] and fv[1] is expect[what])(_value_of(d, selector))
        if op.upper() == "EXISTS":
            return lambda d: _value_of(d, selector)[0]
        if op.upper() == "NOT" and self.take().upper() == "EXISTS":
            return lambda d: not _value_of(d, selector)[0]
        if op not in ("=", "!=", "<", ">", "<=", ">="):
            raise invalid_pattern(self.whole)
        raw = self.take()
        want = json.loads(raw) if raw.startswith('"') else raw

        def test(d: Any) -> bool:
            found, value = _value_of(d, selector)
            return found and _compare(value, op, str(want))

        return test


def _json_matcher(body: str, whole: str) -> Matcher:
    test = _JsonParser(body, whole).parse()

    def match(message: str) -> bool:
        try:
            doc = json.loads(message)
        except ValueError:
            return False
        return isinstance(doc, dict | list) and test(doc)

    return match


# space-delimited -----------------------------------------------------------------------------
_FIELD = re.compile(r"^\s*([A-Za-z_][\w]*|\.\.\.)\s*(?:(!=|<=|>=|=|<|>)\s*(.+?))?\s*$")


def _fields(message: str) -> list[str]:
    """Whitespace-separated fields; "quoted" and [bracketed] ones are one field."""
    return [a or b or c for a, b, c in re.findall(r'"([^"]*)"|\[([^\]]*)\]|(\S+)', message)]


def _delimited_matcher(body: str, whole: str) -> Matcher:
    specs = []
    for part in body.split(",") if body.strip() else []:
        m = _FIELD.match(part)
        if not m:
            raise invalid_pattern(whole)
        name, op, value = m.groups()
        specs.append((name, op, value.strip('"') if value else None))

    def match(message: str) -> bool:
        fields = _fields(message)
        return _match_fields(specs, fields)

    return match


def _match_fields(specs: list[tuple[str, str | None, str | None]], fields: list[str]) -> bool:
    if not specs:
        return not fields
    (name, op, value), rest = specs[0], specs[1:]
    if name == "...":
        return any(_match_fields(rest, fields[k:]) for k in range(len(fields) + 1))
    if not fields:
        return False
    if op is not None and value is not None:
        have: Any = fields[0]
        if _NUMBER.match(have) and _NUMBER.match(value):
            have = float(have)
        if not _compare(have, op, value):
            return False
    return _match_fields(rest, fields[1:])
