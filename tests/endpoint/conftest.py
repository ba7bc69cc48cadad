"""Shared fixtures for the endpoint's tests: a real ``ecsdev`` endpoint on a free 127.0.0.1
port, and the real clients (boto3 and the AWS CLI) pointed at it.

Fixtures (all other endpoint tests reuse these; nothing here mocks the endpoint):

``endpoint`` (session)
    An ``EndpointProcess``: ``python -m emulator.endpoint.main --port 0`` started once per
    test session in a subprocess, with its own ``ECSDEV_STATE_DIR`` (``endpoint.state_dir``)
    and ``ECSDEV_ENDPOINT_STRICT=1``, so every response is checked against botocore's output
    shape (an unknown or missing member is an HTTP 500 ``InternalFailure`` naming the member,
    which fails the test). ``endpoint.url``, ``endpoint.port``, ``endpoint.log()`` (its
    request log so far: one line per request) and ``endpoint.env`` (the environment a client
    process needs: endpoint URL, fake credentials, region). Services registered in
    ``emulator.endpoint.registry.HANDLER_MODULES`` answer; everything else goes to moto.

``client`` (session)
    ``client("ecs", region="us-east-1")``: a boto3 client on ``endpoint`` with fake
    credentials and no retries (a 500 fails at once). Waiters work as usual:
    ``client("ecs").get_waiter("services_stable").wait(...)``.

``aws`` (session)
    The AWS CLI (``.venv/bin/aws``, PyPI ``awscli``) on ``endpoint``:
    ``aws("ecs", "create-cluster", "--cluster-name", "c")`` returns an ``AwsResult`` with
    ``code`` (0; 255 for an AWS error, as the PyPI CLI v1 exits; v2 would exit 254; 252 for
    bad usage), ``out``,
    ``err`` and ``json`` (stdout parsed). ``aws.ok(...)`` asserts exit 0 and returns the
    parsed JSON; ``aws.fails(..., code="ClusterNotFoundException")`` asserts the CLI failed
    with that AWS error code (exit 255) and returns its stderr. The CLI keeps its default
    retries (so AWS's messages are not suffixed with a retry note): a 500 costs ~5 attempts. ``region=`` selects a region.
    Its ECS and ELBv2 waiters (``aws ecs wait ...``) poll every second (``quick_waiters``:
    the CLI's own waiter definitions through ``AWS_DATA_PATH``, same acceptors, same total
    wait), as the boto3 tests pass ``WaiterConfig={"Delay": 1, ...}``.

``spawn_endpoint`` (function)
    ``spawn_endpoint()`` starts another endpoint process on a fresh state directory;
    ``spawn_endpoint(ep.state_dir)`` starts one on the same state (after ``ep.stop()`` or
    ``ep.kill()``: SIGTERM or SIGKILL), for restart tests. Stopped at the test's end. Also
    ``start_endpoint(state)`` to do the same by hand.

A failed test that used ``endpoint`` gets a report section "endpoint log" with the request
lines (and tracebacks) the endpoint logged during that test.

``inprocess`` (function)
    ``with inprocess({"ecs": ServiceHandlers(...)}) as url:`` runs an ``Endpoint`` in a thread
    of the test process with exactly the given handlers (strict mode on) and yields its URL;
    ``client_for(url, "ecs")`` and ``aws_for(url)`` give clients for it. The wire layer's tests
    use it with fake services; handler tests should prefer ``endpoint``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from emulator.endpoint.api import ServiceHandlers
from emulator.endpoint.server import Background, Endpoint

REPO = Path(__file__).resolve().parents[2]
AWS_CLI = Path(sys.executable).with_name("aws")
FAKE_KEY = "AKIAECSDEVTEST000000"
FAKE_SECRET = "ecsdev-test-secret"
DEFAULT_REGION = "us-east-1"
HEALTH = "/_ecsdev/health"


@dataclass
class EndpointProcess:
    url: str
    port: int
    state_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM, as ``ecsdev serve --stop`` does (SIGKILL if it does not exit)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: the endpoint gets no chance to clean up."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    @property
    def env(self) -> dict[str, str]:
        return client_env(self.url)


def client_env(
    url: str, region: str = DEFAULT_REGION, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of a client process talking to ``url`` (no user config involved)."""
    env = dict(os.environ if base is None else base)
    for key in list(env):
        if key.startswith("AWS_"):
            del env[key]
    env.update(
        AWS_ENDPOINT_URL=url,
        AWS_ACCESS_KEY_ID=FAKE_KEY,
        AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
        AWS_DEFAULT_REGION=region,
        AWS_REGION=region,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def wait_healthy(
    url: str, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the endpoint exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + HEALTH, timeout=2) as resp:
                data: dict[str, Any] = json.loads(resp.read())
                return data
        except OSError as e:
            last = e
            time.sleep(0.1)
    raise TimeoutError(f"no answer from {url} in {timeout}s: {last}")


def start_endpoint(state: Path, *extra_args: str, timeout: float = 60) -> EndpointProcess:
    """``python -m emulator.endpoint.main --port 0`` on the state directory ``state`` (strict
    mode on), once it answers. Its log is appended to ``state/endpoint.log``."""
    log_path = state / "endpoint.log"
    env = dict(os.environ)
    env.update(ECSDEV_STATE_DIR=str(state), ECSDEV_ENDPOINT_STRICT="1", PYTHONUNBUFFERED="1")
    env["ECSDEV_CONFIG_FILE"] = str(state / "config.yaml")
    serve_json = state / "endpoint" / "serve.json"
    serve_json.unlink(missing_ok=True)  # left by a killed endpoint
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "emulator.endpoint.main", "--port", "0", *extra_args],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            info = json.loads(serve_json.read_text()) if serve_json.exists() else {}
            if info.get("pid") == proc.pid:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the endpoint did not start:\n{log_path.read_text()}")
            time.sleep(0.05)
        wait_healthy(info["url"], process=proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return EndpointProcess(info["url"], int(info["port"]), state, log_path, proc)


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EndpointProcess]:
    state = tmp_path_factory.mktemp("endpoint-state")
    ep = start_endpoint(state)
    try:
        yield ep
    finally:
        ep.stop()
        leave_nothing(state)


@pytest.fixture
def spawn_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    started: list[EndpointProcess] = []

    def spawn(state: Path | None = None) -> EndpointProcess:
        ep = start_endpoint(state or tmp_path_factory.mktemp("endpoint-own"))
        started.append(ep)
        return ep

    yield spawn
    for ep in started:
        ep.stop()
    for state in {ep.state_dir for ep in started}:
        leave_nothing(state)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test that used ``endpoint`` shows the endpoint's log lines of that test."""
    outcome: Any = yield
    report = outcome.get_result()
    ep = getattr(item, "funcargs", {}).get("endpoint")
    if report.failed and isinstance(ep, EndpointProcess):
        start = getattr(item, "_endpoint_log_start", 0)
        text = ep.log_path.read_bytes()[start:].decode(errors="replace")
        report.sections.append(("endpoint log", text[-20000:]))


@pytest.fixture(autouse=True)
def _endpoint_log_mark(request: pytest.FixtureRequest) -> None:
    if "endpoint" in request.fixturenames:
        ep = request.getfixturevalue("endpoint")
        request.node._endpoint_log_start = ep.log_path.stat().st_size


def leave_nothing(state: Path) -> None:
    """What the endpoint started for its clusters outlives it, by design (controllers are
    processes of their own; tasks and load balancers are containers): stop the controllers
    and remove every container and network of the endpoint's stacks."""
    stacks = sorted(p.name for p in (state / "stacks").glob("*") if p.is_dir())
    for stack in stacks:
        lock = state / "stacks" / stack / "controller.lock"
        text = lock.read_text().strip() if lock.exists() else ""
        if text.isdigit():
            with contextlib.suppress(OSError):
                os.kill(int(text), signal.SIGKILL)
    if not stacks or shutil.which("docker") is None:
        return
    for stack in stacks:
        for kind in ("ps -aq", "network ls -q"):
            found = subprocess.run(
                ["docker", *kind.split(), "--filter", f"label=ecsdev.stack={stack}"],
                capture_output=True,
                text=True,
            ).stdout.split()
            if found:
                verb = ["rm", "-f"] if kind.startswith("ps") else ["network", "rm"]
                subprocess.run(["docker", *verb, *found], capture_output=True)


def client_for(url: str, service: str, region: str = DEFAULT_REGION) -> Any:
    """A boto3 client on ``url`` with fake credentials and no retries."""
    session: Any = boto3.session.Session(
        aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_SECRET, region_name=region
    )
    return session.client(
        service,
        endpoint_url=url,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60),
    )


@pytest.fixture(scope="session")
def client(endpoint: EndpointProcess) -> Callable[..., Any]:
    cache: dict[tuple[str, str], Any] = {}

    def make(service: str, region: str = DEFAULT_REGION) -> Any:
        key = (service, region)
        if key not in cache:
            cache[key] = client_for(endpoint.url, service, region)
        return cache[key]

    return make


@dataclass
class AwsResult:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out) if self.out.strip() else None


def quick_waiters(root: Path) -> Path:
    """A botocore data directory (for ``AWS_DATA_PATH``) with the AWS CLI's own ECS and ELBv2
    waiters, polling every second instead of every 15 (6 for tasks): the same acceptors and at
    least the same total wait (``maxAttempts`` scaled up), so ``aws ecs wait services-stable``
    returns about when the endpoint is stable instead of up to 15 s later."""
    import awscli

    data = Path(awscli.__file__).parent / "botocore" / "data"
    if not data.is_dir():  # an AWS CLI without its own copy of botocore
        import botocore

        data = Path(botocore.__file__).parent / "data"
    for service in ("ecs", "elbv2"):
        for source in (data / service).glob("*/waiters-2.json"):
            doc = json.loads(source.read_text())
            for waiter in doc["waiters"].values():
                waiter["maxAttempts"] = int(waiter["delay"]) * int(waiter["maxAttempts"])
                waiter["delay"] = 1
            target = root / service / source.parent.name / "waiters-2.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(doc))
    return root


class AwsCli:
    """Runs ``aws`` against one endpoint; see the module docstring."""

    def __init__(self, url: str, data_path: Path | None = None) -> None:
        self.url = url
        self.data_path = data_path

    def __call__(self, *args: str, region: str = DEFAULT_REGION, timeout: float = 120) -> AwsResult:
        env = client_env(self.url, region)
        if self.data_path is not None:
            env["AWS_DATA_PATH"] = str(self.data_path)
        proc = subprocess.run(
            [str(AWS_CLI), "--output", "json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return AwsResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, region: str = DEFAULT_REGION) -> Any:
        res = self(*args, region=region)
        assert res.code == 0, f"aws {' '.join(args)} exited {res.code}: {res.err}"
        return res.json

    def fails(
        self, *args: str, code: str, region: str = DEFAULT_REGION, exit_code: int = 255
    ) -> str:
        res = self(*args, region=region)
        assert res.code == exit_code, f"aws {' '.join(args)} exited {res.code}: {res.err}{res.out}"
        assert f"({code})" in res.err, res.err
        return res.err


def aws_for(url: str) -> AwsCli:
    return AwsCli(url)


@pytest.fixture(scope="session")
def aws(endpoint: EndpointProcess, tmp_path_factory: pytest.TempPathFactory) -> AwsCli:
    if not AWS_CLI.exists():
        pytest.fail(f"{AWS_CLI} missing: install the test extra (pip install -e '.[test]')")
    return AwsCli(endpoint.url, quick_waiters(tmp_path_factory.mktemp("aws-data")))


@pytest.fixture
def inprocess(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.setenv("ECSDEV_ENDPOINT_STRICT", "1")

    @contextmanager
    def run(table: Mapping[str, ServiceHandlers], **kwargs: Any) -> Iterator[str]:
        server = Background(Endpoint(table, **kwargs)).start()
        try:
            yield server.url
        finally:
            server.stop()

    return run


class OwnEndpoint:
    """An endpoint of one test's own (``own_endpoint``): started, killed with SIGKILL and
    started again at will, on the test's state directory."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> None:
        ep = start_endpoint(self.state)
        self.proc, self.url = ep.process, ep.url

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def ecs(self) -> Any:
        return client_for(self.url, "ecs")


@pytest.fixture
def own_endpoint(tmp_path: Path) -> Iterator[OwnEndpoint]:
    e = OwnEndpoint(tmp_path)
    try:
        yield e
    finally:
        if e.proc is not None and e.proc.poll() is None:
            e.kill()
        leave_nothing(tmp_path)


@pytest.fixture
def _terraform_installed() -> None:
    """What ``terraform.needs_terraform`` asks for (see there)."""
    from tests.endpoint.terraform import _need_terraform

    _need_terraform()
