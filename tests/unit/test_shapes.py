"""The shape walker against botocore's ECS and ELBv2 models and the layout schema: unknown keys
with suggestions, types, enums, ranges, required members, and the cleaned copy it returns."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.model.layoutschema import SHAPES
from emulator.model.report import Reporter
from emulator.model.shapes import (
    INVALID,
    check_shape,
    describe,
    given,
    resolve,
    service_shapes,
    suggest,
)
from emulator.model.yamlsource import parse_yaml


def _check(value: Any, ref: str) -> tuple[Any, list[str]]:
    rep = Reporter("f")
    cleaned = check_shape(value, ref, rep)
    return cleaned, [f"{p.path}: {p.message}" for p in rep.problems]


def test_botocore_ships_the_shapes_we_rely_on() -> None:
    ecs = service_shapes("ecs")
    assert "containerDefinitions" in ecs["RegisterTaskDefinitionRequest"]["members"]
    assert ecs["NetworkMode"]["enum"] == ["bridge", "host", "awsvpc", "none"]
    elbv2 = service_shapes("elbv2")
    assert (elbv2["HealthCheckIntervalSeconds"]["min"], elbv2["RulePriority"]["max"]) == (5, 50000)
    for shape in SHAPES.values():  # every reference of the layout schema resolves
        for ref in [m["shape"] for m in shape.get("members", {}).values()] + [
            shape[k]["shape"] for k in ("member", "key", "value") if k in shape
        ]:
            assert resolve(ref)[0]


def test_unknown_keys_suggest_the_nearest_member_including_case() -> None:
    doc = {
        "family": "web",
        "containerDefinitions": [
            {"name": "a", "image": "b", "portMapings": [], "Essential": True, "zzz": 1}
        ],
    }
    _, problems = _check(doc, "ecs:RegisterTaskDefinitionRequest")
    assert problems == [
        "containerDefinitions[0].portMapings: unknown key (did you mean 'portMappings'?)",
        "containerDefinitions[0].Essential: unknown key (did you mean 'essential'?)",
        "containerDefinitions[0].zzz: unknown key",
    ]
    _, problems = _check({"transalte": True}, "Headers")
    assert problems == ["transalte: unknown key (did you mean 'translate'?)"]
    _, problems = _check({"colour": 1}, "Headers")
    assert problems == ["colour: unknown key (valid keys: translate)"]


def test_types_enums_and_required_members() -> None:
    pm = {"containerPort": "8080", "protocol": "TCP", "hostPort": True}
    cleaned, problems = _check(pm, "ecs:PortMapping")
    assert problems == [
        "containerPort: expected an integer, got the string '8080' (remove the quotes)",
        "protocol: 'TCP' is not one of: tcp, udp (did you mean 'tcp'?)",
        "hostPort: expected an integer, got the boolean true",
    ]
    assert cleaned == {}
    assert given(cleaned, "containerPort") and not given(cleaned, "name")
    _, problems = _check({"condition": "START"}, "ecs:ContainerDependency")
    assert problems == ["containerName: required key is missing"]
    _, problems = _check("not a list", "ecs:ContainerDefinitions")
    assert problems == [": expected a list, got the string 'not a list'"]


def test_ranges_and_patterns_come_from_the_model() -> None:
    tg = {"name": "a", "healthCheckIntervalSeconds": 4, "port": 0, "healthyThresholdCount": 11}
    _, problems = _check(tg, "TargetGroup")
    assert problems == [
        "healthCheckIntervalSeconds: 4 is out of range (5-300)",
        "port: 0 is out of range (1-65535)",
        "healthyThresholdCount: 11 is out of range (2-10)",
    ]
    action = {"type": "fixed-response", "statusCode": "302", "messageBody": "x" * 1025}
    _, problems = _check(action, "Action")
    assert problems == [
        "statusCode: '302' does not match the pattern ^(2|4|5)\\d\\d$",
        "messageBody: is 1025 characters long; at most 1024 allowed",
    ]


def test_numbers_become_strings_where_aws_wants_strings_and_null_means_unset() -> None:
    td = {
        "family": "web",
        "cpu": 256,
        "memory": None,
        "containerDefinitions": [
            {"name": "a", "image": "b", "environment": [{"name": "PORT", "value": 8080}]},
            None,
        ],
    }
    cleaned, problems = _check(td, "ecs:RegisterTaskDefinitionRequest")
    assert problems == ["containerDefinitions[1]: expected a value, got null"]
    assert cleaned["cpu"] == "256" and "memory" not in cleaned
    assert cleaned["containerDefinitions"][0]["environment"] == [{"name": "PORT", "value": "8080"}]
    assert cleaned["containerDefinitions"][1] is None  # indexes still match the file
    _, problems = _check({"accountId": 0, "version": 1, "name": "x"}, "Layout")
    assert problems == ["accountId: expected a string, got the integer 0 (write it in quotes)"]


def test_maps_check_keys_and_values() -> None:
    cleaned, problems = _check({"a": "1", 2: "x", "b": ["list"]}, "ecs:DockerLabelsMap")
    assert problems == ["b: expected a string, got a list"]
    assert cleaned == {"a": "1", "2": "x"}
    cleaned, _ = _check({"k": True, "n": 5}, "ScalarMap")
    assert cleaned == {"k": "true", "n": "5"}


def test_problems_carry_the_line_of_the_key() -> None:
    doc, _ = parse_yaml("family: x\ncontainerDefinitions:\n  - name: a\n    imag: b\n", "t.yaml")
    assert doc is not None
    rep = Reporter("t.yaml", doc.lines)
    check_shape(doc.data, "ecs:RegisterTaskDefinitionRequest", rep)
    assert [str(p) for p in rep.problems] == [
        "t.yaml:4: containerDefinitions[0].imag: unknown key (did you mean 'image'?)"
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "the boolean true"),
        (3, "the integer 3"),
        (1.5, "the number 1.5"),
        ("s", "the string 's'"),
        ({}, "a mapping"),
        ([], "a list"),
        (b"x", "a bytes"),
    ],
)
def test_describe(value: Any, text: str) -> None:
    assert describe(value) == text


def test_suggest() -> None:
    assert suggest("CONTAINERPORT", ["containerPort", "hostPort"]) == "containerPort"
    assert suggest("hostprt", ["containerPort", "hostPort"]) == "hostPort"
    assert suggest("qqq", ["containerPort"]) is None


def test_invalid_is_returned_for_a_value_of_the_wrong_kind() -> None:
    assert _check([1], "Headers")[0] is INVALID
    assert _check({"translate": "yes"}, "Headers")[0] == {}
