"""CloudWatch Logs filter patterns, case by case: what each kind of pattern selects, and the
patterns CloudWatch refuses."""

from __future__ import annotations

import pytest

from emulator.endpoint.api import ApiError
from emulator.endpoint.logs_filter import compile_pattern

CASES = [
    # unstructured: every term must appear, case-sensitively
    ("", "anything", True),
    ('""', "anything", True),
    ("ERROR", "[ERROR] boom", True),
    ("ERROR", "error boom", False),
    ("ERROR timeout", "ERROR db timeout", True),
    ("ERROR timeout", "ERROR db refused", False),
    ('"db timeout"', "ERROR db timeout", True),
    ('"db timeout"', "timeout db", False),
    ("?ERROR ?WARN", "WARN slow", True),
    ("?ERROR ?WARN", "INFO fine", False),
    ("ERROR -health", "ERROR health check", False),
    ("ERROR -health", "ERROR db", True),
    ('ERROR -"health check"', "ERROR health probe", True),
    # JSON
    ('{ $.level = "error" }', '{"level": "error"}', True),
    ('{ $.level = "err*" }', '{"level": "errors"}', True),
    ('{ $.level = "error" }', '{"level": "info"}', False),
    ('{ $.level != "error" }', '{"level": "info"}', True),
    ("{ $.ms > 100 }", '{"ms": 250}', True),
    ("{ $.ms > 100 }", '{"ms": 50}', False),
    ("{ $.ms <= 50 }", '{"ms": 50}', True),
    ('{ $.a.b[1] = "x" }', '{"a": {"b": ["w", "x"]}}', True),
    ('{ $.level = "error" && $.ms > 1 }', '{"level": "error", "ms": 0}', False),
    ('{ $.level = "error" || $.ms > 1 }', '{"level": "info", "ms": 2}', True),
    ("{ ($.a = 1 || $.b = 1) && $.c = 1 }", '{"a": 1, "c": 1}', True),
    ("{ ($.a = 1 || $.b = 1) && $.c = 1 }", '{"a": 1, "c": 2}', False),
    ("{ $.ok IS TRUE }", '{"ok": true}', True),
    ("{ $.ok IS FALSE }", '{"ok": true}', False),
    ("{ $.gone IS NULL }", '{"gone": null}', True),
    ("{ $.x EXISTS }", '{"x": 0}', True),
    ("{ $.x NOT EXISTS }", '{"x": 0}', False),
    ('{ $.level = "error" }', "not json at all", False),
    # space-delimited
    ("[ip, user, status=404, size]", "1.2.3.4 bob 404 512", True),
    ("[ip, user, status=404, size]", "1.2.3.4 bob 200 512", False),
    ("[ip, ..., size>1000]", '1.2.3.4 bob [10/Oct/2026] "GET /" 200 2048', True),
    ("[ip, ..., size>1000]", '1.2.3.4 bob [10/Oct/2026] "GET /" 200 20', False),
    ("[ip, user, status=4*, size]", "1.2.3.4 bob 418 1", True),
]


@pytest.mark.parametrize(("pattern", "message", "expected"), CASES)
def test_pattern(pattern: str, message: str, expected: bool) -> None:
    assert compile_pattern(pattern)(message) is expected


@pytest.mark.parametrize("pattern", ['"unclosed', "{ $.a = ", "{ $.a ~ 1 }", "[a, b", "{ $.a = 1"])
def test_refused_patterns(pattern: str) -> None:
    with pytest.raises(ApiError) as e:
        compile_pattern(pattern)
    assert e.value.code == "InvalidParameterException"
