"""``linuxParameters.devices`` and ``ipcMode`` reach Docker as ``--device`` and ``--ipc``
instead of a warning; ``ipcMode: task`` (one IPC namespace for the task) is still warned."""

from __future__ import annotations

from pathlib import Path

from emulator.containers import TaskContext, container_spec
from emulator.events import Collector
from emulator.model.loader import validate_task_definition
from emulator.model.taskdef import parse_task_definition


def td(ipc: str) -> dict[str, object]:
    return {
        "family": "dev",
        "networkMode": "bridge",
        "ipcMode": ipc,
        "containerDefinitions": [
            {
                "name": "app",
                "image": "x",
                "memory": 64,
                "linuxParameters": {
                    "devices": [
                        {"hostPath": "/dev/fuse"},
                        {
                            "hostPath": "/dev/null",
                            "containerPath": "/dev/mynull",
                            "permissions": ["read"],
                        },
                    ]
                },
            }
        ],
    }


def spec(doc: dict[str, object], tmp: Path) -> object:
    t = parse_task_definition(doc)
    ctx = TaskContext(
        "s", "default", "arn:t/abc", "abc", "arn:td/dev:1", 1, "us-east-1", str(tmp), "bridge"
    )
    return container_spec(t.container_definitions[0], t, ctx, {"app": "s-app"})


def test_devices_and_ipc_host_are_passed_to_docker(tmp_path: Path) -> None:
    s = spec(td("host"), tmp_path)
    assert s.devices == ("/dev/fuse:/dev/fuse:rwm", "/dev/null:/dev/mynull:r")  # type: ignore[attr-defined]
    assert s.ipc_mode == "host"  # type: ignore[attr-defined]
    assert spec(td("none"), tmp_path).ipc_mode == "none"  # type: ignore[attr-defined]
    assert spec(td("task"), tmp_path).ipc_mode is None  # type: ignore[attr-defined]


def test_only_ipc_mode_task_is_warned() -> None:
    for ipc, warned in (("host", False), ("none", False), ("task", True)):
        sink = Collector()
        assert validate_task_definition(td(ipc), "td.json", warn=sink) == []
        messages = sink.messages("warning")
        assert not any("devices" in m for m in messages), messages
        assert any("ipcMode" in m for m in messages) == warned, messages
