"""How values are written into nginx.conf so that none can change its structure.

Why this exists: rule values, redirect templates, fixed-response bodies and rewrite
replacements come from layouts, and a layout must never be able to add a directive or read
an nginx variable. Every value goes through one of these functions:

- ``quote``: a double-quoted token, with ``\\``, ``"`` and line breaks escaped the way
  nginx's tokenizer reads them back, so braces, semicolons and quotes stay inside the token.
- ``Value``: a complex value (``set``, ``add_header``, map values, ``return`` text) built
  from literals and variable references; a literal ``$`` is written ``${alb_dollar}`` (a
  ``geo`` variable holding ``$``), so text can never name a variable.
- ``regex_literal`` (from rules) and ``user_regex`` for regexes, which nginx does not
  interpolate: quotes and control characters become ``\\xHH``.
- ``header_text``, ``uri_text``, ``hostname``: values bound for a header, a URI or a host
  are refused when they hold characters that would split a header or a request line.
"""

from __future__ import annotations

import re

from emulator.alb import UnsafeValueError
from emulator.alb.rules import regex_literal

DOLLAR = "alb_dollar"  # geo $alb_dollar { default "$"; }
_HOSTNAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_COMMENT_UNSAFE = re.compile(r"[^\x20-\x7e]")
# what nginx's tokenizer reads after a backslash in a quoted token (and the line breaks and
# tab ``quote`` itself writes as \n, \r, \t): a backslash before one of them is doubled
_TOKENIZER_SPECIAL = {'"', "'", "\\", "t", "r", "n", "\n", "\r", "\t"}
# Python-only regex syntax PCRE reads otherwise or refuses (nginx -t would fail)
_PY_ONLY_ESCAPES = {"u": "\\uXXXX", "U": "\\UXXXXXXXX", "N": "\\N{...}"}
_INLINE_FLAGS = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?[:)]")
_PCRE_FLAGS = set("ims")
_EMPTY_MIN = re.compile(r"\{,(\d*)\}")

__all__ = [
    "Conf",
    "Value",
    "header_text",
    "hostname",
    "quote",
    "regex_literal",
    "user_regex",
    "uri_text",
]


def quote(text: str) -> str:
    """``text`` as one double-quoted nginx token that reads back as exactly ``text``."""
    if "\0" in text:
        raise UnsafeValueError("a NUL character cannot be written into nginx.conf")
    out = ['"']
    for i, ch in enumerate(text):
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            out.append("\\\\" if nxt in _TOKENIZER_SPECIAL or nxt == "" else "\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


class Value:
    """A complex value: literal text and ``${variable}`` references, rendered quoted."""

    def __init__(self, *parts: str | Var) -> None:
        self.parts: list[str | Var] = list(parts)

    def __add__(self, other: Value | str | Var) -> Value:
        more = other.parts if isinstance(other, Value) else [other]
        return Value(*self.parts, *more)

    def render(self) -> str:
        text = []
        for p in self.parts:
            if isinstance(p, Var):
                text.append(p.ref())
            else:
                text.append(p.replace("$", "${" + DOLLAR + "}"))
        return quote("".join(text))

    def literal_text(self) -> str:
        """The literal parts only (to validate what a template adds)."""
        return "".join(p for p in self.parts if isinstance(p, str))


TOKEN_BUDGET = 3000  # bytes: nginx refuses a token of 4 KiB or more


def _rendered_size(ch: str) -> int:
    if ch == "$":
        return len(DOLLAR) + 3  # ${alb_dollar}
    if ch in '"\\\n\r\t':
        return 2
    return len(ch.encode("utf-8"))


def set_long(conf: Conf, name: str, text: str) -> Value:
    """``text`` as a ``Value``, set in as many ``set $name_N`` directives as it takes to keep
    each token under nginx's 4 KiB limit (a 1,024-character body of ``$`` renders 13 KiB)."""
    chunks: list[str] = []
    start, size = 0, 2
    for i, ch in enumerate(text):
        if size + _rendered_size(ch) > TOKEN_BUDGET:
            chunks.append(text[start:i])
            start, size = i, 2
        size += _rendered_size(ch)
    chunks.append(text[start:])
    if len(chunks) == 1:
        return Value(text)
    out = Value()
    for n, chunk in enumerate(chunks):
        conf("set", f"${name}_{n}", Value(chunk).render())
        out += Var(f"{name}_{n}")
    return out


def long_tokens(conf_text: str) -> list[str]:
    """The starts of the tokens of ``conf_text`` nginx would refuse as too long (4 KiB)."""
    return [
        t[:60]
        for t in re.findall(r'"(?:[^"\\]|\\.)*"|[^\s;{}"]+', conf_text, re.S)
        if len(t.encode("utf-8")) >= 4096
    ]


class Var:
    """A reference to an nginx variable or a capture (``$1``) in a ``Value``."""

    _NAME = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|[1-9])$")

    def __init__(self, name: str) -> None:
        if not self._NAME.match(name):
            raise UnsafeValueError(f"not an nginx variable name: {name!r}")
        self.name = name

    def ref(self) -> str:
        return f"${self.name}" if self.name.isdigit() else "${" + self.name + "}"


def v(name: str) -> Var:
    return Var(name)


def header_text(text: str, what: str) -> str:
    """Literal text for a header value: no control characters (they would split it)."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise UnsafeValueError(
            f"{what}: control characters are not allowed in a header value: {text!r}"
        )
    return text


def uri_text(text: str, what: str) -> str:
    """Literal text for a request URI: no space, no control character, ASCII only."""
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in text):
        raise UnsafeValueError(
            f"{what}: spaces, control and non-ASCII characters are not allowed in a URI: {text!r}"
        )
    return text


def hostname(text: str, what: str) -> str:
    """A DNS name (letters, digits, dots, hyphens)."""
    if not _HOSTNAME.match(text):
        raise UnsafeValueError(f"{what}: {text!r} is not a DNS name")
    return text


def user_regex(pattern: str, what: str) -> str:
    """A layout's regex (RegexValues, transforms) as PCRE text with quotes, control and
    escaped punctuation written ``\\xHH``, and named groups made plain groups (nginx turns
    a named group into a variable: ``(?P<alb_rule>...)`` would set one of ours). Refused
    when Python cannot compile it (the reference in ``rules`` must run it too), when it
    refers to a group by name, or when it is not ASCII (PCRE sees bytes, Python text), or
    uses syntax only Python has (``\\u``, ``\\N{}``, the ``a``, ``L``, ``u`` and ``x`` flags;
    ``x`` would turn the wrapping group's closing parenthesis into a comment). Python's
    ``\\Z`` is written PCRE's ``\\z`` and ``{,n}`` ``{0,n}``, which PCRE2 reads literally."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise UnsafeValueError(f"{what}: invalid regex {pattern!r}: {exc}") from None
    except (RecursionError, OverflowError, MemoryError):
        raise UnsafeValueError(f"{what}: regex {pattern!r} is too complex") from None
    out = []
    i = 0
    in_class = False
    class_start = 0  # where a "]" would still be literal
    while i < len(pattern):
        ch = pattern[i]
        if not ch.isascii():
            raise UnsafeValueError(f"{what}: non-ASCII character {ch!r} in regex {pattern!r}")
        if ch == "\\":
            nxt = pattern[i + 1]  # re.compile refused a trailing backslash
            if not nxt.isascii():
                raise UnsafeValueError(f"{what}: non-ASCII character {nxt!r} in regex {pattern!r}")
            if nxt in _PY_ONLY_ESCAPES:
                raise UnsafeValueError(
                    f"{what}: {_PY_ONLY_ESCAPES[nxt]} in regex {pattern!r} is Python-only "
                    "syntax; write the character itself or \\xHH"
                )
            if nxt == "Z" and not in_class:
                out.append("\\z")  # Python's \Z is the very end: PCRE's \z
            else:
                out.append("\\" + nxt if nxt.isalnum() else f"\\x{ord(nxt):02x}")
            i += 2
            continue
        if in_class:
            in_class = not (ch == "]" and i != class_start)
        elif ch == "[":
            in_class = True
            class_start = i + 2 if pattern.startswith("[^", i) else i + 1
        elif pattern.startswith("(?P<", i):
            i = pattern.index(">", i) + 1
            out.append("(")
            continue
        elif pattern.startswith("(?P=", i):
            raise UnsafeValueError(f"{what}: regex {pattern!r} refers to a group by name")
        elif (flags := _INLINE_FLAGS.match(pattern, i)) and (
            bad := set((flags.group(1) or "") + (flags.group(2) or "")) - _PCRE_FLAGS
        ):
            raise UnsafeValueError(
                f"{what}: the inline flag(s) {''.join(sorted(bad))} in regex {pattern!r} "
                "are not supported (i, m and s are)"
            )
        elif ch == "{" and (empty_min := _EMPTY_MIN.match(pattern, i)) and out:
            out.append("{0," + empty_min.group(1) + "}")
            i = empty_min.end()
            continue
        out.append(f"\\x{ord(ch):02x}" if ch in "\"'" or ord(ch) < 0x20 or ord(ch) == 0x7F else ch)
        i += 1
    return "".join(out)


def regex_key(regex: str, ignore_case: bool = False) -> str:
    """A ``map`` key matching ``regex`` (``~`` case-sensitive, ``~*`` not)."""
    return quote(("~*" if ignore_case else "~") + regex)


def comment_text(text: str) -> str:
    """Text safe in a ``#`` comment: printable ASCII on one line (others become ``?``)."""
    return _COMMENT_UNSAFE.sub("?", text)[:120]


class Conf:
    """An indented nginx.conf being written; tokens must already be safe (``quote``d,
    ``Value.render``ed, numbers, or names this package makes)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def __call__(self, *tokens: str | int) -> None:
        self.lines.append("    " * self.depth + " ".join(str(t) for t in tokens) + ";")

    def comment(self, text: str) -> None:
        self.lines.append("    " * self.depth + "# " + comment_text(text))

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def open(self, *tokens: str | int) -> None:
        self.lines.append("    " * self.depth + " ".join(str(t) for t in tokens) + " {")
        self.depth += 1

    def close(self) -> None:
        self.depth -= 1
        self.lines.append("    " * self.depth + "}")

    def extend(self, other: Conf) -> None:
        self.lines.extend(("    " * self.depth + line) if line else "" for line in other.lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
