"""MemoryRuntime keeps state as Docker does and refuses what Docker refuses, so that tests of
the engine's glue on it mean something (each behaviour here was checked against Docker
20.10: stop codes, health after stop, IPs only while running, name conflicts)."""

from __future__ import annotations

import pytest

from emulator.errors import DockerUnavailable, NotFound, RuntimeOperationError
from emulator.runtime.base import ContainerSpec, HealthConfig, Mount, PublishedPort
from emulator.runtime.memory import Behaviour, MemoryRuntime

CHECK = HealthConfig(("CMD", "true"), 1, 1, 1)


def rt() -> MemoryRuntime:
    return MemoryRuntime().with_images("app:1", "pause:1")


def test_containers_keep_state_and_names_are_unique() -> None:
    r = rt()
    net = r.create_network("n1", {"ecsdev.stack": "s"}, False, "10.9.0.0/24")
    cid = r.create(ContainerSpec("web", "app:1", labels={"k": "v"}, network_mode="n1"))
    st = r.inspect(cid)
    assert (st.status, st.started_at, st.exit_code, st.ip_addresses) == ("created", None, None, {})
    with pytest.raises(RuntimeOperationError, match="already in use"):
        r.create(ContainerSpec("web", "app:1"))
    r.start(cid)
    st = r.inspect(cid)
    assert st.running and st.ip_addresses == {"n1": "10.9.0.2"} and st.started_at
    assert [c.name for c in r.list_containers({"k": "v"})] == ["web"]
    assert [c.name for c in r.list_containers({"k": ""})] == ["web"]  # key present
    assert r.list_containers({"k": "w"}) == []
    r.stop(cid, 10)
    st = r.inspect(cid)
    assert (st.status, st.exit_code, st.ip_addresses) == ("exited", 143, {})
    assert st.exited and st.finished_at
    assert [n.id for n in r.list_networks({"ecsdev.stack": "s"})] == [net]


def test_missing_things_are_not_found_and_remove_is_idempotent() -> None:
    r = rt()
    with pytest.raises(NotFound, match="No such image"):
        r.create(ContainerSpec("x", "nope:1"))
    with pytest.raises(NotFound):
        r.create(ContainerSpec("x", "app:1", network_mode="no-such-net"))
    with pytest.raises(NotFound):
        r.inspect("0" * 64)
    cid = r.create(ContainerSpec("x", "app:1"))
    r.remove(cid)
    r.remove(cid)
    assert r.list_containers({}) == []


def test_joining_a_network_namespace_needs_its_owner_running() -> None:
    r = rt()
    pause = r.create(ContainerSpec("p", "pause:1"))
    app = r.create(ContainerSpec("a", "app:1", network_mode=f"container:{pause}"))
    with pytest.raises(RuntimeOperationError, match="non running container"):
        r.start(app)
    r.start(pause)
    r.start(app)
    assert r.inspect(app).running and r.inspect(app).ip_addresses == {}
    assert r.inspect(pause).ip_addresses == {"bridge": "172.17.0.2"}


def test_exit_codes_signals_health_and_oom() -> None:
    r = rt()
    r.behaviours["slow"] = Behaviour(ignores_sigterm=True, health="unhealthy")
    r.behaviours["init"] = Behaviour(exit_code=0, output="done\n")
    r.with_images("slow", "init")
    slow = r.create(ContainerSpec("s", "slow", healthcheck=CHECK))
    r.start(slow)
    assert r.inspect(slow).health == "starting"
    r.tick()
    assert r.inspect(slow).health == "unhealthy"
    r.kill(slow, "SIGTERM")  # ignored
    assert r.inspect(slow).running
    r.stop(slow, 1)
    assert (r.inspect(slow).exit_code, r.inspect(slow).health) == (137, "unhealthy")
    with pytest.raises(RuntimeOperationError, match="is not running"):
        r.kill(slow)
    with pytest.raises(RuntimeOperationError, match="is not running"):
        r.exec_run(slow, ["true"])
    init = r.create(ContainerSpec("i", "init"))
    r.start(init)
    assert (r.inspect(init).status, r.inspect(init).exit_code) == ("exited", 0)
    assert r.logs(init) == "done\n"
    app = r.create(ContainerSpec("a", "app:1", ports=(PublishedPort(8080),)))
    r.start(app)
    assert r.inspect(app).ports[0][:3] == (8080, "tcp", "127.0.0.1")
    r.exit(app, 0, oom=True)
    st = r.inspect(app)
    assert (st.exit_code, st.oom_killed, st.ports) == (137, True, ())


def test_networks_and_volumes_in_use_cannot_be_removed() -> None:
    r = rt()
    r.create_network("n", {}, True, None)
    with pytest.raises(RuntimeOperationError, match="exists"):
        r.create_network("n", {}, True, None)
    cid = r.create(
        ContainerSpec("v", "app:1", network_mode="n", mounts=(Mount("/d", "data", "volume"),))
    )
    assert "data" in r.volume_names()
    with pytest.raises(RuntimeOperationError, match="active endpoints"):
        r.remove_network("n")
    with pytest.raises(RuntimeOperationError, match="in use"):
        r.remove_volume("data")
    r.remove(cid)
    r.remove_network("n")
    r.remove_volume("data")
    r.remove_volume("data")  # force: a missing one is fine
    assert "n" not in r.network_names() and r.volume_names() == []


def test_images_pull_only_from_its_registry_and_builds_keep_labels() -> None:
    r = MemoryRuntime(registry={"debian:bookworm-slim": {}})
    assert not r.image_present("debian:bookworm-slim")
    r.pull("debian:bookworm-slim")
    assert r.image_present("debian:bookworm-slim")
    with pytest.raises(RuntimeOperationError, match="CannotPullContainerError"):
        r.pull("ghost:1")
    r.build("mine", "/ctx", None, {}, labels={"ecsdev.content-hash": "abc"})
    assert r.image_labels("mine:latest") == {"ecsdev.content-hash": "abc"}
    files = r.create(ContainerSpec("f", "mine"))
    r.write_file(files, "/ecsdev/x", b"1")
    assert r.file(files, "/ecsdev/x") == b"1"


def test_an_unreachable_engine_refuses_everything() -> None:
    r = rt()
    r.available = False
    with pytest.raises(DockerUnavailable):
        r.list_containers({})
    with pytest.raises(DockerUnavailable):
        r.ping()
