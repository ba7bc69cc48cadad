"""Real Docker: a CloudFormation template and a synthesized CDK app run with ``ecsdev up -d -f``,
and requests go through the published listener to the tasks."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulator.runtime.docker import DockerRuntime
from tests.docker.conftest import cleanup_stack

HERE = Path(__file__).parent / "templates"
pytestmark = pytest.mark.docker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, cwd: Path, timeout: float = 300) -> str:
    res = subprocess.run(
        [sys.executable, "-m", "ecsdev", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert res.returncode == 0, (
        f"ecsdev {' '.join(args)}: {res.returncode}\n{res.stdout}\n{res.stderr}"
    )
    return res.stdout + res.stderr


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return int(r.status), r.read().decode()
    except urllib.error.HTTPError as e:
        return int(e.code), e.read().decode()


@pytest.fixture
def stack_name(tmp_path: Path) -> Iterator[str]:
    name = "cfn-" + secrets.token_hex(3)
    try:
        yield name
    finally:
        subprocess.run(
            [sys.executable, "-m", "ecsdev", "down", "--stack", name],
            capture_output=True,
            timeout=120,
            cwd=tmp_path,
        )
        cleanup_stack(DockerRuntime(), name)


def test_template_up_routes_requests_to_tasks(tmp_path: Path, stack_name: str) -> None:
    port = _free_port()
    out = _cli(
        "up",
        "-d",
        "-f",
        str(HERE / "paths.json"),
        "--stack-name",
        stack_name,
        "--publish",
        f"Alb:8080={port}",
        "--timeout",
        "150",
        cwd=tmp_path,
    )
    assert f"127.0.0.1:{port}" in out
    status, body = _get(f"http://127.0.0.1:{port}/alpha/hello")
    assert status == 200
    doc: dict[str, Any] = json.loads(body)
    assert doc["path"] == "/alpha/hello" and doc["served-by"]
    served = {
        json.loads(_get(f"http://127.0.0.1:{port}/bravo/x")[1])["served-by"] for _ in range(80)
    }
    # 90/10 between bravo and alpha: both tasks answer in 80 tries (all bravo: 0.9^80 = 0.02%;
    # in 20 tries it was 12%, a flaky test)
    assert len(served) == 2
    assert _get(f"http://127.0.0.1:{port}/nowhere") == (404, "no route")
    ps = _cli("ps", "--stack", stack_name, cwd=tmp_path)
    assert "alpha" in ps and "bravo" in ps
    validate = _cli(
        "validate", "-f", str(HERE / "paths.json"), "--stack-name", stack_name, cwd=tmp_path
    )
    assert f"paths.json: layout '{stack_name}' is valid" in validate


def test_cdk_app_with_image_asset_up(tmp_path: Path, stack_name: str, cdk_two: Path) -> None:
    port = _free_port()
    _cli(
        "up",
        "-d",
        "-f",
        str(cdk_two),
        "--stack-name",
        stack_name,
        "--publish",
        f"Alb16C2F182:80={port}",
        "--timeout",
        "200",
        cwd=tmp_path,
        timeout=400,
    )
    for name in ("alpha", "bravo"):
        status, body = _get(f"http://127.0.0.1:{port}/{name}/ping")
        assert status == 200, body
        assert json.loads(body)["path"] == f"/{name}/ping"
    assert _get(f"http://127.0.0.1:{port}/other") == (404, "no route")
    image = subprocess.run(
        [
            "docker",
            "image",
            "inspect",
            "--format",
            "{{json .Config.Env}}",
            "ecsdev-cdk-asset:"
            + next(
                p.name[len("asset.") :][:20]
                for p in cdk_two.iterdir()
                if p.name.startswith("asset.")
            ),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "ASSET=built-locally" in image.stdout  # built from the asset directory


def _load_balancer_id(assembly: Path) -> str:
    for template in assembly.glob("*.template.json"):
        for lid, res in json.loads(template.read_text())["Resources"].items():
            if res["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer":
                return str(lid)
    raise AssertionError(f"no load balancer in {assembly}")


def test_cdk_application_load_balanced_fargate_service_up(
    tmp_path: Path, stack_name: str, cdk_single: Path
) -> None:
    port = _free_port()
    lb = _load_balancer_id(cdk_single)
    _cli(
        "up",
        "-d",
        "-f",
        str(cdk_single),
        "--stack-name",
        stack_name,
        "--publish",
        f"{lb}:80={port}",
        "--timeout",
        "200",
        cwd=tmp_path,
        timeout=400,
    )
    served = set()
    for _ in range(20):
        status, body = _get(f"http://127.0.0.1:{port}/hello")
        assert status == 200, body
        served.add(json.loads(body)["served-by"])
    assert len(served) == 2  # desiredCount 2: both tasks answer through the listener
