"""``ecsdev pull`` and ``ecsdev run-task --from-aws`` against moto's server (tests/aws/
pull_world.py), through the real command line: what the layout holds, that it validates, that
AWS is only ever read (every botocore call made is recorded and checked), the desiredCount cap,
images that cannot be pulled named in one message, AWS problems as one line, and (one test on
the real engine) that the pulled layout runs with ``ecsdev up`` and the stopped AWS task
reruns with its overrides."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import botocore.client
import pytest
import yaml

from ecsdev.sources.aws_pull import READ_ONLY_PREFIXES, AwsReader
from emulator.errors import AwsAccessError

from .pull_world import (
    ECR_IMAGE,
    PARAM_ARN,
    REFUSED_IMAGE,
    REGION,
    ROLE,
    SECRET_ARN,
    PullWorld,
    populate_pull_world,
)


@pytest.fixture(scope="module")
def pull_world(moto_url: str) -> PullWorld:
    return populate_pull_world(moto_url)


def one_error(err: str) -> str:
    """The error line of a failed command (the lines before it are progress)."""
    lines = err.splitlines()
    assert lines and "Traceback" not in err, err
    errors = [line for line in lines if line.startswith("ecsdev: ")]
    assert errors == [lines[-1]], err
    return lines[-1]


def run_main(*args: str) -> tuple[int, str, str]:
    """The real ``ecsdev`` entry point in this process (so botocore hooks see its calls)."""
    from ecsdev.cli import main

    out, err = _Capture(), _Capture()
    saved = sys.argv, sys.stdout, sys.stderr
    sys.argv, sys.stdout, sys.stderr = ["ecsdev", *args], out, err  # type: ignore[assignment]
    code = 0
    try:
        main()
    except SystemExit as e:
        code = int(e.code or 0)
    finally:
        sys.argv, sys.stdout, sys.stderr = saved
    return code, out.getvalue(), err.getvalue()


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str | bytes) -> int:
        self.parts.append(s.decode() if isinstance(s, bytes) else s)
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("not a file")

    def getvalue(self) -> str:
        return "".join(self.parts)


@pytest.fixture(scope="module")
def pulled(
    pull_world: PullWorld, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """``ecsdev pull`` of service web, with every botocore operation recorded."""
    calls: list[str] = []
    real = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(f"{self.meta.service_model.service_name}:{operation_name}")
        return real(self, operation_name, api_params)

    target = tmp_path_factory.mktemp("pulled") / "web"
    name = "pt-" + secrets.token_hex(3)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(botocore.client.BaseClient, "_make_api_call", record)
        code, out, err = run_main(
            "pull",
            *("--region", REGION, "--cluster", "pull", "--service", "web"),
            *("-o", str(target), "--endpoint-url", pull_world.url),
            *("--max-count", "1", "--name", name),
        )
    assert code == 0, err
    yield {"dir": target, "out": out, "err": err, "calls": calls, "name": name}


def test_pull_writes_a_layout_with_the_registered_definition(
    pulled: dict[str, Any], pull_world: PullWorld
) -> None:
    target: Path = pulled["dir"]
    assert pulled["out"].split() == [
        str(target / "ecsdev.yaml"),
        str(target / "taskdefs/web-2.json"),
    ]
    td = json.loads((target / "taskdefs/web-2.json").read_text())
    assert td["taskDefinition"]["taskDefinitionArn"].endswith(":task-definition/web:2")
    assert td["taskDefinition"]["containerDefinitions"][0]["image"] == "ecsdev/echo:latest"
    layout = yaml.safe_load((target / "ecsdev.yaml").read_text())
    assert layout["region"] == REGION and layout["cluster"] == "pull"
    assert layout["vpc"]["subnets"] == [
        {"name": "public-a", "public": True},
        {"name": "private-a", "public": False},
        {"name": "public-b", "public": True},
    ]
    svc = layout["services"][0]
    assert svc["taskDefinition"] == "web" and svc["desiredCount"] == 1
    assert svc["subnets"] == ["private-a"]
    assert svc["loadBalancers"] == [
        {"targetGroup": "web-tg", "containerName": "app", "containerPort": 8080}
    ]
    (tg,) = layout["targetGroups"]
    assert tg["healthCheckPath"] == "/health" and tg["healthCheckIntervalSeconds"] == 5
    assert tg["matcher"] == "200-299"
    assert tg["attributes"]["deregistration_delay.timeout_seconds"] == "5"
    (lb,) = layout["loadBalancers"]
    assert lb["subnets"] == ["public-a", "public-b"]
    (ls,) = lb["listeners"]
    assert ls["port"] == 80 and ls["defaultActions"] == [
        {"type": "forward", "targetGroup": "web-tg"}
    ]
    rules = {r["priority"]: r for r in ls["rules"]}
    assert sorted(rules) == [5, 10, 30]  # 20 forwards to another service's target group
    assert rules[5]["actions"][0]["statusCode"] == "403"
    assert rules[10]["conditions"] == [{"field": "path-pattern", "values": ["/api/*"]}]
    assert rules[30]["conditions"] == [
        {"field": "http-header", "values": ["1"], "httpHeaderName": "X-Canary"},
        {"field": "query-string", "values": [{"key": "v", "value": "2"}]},
    ]
    assert "rule 20 forwards to other services' target groups" in pulled["err"]
    code, out, err = run_main("validate", "-f", str(target / "ecsdev.yaml"))
    assert code == 0, err


def test_pull_only_reads_aws(pulled: dict[str, Any]) -> None:
    calls = pulled["calls"]
    assert "ecs:DescribeServices" in calls and "elbv2:DescribeRules" in calls
    assert "ec2:DescribeRouteTables" in calls
    writes = [c for c in calls if not c.split(":")[1].startswith(READ_ONLY_PREFIXES)]
    assert writes == []


def test_the_reader_refuses_any_write_before_it_is_sent(moto_url: str) -> None:
    reader = AwsReader.open(None, REGION, moto_url)
    try:
        with pytest.raises(AwsAccessError, match="refused ecs:UpdateService"):
            reader.ecs.update_service(cluster="pull", service="web", desiredCount=0)
    finally:
        reader.close()


def test_desired_count_is_capped_and_said_so(pulled: dict[str, Any]) -> None:
    assert "desiredCount 5 of service web is capped at 1 here" in pulled["err"]


def test_images_that_cannot_be_pulled_are_named_and_secrets_stay_references(
    pull_world: PullWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(f"{self.meta.service_model.service_name}:{operation_name}")
        return real(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    code, out, err = run_main(
        "pull",
        *("--region", REGION, "--cluster", "pull", "--service", "broken"),
        *("-o", str(tmp_path / "b"), "--endpoint-url", pull_world.url, "--json"),
    )
    assert code == 0, err
    assert sorted(json.loads(out)["imagesNotPulled"]) == sorted([ECR_IMAGE, REFUSED_IMAGE])
    assert "ecr:GetAuthorizationToken" in calls  # the ECR image was tried with credentials
    assert all(c.split(":")[1].startswith(READ_ONLY_PREFIXES) for c in calls), calls
    assert "2 images could not be pulled" in err
    lines = err.splitlines()
    ecr = next(line for line in lines if line.strip().startswith(ECR_IMAGE))
    assert "ecr:GetAuthorizationToken" in ecr and "to fix" in ecr
    refused = next(line for line in lines if line.strip().startswith(REFUSED_IMAGE))
    assert "docker login 127.0.0.1:1" in refused
    td = json.loads((tmp_path / "b/taskdefs/broken-1.json").read_text())["taskDefinition"]
    assert td["containerDefinitions"][0]["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": SECRET_ARN},
        {"name": "TOKEN", "valueFrom": PARAM_ARN},
    ]
    assert SECRET_ARN in err  # the references are named; there are no values to show


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--cluster", "pull", "--service", "nope"), "no service 'nope' in cluster 'pull'"),
        (("--cluster", "nope", "--service", "web"), "no cluster 'nope' in eu-north-1"),
    ],
)
def test_missing_things_are_one_line(
    pull_world: PullWorld, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    code, out, err = run_main(
        "pull", "--region", REGION, *args, "--endpoint-url", pull_world.url, "-o", str(tmp_path)
    )
    assert code == 2 and out == ""
    assert expected in one_error(err)


def test_an_unwritable_directory_is_one_line(pull_world: PullWorld, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    code, out, err = run_main(
        *("pull", "--region", REGION, "--cluster", "pull", "--service", "web", "--no-pull"),
        *("--endpoint-url", pull_world.url, "-o", str(tmp_path / "file")),
    )
    assert code == 2 and "cannot write" in one_error(err)


def test_an_unknown_aws_task_is_one_line(pull_world: PullWorld) -> None:
    arn = pull_world.job_task.rsplit("/", 1)[0] + "/0123456789abcdef0123456789abcdef"
    code, out, err = run_main("run-task", "--from-aws", arn, "--endpoint-url", pull_world.url)
    assert code == 2 and out == ""
    assert "no task" in one_error(err) and "ECS forgets stopped tasks" in err


def test_no_credentials_is_one_line(
    pull_world: PullWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    code, out, err = run_main(
        *("pull", "--region", REGION, "--cluster", "pull", "--service", "web"),
        *("--endpoint-url", pull_world.url, "-o", str(tmp_path)),
    )
    assert code == 1 and out == ""
    line = one_error(err)
    assert "no AWS credentials" in line and "aws configure" in line


class _Denied(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps(
            {
                "__type": "AccessDeniedException",
                "message": "User: arn:aws:iam::123456789012:user/dev is not authorized "
                "to perform: ecs:DescribeServices",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_access_denied_is_one_line_naming_the_call(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Denied)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code, out, err = run_main(
            *("pull", "--region", REGION, "--cluster", "pull", "--service", "web"),
            *("--endpoint-url", url, "-o", str(tmp_path)),
        )
    finally:
        server.shutdown()
    assert code == 1 and out == ""
    line = one_error(err)
    assert "ecs:DescribeServices failed" in line
    assert "not allowed to call ecs:DescribeServices" in line


def _ecsdev(*args: str) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", *args], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, f"ecsdev {' '.join(args)}\n{res.stdout}\n{res.stderr}"
    return res


@pytest.mark.docker
def test_pulled_service_runs_here_and_a_stopped_aws_task_reruns(
    pulled: dict[str, Any], pull_world: PullWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emulator import labels as L
    from emulator.runtime.docker import DockerRuntime

    from .conftest import _real_connect

    # run-task in this process registers its task with the agent at 169.254.170.2
    monkeypatch.setattr(socket.socket, "connect", _real_connect)

    layout = str(pulled["dir"] / "ecsdev.yaml")
    rerun = "pr-" + secrets.token_hex(3)
    try:
        _ecsdev("up", "-d", "-f", layout)
        doc = yaml.safe_load(Path(layout).read_text())
        publish = doc["loadBalancers"][0]["listeners"][0]["publish"]
        with urllib.request.urlopen(f"http://{publish}/api/x", timeout=10) as resp:
            assert resp.status == 200 and json.loads(resp.read())["healthy"] is True

        calls: list[str] = []
        real = botocore.client.BaseClient._make_api_call

        def record(self: Any, operation_name: str, api_params: Any) -> Any:
            calls.append(f"{self.meta.service_model.service_name}:{operation_name}")
            return real(self, operation_name, api_params)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(botocore.client.BaseClient, "_make_api_call", record)
            code, out, err = run_main(
                *("run-task", "--from-aws", pull_world.job_task, "--endpoint-url", pull_world.url),
                *("--stack", rerun, "--json"),
            )
        assert code == 0, err
        assert json.loads(out)["tasks"][0]["lastStatus"] == "RUNNING"
        assert calls == ["ecs:DescribeTasks", "ecs:DescribeTaskDefinition"]
        rt = DockerRuntime()
        (app,) = rt.list_containers({L.STACK: rerun, L.ROLE: "task"})  # no pause, no spare
        attrs = rt.api.inspect_container(app.id)
        assert "GREETING=from-override" in attrs["Config"]["Env"]
        assert attrs["Config"]["Cmd"][0] == "sh" and "override" in attrs["Config"]["Cmd"][-1]
        saved = list((Path(os.environ["ECSDEV_STATE_DIR"]) / "from-aws").glob("job-1-*.json"))
        assert json.loads(saved[0].read_text())["taskDefinition"]["taskRoleArn"] == ROLE
    finally:
        subprocess.run([sys.executable, "-m", "ecsdev", "down", "-f", layout], capture_output=True)
        subprocess.run(
            [sys.executable, "-m", "ecsdev", "down", "--stack", rerun], capture_output=True
        )
