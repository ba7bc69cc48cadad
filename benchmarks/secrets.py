"""Issue 11 figure: starting a task with 5 secrets (SSM parameters and a Secrets Manager
json-key, read from ecsdev's endpoint over HTTP as the launch hook does) against the same
task without them, rounds interleaved so that load from elsewhere hits both alike.

The endpoint runs in this process on a free port with an in-memory moto (no journal, so the
user's state directory is not written) and is named to the stack as its one secret source."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from benchmarks.common import figure, heading, median
from emulator import labels as L
from emulator.arns import Account
from emulator.endpoint.fallback import MotoFallback
from emulator.endpoint.server import Background, Endpoint
from emulator.model.taskdef import parse_task_definition
from emulator.runtime.docker import DockerRuntime
from emulator.secrets.config import SECRETS_KEY, SourceSpec, record
from emulator.secrets.sources import call
from emulator.store import Store
from emulator.tasks import Placement, TaskRunner

ROUNDS = 7


def _td(family: str, secret_refs: list[dict[str, str]]) -> Any:
    return parse_task_definition(
        {
            "family": family,
            "networkMode": "bridge",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": "ecsdev/echo:latest",
                    "memory": 128,
                    "stopTimeout": 1,
                    "secrets": secret_refs,
                }
            ],
        }
    )


def _to_running(runner: TaskRunner, store: Store, td: Any) -> float:
    arn, rev = store.register_task_definition(td, Account())
    t0 = time.perf_counter()
    task = runner.launch(td, arn, rev, base_dir=".", placement=Placement())
    while runner.describe(runner.observe()[task]).last_status != "RUNNING":
        time.sleep(0.01)
    took = time.perf_counter() - t0
    runner.stop(task, "UserInitiated", "bench", wait=True)
    return took


def main() -> None:
    heading("run-task with 5 secrets from the local endpoint, against none (issue 11)")
    server = Background(Endpoint({}, fallback=MotoFallback("000000000000"))).start()
    for i in range(4):
        call(server.url, "ssm", "AmazonSSM.PutParameter", "us-east-1",
             {"Name": f"/bench/p{i}", "Value": f"v{i}", "Type": "SecureString"})  # fmt: skip
    made = call(server.url, "secretsmanager", "secretsmanager.CreateSecret", "us-east-1",
                {"Name": "bench/db", "SecretString": json.dumps({"password": "pw"})})  # fmt: skip
    refs = [{"name": f"P{i}", "valueFrom": f"/bench/p{i}"} for i in range(4)]
    refs.append({"name": "DB_PASSWORD", "valueFrom": f"{made['ARN']}:password::"})
    rt = DockerRuntime()
    stack = f"bench-{secrets.token_hex(3)}"
    store = Store(stack)
    store.put(SECRETS_KEY, record((SourceSpec("endpoint", (("url", server.url),)),)))
    runner = TaskRunner(rt, store, stack)
    plain, with_secrets = _td("bench-plain", []), _td("bench-secrets", refs)
    got: dict[str, list[float]] = {"plain": [], "secrets": []}
    try:
        for td in (plain, with_secrets):  # one unmeasured round each: caches warm alike
            _to_running(runner, store, td)
        for _ in range(ROUNDS):
            got["plain"].append(_to_running(runner, store, plain))
            got["secrets"].append(_to_running(runner, store, with_secrets))
    finally:
        runner.close()
        for c in rt.list_containers({L.STACK: stack}):
            rt.remove(c.id)
        store.purge()
        server.stop()
    base = median(got["plain"])
    figure("run-task, bridge, to RUNNING (baseline)", base)
    figure("  the same with 5 secrets from the endpoint", median(got["secrets"]), baseline=base,
           goal="<= 1.10")  # fmt: skip
    print(f"  (medians of {ROUNDS} interleaved rounds)")
