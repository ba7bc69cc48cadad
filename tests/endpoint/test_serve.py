"""``ecsdev serve`` as a user runs it: -d returns once the endpoint answers, a second -d
reports the running one, a foreground serve refuses to start twice, --stop stops it and a
killed endpoint leaves nothing that blocks the next start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint.conftest import REPO, AwsCli

SERVE = [sys.executable, "-m", "ecsdev", "serve"]


def serve(state: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECSDEV_STATE_DIR": str(state)}
    return subprocess.run(
        [*SERVE, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def state(tmp_path: Path) -> object:
    yield tmp_path
    serve(tmp_path, "--stop")


def _url(out: str) -> str:
    line = next(ln for ln in out.splitlines() if ln.startswith("export AWS_ENDPOINT_URL="))
    return line.split("=", 1)[1]


def test_detach_answer_stop(state: Path) -> None:
    started = serve(state, "-d", "--port", "0")
    assert started.returncode == 0, started.stderr
    assert "ecsdev endpoint started: http://127.0.0.1:" in started.stdout
    url = _url(started.stdout)
    info = json.loads((state / "endpoint" / "serve.json").read_text())
    assert info["url"] == url and info["host"] == "127.0.0.1"

    ident = AwsCli(url).ok("sts", "get-caller-identity")
    assert ident["Account"] == "000000000000"

    again = serve(state, "-d", "--port", "0")
    assert again.returncode == 0 and "already running: " + url in again.stdout

    twice = serve(state, "--port", "0")
    assert twice.returncode != 0
    assert "already running" in twice.stderr

    stopped = serve(state, "--stop")
    assert stopped.returncode == 0 and f"stopped (pid {info['pid']})" in stopped.stdout
    assert not (state / "endpoint" / "serve.json").exists()
    log = (state / "endpoint" / "serve.log").read_text()
    assert "POST sts.GetCallerIdentity 200" in log and "stopped" in log
    assert serve(state, "--stop").stdout.strip() == "ecsdev endpoint: not running"


def test_killed_endpoint_does_not_block_the_next(state: Path) -> None:
    first = serve(state, "-d", "--port", "0")
    assert first.returncode == 0, first.stderr
    pid = json.loads((state / "endpoint" / "serve.json").read_text())["pid"]
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    second = serve(state, "-d", "--port", "0")
    assert second.returncode == 0, second.stderr
    assert "ecsdev endpoint started" in second.stdout


def test_port_in_use_is_reported(state: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        res = serve(state, "-d", "--port", str(port))
    assert res.returncode != 0
    assert "cannot listen on 127.0.0.1:" in res.stderr


def test_restart_on_the_same_state(spawn_endpoint: Any) -> None:
    first = spawn_endpoint()
    AwsCli(first.url).ok("sts", "get-caller-identity")
    first.kill()
    second = spawn_endpoint(first.state_dir)
    assert second.url != first.url or second.process.pid != first.process.pid
    assert AwsCli(second.url).ok("sts", "get-caller-identity")["Account"] == "000000000000"


def test_foreground_logs_one_line_per_request_on_stderr(tmp_path: Path) -> None:
    env = {**os.environ, "ECSDEV_STATE_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*SERVE, "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        serve_json = tmp_path / "endpoint" / "serve.json"
        deadline = time.monotonic() + 60
        while not serve_json.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        url = json.loads(serve_json.read_text())["url"]
        AwsCli(url).ok("sts", "get-caller-identity")
        AwsCli(url).fails("iam", "get-role", "--role-name", "none", code="NoSuchEntity")
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out == ""  # stdout stays for answers; the log is on stderr
    lines = err.splitlines()
    assert any(ln.endswith("ms") and " POST sts.GetCallerIdentity 200 " in ln for ln in lines)
    assert any(" POST iam.GetRole 404 " in ln for ln in lines), err
    assert f"export AWS_ENDPOINT_URL={url}" in lines
    assert not serve_json.exists()
