"""The agent's credentials and metadata endpoint without Docker: ECS's JSON, expiry and
refresh, tasks found by token, sources of the layer above, the layout key."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from emulator.agent.config import (
    CREDENTIALS_KEY,
    CredentialsSpec,
    check_credentials,
    from_record,
    record,
    source_options,
)
from emulator.agent.creds import (
    REFRESH_BEFORE,
    CredentialCache,
    CredentialRequest,
    Credentials,
    LocalSource,
    ecs_json,
)
from emulator.agent.registry import Registration, lookup, new_token, register, registered, release
from emulator.agent.server import Agent, HttpError, redact
from emulator.arns import Account
from emulator.containers import TaskContext, container_spec, docker_name
from emulator.errors import AwsAccessError
from emulator.events import discard
from emulator.model.report import Reporter
from emulator.model.taskdef import parse_task_definition
from emulator.providers import Providers, install
from emulator.runtime.base import ContainerState, NetworkState
from emulator.runtime.docker import DockerRuntime
from emulator.runtime.memory import MemoryRuntime
from emulator.store import Store
from emulator.taskhooks import Launch


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def creds(expiration: float, key: str = "ASIAEXAMPLE") -> Credentials:
    return Credentials(key, "secret-value", "token-value", expiration)


def reg(token: str, **kw: Any) -> Registration:
    base: dict[str, Any] = {
        "token": token,
        "task_arn": "arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef",
        "state_home": "/nonexistent",
        "stack": "s",
        "cluster": "default",
        "region": "us-east-1",
        "account_id": "000000000000",
        "family": "web",
        "revision": "3",
        "network_mode": "bridge",
        "role_arn": "arn:aws:iam::000000000000:role/app",
    }
    return Registration(**{**base, **kw})


def test_ecs_json_has_ecs_members_and_an_rfc3339_expiration() -> None:
    ts = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    doc = ecs_json(creds(ts), "arn:aws:iam::1:role/r")
    assert list(doc) == ["RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"]
    assert doc["Expiration"] == "2030-01-02T03:04:05Z"
    assert "RoleArn" not in ecs_json(creds(ts), "")


def test_credentials_never_show_their_secret_in_repr() -> None:
    text = repr(creds(0))
    assert "secret-value" not in text and "token-value" not in text and "ASIAEXAMPLE" in text


def test_botocore_reads_the_json_as_container_credentials() -> None:
    from botocore.credentials import ContainerProvider

    clock = Clock(datetime.now(UTC).timestamp())
    doc = ecs_json(LocalSource(clock).fetch(CredentialRequest("", "t", "us-east-1")), "")

    class Fetcher:
        def full_url(self, uri: str) -> str:
            return "http://169.254.170.2" + uri

        def retrieve_full_uri(self, url: str, headers: Any = None) -> dict[str, Any]:
            return doc

    provider = ContainerProvider(
        environ={"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"},
        fetcher=Fetcher(),  # type: ignore[arg-type]
    )
    got = provider.load()
    assert got is not None and got.method == "container-role"
    frozen = got.get_frozen_credentials()
    assert frozen.access_key == doc["AccessKeyId"] and frozen.token == doc["Token"]
    assert not got.refresh_needed()  # six hours left: no refresh on every call


def test_cache_refreshes_before_expiry_and_keeps_a_valid_set_when_refresh_fails() -> None:
    clock = Clock()
    cache = CredentialCache(clock)
    calls: list[int] = []

    def fetch() -> Credentials:
        calls.append(1)
        return creds(clock.now + 3600, f"K{len(calls)}")

    assert cache.get("t", fetch).access_key_id == "K1"
    clock.now += 3600 - REFRESH_BEFORE - 1  # still more than REFRESH_BEFORE left
    assert cache.get("t", fetch).access_key_id == "K1"
    clock.now += 2  # less left: a new set
    assert cache.get("t", fetch).access_key_id == "K2" and len(calls) == 2

    def broken() -> Credentials:
        raise AwsAccessError("sts:AssumeRole: AccessDenied")

    clock.now += 3600 - REFRESH_BEFORE + 1
    assert cache.get("t", broken).access_key_id == "K2"  # still valid: served
    clock.now += REFRESH_BEFORE
    with pytest.raises(AwsAccessError):
        cache.get("t", broken)  # expired: the error
    cache.forget("t")
    assert len(cache) == 0


def test_local_source_makes_new_dummy_keys_each_time() -> None:
    src = LocalSource(Clock())
    a, b = (src.fetch(CredentialRequest("", "t", "us-east-1")) for _ in range(2))
    assert a.access_key_id.startswith("ASIA") and len(a.access_key_id) == 20
    assert a.access_key_id != b.access_key_id and a.secret_access_key != b.secret_access_key


def test_registrations_are_found_by_token_and_private(tmp_path: Path) -> None:
    token = new_token()
    register(tmp_path, reg(token))
    assert lookup(tmp_path, token) == reg(token)
    assert lookup(tmp_path, "../" + token) is None and lookup(tmp_path, new_token()) is None
    assert (tmp_path / "tasks" / f"{token}.json").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "tasks").stat().st_mode & 0o777 == 0o700
    assert [r.token for r in registered(tmp_path)] == [token]
    release(tmp_path, token)
    assert lookup(tmp_path, token) is None


def agent(tmp_path: Path) -> Agent:
    return Agent(tmp_path, MemoryRuntime(), None)  # type: ignore[arg-type]


def test_agent_answers_credentials_by_token(tmp_path: Path) -> None:
    a = agent(tmp_path)
    token = new_token()
    register(tmp_path, reg(token))
    first = a.route(f"/v2/credentials/{token}")
    assert first["RoleArn"] == "arn:aws:iam::000000000000:role/app"
    assert a.route(f"/v2/credentials/{token}/") == first  # cached, the same set
    with pytest.raises(HttpError) as e:
        a.route(f"/v2/credentials/{new_token()}")
    assert e.value.status == 400 and e.value.code == "InvalidIdInRequest"
    register(tmp_path, reg(token, credentials=False))
    with pytest.raises(HttpError):
        a.route(f"/v2/credentials/{token}")


def test_agent_uses_the_installed_source_with_the_task_role(tmp_path: Path) -> None:
    asked: list[tuple[Mapping[str, Any], CredentialRequest]] = []

    class Fake:
        def __init__(self, options: Mapping[str, Any]) -> None:
            self.options = options

        def fetch(self, request: CredentialRequest) -> Credentials:
            asked.append((self.options, request))
            return creds(datetime.now(UTC).timestamp() + 3600, "ASIAASSUMED")

    install(Providers(credential_sources={"assume-role-test": Fake}))
    token = new_token()
    register(tmp_path, reg(token, source="assume-role-test", options={"profile": "dev"}))
    doc = agent(tmp_path).route(f"/v2/credentials/{token}")
    assert doc["AccessKeyId"] == "ASIAASSUMED"
    ((options, request),) = asked
    assert options == {"profile": "dev"} and request.session_name == "0123456789abcdef"
    assert request.role_arn == "arn:aws:iam::000000000000:role/app"
    register(tmp_path, reg(token, source="unknown-kind"))
    with pytest.raises(HttpError) as e:
        agent(tmp_path).route(f"/v2/credentials/{token}")
    assert e.value.status == 500 and "unknown-kind" in e.value.message


def test_log_lines_cut_the_token() -> None:
    token = new_token()
    assert redact(f"/v2/credentials/{token}") == f"/v2/credentials/{token[:4]}…"
    assert redact(f"/v4/{token}-app/task/stats") == f"/v4/{token[:4]}…-app/task/stats"
    assert token not in redact(f"/v4/{token}")


def check(section: Any, env: dict[str, str] | None = None) -> tuple[Reporter, Any]:
    rep = Reporter("ecsdev.yaml")
    return rep, check_credentials(section, rep, env or {})


def test_layout_key_choices_and_their_errors(tmp_path: Path) -> None:
    rep, spec = check({"source": "local"})
    assert spec == CredentialsSpec() and not rep.problems
    rep, spec = check({"source": "local", "profile": "dev"})
    assert [p.path for p in rep.problems] == ["credentials.profile"]
    assert "session or assume-role" in rep.problems[0].message
    rep, _ = check({"source": "session", "region": "mars"})
    assert [p.path for p in rep.problems] == ["credentials.region"]
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    env = {"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "x")}
    rep, spec = check({"source": "assume-role", "profile": "dev"}, env)
    assert (
        not rep.problems and not rep.warnings and spec.label == "assume-role with AWS profile dev"
    )
    rep, _ = check({"source": "assume-role", "profile": "nope"}, env)
    assert not rep.problems and "no AWS profile 'nope'" in rep.warnings[0].message


def test_the_stored_choice_round_trips_and_defaults_to_local() -> None:
    spec = CredentialsSpec("assume-role", "dev", "eu-west-1")
    assert from_record(record(spec)) == spec
    assert from_record(record(None)) == CredentialsSpec() == from_record({"source": "bad"})
    env = {"AWS_PROFILE": "fromenv", "AWS_CONFIG_FILE": "/c", "AWS_SECRET_ACCESS_KEY": "no"}
    opts = source_options(CredentialsSpec("session"), env)
    assert opts == {"profile": "fromenv", "AWS_CONFIG_FILE": "/c"}  # paths, never a key


def test_the_controller_starts_a_dead_agent_again_while_tasks_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from emulator.agent import watch
    from emulator.runtime.docker import DockerRuntime

    started: list[float] = []
    answers: list[Any] = [None, {"agent": "ecsdev"}]
    monkeypatch.setattr(watch, "ping", lambda: answers.pop(0))
    monkeypatch.setattr(watch, "ensure", lambda rt: started.append(1))
    w = watch.AgentWatch(DockerRuntime())  # connects lazily: no Docker needed here
    w.tick(100.0, {})  # no task: nothing to serve
    assert not started and len(answers) == 2
    w.tick(100.0, {"arn": object()})
    assert started == [1]
    w.tick(105.0, {"arn": object()})  # checked again only after EVERY seconds
    assert len(answers) == 1
    w.tick(100.0 + watch.EVERY, {"arn": object()})
    assert started == [1] and not answers  # it answers now
    assert not watch.AgentWatch(MemoryRuntime()).busy


class DockerLike(DockerRuntime):
    """The hook serves Docker runtimes only; nothing here reaches Docker."""

    def __init__(self) -> None:
        super().__init__()
        self.connected: list[tuple[str, str]] = []
        self.files: dict[tuple[str, str], str] = {}

    def write_file(self, container_id: str, path: str, data: bytes) -> None:
        self.files[(container_id, path)] = data.decode()

    def inspect(self, container_id: str) -> ContainerState:
        return ContainerState(container_id, container_id, {}, "created", network_mode=container_id)

    def list_networks(self, labels: dict[str, str]) -> list[NetworkState]:
        return [
            NetworkState("1", "private", {}, True, None),
            NetworkState("2", "public", {}, False, None),
        ]

    def connect(self, network: str, container_id: str, aliases: tuple[str, ...] = ()) -> None:
        self.connected.append((network, container_id))


def hooked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: dict[str, str],
    doc: dict[str, Any],
    pause: str = "public",  # DockerLike: a container's network is named as the container
    agent: bool = True,  # False: ensure is left as the test set it
) -> tuple[Any, Launch]:
    from emulator.agent import hook

    if agent:
        monkeypatch.setattr(hook, "ensure", lambda rt: None)
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):  # another test's files
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hook, "agent_dir", lambda: tmp_path)
    store = Store("hooked")
    store.put(CREDENTIALS_KEY, source)
    runner = SimpleNamespace(
        runtime=DockerLike(),
        store=store,
        stack="hooked",
        account=Account(),
        sink=discard,
        pause_files={},
    )
    td = parse_task_definition(doc)
    ctx = TaskContext("hooked", "default", "arn:aws:ecs:us-east-1:000000000000:task/default/"
                      "0123456789abcdef", "0123456789abcdef", "tdarn", 1, "us-east-1", ".",
                      "bridge")  # fmt: skip
    names = {c.name: docker_name(ctx, td.family, c.name) for c in td.container_definitions}
    specs = [container_spec(c, td, ctx, names) for c in td.container_definitions]
    awsvpc = td.network_mode == "awsvpc"
    launch = Launch(ctx, td, specs, pause if awsvpc else None, pause if awsvpc else None)
    h = hook.AgentHook(runner)  # type: ignore[arg-type]
    h.prepare(launch)
    return h, launch


def test_the_hook_gives_every_networked_container_ecs_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def c(name: str, **extra: Any) -> dict[str, Any]:
        return {"name": name, "image": "x", "memory": 64, **extra}

    own = {"name": "ECS_CONTAINER_METADATA_URI_V4", "value": "http://mine"}
    doc = {
        "family": "web",
        "networkMode": "bridge",
        "taskRoleArn": "arn:aws:iam::000000000000:role/web",
        "containerDefinitions": [
            c("app", environment=[own]),
            c("side"),
            c("off", disableNetworking=True),
        ],
    }
    h, launch = hooked(tmp_path, monkeypatch, {"source": "local"}, doc)
    app, side, off = (s.environment for s in launch.specs)
    (reg,) = registered(tmp_path)
    assert app["ECS_CONTAINER_METADATA_URI_V4"] == "http://mine"  # the definition's own wins
    assert app["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] == f"/v2/credentials/{reg.token}"
    assert side["ECS_CONTAINER_METADATA_URI_V4"] == f"http://169.254.170.2/v4/{reg.token}-side"
    assert side["ECS_AGENT_URI"] == f"http://169.254.170.2/api/{reg.token}"  # task protection
    assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" not in off
    assert reg.role_arn == "arn:aws:iam::000000000000:role/web" and reg.family == "web"
    h.created(launch, {s.name: s.name for s in launch.specs})
    assert h.runner.runtime.connected == []  # bridge: reached through the host
    h.released(launch.ctx.task_arn)
    assert registered(tmp_path) == []


def test_no_role_no_credentials_uri_when_roles_are_assumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = {
        "family": "api",
        "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "app", "image": "x", "memory": 64}],
    }
    h, launch = hooked(tmp_path, monkeypatch, {"source": "assume-role", "profile": "p"}, doc)
    env = launch.specs[0].environment
    assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" not in env  # as in ECS
    assert env["ECS_CONTAINER_METADATA_URI_V4"] == "http://127.0.0.1:51679/v4/app"  # the pause's
    (reg,) = registered(tmp_path)
    assert not reg.credentials and reg.options == {"profile": "p"}
    h.created(launch, {})
    assert h.runner.runtime.connected == []  # a public subnet routes to the host
    # written into the pause with its metadata, once the task runs: not while it starts
    assert h.runner.runtime.files == {}
    assert h.runner.pause_files == {
        launch.ctx.task_arn: {"/ecsdev/agent": f"http://169.254.170.2/v4/{reg.token}\n".encode()}
    }
    h, launch = hooked(tmp_path, monkeypatch, {"source": "local"}, doc, pause="private")
    h.created(launch, {})
    assert h.runner.runtime.connected == [("ecsdev-agent", "private")]


def test_where_the_agent_cannot_run_local_stacks_start_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emulator.agent import hook
    from emulator.agent.launcher import AgentUnavailable
    from emulator.errors import EcsdevError

    def unavailable(rt: Any) -> None:
        raise AgentUnavailable("cannot listen on 169.254.170.2:80: Permission denied")

    doc = {
        "family": "web",
        "networkMode": "bridge",
        "taskRoleArn": "arn:aws:iam::000000000000:role/web",
        "containerDefinitions": [{"name": "app", "image": "x", "memory": 64}],
    }
    monkeypatch.setattr(hook, "ensure", unavailable)
    h, launch = hooked(tmp_path, monkeypatch, {"source": "local"}, doc, agent=False)
    assert "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" not in launch.specs[0].environment
    events = [e.message for _, e in h.runner.store.events()]
    assert any("without the credentials endpoint: cannot listen" in m for m in events)
    with pytest.raises(EcsdevError) as failed:
        hooked(tmp_path, monkeypatch, {"source": "session"}, doc, agent=False)
    assert failed.value.message.startswith("ResourceInitializationError: unable to serve")


def test_the_task_protection_endpoint_sets_and_reads_a_service_tasks_protection(
    tmp_path: Path,
) -> None:
    """``$ECS_AGENT_URI/task-protection/v1/state`` over HTTP, as a worker calls it."""
    import threading
    import time
    import urllib.request
    from http.server import ThreadingHTTPServer

    from emulator.agent.protection import ProtectionRequestError
    from emulator.agent.server import handler
    from emulator.taskprotection import protections

    store = Store("prot", tmp_path / "stacks" / "prot")

    class Docs:
        service: str | None = "web"

        def observe(self, r: Registration) -> Any:
            return SimpleNamespace(labels={"ecsdev.service": self.service} if self.service else {})

        def store_of(self, r: Registration) -> Store:
            return store

    docs = Docs()
    a = Agent(tmp_path, MemoryRuntime(), docs)  # type: ignore[arg-type]
    token = new_token()
    register(tmp_path, reg(token))
    arn = reg(token).task_arn
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(a, lambda line: None))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/{token}/task-protection/v1/state"

    def call(method: str, body: bytes | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    try:
        assert call("GET") == (200, {"protection": {"ProtectionEnabled": False, "TaskArn": arn}})
        status, doc = call("PUT", b'{"ProtectionEnabled": true, "ExpiresInMinutes": 60}')
        assert status == 200 and doc["protection"]["ProtectionEnabled"] is True
        until = datetime.fromisoformat(doc["protection"]["ExpirationDate"].replace("Z", "+00:00"))
        assert abs(until.timestamp() - (time.time() + 3600)) < 5
        assert list(protections(store, time.time())) == [reg(token).task_id]  # the scheduler's
        assert call("GET") == (200, doc)
        status, doc = call("PUT", b'{"ProtectionEnabled": true, "ExpiresInMinutes": 5000}')
        assert status == 400 and doc["error"]["Code"] == "InvalidParameterException"
        status, doc = call("PUT", b'{"ExpiresInMinutes": 5}')
        assert status == 400 and doc["error"]["Arn"] == arn
        assert call("PUT", b'{"ProtectionEnabled": false}')[1]["protection"] == {
            "ProtectionEnabled": False,
            "TaskArn": arn,
        }
        assert protections(store, time.time()) == {}
        docs.service = None  # a task of no service cannot be protected
        failure = call("PUT", b'{"ProtectionEnabled": true}')[1]["failure"]
        assert (failure["Arn"], failure["Reason"]) == (arn, "TASK_NOT_VALID")
    finally:
        server.shutdown()
        server.server_close()
        store.close()
    with pytest.raises(HttpError) as e:
        a.route(f"/api/{token}/task-protection/v2/state")
    assert e.value.status == 404
    with pytest.raises(HttpError) as e:
        a.route(f"/v2/credentials/{token}", "PUT", b"{}")
    assert e.value.status == 405
    docs.service = "web"
    with pytest.raises(ProtectionRequestError):
        a.route(f"/api/{token}/task-protection/v1/state", "PUT", b"not json")
