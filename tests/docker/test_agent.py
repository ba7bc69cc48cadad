"""The credentials and metadata endpoint at 169.254.170.2 on a real engine: boto3 inside an
awsvpc and a bridge task finds its credentials with no change to the task definition and
calls STS with them (moto's server, listening on the agent's address so tasks reach it);
a bridge task reads metadata v4 and the stats paths; no served key or token lands in the
state directory, the agent's files or the containers' logs."""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from emulator import labels as L
from emulator.agent import ADDRESS, agent_dir, base_url
from emulator.agent.config import CREDENTIALS_KEY
from emulator.errors import TaskFailedToStart
from emulator.model.taskdef import parse_task_definition
from emulator.providers import PROVIDERS_ENV
from emulator.store import state_home
from emulator.tasks import Placement

from .awsimage import boto3_image, has_cli
from .conftest import Stack, need_agent

pytestmark = pytest.mark.docker

ROLE = "arn:aws:iam::123456789012:role/orders-task"
WAIT = ["sh", "-c", "trap 'exit 0' TERM; sleep 60 & wait"]
SCRIPT = """
import boto3, json, os, urllib.request
s = boto3.Session()
c = s.get_credentials()
who = s.client("sts", endpoint_url=os.environ["STS_URL"]).get_caller_identity()
doc = json.load(urllib.request.urlopen(
    "http://169.254.170.2" + os.environ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]))
print(json.dumps({"method": c.method, "key": c.access_key, "arn": who["Arn"],
                  "role": doc.get("RoleArn"), "expiration": doc["Expiration"]}))
"""

CLI = (
    'python3 -m awscli sts get-caller-identity --endpoint-url "$STS_URL" --query Arn --output text'
)


@pytest.fixture(scope="module")
def sts_url() -> Iterator[str]:
    """moto's server on the agent's address: the host and every task reach it there."""
    need_agent()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=ADDRESS, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def launch(
    stack: Stack, mode: str, image: str, env: dict[str, str], subnet: str = "public"
) -> tuple[str, str]:
    td = parse_task_definition(
        {
            "family": f"creds-{mode}",
            "networkMode": mode,
            "taskRoleArn": ROLE,
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": image,
                    "command": WAIT,
                    "environment": [{"name": k, "value": v} for k, v in env.items()],
                }
            ],
        }
    )
    arn, rev = stack.store.register_task_definition(td, stack.runner.account)
    placement = stack.placement(subnet) if mode == "awsvpc" else Placement()
    task = stack.runner.launch(td, arn, rev, base_dir=".", placement=placement)
    deadline = time.time() + 15
    while time.time() < deadline:
        observed = stack.runner.step().get(task)
        app = observed.container("app") if observed else None
        if app is not None and app.state.running:
            return task, app.state.id
        time.sleep(0.2)
    raise AssertionError("the task did not start")


def sdk_view(stack: Stack, cid: str) -> dict[str, Any]:
    code, out = stack.runtime.exec_run(cid, ["python3", "-c", SCRIPT])
    assert code == 0, out
    return dict(json.loads(out.strip().splitlines()[-1]))


def test_awsvpc_task_in_a_private_subnet_sdk_gets_local_credentials(
    stack: Stack, sts_url: str
) -> None:
    """A private subnet has no route to the host: the task joins the agent's network."""
    image = boto3_image(stack.runtime)
    _, cid = launch(stack, "awsvpc", image, {"STS_URL": sts_url}, subnet="private")
    seen = sdk_view(stack, cid)
    assert seen["method"] == "container-role" and seen["key"].startswith("ASIA")
    assert seen["role"] == ROLE and seen["arn"].startswith("arn:aws:sts::")
    left = time.mktime(time.strptime(seen["expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(
        time.gmtime()
    )
    assert left > 3 * 3600  # the SDK does not refresh on every call
    # the task's IP is its subnet's, never the agent network's link-local one; the bridge
    # task below reaches the agent through its default route instead
    (task,) = stack.runner.observe().values()
    assert task.pause is not None and not any(
        ip.startswith("169.254.") for ip in task.pause.ip_addresses.values()
    )
    nets = stack.runtime.api.inspect_container(task.pause.id)["NetworkSettings"]["Networks"]
    assert set(nets) == {stack.networks["private"], "ecsdev-agent"}
    # the pause container's metadata endpoint sends the stats paths on to the agent
    code, out = stack.runtime.exec_run(
        cid,
        ["sh", "-c", 'curl -fsSL "$ECS_CONTAINER_METADATA_URI_V4/stats"; echo; '
         'curl -fsSL "$ECS_CONTAINER_METADATA_URI_V4/task/stats"'],
    )  # fmt: skip
    assert code == 0, out
    mine, every = (json.loads(line) for line in out.strip().splitlines())
    assert mine["memory_stats"]["usage"] > 0 and list(every) == [cid]


def _grep(root: Path, needles: list[str]) -> list[str]:
    hits = []
    for p in root.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            hits += [f"{p}: {n[:6]}…" for n in needles if n.encode() in data]
    return hits


def test_bridge_task_assumes_its_role_and_reads_metadata_and_stats(
    stack: Stack, sts_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    config.write_text(f"[profile dev]\nregion = us-east-1\nendpoint_url = {sts_url}\n")
    keys = tmp_path / "credentials"
    keys.write_text("[dev]\naws_access_key_id = AKIADEVEXAMPLE\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(keys))
    monkeypatch.setenv(PROVIDERS_ENV, "ecsdev.providers")
    stack.store.put(CREDENTIALS_KEY, {"source": "assume-role", "profile": "dev"})
    image = boto3_image(stack.runtime)
    task, cid = launch(stack, "bridge", image, {"STS_URL": sts_url})
    seen = sdk_view(stack, cid)
    task_id = task.rsplit("/", 1)[-1]
    assert seen["arn"] == f"arn:aws:sts::123456789012:assumed-role/orders-task/{task_id}"
    if has_cli(image):  # the AWS CLI finds them the same way
        code, out = stack.runtime.exec_run(cid, ["sh", "-c", CLI])
        assert code == 0 and out.strip() == seen["arn"], out

    def get(path: str) -> Any:
        code, out = stack.runtime.exec_run(
            cid, ["sh", "-c", f'curl -fsS "$ECS_CONTAINER_METADATA_URI_V4{path}"']
        )
        assert code == 0, out
        return json.loads(out)

    me = get("")
    assert me["Name"] == "app" and me["DockerId"] == cid
    assert me["Networks"][0]["NetworkMode"] == "bridge"
    doc = get("/task")
    assert doc["TaskARN"] == task and doc["Family"] == "creds-bridge"
    assert doc["LaunchType"] == "EC2" and [c["DockerId"] for c in doc["Containers"]] == [cid]
    stats = get("/stats")
    assert stats["memory_stats"]["usage"] > 0 and "cpu_stats" in stats
    assert list(get("/task/stats")) == [cid]

    # what was served: fetched here only to look for it where it must not be
    code, uri = stack.runtime.exec_run(
        cid, ["sh", "-c", "echo $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]
    )
    with urllib.request.urlopen(f"{base_url()}{uri.strip()}") as r:
        served = json.loads(r.read())
    assert served["RoleArn"] == ROLE and served["AccessKeyId"] == seen["key"]
    needles = [served["SecretAccessKey"], served["Token"]]
    stack.runner.stop(task)  # its logs are saved in the state directory
    assert stack.store.task_row(task)
    hits = _grep(state_home(), needles) + _grep(agent_dir(), needles)
    assert not hits, hits
    with pytest.raises(urllib.error.HTTPError) as gone:  # released with the task
        urllib.request.urlopen(f"{base_url()}{uri.strip()}")
    assert gone.value.code == 400


def test_a_profile_that_does_not_work_stops_the_task_before_it_starts(
    stack: Stack, sts_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv(PROVIDERS_ENV, "ecsdev.providers")
    stack.store.put(CREDENTIALS_KEY, {"source": "assume-role", "profile": "nope"})
    with pytest.raises(TaskFailedToStart) as failed:
        launch(stack, "bridge", "ecsdev/base:bookworm", {})
    message = failed.value.message
    assert message.startswith("ResourceInitializationError: unable to get the task's credentials")
    assert f"taskRoleArn {ROLE}" in message and "AWS profile nope" in message
    assert not stack.runtime.list_containers({L.STACK: stack.name})
    row = stack.store.task_row(failed.value.task_arn) or {}
    assert row.get("stopCode") == "TaskFailedToStart"
