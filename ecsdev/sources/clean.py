"""Terminal-safe text from sources: control sequences are removed from everything a source
returns before the dashboard draws it.

AWS text is written by whoever can call the API or run a container: a StopTask ``reason``,
an environment value, a service event, a tag, a log line. Drawn raw, an ESC/OSC/CSI
sequence (or its 8-bit C1 form) in one of them could set the window title, write the
clipboard (OSC 52) or repaint the screen of whoever browses the account. ``sanitized``
wraps any ``Source`` so every value it returns (views, lists of views, batches yielded by
iterators) has such sequences stripped and lone control characters removed; tab and line
feed are kept (the log view splits lines itself). Clean text costs one regex search.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from functools import wraps
from types import GeneratorType
from typing import Any, cast

from ecsdev.sources.base import Source

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""Anything that may start a sequence or move the cursor (tab and line feed are kept)."""

_SEQUENCE = re.compile(
    r"""
    (?:\x1b\]|\x9d) .*? (?:\x07|\x1b\\|\x9c|$)           # OSC ... BEL/ST (title, clipboard)
  | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) .*? (?:\x1b\\|\x9c|$)  # DCS, SOS, PM, APC ... ST
  | (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?                # CSI (colours, cursor, erase)
  | \x1b [ -/]* [0-~]?                                  # other escapes (ESC c resets)
    """,
    re.VERBOSE | re.DOTALL,
)


def clean_text(text: str) -> str:
    """``text`` without terminal control sequences or control characters."""
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub("", _SEQUENCE.sub("", text))


_FIELDS: dict[type, tuple[str, ...]] = {}


def clean(value: Any) -> Any:
    """``value`` with every string inside it cleaned (views are rebuilt only if needed)."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, tuple | list):
        items = [clean(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS.get(type(value))
        if names is None:
            names = tuple(f.name for f in dataclasses.fields(value))
            _FIELDS[type(value)] = names
        changed = {}
        for name in names:
            before = getattr(value, name)
            after = clean(before)
            if after is not before:
                changed[name] = after
        return dataclasses.replace(value, **changed) if changed else value
    return value


def _cleaned_iter(items: Iterator[Any]) -> Iterator[Any]:
    for item in items:
        yield clean(item)


class _Sanitized:
    """Every attribute of the wrapped source, with results cleaned."""

    def __init__(self, inner: Source) -> None:
        self._inner = inner

    @property
    def inner(self) -> Source:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return clean(value)
        method: Callable[..., Any] = value

        @wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            if isinstance(result, GeneratorType | Iterator) and not isinstance(result, list):
                return _cleaned_iter(result)
            return clean(result)

        return call


def sanitized(source: Source) -> Source:
    """``source``, with control sequences stripped from everything it returns."""
    if isinstance(source, _Sanitized):
        return cast(Source, source)
    return cast(Source, _Sanitized(source))


def unwrap(source: Source) -> Source:
    """The source ``sanitized`` wrapped (itself when it is not wrapped)."""
    return source.inner if isinstance(source, _Sanitized) else source
