"""``ecsdev run-task --secrets-profile`` on a real engine: a layout's own secrets file gives one
value, the AWS account of a profile (moto's server here, through the profile's
``endpoint_url``: nothing leaves 127.0.0.1) another, and both reach the container."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from emulator.runtime.docker import DockerRuntime

from .conftest import cleanup_stack

pytestmark = pytest.mark.docker


@pytest.fixture
def moto_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_run_task_with_a_profile_and_a_secrets_file(moto_url: str, tmp_path: Path) -> None:
    name = "t-" + secrets.token_hex(4)
    from_aws, from_file = "aws-" + secrets.token_hex(8), "file-" + secrets.token_hex(8)
    boto3.client(
        "ssm",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).put_parameter(Name="/cli/from-aws", Value=from_aws, Type="SecureString")
    (tmp_path / "aws-config").write_text(
        f"[profile dev]\nregion = us-east-1\nendpoint_url = {moto_url}\n"
        "aws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    (tmp_path / "secrets.yaml").write_text(f"/cli/from-file: {from_file}\n")
    (tmp_path / "ecsdev.yaml").write_text(
        f"""version: 1
name: {name}
secrets:
  sources: [{{type: file, path: secrets.yaml}}]
taskDefinitions:
  - family: app
    networkMode: bridge
    containerDefinitions:
      - name: app
        image: ecsdev/echo:latest
        memory: 64
        stopTimeout: 1
        secrets:
          - {{name: FROM_FILE, valueFrom: /cli/from-file}}
          - {{name: FROM_AWS, valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/cli/from-aws"}}
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "aws-config"), AWS_EC2_METADATA_DISABLED="true")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    rt = DockerRuntime()
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "ecsdev",
                "run-task",
                "-f",
                str(tmp_path / "ecsdev.yaml"),
                "--task-definition",
                "app",
                "--secrets-profile",
                "dev",
                "--json",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=120,
            env=env,  # fmt: skip
        )
        assert run.returncode == 0, run.stderr
        assert from_aws not in run.stdout + run.stderr and from_file not in run.stdout
        (task,) = json.loads(run.stdout)["tasks"]
        (box,) = [
            c for c in rt.list_containers({"ecsdev.task-arn": task["taskArn"]})
            if c.labels.get("ecsdev.container-name") == "app"
        ]  # fmt: skip
        seen = subprocess.run(
            ["docker", "exec", box.id, "env"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert f"FROM_FILE={from_file}" in seen and f"FROM_AWS={from_aws}" in seen
    finally:
        cleanup_stack(rt, name)
