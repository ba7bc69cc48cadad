"""The pause image's metadata endpoint on a real engine, for both ways ecsdev makes it: the
static binary from pause.c (what this machine's C compiler builds) and the Python server on
the base image (the fallback). Each is built under a test tag, never the real one, so tests
running beside this one keep their pause image."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from collections.abc import Iterator

import pytest

from emulator.images.builtin import BASE, ensure_base
from emulator.images.rootfs import asset, compiled_pause
from emulator.metadata import METADATA_PATH, encode
from emulator.runtime.base import ContainerSpec
from emulator.runtime.docker import DockerRuntime

pytestmark = pytest.mark.docker

DOC = {
    "TaskARN": "arn:aws:ecs:us-east-1:000000000000:task/default/abc",
    "KnownStatus": "RUNNING",
    "Containers": [
        {"Name": "app", "KnownStatus": "RUNNING", "DockerId": "d1"},
        {"Name": "log-router", "KnownStatus": "PENDING", "DockerId": "d2"},
    ],
}


def _build(rt: DockerRuntime, variant: str, tag: str) -> None:
    if variant == "static":
        if shutil.which("cc") is None:
            pytest.fail("no C compiler: the static pause cannot be built on this machine")
        assert compiled_pause(rt, tag, {"ecsdev.test": "1"}, lambda _: None)
    else:
        ensure_base(rt, lambda _: None)
        rt.build(tag, str(asset("pause")), "Dockerfile.python", {}, {"ecsdev.test": "1"})


@pytest.fixture(params=["static", "python"])
def pause(request: pytest.FixtureRequest) -> Iterator[tuple[DockerRuntime, str, str]]:
    """A running pause container of the variant, and a curl container in its namespace."""
    rt = DockerRuntime()
    tag = f"ecsdev-test/pause:{request.param}-{secrets.token_hex(3)}"
    _build(rt, request.param, tag)
    made: list[str] = []
    try:
        pid = rt.create(ContainerSpec(f"t-pause-{secrets.token_hex(4)}", tag, stop_timeout=1))
        made.append(pid)
        rt.start(pid)
        cid = rt.create(
            ContainerSpec(
                f"t-peer-{secrets.token_hex(4)}",
                BASE,
                command=("sleep", "300"),
                network_mode=f"container:{pid}",
            )
        )
        made.append(cid)
        rt.start(cid)
        yield rt, pid, cid
    finally:
        for c in reversed(made):
            rt.remove(c)
        rt.api.remove_image(tag, force=True)


def _get(rt: DockerRuntime, cid: str, path: str) -> tuple[int, str]:
    return rt.exec_run(cid, ["curl", "-s", "-w", "\n%{http_code}", f"http://127.0.0.1:51679{path}"])


def test_routes_of_the_metadata_endpoint(pause: tuple[DockerRuntime, str, str]) -> None:
    rt, pid, cid = pause
    rt.write_file(pid, METADATA_PATH, encode(DOC))
    code, out = _get(rt, cid, "/v4/app")
    body, status = out.rsplit("\n", 1)
    assert (code, status) == (0, "200") and json.loads(body) == DOC["Containers"][0]
    body, status = _get(rt, cid, "/v4/log-router/task?x=1")[1].rsplit("\n", 1)
    assert status == "200" and json.loads(body) == DOC
    for missing in ("/v4/ghost", "/v4/app/stats/x", "/v3/app", "/"):
        body, status = _get(rt, cid, missing)[1].rsplit("\n", 1)
        assert status == "404" and json.loads(body) == {"error": "not found"}, missing


def test_a_request_before_the_first_write_waits_for_it(
    pause: tuple[DockerRuntime, str, str],
) -> None:
    rt, pid, cid = pause
    t0 = time.monotonic()
    rt.api.exec_start(
        rt.api.exec_create(
            cid,
            ["sh", "-c", "curl -s http://127.0.0.1:51679/v4/app/task > /tmp/out"],
        )["Id"],
        detach=True,
    )
    time.sleep(0.5)
    rt.write_file(pid, METADATA_PATH, encode(DOC))
    deadline = time.monotonic() + 10
    out = ""
    while time.monotonic() < deadline and not out:
        out = rt.exec_run(cid, ["cat", "/tmp/out"])[1]
        time.sleep(0.1)
    assert json.loads(out)["TaskARN"] == DOC["TaskARN"]
    assert time.monotonic() - t0 < 10
