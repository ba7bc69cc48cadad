"""Hostile and odd input, as a table: each file is refused with ``FILE:LINE: path: what``
(never a traceback, a hang or a 10 MB echo), or, where AWS accepts it, loads.

Files are read in one place (``emulator.model.loader.load_file``), so every row goes through
it; a few rows also run the real CLI to show the exit code and that stderr has no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from emulator.errors import LayoutError
from emulator.events import Collector
from emulator.model.layout import Layout
from emulator.model.loader import load_file
from emulator.model.taskdef import TaskDefinition
from emulator.private import under


def td(**kw: Any) -> str:
    doc: dict[str, Any] = {
        "family": "x",
        "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 64}],
    }
    doc.update(kw)
    return json.dumps(doc)


def awslogs(**opts: str) -> str:
    base = {"awslogs-group": "/ecs/x", "awslogs-region": "us-east-1"}
    c = {
        "name": "a",
        "image": "nginx",
        "memory": 64,
        "logConfiguration": {"logDriver": "awslogs", "options": {**base, **opts}},
    }
    return td(containerDefinitions=[c])


def env(name: str) -> str:
    c = {"name": "a", "image": "x", "memory": 64, "environment": [{"name": name, "value": "v"}]}
    return td(containerDefinitions=[c])


LAYOUT = "version: 1\nname: x\n"
DEMO = Path(__file__).resolve().parents[2] / "layouts" / "demo" / "ecsdev.yaml"
DEMO_IMAGES = "images:\n  ecsdev/echo:latest:\n    build: ../apps/echo\n"

# (id, file name, content, what a problem says, or None when the file must load)
REFUSED: list[tuple[str, str, str | bytes, str | None]] = [
    ("deep-yaml-flow", "l.yaml", LAYOUT + "foo: " + "[" * 600 + "]" * 600, "nested more than"),
    (
        "deep-yaml-block",
        "l.yaml",
        LAYOUT
        + "foo:\n"
        + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300))
        + " " * 301
        + "v\n",
        "nested more than",
    ),
    ("deep-yaml-dashes", "l.yaml", LAYOUT + "foo:\n" + "- " * 400 + "x\n", "nested more than"),
    ("deep-json", "t.json", "[" * 100_000 + "]" * 100_000, "nested"),
    (
        "bad-timestamp",
        "l.yaml",
        "version: 1\nname: !!timestamp notadate\n",
        "2: name: cannot read this value: not a valid timestamp",
    ),
    (
        "huge-int-json",
        "t.json",
        '{"family": "x", "cpu": ' + "9" * 5000 + "}",
        "a number of more than 4300 digits",
    ),
    (
        "huge-int-yaml",
        "l.yaml",
        LAYOUT + "cluster: " + "9" * 5000 + "\n",
        "3: cluster: cannot read this value: a number of more than 4300 digits",
    ),
    (
        "oversized",
        "l.yaml",
        LAYOUT + "cluster: " + "a" * 5_000_000 + "\n",
        "bytes; a layout is at most",
    ),
    (
        "long-value-cut",
        "l.yaml",
        "version: 1\nname: " + "a" * 100_000 + "\n",
        "…(100002 characters) is not a stack name",
    ),
    (
        "duplicate-json-key",
        "t.json",
        '{"family": "x",\n "family": "y", "containerDefinitions": []}',
        "2: family: duplicate key (first at line 1)",
    ),
    (
        "awslogs-region",
        "t.json",
        awslogs(**{"awslogs-region": "mars-1"}),
        "'mars-1' is not an AWS region",
    ),
    (
        "awslogs-group-dotdot-slash",
        "t.json",
        awslogs(**{"awslogs-group": "../../etc/cron.d"}),
        None,
    ),
    (
        "awslogs-group-chars",
        "t.json",
        awslogs(**{"awslogs-group": "a b"}),
        "is not a log group name",
    ),
    (
        "awslogs-prefix-colon",
        "t.json",
        awslogs(**{"awslogs-stream-prefix": "a:b"}),
        "cannot be part of a log stream name",
    ),
    (
        "awslogs-prefix-long",
        "t.json",
        awslogs(**{"awslogs-stream-prefix": "p" * 500}),
        "CloudWatch Logs allows 512",
    ),
    ("env-name-equals", "t.json", env("A=B"), "contains '='"),
    ("env-name-space", "t.json", env("A B"), "a space or control character"),
    # issue 11: what real task definitions trip over
    (
        "cpu-dot-vcpu",
        "t.json",
        td(
            cpu=".25 vcpu",
            memory=".5 gb",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
        ),
        None,
    ),
    (
        "windows-paths",
        "t.json",
        td(
            volumes=[{"name": "v"}],
            containerDefinitions=[
                {
                    "name": "a",
                    "image": "x",
                    "memory": 64,
                    "mountPoints": [
                        {"sourceVolume": "v", "containerPath": "C:\\data"},
                        {"sourceVolume": "v", "containerPath": "C:/test"},
                    ],
                }
            ],
        ),
        None,
    ),
    (
        "image-empty",
        "t.json",
        td(containerDefinitions=[{"name": "a", "image": "", "memory": 64}]),
        "image: Container.image should not be null or empty.",
    ),
    (
        "links-awsvpc",
        "t.json",
        td(
            networkMode="awsvpc",
            containerDefinitions=[
                {"name": "a", "image": "x", "memory": 64, "links": ["b"]},
                {"name": "b", "image": "x", "memory": 64},
            ],
        ),
        "links: Links are not supported when networkMode=awsvpc.",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [(f, c, e) for _, f, c, e in REFUSED],
    ids=[r[0] for r in REFUSED],
)
def test_hostile_file(tmp_path: Path, name: str, content: str, expected: str | None) -> None:
    path = tmp_path / name
    path.write_text(content)
    began = time.monotonic()
    if expected is None:
        assert isinstance(load_file(path), Layout | TaskDefinition)
        return
    with pytest.raises(LayoutError) as e:
        load_file(path)
    assert time.monotonic() - began < 10
    text = "\n".join(str(p) for p in e.value.problems)
    assert expected in text, text
    assert all(len(str(p)) < 600 for p in e.value.problems), "a long value was echoed"
    assert all(str(p).startswith(str(path)) for p in e.value.problems)


def test_fifo_and_devices_are_refused_without_reading(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(LayoutError) as e:
            load_file(path)  # a FIFO with no writer would block open(); /dev/zero never ends
        assert "regular file" in str(e.value) or "directory" in str(e.value)


@pytest.mark.parametrize("target", ["/dev/zero", "FIFO", "DEEP"])
def test_cli_answers_problems_not_tracebacks(tmp_path: Path, target: str) -> None:
    if target == "FIFO":
        target = str(tmp_path / "pipe.yaml")
        os.mkfifo(target)
    elif target == "DEEP":
        target = str(tmp_path / "deep.json")
        Path(target).write_text("[" * 100_000 + "]" * 100_000)
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", "validate", "-f", target],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and res.stderr.startswith(target + ":"), res.stderr


def test_awslogs_paths_stay_under_the_state_directory(tmp_path: Path) -> None:
    root = tmp_path / "awslogs"
    for group, stream in [
        ("../../etc/cron.d", "x"),
        ("/ecs/web", "../../../../etc/passwd"),
        ("..", ".."),
        ("a/./b", "%2E%2E"),
    ]:
        p = under(root, group, stream)
        assert root in p.parents and ".." not in p.relative_to(root).parts, p
    assert under(root, "/ecs/web", "ecs/app/123") == root / "ecs" / "web" / "ecs" / "app" / "123"


def test_forward_with_target_group_and_the_same_single_forward_config(tmp_path: Path) -> None:
    """As describe-rules prints every forward; a different or second group is refused."""
    demo = DEMO.read_text().replace(DEMO_IMAGES, "")
    same = "{type: forward, targetGroup: web, forwardConfig: {targetGroups: [{targetGroup: web}]}}"
    path = tmp_path / "ecsdev.yaml"
    path.write_text(demo.replace("{type: forward, targetGroup: web}", same))
    layout = load_file(path)
    assert isinstance(layout, Layout)
    other = same.replace("[{targetGroup: web}]", "[{targetGroup: web}, {targetGroup: web2}]")
    path.write_text(demo.replace("{type: forward, targetGroup: web}", other))
    with pytest.raises(LayoutError, match="must name exactly one target group"):
        load_file(path)


def test_host_header_with_underscore_and_docker_volume_options_warned(tmp_path: Path) -> None:
    demo = DEMO.read_text().replace(DEMO_IMAGES, "")
    path = tmp_path / "ecsdev.yaml"
    path.write_text(
        demo.replace(
            'values: ["/*"]',
            'values: ["/*"]}\n              - {field: host-header, values: [my_app.example.com]',
        )
    )
    assert isinstance(load_file(path), Layout)
    vol = {
        "name": "v",
        "dockerVolumeConfiguration": {
            "scope": "task",
            "driver": "rexray",
            "driverOpts": {"a": "b"},
            "labels": {"k": "v"},
        },
    }
    f = tmp_path / "td.json"
    f.write_text(td(volumes=[vol], executionRoleArn="arn:aws:iam::123456789012:role/x"))
    sink = Collector()
    load_file(f, warn=sink)
    warned = sink.messages("warning")
    for key in ("driver", "driverOpts", "labels"):
        assert any(f"dockerVolumeConfiguration.{key}: not passed to Docker" in w for w in warned)
    assert not any("executionRoleArn" in w for w in warned), warned  # noise, not a warning
