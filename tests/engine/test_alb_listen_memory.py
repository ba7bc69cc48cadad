"""Where the ALB stand-in listens, without Docker: ``listener_mode`` follows
``ECSDEV_LISTENERS`` and else the engine, and a proxy on the host's network is created with
no published ports, no hostname and no network to join, its nginx listening at the published
addresses (the same behaviour against a real engine is in tests/docker/test_alb_listen.py)."""

from __future__ import annotations

import pytest

from emulator.alb.nginx import AlbParts, Target
from emulator.alb.proxy import IMAGE, LISTENERS_ENV, Proxy, listener_mode
from emulator.model.layout import Action, Listener, LoadBalancer, TargetGroup, WeightedTargetGroup
from emulator.runtime.memory import MemoryRuntime


@pytest.mark.parametrize(
    ("engine", "env", "want"),
    [
        (True, "", "host"),
        (False, "", "published"),
        (True, "published", "published"),
        (False, "HOST", "host"),
        (True, "nonsense", "host"),
    ],
)
def test_listener_mode(engine: bool, env: str, want: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LISTENERS_ENV, env)
    assert listener_mode(MemoryRuntime(host_network=engine)) == want


def _parts() -> AlbParts:
    fwd = (Action("forward", (WeightedTargetGroup("web"),)),)
    lb = LoadBalancer(
        "edge",
        listeners=(
            Listener(80, "HTTP", "127.0.0.1:18080", fwd),
            Listener(8443, "HTTPS", None, fwd),
        ),
    )
    return AlbParts(lb, (TargetGroup("web", port=8080),))


@pytest.mark.parametrize("on_host", [True, False])
def test_proxy_runs_where_its_mode_says(on_host: bool) -> None:
    rt = MemoryRuntime().with_images(IMAGE)
    rt.create_network("s-public", {}, internal=False, subnet=None)
    rt.create_network("s-private", {}, internal=True, subnet=None)
    proxy = Proxy(rt, "s", _parts(), ["s-public"], on_host=on_host)
    conf = proxy.render({"web": [Target("10.0.0.9", 8080, "healthy")]})
    assert proxy.ensure(conf, {"s-private"})
    assert proxy.container_id is not None
    made = rt.inspect(proxy.container_id)
    connects = [what for op, what in rt.calls if op == "connect"]
    if on_host:
        assert made.network_mode == "host"
        assert made.ports == ()
        assert connects == []  # the host reaches every bridge already
        assert "listen 127.0.0.1:18080 default_server;" in conf
        assert "listen 127.0.0.1:8443 default_server;" in conf
    else:
        assert made.network_mode == "s-public"
        assert {(cp, hip, hp) for cp, _, hip, hp in made.ports} == {
            (80, "127.0.0.1", 18080),
            (8443, "127.0.0.1", 8443),
        }
        assert connects == [f"s-private {proxy.container_id}"]
        assert "listen 80 default_server;" in conf
    # a proxy of the other mode does not adopt this one: it replaces it
    other = Proxy(rt, "s", _parts(), ["s-public"], on_host=not on_host)
    other.ensure(other.render({}))
    assert [c.id for c in other.find()] == [other.container_id] != [proxy.container_id]
