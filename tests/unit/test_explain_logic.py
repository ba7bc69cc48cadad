"""The explanation of a task, pure: which container is the cause, what evidence each gets,
the next step, and the three ways it is shown (text, one record per line, JSON). Tasks are
TaskViews as the sources' parser makes them from DescribeTasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecsdev.explain.explain import ContainerHealth, Evidence, HealthRun, explain
from ecsdev.explain.render import explanation_json, explanation_records, explanation_text
from ecsdev.sources.aws_parse import parse_task
from ecsdev.sources.netviews import TargetView
from ecsdev.sources.views import ContainerDefinitionView, HealthCheckView, TaskDefinitionView

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ARN = "arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef"
TG = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/6d0ecf831eec9f09"
CHECK = HealthCheckView(("CMD-SHELL", "curl -f localhost/health"), 10, 5, 3)


def task(stop_code: str, reason: str, *containers: dict[str, object]) -> dict[str, object]:
    return {
        "taskArn": ARN,
        "clusterArn": "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
        "taskDefinitionArn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
        "lastStatus": "STOPPED",
        "desiredStatus": "STOPPED",
        "group": "service:web",
        "stopCode": stop_code,
        "stoppedReason": reason,
        "startedAt": T0,
        "stoppedAt": T0 + timedelta(minutes=3, seconds=5),
        "attachments": [
            {
                "type": "ElasticNetworkInterface",
                "details": [{"name": "privateIPv4Address", "value": "10.0.1.5"}],
            }
        ],
        "containers": list(containers),
    }


TD = TaskDefinitionView(
    "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7",
    "web",
    7,
    memory="1024",
    containers=(
        ContainerDefinitionView("app", "web:7", memory=512, health_check=CHECK),
        ContainerDefinitionView("envoy", "envoy:1", essential=False),
    ),
)


def test_the_essential_container_that_failed_is_the_cause_not_the_ones_stopped_after_it() -> None:
    t = parse_task(
        task(
            "EssentialContainerExited",
            "Essential container in task exited",
            {"name": "envoy", "lastStatus": "STOPPED", "exitCode": 143},
            {"name": "app", "lastStatus": "STOPPED", "exitCode": 1},
        )
    )
    e = explain(t, TD, Evidence(logs={"app": ("booting", "KeyError: 'DATABASE_URL'")}))
    assert e.cause == "app"
    by = {c.name: c for c in e.containers}
    assert by["app"].finding is not None and by["app"].finding.key == "exit.1"
    assert by["envoy"].finding is not None and by["envoy"].finding.key == "exit.sigterm-on-stop"
    assert "  | KeyError: 'DATABASE_URL'" in by["app"].evidence
    assert "ran for 3m 5s before it stopped" in e.evidence
    assert e.next_step.startswith("app: Read the container's last log lines")


def test_an_aws_health_check_stop_shows_the_status_describe_tasks_gives() -> None:
    t = parse_task(
        task(
            "ServiceSchedulerInitiated",
            "Task failed container health checks",
            {"name": "app", "lastStatus": "STOPPED", "exitCode": 143, "healthStatus": "UNHEALTHY"},
        )
    )
    e = explain(t, TD, Evidence())
    assert e.finding is not None and e.finding.key == "task.container-health"
    assert e.cause == "app"
    app = e.containers[0]
    assert "health when the task stopped: UNHEALTHY" in app.evidence
    assert app.finding is not None and app.finding.key == "exit.sigterm-on-stop"
    assert e.next_step == e.finding.next_step  # the task's step: the health check itself


def test_an_elb_stop_names_the_target_group_and_the_target() -> None:
    t = parse_task(
        task(
            "ServiceSchedulerInitiated",
            f"Task failed ELB health checks in (target-group {TG})",
            {"name": "app", "lastStatus": "STOPPED", "exitCode": 0},
        )
    )
    target = TargetView(
        TG,
        "10.0.1.5",
        8080,
        "unhealthy",
        "Target.ResponseCodeMismatch",
        "Health checks failed with these codes: [404]",
    )
    e = explain(t, TD, Evidence(targets=(target,), events=("(service web) (task 0123) ...",)))
    assert e.finding is not None and e.finding.key == "task.elb-health"
    assert f"target group: {TG}" in e.evidence
    assert (
        "target 10.0.1.5:8080: unhealthy — Target.ResponseCodeMismatch Health checks failed "
        "with these codes: [404]"
    ) in e.evidence
    assert e.cause is None


def test_recorded_health_runs_and_hostile_text_are_shown_clean() -> None:
    t = parse_task(
        task(
            "ServiceSchedulerInitiated",
            "Task failed container health checks",
            {
                "name": "app",
                "lastStatus": "STOPPED",
                "exitCode": 137,
                "healthStatus": "UNHEALTHY",
                "reason": "\x1b]52;c;cHduZWQ=\x07boom",
            },
        )
    )
    runs = (HealthRun("2024-05-01T11:59:50.123Z", 1, "curl: (7) \x1b[31mFailed\x1b[0m to connect"),)
    e = explain(t, TD, Evidence(health={"app": ContainerHealth("UNHEALTHY", runs)}))
    app = e.containers[0]
    assert app.finding is not None and app.finding.key == "exit.stop-timeout"
    assert "  check at 2024-05-01T11:59:50: exit 1: curl: (7) Failed to connect" in app.evidence
    assert "reason: boom" in app.evidence
    text = explanation_text(e).plain
    assert "\x1b" not in text and "\x07" not in text
    records = explanation_records(e)
    assert all("\x1b" not in "".join(r) for r in records)
    assert ("0123456789abcdef0123456789abcdef", "task", "next", e.next_step) == records[-1]
    doc = explanation_json(e)
    assert doc["explanation"]["key"] == "task.container-health"
    assert doc["explanation"]["doc"].startswith("https://docs.aws.amazon.com/AmazonECS/")
    assert doc["containers"][0]["explanation"]["key"] == "exit.stop-timeout"


def test_a_running_task_is_not_explained() -> None:
    t = parse_task(
        {
            **task("", "", {"name": "app", "lastStatus": "RUNNING"}),
            "lastStatus": "RUNNING",
            "desiredStatus": "RUNNING",
            "stopCode": None,
            "stoppedReason": None,
            "stoppedAt": None,
        }
    )
    e = explain(t, TD, Evidence())
    assert e.finding is None and e.cause is None
    assert "has not stopped" in explanation_text(e).plain
    assert explanation_records(e) == [(t.id, "task", "status", "RUNNING: not stopped")]
