"""Loading: every example under layouts/, conversion to the Layout objects, bare task-definition
files in all three shapes, file and YAML troubles as problems, and garbage of every kind
turning into LayoutError (never another exception)."""

from __future__ import annotations

import copy
import json
import random
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from emulator.errors import LayoutError, Problem
from emulator.events import Collector
from emulator.model.layout import Action, WeightedTargetGroup
from emulator.model.loader import (
    layout_from_data,
    load_layout,
    load_task_definition_file,
    validate_task_definition,
)
from emulator.model.yamlsource import Lines, parse_json, parse_yaml, render_path

REPO = Path(__file__).resolve().parents[2]
LAYOUTS = REPO / "layouts"
EXAMPLE_LAYOUTS = sorted(p for p in LAYOUTS.rglob("*.yaml") if "taskdefs" not in p.parts)
EXAMPLE_TASKDEFS = sorted(p for p in LAYOUTS.rglob("taskdefs/*") if p.suffix in (".json", ".yaml"))


def _write(tmp_path: Path, text: str, name: str = "ecsdev.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _problems(path: Path | str) -> list[str]:
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    return [str(p) for p in info.value.problems]


# --- the examples ---------------------------------------------------------------------------


def test_examples_exist() -> None:
    names = {p.relative_to(LAYOUTS).as_posix() for p in EXAMPLE_LAYOUTS + EXAMPLE_TASKDEFS}
    assert {"demo/ecsdev.yaml", "taskdefs/echo-describe.json"} <= names


@pytest.mark.parametrize("path", EXAMPLE_LAYOUTS, ids=lambda p: p.relative_to(LAYOUTS).as_posix())
def test_every_example_layout_loads_without_warnings(path: Path) -> None:
    sink = Collector()
    layout = load_layout(path, sink)
    assert sink.messages() == []
    assert Path(layout.source) == path.resolve()


@pytest.mark.parametrize("path", EXAMPLE_TASKDEFS, ids=lambda p: p.relative_to(LAYOUTS).as_posix())
def test_every_example_task_definition_loads_without_warnings(path: Path) -> None:
    sink = Collector()
    assert load_task_definition_file(path, sink).container_definitions
    assert sink.messages() == []


def test_demo_layout() -> None:
    layout = load_layout(LAYOUTS / "demo" / "ecsdev.yaml")
    assert (layout.name, layout.region, layout.account_id) == ("demo", "us-east-1", "000000000000")
    assert [(s.name, s.public) for s in layout.vpc.subnets] == [
        ("public-a", True),
        ("private-a", False),
    ]
    td = layout.task_definition("demo-web")
    assert td.network_mode == "awsvpc"
    migrate, app, sidecar = td.container_definitions
    assert (migrate.name, migrate.essential) == ("migrate", False)
    assert migrate.command == ("python3", "-c", "print('migrations applied')")
    assert [(d.container_name, d.condition) for d in app.depends_on] == [("migrate", "SUCCESS")]
    assert app.health_check is not None
    assert (app.health_check.interval, app.health_check.retries) == (5, 2)
    assert app.health_check.start_period == 2
    assert app.health_check.command[0] == "CMD-SHELL"
    assert [(d.container_name, d.condition) for d in sidecar.depends_on] == [("app", "HEALTHY")]
    assert sidecar.image == "ecsdev/base:bookworm"
    assert app.awslogs_options == {
        "awslogs-group": "/ecs/demo-web",
        "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "ecs",
    }
    (image,) = layout.images
    assert image.tag == "ecsdev/echo:latest"
    assert image.context == str((LAYOUTS / "apps" / "echo").resolve())
    (svc,) = layout.services
    assert (svc.name, svc.desired_count, svc.subnets) == ("web", 2, ("private-a",))
    (listener,) = layout.load_balancers[0].listeners
    assert (listener.port, listener.publish) == (80, "127.0.0.1:8080")
    assert listener.default_actions[0].status_code == "404"
    assert listener.rules[0].actions[0].target_groups == (WeightedTargetGroup("web", 1),)


def test_alpha_bravo_conversion() -> None:
    layout = load_layout(LAYOUTS / "alpha-bravo" / "ecsdev.yaml")
    assert [t.family for t in layout.task_definitions] == ["alpha", "alpha", "bravo"]
    assert layout.task_definition("alpha").container_definitions[0].environment == (
        ("COLOR", "green"),
    )
    services = {s.name: s for s in layout.services}
    assert services["blue"].task_definition == "alpha:1"
    assert services["green"].subnets == ("private-a",)  # from networkConfiguration
    assert services["bravo"].subnets == ("public-a",)  # awsvpc default: the first subnet
    tgs = {t.name: t for t in layout.target_groups}
    assert tgs["blue"].health_check_interval_seconds == 30  # AWS defaults
    assert (tgs["blue"].healthy_threshold_count, tgs["blue"].matcher) == (5, "200")
    assert tgs["bravo"].deregistration_delay == 300
    assert tgs["bravo"].stickiness == {
        "enabled": True,
        "type": "lb_cookie",
        "durationSeconds": 3600,
        "cookieName": None,
    }
    (lb,) = layout.load_balancers
    assert lb.attribute("routing.http.preserve_host_header.enabled", "?") == "false"
    rules = lb.listeners[0].rules
    assert [r.priority for r in rules] == [10, 20, 30, 40]
    assert rules[1].actions[0].target_groups == (
        WeightedTargetGroup("blue", 90),
        WeightedTargetGroup("green", 10),
    )
    assert rules[1].actions[0].stickiness_seconds == 300
    assert rules[1].conditions[1].values == ("GET", "HEAD")
    assert rules[2].actions[0].redirect == {"path": "/new/#{path}", "statusCode": "HTTP_301"}
    assert (rules[3].transforms[0].regex, rules[3].transforms[0].replace) == (
        "^/bravo/?(.*)$",
        "/$1",
    )
    (cdn,) = layout.cdn
    assert (cdn.origin, cdn.publish, cdn.viewer_protocol) == ("edge", "127.0.0.1:8443", "https")
    assert layout.headers.translate is True


def test_defaults_and_normal_forms(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        version: 1
        name: defaults
        taskDefinitions:
          - family: web
            networkMode: awsvpc
            containerDefinitions:
              - {name: app, image: busybox, memory: 64, portMappings: [{containerPort: 80}]}
        services:
          - {serviceName: web, taskDefinition: web:1}
        targetGroups:
          - name: web
            matcher: 200, 202
            attributes:
              stickiness.enabled: true
              stickiness.type: app_cookie
              stickiness.app_cookie.cookie_name: SESSION
              deregistration_delay.timeout_seconds: 10
        loadBalancers:
          - name: edge
            listeners:
              - port: 8080
                defaultActions: [{type: fixed-response, statusCode: 503}]
                rules:
                  - priority: 20
                    conditions:
                      - {field: query-string, values: [{value: "1"}, {key: debug, value: "*"}]}
                    actions: [{type: forward, targetGroup: web}]
                  - priority: 5
                    conditions: [{field: http-header, httpHeaderName: X-Env, regexValues: ["^dev"]}]
                    actions: [{type: redirect, redirectConfig: {protocol: HTTPS, statusCode: HTTP_302}}]
        """,
    )
    sink = Collector()
    layout = load_layout(path, sink)
    assert [m for m in sink.messages() if "app_cookie" in m] == [
        f'{path}:15: targetGroups[0].attributes["stickiness.type"]: app_cookie stickiness is not '
        "emulated locally: requests are balanced as without it (lb_cookie stickiness is)"
    ]
    assert [s.name for s in layout.vpc.subnets] == ["public"]
    assert layout.services[0].subnets == ("public",)
    assert layout.services[0].desired_count == 1
    tg = layout.target_groups[0]
    assert (tg.matcher, tg.deregistration_delay) == ("200,202", 10)
    assert tg.stickiness == {
        "enabled": True,
        "type": "app_cookie",
        "durationSeconds": 86400,
        "cookieName": "SESSION",
    }
    assert dict(tg.attributes)["stickiness.enabled"] == "true"
    lb = layout.load_balancers[0]
    assert lb.subnets == ("public",)
    (listener,) = lb.listeners
    assert listener.publish == "127.0.0.1:8080"
    assert listener.default_actions == (Action(type="fixed-response", status_code="503"),)
    first, second = listener.rules
    assert first.priority == 5
    assert (first.conditions[0].regex, first.conditions[0].http_header_name) == (True, "X-Env")
    assert first.conditions[0].values == ("^dev",)
    assert second.conditions[0].values == ((None, "1"), ("debug", "*"))


# --- bare task-definition files -----------------------------------------------------------------

REGISTER = {
    "family": "echo",
    "containerDefinitions": [{"name": "echo", "image": "busybox", "memory": 64}],
}


@pytest.mark.parametrize(
    "doc",
    [
        REGISTER,
        {**REGISTER, "taskDefinitionArn": "arn:x", "revision": 3, "status": "ACTIVE"},
        {"taskDefinition": {**REGISTER, "compatibilities": ["EC2"], "deleteRequestedAt": 1}},
    ],
    ids=["register-input", "describe-object", "describe-response"],
)
def test_task_definition_file_shapes(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = _write(tmp_path, json.dumps(doc, indent=2), "td.json")
    td = load_task_definition_file(path)
    assert (td.family, td.network_mode) == ("echo", "bridge")
    assert "revision" not in td.raw and "compatibilities" not in td.raw


def test_task_definition_file_problems_use_bare_paths_and_real_lines(tmp_path: Path) -> None:
    doc = {"taskDefinition": {**REGISTER, "containerDefinitions": [{"name": "echo"}]}}
    path = _write(tmp_path, json.dumps(doc, indent=4), "td.json")
    with pytest.raises(LayoutError) as info:
        load_task_definition_file(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5: containerDefinitions[0].image: required key is missing",
        f"{path}:5: containerDefinitions[0].memory: "
        "memory or memoryReservation is required when the task has no task-level memory",
    ]


def test_task_definition_file_in_yaml(tmp_path: Path) -> None:
    path = _write(tmp_path, yaml.safe_dump(REGISTER), "td.yaml")
    assert load_task_definition_file(path).container("echo").memory == 64


@pytest.mark.parametrize("text", ["", "[]", "3"])
def test_task_definition_file_that_is_not_one(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text, "td.json")
    with pytest.raises(LayoutError) as info:
        load_task_definition_file(path)
    assert len(info.value.problems) == 1


# --- files and YAML ----------------------------------------------------------------------------


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    assert _problems(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: no such file"]
    assert _problems(tmp_path) == [f"{tmp_path}: is a directory, not a file"]
    with pytest.raises(LayoutError) as info:
        load_task_definition_file(tmp_path / "nope.json")
    assert info.value.problems == [Problem(str(tmp_path / "nope.json"), None, "", "no such file")]


def test_unreadable_text(tmp_path: Path) -> None:
    path = tmp_path / "bin.yaml"
    path.write_bytes(b"version: 1\nname: \xff\xfe\n")
    assert _problems(path) == [f"{path}: not UTF-8 text (byte 17)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: [1, 2\n", "2: YAML syntax error: while parsing a flow sequence:"),
        ("a: 1\n---\nb: 2\n", "2: YAML syntax error: expected a single document in the stream"),
        ("a: &x [*x]\n", "1: a[0]: recursive alias (a value that contains itself)"),
        ("? [a, b]\n: 1\n", "1: a key must be a plain value, not a list or mapping"),
        ("a: !!int nope\n", "1: a: cannot read this value:"),
        ("a: !!set {x}\nb: !custom [1]\n", "2: b: unsupported YAML tag '!custom'"),
    ],
)
def test_yaml_troubles_are_problems_with_lines(text: str, expected: str) -> None:
    doc, problems = parse_yaml(text, "f.yaml")
    assert doc is None
    assert str(problems[0]).startswith(f"f.yaml:{expected}")


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 6)]
    doc, problems = parse_yaml("\n".join(lines) + "\n", "bomb.yaml")
    assert doc is None
    assert problems[0].message == "the document expands to more than 50000 values"


def test_merge_keys_and_lines() -> None:
    text = "base: &b {image: busybox, memory: 64}\nc:\n  <<: *b\n  name: app\n  list:\n    - 1\n    - 2\n"
    doc, problems = parse_yaml(text, "m.yaml")
    assert doc is not None and not problems
    assert doc.data["c"] == {"image": "busybox", "memory": 64, "name": "app", "list": [1, 2]}
    assert doc.lines.line(("c", "name")) == 4
    assert doc.lines.line(("c", "list", 1)) == 7
    assert doc.lines.line(("c", "missing", "deeper")) == 2  # nearest existing parent
    assert Lines().line(("x",)) is None


def test_json_lines_come_from_reading_it_as_yaml() -> None:
    text = '{\n\t"family": "x",\n\t"containerDefinitions": [\n\t\t{"name": "a"}\n\t]\n}\n'
    doc, problems = parse_json(text, "t.json")
    assert doc is not None and not problems
    assert doc.lines.line(("containerDefinitions", 0, "name")) == 4
    _, problems = parse_json('{"a": 1,\n "b": }', "t.json")
    assert [str(p) for p in problems] == ["t.json:2: JSON syntax error: Expecting value"]


def test_render_path() -> None:
    assert render_path(()) == ""
    assert render_path(("services", 0, "loadBalancers", 1, "containerPort")) == (
        "services[0].loadBalancers[1].containerPort"
    )
    assert render_path(("images", "ecsdev/echo:latest", "build")) == (
        'images["ecsdev/echo:latest"].build'
    )


# --- garbage in, LayoutError out ----------------------------------------------------------------

GARBAGE: list[Any] = [
    None, 0, -1, 70000, 1.5, True, "", "x", "*" * 300, "#{path}", "(?=x)", "10.0.0.1/33",
    [], {}, [None], [1, "a"], {"a": 1}, {1: 2}, {None: None}, [[[]]], {"file": 3}, float("nan"),
]  # fmt: skip


def _paths(obj: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at] if at else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, at + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, at + (i,))
    return out


def _mutate(doc: Any, rnd: random.Random) -> Any:
    doc = copy.deepcopy(doc)
    for _ in range(rnd.randint(1, 3)):
        paths = _paths(doc)
        if not paths:
            break
        *parent_path, key = rnd.choice(paths)
        parent = doc
        for k in parent_path:
            parent = parent[k]
        parent[key] = copy.deepcopy(rnd.choice(GARBAGE))
    return doc


def test_fuzz_garbage_structures_never_raise_anything_but_layout_error() -> None:
    rnd = random.Random(20240601)
    sources = [yaml.safe_load(p.read_text()) for p in EXAMPLE_LAYOUTS]
    outcomes = {"ok": 0, "refused": 0}
    for n in range(100):
        data = _mutate(sources[n % len(sources)], rnd)
        source = EXAMPLE_LAYOUTS[n % len(sources)]
        try:
            layout_from_data(data, source)
            outcomes["ok"] += 1
        except LayoutError as e:
            outcomes["refused"] += 1
            assert e.problems
            assert not [p for p in e.problems if "internal error" in p.message], e.problems
    assert outcomes["refused"] > 60
    for garbage in GARBAGE:
        with pytest.raises(LayoutError):
            layout_from_data(garbage, "x.yaml")
        problems = validate_task_definition({"family": "x", "containerDefinitions": garbage}, "t")
        assert not [p for p in problems if "internal error" in p.message]


def test_fuzz_garbage_text_never_raises_anything_but_layout_error(tmp_path: Path) -> None:
    rnd = random.Random(7)
    demo = (LAYOUTS / "demo" / "ecsdev.yaml").read_text()
    for n in range(30):
        chars = list(demo)
        for _ in range(5):
            chars[rnd.randrange(len(chars))] = rnd.choice(":-[]{}&*!|>'\"#%@`\t\n ")
        path = tmp_path / f"f{n}.{'json' if n % 5 == 0 else 'yaml'}"
        path.write_text("".join(chars))
        for load in (load_layout, load_task_definition_file):
            try:
                load(path)
            except LayoutError as e:
                assert not [p for p in e.problems if "internal error" in p.message]
    path = tmp_path / "random.yaml"
    path.write_bytes(bytes(rnd.randrange(256) for _ in range(400)))
    with pytest.raises(LayoutError):
        load_layout(path)
