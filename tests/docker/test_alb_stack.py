"""The ALB stand-in in a running stack, driven through the CLI as a user drives it
(``python -m ecsdev up -d -f LAYOUT``), with real requests to 127.0.0.1:

- routes: a multi-rule listener's route table, a second listener, the CloudFront hop's
  headers (echo's calculated-return-path is the viewer's URL), a weighted split within
  statistical bounds, and target-group stickiness;
- health: a target that fails its checks leaves nginx within interval x threshold and comes
  back after it recovers (grace period on); with no grace period ECS stops it with its own
  event and stoppedReason, and replaces it;
- draining: requests in flight during a scale-in finish with 200 while new ones go to the
  other task, and the task stops only after the deregistration delay;
- reloads: a client hammering the listener during a scale-out and a redeployment sees no
  error.

Each stack has a unique name, its own state directory and free ports; everything is taken
down with ``ecsdev down`` and then ``conftest.cleanup_stack`` in a ``finally``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from .albstack import (
    CDN,
    QUICK,
    Hammer,
    Stack,
    base_layout,
    direct,
    echo_family,
    forward,
    free_port,
    path_rule,
    request,
    service,
    stack,
    task_of,
    wait,
)

pytestmark = pytest.mark.docker

# ---------------------------------------------------------------------------- routes


@pytest.fixture(scope="module")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, int]]]:
    ports = {"main": free_port(), "second": free_port(), "cdn": free_port()}
    with stack(tmp_path_factory.mktemp("routes"), "alb-routes") as s:
        rules = [
            path_rule(10, "/alpha/*", "alpha"),
            {
                "priority": 20,
                "conditions": [{"field": "path-pattern", "values": ["/bravo", "/bravo/*"]}],
                "transforms": [
                    {
                        "type": "url-rewrite",
                        "urlRewriteConfig": {
                            "rewrites": [{"regex": "^/bravo/?(.*)$", "replace": "/$1"}]
                        },
                    }
                ],
                "actions": [forward("bravo")],
            },
            {
                "priority": 30,
                "conditions": [
                    {"field": "host-header", "values": ["*.example.com"]},
                    {"field": "http-request-method", "values": ["GET", "HEAD"]},
                ],
                "actions": [
                    {
                        "type": "forward",
                        "forwardConfig": {
                            "targetGroups": [
                                {"targetGroup": "blue", "weight": 75},
                                {"targetGroup": "green", "weight": 25},
                            ],
                            "targetGroupStickinessConfig": {
                                "enabled": True,
                                "durationSeconds": 300,
                            },
                        },
                    }
                ],
            },
            {
                "priority": 40,
                "conditions": [{"field": "path-pattern", "values": ["/old/*"]}],
                "actions": [
                    {
                        "type": "redirect",
                        "redirectConfig": {"path": "/new/#{path}", "statusCode": "HTTP_301"},
                    }
                ],
            },
            {
                "priority": 50,
                "conditions": [
                    {"field": "http-header", "httpHeaderName": "X-Canary", "values": ["yes"]}
                ],
                "actions": [forward("green")],
            },
            {
                "priority": 60,
                "conditions": [
                    {"field": "query-string", "values": [{"key": "version", "value": "2"}]}
                ],
                "actions": [forward("green")],
            },
            path_rule(70, "/empty/*", "empty"),
        ]
        doc = base_layout(
            s.name,
            [
                {
                    "port": 80,
                    "publish": f"127.0.0.1:{ports['main']}",
                    "defaultActions": [
                        {
                            "type": "fixed-response",
                            "statusCode": "404",
                            "contentType": "text/plain",
                            "messageBody": "no route",
                        }
                    ],
                    "rules": rules,
                },
                {
                    "port": 8080,
                    "publish": f"127.0.0.1:{ports['second']}",
                    "defaultActions": [forward("alpha")],
                },
            ],
        )
        doc["taskDefinitions"] = [echo_family("echo")]
        doc["services"] = [service("alpha", "echo", 2)] + [
            service(n, "echo") for n in ("bravo", "blue", "green")
        ]
        doc["targetGroups"] = [
            {"name": n, **QUICK, "deregistrationDelay": 2}
            for n in ("alpha", "bravo", "blue", "green", "empty")
        ]
        doc["cdn"] = [
            {
                "domainName": CDN,
                "origin": "edge",
                "originProtocol": "http",
                "publish": f"127.0.0.1:{ports['cdn']}",
            }
        ]
        out = s.up(doc)
        # the moment `up -d` says steady, nginx routes to the healthy targets (no 503 blip)
        for path in ("/alpha/x", "/bravo/x"):
            status, hdrs, _ = request(ports["main"], path)
            assert (status, hdrs.get("server")) != (503, "awselb/2.0"), f"{path}: 503 after up -d"
            assert status == 200, (path, status)
        assert f"http://127.0.0.1:{ports['main']}/ (edge listener 80)" in out.replace("\n", " ")
        yield s, ports


def test_route_table_with_real_requests(routes: tuple[Stack, dict[str, int]]) -> None:
    s, ports = routes
    owner = {d["Ecsdev"]["TaskArn"]: d["Ecsdev"]["ServiceName"] for d in s.targets()}
    main = ports["main"]

    def who(path: str, **kw: Any) -> str:
        return owner[task_of(main, path, **kw)]

    assert {who("/alpha/x") for _ in range(6)} == {"alpha"}
    assert len({task_of(main, "/alpha/x") for _ in range(6)}) == 2  # round robin over both
    assert who("/bravo/x") == who("/bravo") == "bravo"
    assert who("/", headers={"X-Canary": "yes"}) == "green"
    assert who("/anything?version=2") == "green"
    assert who("/", headers={"Host": "app.example.com"}) in ("blue", "green")
    status, hdrs, body = request(main, "/", method="POST", headers={"Host": "app.example.com"})
    assert (status, hdrs["server"], body) == (404, "awselb/2.0", "no route")  # POST: no rule 30
    status, hdrs, _ = request(main, "/old/page?q=1")
    assert status == 301 and hdrs["server"] == "awselb/2.0"
    # headers.translate: the Location keeps the published port, so it can be followed
    assert hdrs["location"] == f"http://127.0.0.1:{main}/new/old/page?q=1"
    status, hdrs, body = request(main, "/empty/x")  # a target group with no target
    assert status == 503 and hdrs["server"] == "awselb/2.0" and "503" in body
    assert owner[task_of(ports["second"], "/whatever")] == "alpha"
    # what reached bravo: the rewritten path, and the ALB's headers
    _, _, body = request(main, "/bravo/deep/path?x=1")
    assert body["path"] == "/deep/path?x=1"
    got = body["incoming-headers"]
    # translated to what the viewer used (headers.translate): the published port
    assert got["x-forwarded-proto"] == "http" and got["x-forwarded-port"] == str(main)
    assert body["calculated-return-path"] == f"http://127.0.0.1:{main}/bravo/deep/path?x=1"
    assert got["x-forwarded-prefix"] == "/bravo" and got["x-amzn-trace-id"].startswith("Root=1-")


def test_cdn_hop_gives_the_viewer_url(routes: tuple[Stack, dict[str, int]]) -> None:
    s, ports = routes
    status, _, body = request(ports["cdn"], "/bravo/")
    assert status == 200
    assert body["calculated-return-path"] == f"https://{CDN}/bravo/"
    got = body["incoming-headers"]
    assert got["cloudfront-forwarded-proto"] == "https"
    assert got["x-forwarded-host"] == CDN and got["x-forwarded-proto"] == "https"
    assert "cloudfront.net (CloudFront)" in got["via"] and got["x-amz-cf-id"]


def test_weighted_split_and_stickiness(routes: tuple[Stack, dict[str, int]]) -> None:
    s, ports = routes
    owner = {d["Ecsdev"]["TaskArn"]: d["Ecsdev"]["ServiceName"] for d in s.targets()}
    host = {"Host": "www.example.com"}
    n = 400
    counts = Counter(owner[task_of(ports["main"], "/", headers=host)] for _ in range(n))
    # binomial(400, 0.25): mean 100, sd 8.7; +-4 sd
    assert 65 <= counts["green"] <= 135, counts
    assert counts["blue"] + counts["green"] == n
    status, hdrs, body = request(ports["main"], "/", headers=host)
    cookies = [c.split(";")[0] for c in hdrs["set-cookie"].splitlines()]
    cookie = next(c for c in cookies if c.startswith("AWSALBTG="))
    first = owner[body["task"]]
    pinned = {
        owner[task_of(ports["main"], "/", headers={**host, "Cookie": cookie})] for _ in range(30)
    }
    assert pinned == {first}


# ---------------------------------------------------------------------------- health


def test_unhealthy_target_leaves_comes_back_and_is_replaced(tmp_path: Path) -> None:
    port = free_port()
    with stack(tmp_path, "alb-health") as s:
        doc = base_layout(
            s.name,
            [
                {
                    "port": 80,
                    "publish": f"127.0.0.1:{port}",
                    "defaultActions": [forward("steady")],
                    "rules": [path_rule(10, "/fragile/*", "fragile")],
                }
            ],
        )
        doc["taskDefinitions"] = [echo_family("echo")]
        doc["services"] = [service("steady", "echo", 2, grace=300), service("fragile", "echo", 1)]
        doc["targetGroups"] = [
            {"name": n, **QUICK, "deregistrationDelay": 2} for n in ("steady", "fragile")
        ]
        s.up(doc)
        tg = {d["Ecsdev"]["TargetGroupName"]: d["Ecsdev"]["TargetGroupArn"] for d in s.targets()}
        steady = {d["Ecsdev"]["TaskArn"] for d in s.serving("steady")}
        sick = s.serving("steady")[0]
        fragile = s.serving("fragile")[0]
        sick_task, fragile_task = sick["Ecsdev"]["TaskArn"], fragile["Ecsdev"]["TaskArn"]
        interval, threshold, slack = 5, 2, 4

        # the echo app's /health starts failing (asked directly on the task's own address)
        t0 = time.time()
        for d in (sick, fragile):
            assert direct(d["Target"]["Id"], "/health/fail") == 200
        last_seen = t0
        unhealthy_at = None
        while time.time() - t0 < interval * threshold + slack + 8:
            if task_of(port, "/") == sick_task:
                last_seen = time.time()
            if unhealthy_at is None and s.target(sick_task)["TargetHealth"]["State"] == "unhealthy":
                unhealthy_at = time.time()
            if unhealthy_at and time.time() - unhealthy_at > 3:
                break
            time.sleep(0.1)
        assert unhealthy_at is not None, s.target(sick_task)
        assert unhealthy_at - t0 <= interval * threshold + slack
        assert last_seen - t0 <= interval * threshold + slack, "still routed after unhealthy"
        d = s.target(sick_task)["TargetHealth"]
        assert d == {
            "State": "unhealthy",
            "Reason": "Target.ResponseCodeMismatch",
            "Description": "Health checks failed with these codes: [503]",
        }

        # it recovers: healthy after 2 passing checks, and gets traffic again
        assert direct(sick["Target"]["Id"], "/health/ok") == 200
        t1 = time.time()
        wait(
            lambda: s.target(sick_task)["TargetHealth"]["State"] == "healthy",
            interval * 2 + slack + 2,
            "the recovered target to be healthy",
        )
        wait(
            lambda: task_of(port, "/") == sick_task, 5, "traffic back on the recovered target", 0.05
        )
        assert time.time() - t1 <= interval * 2 + slack + 5

        # no grace period: ECS stops the ELB-unhealthy task and replaces it
        arn = tg["fragile"]
        text = (
            f"(service fragile) (task {fragile_task.rsplit('/', 1)[1]}) (port 8080) is unhealthy in "
            f"(target-group {arn}) due to (reason Health checks failed with these codes: [503])."
        )
        wait(lambda: any(m == text for _, m in s.events()), 30, "the ECS unhealthy event")
        store = s.store
        assert store is not None
        stopped = wait(
            lambda: [t for t in store.stopped_tasks() if t.task_arn == fragile_task],
            30,
            "the unhealthy task to stop",
        )
        assert stopped[0].stopped_reason == f"Task failed ELB health checks in (target-group {arn})"
        assert stopped[0].stop_code == "ServiceSchedulerInitiated"
        new = wait(
            lambda: [d for d in s.serving("fragile") if d["Ecsdev"]["TaskArn"] != fragile_task],
            60,
            "a healthy replacement",
        )
        assert task_of(port, "/fragile/x") == new[0]["Ecsdev"]["TaskArn"]
        # the steady service kept both its tasks (grace period)
        assert {d["Ecsdev"]["TaskArn"] for d in s.serving("steady")} == steady


# ---------------------------------------------------------------------------- draining + reloads


def web_layout(
    name: str, port: int, desired: int, grace: int = 0, delay: int = 0
) -> dict[str, Any]:
    """One echo service "web" behind one listener on ``port`` (quick health checks)."""
    doc = base_layout(
        name, [{"port": 80, "publish": f"127.0.0.1:{port}", "defaultActions": [forward("web")]}]
    )
    doc["taskDefinitions"] = [echo_family("web")]
    doc["services"] = [service("web", "web", desired, grace=grace)]
    doc["targetGroups"] = [{"name": "web", **QUICK, "deregistrationDelay": delay}]
    return doc


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, int]]:
    port = free_port()
    with stack(tmp_path_factory.mktemp("web"), "alb-web") as s:
        s.up(web_layout(s.name, port, 2, delay=5))
        yield s, port


def test_draining_lets_requests_finish_and_sends_new_ones_elsewhere(web: tuple[Stack, int]) -> None:
    s, port = web
    results: list[tuple[int, str, float]] = []

    def slow() -> None:
        t = time.time()
        status, _, body = request(port, "/sleep/3")
        results.append((status, body["task"], time.time() - t))

    threads = [threading.Thread(target=slow) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    since = time.time()
    s.cli("scale", "web", "1", "--stack", s.name)
    draining = wait(
        lambda: [d for d in s.targets() if d["TargetHealth"]["State"] == "draining"], 10, "draining"
    )
    gone = draining[0]["Ecsdev"]["TaskArn"]
    assert draining[0]["TargetHealth"]["Reason"] == "Target.DeregistrationInProgress"
    tasks = json.loads(s.cli("ps", "--stack", s.name, "--json"))["tasks"]
    assert next(t for t in tasks if t["taskArn"] == gone)["lastStatus"] == "DEACTIVATING"
    time.sleep(1.0)  # nginx has reloaded
    fresh = {task_of(port, "/") for _ in range(20)}
    assert gone not in fresh and len(fresh) == 1
    for t in threads:
        t.join()
    assert [r[0] for r in results] == [200] * 4, results
    assert gone in {r[1] for r in results}, "a slow request was in flight on the drained task"
    assert all(r[2] >= 3 for r in results)
    short = gone.rsplit("/", 1)[1]
    stopped_at = wait(
        lambda: [at for at, m in s.events() if m.startswith(f"task {short} stopped")],
        20,
        "the stop",
    )[0]
    kinds = ("has stopped 1 running", "deregistered 1 targets", "has begun draining")
    order = [
        k
        for at, m in s.events()
        if at >= since - 1
        for k in kinds
        if k in m and "(service web" in m
    ]
    assert order == list(kinds), order
    began = next(at for at, m in s.events() if "has begun draining" in m)
    assert stopped_at - began >= 4  # deregistrationDelay 5 (events are ~1 s apart at most)


def test_killed_controller_comes_back_without_a_blip(web: tuple[Stack, int]) -> None:
    s, port = web
    registered = sum("registered 1 targets" in m for _, m in s.events())
    with Hammer(port) as h:
        time.sleep(1.0)
        lock = s.state / "stacks" / s.name / "controller.lock"
        os.kill(int(lock.read_text().strip()), 9)
        time.sleep(1.0)  # nginx serves on its own
        doc = yaml.safe_load(s.path.read_text())
        doc["services"][0]["desiredCount"] = 1  # as scaled by the test before: no change
        s.up(doc)  # a new controller adopts the targets and nginx
        time.sleep(3.0)
    assert not h.errors, h.errors[:5]
    assert sum(h.served.values()) > 50
    assert sum("registered 1 targets" in m for _, m in s.events()) == registered


def test_reloads_under_load_drop_nothing(web: tuple[Stack, int]) -> None:
    s, port = web
    with Hammer(port) as h:
        s.cli("scale", "web", "2", "--stack", s.name)
        wait(lambda: len(s.serving("web")) == 2, 60, "two healthy targets")
        before = {d["Ecsdev"]["TaskArn"] for d in s.serving("web")}
        s.cli("redeploy", "web", "--stack", s.name)
        wait(
            lambda: (
                len(s.targets()) == 2
                and {d["Ecsdev"]["TaskArn"] for d in s.serving("web")}.isdisjoint(before)
                and len(s.serving("web")) == 2
            ),
            90,
            "the redeployment to replace both targets",
        )
        time.sleep(1.0)
    assert not h.errors, h.errors[:5]
    assert sum(h.served.values()) > 200 and len(h.served) >= 3, h.served


# ---------------------------------------------------------------------------- up says steady


def test_up_again_after_down_answers_as_soon_as_it_says_steady(tmp_path: Path) -> None:
    """A second ``up -d`` finds the service COMPLETED from its first life: runningCount alone
    (ECS's "stable") says steady while the new targets are still in their first health
    checks (5 s x 2 here). ``up -d`` waits for healthy targets and for nginx to route to
    them, so the first request after it returns reaches a task."""
    port = free_port()
    with stack(tmp_path, "alb-again") as s:
        doc = web_layout(s.name, port, 2)
        for round_ in range(2):
            s.up(doc)
            status, hdrs, _ = request(port, "/x")
            assert (status, hdrs.get("server", "")[:4]) == (200, "echo"), (round_, status, hdrs)
            assert len(s.serving("web")) == 2
            if round_ == 0:
                s.cli("down", "-f", str(s.path))


def test_up_says_why_the_load_balancer_does_not_reach_running_services(tmp_path: Path) -> None:
    """Services that run (their deployment COMPLETED from a first `up`, unhealthy targets
    ignored within the grace period) but that the ALB cannot reach: `up -d` fails with the
    target groups' states instead of printing a URL that answers 503."""
    port = free_port()
    with stack(tmp_path, "alb-why") as s:
        doc = web_layout(s.name, port, 1, grace=300)
        s.up(doc)
        s.cli("down", "-f", str(s.path))
        doc["targetGroups"][0]["matcher"] = "418"  # every health check now fails
        s.path.write_text(yaml.safe_dump(doc))
        res = subprocess.run(
            # 18 s: the target is unhealthy ~9 s after `up` starts (task start, then two failed
            # checks 5 s apart), so the answer can say why
            [sys.executable, "-m", "ecsdev", "up", "-d", "-f", str(s.path), "--timeout", "18"],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=s.root,
            env=s.env,
        )
        said = " ".join((res.stdout + res.stderr).split())
        assert res.returncode != 0, said
        assert "its services run, but the load balancer does not reach them within 18s" in said
        assert (
            "(service web) 0 of 1 targets healthy in (target-group web): "
            "unhealthy (Target.ResponseCodeMismatch)"
        ) in said
        assert "Traceback" not in said
