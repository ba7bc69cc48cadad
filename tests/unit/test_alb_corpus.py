"""The hostile ALB corpus (tests/data/hostile_alb.py) through validation: every layout either
validates, and then compiles, or is refused with problems located in the layout; never an
internal error. The same validated layouts go through ``nginx -t`` in
tests/docker/test_nginx_corpus.py."""

from __future__ import annotations

import pytest

from emulator.alb.check import config_problems
from emulator.errors import LayoutError
from emulator.model.loader import layout_from_data
from emulator.model.yamlsource import parse_yaml
from tests.data.hostile_alb import corpus

CORPUS = list(corpus())


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_layout_validates_or_is_refused_with_located_problems(name: str, text: str) -> None:
    doc, problems = parse_yaml(text, "ecsdev.yaml")
    assert doc is not None, problems
    try:
        layout = layout_from_data(doc.data, "/nowhere/ecsdev.yaml", lines=doc.lines)
    except LayoutError as e:
        assert e.problems
        for p in e.problems:
            assert "internal error" not in p.message, p
            assert p.line is not None and p.path, p
        return
    assert config_problems(layout, doc.data) == []  # what validated compiles


def test_corpus_has_both_outcomes() -> None:
    valid = 0
    for _, text in CORPUS:
        doc, _ = parse_yaml(text, "ecsdev.yaml")
        assert doc is not None
        try:
            layout_from_data(doc.data, "/nowhere/ecsdev.yaml", lines=doc.lines)
            valid += 1
        except LayoutError:
            pass
    assert 50 <= valid <= len(CORPUS) - 50, valid


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("body-5", "defaultActions: a NUL character cannot be written into nginx.conf"),
        ("regex-path-pattern-0", r"\uXXXX in regex"),
        ("regex-path-pattern-1", r"\N{...} in regex"),
        ("regex-path-pattern-2", "the inline flag(s) a in regex"),
        ("regex-path-pattern-3", "the inline flag(s) x in regex"),
        ("rewrite-space", "url-rewrite replace: spaces, control and non-ASCII characters"),
        ("cdn-0", "is not a domain name"),
    ],
)
def test_what_nginx_would_refuse_is_refused_by_validate(name: str, expected: str) -> None:
    text = dict(CORPUS)[name]
    doc, _ = parse_yaml(text, "ecsdev.yaml")
    assert doc is not None
    with pytest.raises(LayoutError) as e:
        layout_from_data(doc.data, "/nowhere/ecsdev.yaml", lines=doc.lines)
    assert any(expected in str(p) for p in e.value.problems), e.value.problems


def test_what_aws_accepts_validates() -> None:
    for name in ("body-1", "body-2", "body-4", "fixed-1", "regex-path-pattern-5"):
        doc, _ = parse_yaml(dict(CORPUS)[name], "ecsdev.yaml")
        assert doc is not None
        layout_from_data(doc.data, "/nowhere/ecsdev.yaml", lines=doc.lines)
