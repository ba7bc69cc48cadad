"""A layout's ``secrets.sources`` carried from ``ecsdev up`` to the task: ``stack.apply``
keeps them in the stack's store, and every launch (here on the in-memory runtime) looks the
task's secrets up in them, in order; a secret none has refuses the launch, leaving nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator import stack
from emulator.errors import TaskFailedToStart
from emulator.model.loader import load_layout
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner
from tests.engine.test_tasks_memory import APP, memory_runtime

LAYOUT = f"""
version: 1
name: secmem
secrets:
  sources:
    - {{type: file, path: first.yaml}}
    - {{type: file, path: second.yaml}}
taskDefinitions:
  - family: app
    networkMode: bridge
    containerDefinitions:
      - name: app
        image: {APP}
        memory: 64
        environment: [{{name: PLAIN, value: p}}]
        secrets:
          - {{name: TOKEN, valueFrom: /app/token}}
          - {{name: DB_PASSWORD, valueFrom: "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf:password::"}}
        logConfiguration:
          logDriver: awslogs
          options: {{awslogs-group: g, awslogs-region: us-east-1, awslogs-stream-prefix: p}}
          secretOptions: [{{name: x-token, valueFrom: /app/token}}]
"""


def test_layout_sources_in_order_and_refusal(tmp_path: Path) -> None:
    (tmp_path / "first.yaml").write_text("/app/token: from-first\n")
    (tmp_path / "second.yaml").write_text(
        "/app/token: from-second\napp/db: {password: pw-second}\n"
    )
    path = tmp_path / "ecsdev.yaml"
    path.write_text(LAYOUT)
    layout = load_layout(path)
    rt, store = memory_runtime(), Store("secmem")
    stack.apply(rt, store, layout)
    runner = TaskRunner(rt, store, "secmem")
    try:
        td = layout.task_definition("app")
        _, rev, arn = store.task_definition("app") or ({}, 0, "")
        task = runner.launch(td, arn, rev, base_dir=str(tmp_path), placement=Placement())
        (box,) = [c for c in rt.list_containers({}) if c.labels.get("ecsdev.task-arn") == task]
        env = rt._containers[box.id].spec.environment  # what Docker would be given
        assert (env["PLAIN"], env["TOKEN"], env["DB_PASSWORD"]) == ("p", "from-first", "pw-second")
        assert store.get(f"secrets/{task}") == {
            "app": {
                "TOKEN": f"secrets file {tmp_path / 'first.yaml'}",
                "DB_PASSWORD": f"secrets file {tmp_path / 'second.yaml'}",
            }
        }
        (tmp_path / "second.yaml").write_text("/app/token: x\n")  # read again at each start
        before = len(rt.list_containers({}))
        with pytest.raises(TaskFailedToStart) as e:
            runner.launch(td, arn, rev, base_dir=str(tmp_path), placement=Placement())
        assert (
            "failed to fetch secret arn:aws:secretsmanager:us-east-1:123456789012:secret:"
            in str(e.value)
        )
        assert len(rt.list_containers({})) == before
        (stopped,) = [t for t in store.stopped_tasks() if t.task_arn == e.value.task_arn]
        assert stopped.stop_code == "TaskFailedToStart"
    finally:
        runner.close()
