"""The knowledge table, entry by entry: a realistic stop (stop code, stoppedReason or a
container's reason, exit code) for every entry finds that entry, and its words are there.

A new entry without a case here fails ``test_every_entry_has_a_case``."""

from __future__ import annotations

import pytest

from ecsdev.explain.entries import ENTRIES, UNKNOWN_TASK
from ecsdev.explain.entries_stop import STOPPED_WITH_TASK
from ecsdev.explain.knowledge import Scope, entry, match_container, match_task

TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/6d0ecf831eec9f09"
T = "task"
C = "container"

# (expected key, where, task stop code, reason text, exit code, oom)
CASES: list[tuple[str, str, str | None, str | None, int | None, bool]] = [
    ("container.oom", C, "EssentialContainerExited", None, 137, True),
    (
        "container.oom",
        C,
        "EssentialContainerExited",
        "OutOfMemoryError: Container killed due to memory usage",
        137,
        False,
    ),
    (
        "task.oom",
        T,
        "EssentialContainerExited",
        "OutOfMemoryError: Container killed due to memory usage",
        None,
        False,
    ),
    (
        "init.disk",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: unable to create new container: mkdir "
        "/var/lib/docker/overlay2/abc/merged: no space left on device",
        None,
        False,
    ),
    (
        "dependency.timeout",
        T,
        "TaskFailedToStart",
        "Task failed to start: container 'app' dependency condition HEALTHY on container 'db' "
        "not met within startTimeout 120s",
        None,
        False,
    ),
    (
        "dependency.failed",
        T,
        "TaskFailedToStart",
        "Task failed to start: container 'app' dependency condition SUCCESS on container "
        "'migrate' not met: 'migrate' exited with code 1",
        None,
        False,
    ),
    (
        "dependency.failed",
        C,
        "TaskFailedToStart",
        "DependencyError: dependency condition SUCCESS on container 'migrate' not met",
        None,
        False,
    ),
    (
        "pull.not-found",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to "
        "resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v9: "
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v9: not found",
        None,
        False,
    ),
    (
        "pull.access-denied",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: pull access denied for private/app, repository does not "
        "exist or may require 'docker login': denied: requested access to the resource is denied",
        None,
        False,
    ),
    (
        "pull.access-denied",
        C,
        "TaskFailedToStart",
        "CannotPullContainerError: Error response from daemon: Get https://ghcr.io/v2/o/app/"
        "manifests/1: unauthorized",
        None,
        False,
    ),
    (
        "pull.rate-limit",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: toomanyrequests: You have reached your pull rate limit.",
        None,
        False,
    ),
    (
        "pull.network",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: Error response from daemon: Get https://123456789012.dkr.ecr"
        ".us-east-1.amazonaws.com/v2/: net/http: request canceled while waiting for connection "
        "(Client.Timeout exceeded while awaiting headers)",
        None,
        False,
    ),
    (
        "pull.platform",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: image Manifest does not contain descriptor matching "
        "platform 'linux/arm64/v8'",
        None,
        False,
    ),
    (
        "pull.disk",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob123: no space left on "
        "device",
        None,
        False,
    ),
    (
        "pull.other",
        T,
        "TaskFailedToStart",
        "CannotPullContainerError: failed to extract layer sha256:1a2b: unexpected EOF",
        None,
        False,
    ),
    (
        "init.ssm",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: unable to pull secrets or registry auth: execution "
        "resource retrieval failed: unable to retrieve secrets from ssm: service call has been "
        "retried 5 time(s): ParameterNotFound: arn:aws:ssm:us-east-1:123456789012:parameter/db",
        None,
        False,
    ),
    (
        "init.secretsmanager",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: unable to pull secrets or registry auth: execution "
        "resource retrieval failed: unable to retrieve secret from asm: service call has been "
        "retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:"
        "123456789012:secret:db-AbCdEf",
        None,
        False,
    ),
    (
        "init.registry-auth",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: unable to pull secrets or registry auth: execution "
        "resource retrieval failed: unable to retrieve ecr registry auth: service call has "
        "been retried 3 time(s): RequestError: send request failed",
        None,
        False,
    ),
    (
        "init.secrets",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: unable to pull secrets or registry auth: the secret "
        "'db-password' could not be had from any source",
        None,
        False,
    ),
    (
        "init.logging",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: failed to validate logger args: create stream has been "
        "retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: "
        "The specified log group does not exist. : exit status 1",
        None,
        False,
    ),
    (
        "init.eni",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: failed to configure ENI: failed to setup regular eni: "
        "netplugin failed",
        None,
        False,
    ),
    (
        "init.volume",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS "
        "volumes: stderr: Failed to resolve fs-12345678.efs.us-east-1.amazonaws.com",
        None,
        False,
    ),
    (
        "init.envfiles",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: failed to download env files: file download command: "
        "non empty error stream: AccessDenied",
        None,
        False,
    ),
    (
        "init.credentials",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: unable to get the task's credentials for taskRoleArn "
        "arn:aws:iam::123456789012:role/orders-task: the profile dev was not found",
        None,
        False,
    ),
    (
        "init.other",
        T,
        "TaskFailedToStart",
        "ResourceInitializationError: failed to initialize task: unexpected condition",
        None,
        False,
    ),
    (
        "start.not-found",
        C,
        "TaskFailedToStart",
        "CannotStartContainerError: Error response from daemon: failed to create shim task: "
        'exec: "gunicorn": executable file not found in $PATH: unknown',
        None,
        False,
    ),
    (
        "start.permission",
        C,
        "TaskFailedToStart",
        "CannotStartContainerError: Error response from daemon: exec: /app/run.sh: permission "
        "denied",
        None,
        False,
    ),
    (
        "start.exec-format",
        C,
        "TaskFailedToStart",
        "CannotStartContainerError: failed to create shim task: exec /usr/bin/app: exec format "
        "error",
        None,
        False,
    ),
    (
        "start.other",
        T,
        "TaskFailedToStart",
        "CannotStartContainerError: Error response from daemon: driver failed programming "
        "external connectivity: Bind for 0.0.0.0:8080 failed: port is already allocated",
        None,
        False,
    ),
    (
        "runtime.timeout",
        T,
        "TaskFailedToStart",
        "ContainerRuntimeTimeoutError: Could not transition to running; timed out after "
        "waiting 1m: context deadline exceeded",
        None,
        False,
    ),
    (
        "runtime.create-volume",
        T,
        "TaskFailedToStart",
        "CannotCreateVolumeError: the volume driver returned an error",
        None,
        False,
    ),
    (
        "runtime.inspect",
        C,
        None,
        "CannotInspectContainerError: context deadline exceeded",
        None,
        False,
    ),
    ("runtime.stop", C, None, "CannotStopContainerError: failed sending SIGTERM", None, False),
    ("exit.stop-timeout", C, "UserInitiated", None, 137, False),
    ("exit.stop-timeout", C, STOPPED_WITH_TASK, None, 137, False),
    ("exit.sigterm-on-stop", C, "ServiceSchedulerInitiated", None, 143, False),
    ("exit.sigterm-on-stop", C, STOPPED_WITH_TASK, None, 0, False),
    ("exit.0", C, "EssentialContainerExited", None, 0, False),
    ("exit.1", C, "EssentialContainerExited", None, 1, False),
    ("exit.126", C, "EssentialContainerExited", None, 126, False),
    ("exit.127", C, "EssentialContainerExited", None, 127, False),
    ("exit.134", C, "EssentialContainerExited", None, 134, False),
    ("exit.137", C, "EssentialContainerExited", None, 137, False),
    ("exit.139", C, "EssentialContainerExited", None, 139, False),
    ("exit.143", C, "EssentialContainerExited", None, 143, False),
    ("exit.nonzero", C, "EssentialContainerExited", None, 3, False),
    (
        "task.essential-exited",
        T,
        "EssentialContainerExited",
        "Essential container in task exited",
        None,
        False,
    ),
    (
        "task.elb-health",
        T,
        "ServiceSchedulerInitiated",
        f"Task failed ELB health checks in (target-group {TG})",
        None,
        False,
    ),
    (
        "task.container-health",
        T,
        "ServiceSchedulerInitiated",
        "Task failed container health checks",
        None,
        False,
    ),
    (
        "task.rollback",
        T,
        "ServiceSchedulerInitiated",
        "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/5550943288813449111.",
        None,
        False,
    ),
    (
        "task.scaling",
        T,
        "ServiceSchedulerInitiated",
        "Scaling activity initiated by (deployment ecs-svc/3763308422771520962)",
        None,
        False,
    ),
    (
        "task.host-stopped",
        T,
        "TerminationNotice",
        "Host EC2 (instance i-0b1a2c3d4e5f67890) terminated.",
        None,
        False,
    ),
    ("task.spot", T, "SpotInterruption", "Your Spot Task was interrupted.", None, False),
    (
        "task.termination",
        T,
        "TerminationNotice",
        "Task is being retired: AWS Fargate infrastructure maintenance",
        None,
        False,
    ),
    (
        "task.removed",
        T,
        "UserInitiated",
        "Task containers were removed outside ecsdev",
        None,
        False,
    ),
    ("task.user", T, "UserInitiated", "Task stopped by user", None, False),
    ("task.user", T, "UserInitiated", "Stopped from the ecsdev dashboard", None, False),
    (
        "task.scheduler",
        T,
        "ServiceSchedulerInitiated",
        "ECS is performing maintenance on the service",
        None,
        False,
    ),
    (
        "task.essential-exited-code",
        T,
        "EssentialContainerExited",
        "Essential container exited",
        None,
        False,
    ),
    ("task.failed-to-start", T, "TaskFailedToStart", "Task failed to start", None, False),
    ("task.unknown", T, None, "Something nobody has seen before", None, False),
]


def _find(where: str, code: str | None, text: str | None, exit_code: int | None, oom: bool) -> str:
    if where == T:
        return match_task(code, text).key
    found = match_container(text, exit_code, code, oom)
    return found.key if found else "(none)"


@pytest.mark.parametrize(
    ("key", "where", "code", "text", "exit_code", "oom"),
    CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_a_realistic_stop_finds_its_entry(
    key: str, where: str, code: str | None, text: str | None, exit_code: int | None, oom: bool
) -> None:
    assert _find(where, code, text, exit_code, oom) == key
    e = entry(key)
    assert e.title and e.words.endswith(".") and e.next_step.endswith((".", ")"))
    assert "(?" not in e.words and "\\" not in e.words  # words, not a pattern


def test_every_entry_has_a_case_and_a_unique_key() -> None:
    keys = [e.key for e in (*ENTRIES, UNKNOWN_TASK)]
    assert len(keys) == len(set(keys))
    assert set(keys) - {c[0] for c in CASES} == set()


def test_errors_ecs_writes_as_either_reason_match_for_task_and_container_alike() -> None:
    text = "CannotPullContainerError: pull access denied for x"
    assert match_task("TaskFailedToStart", text).key == "pull.access-denied"
    found = match_container(text, None, "TaskFailedToStart")
    assert found is not None and found.key == "pull.access-denied"
    assert {e.scope for e in ENTRIES} == {Scope.TASK, Scope.CONTAINER, Scope.ANY}


def test_a_container_that_neither_exited_nor_has_a_reason_has_no_entry() -> None:
    assert match_container(None, None, "UserInitiated") is None
    assert match_container("some reason ecsdev has no entry for", None, None) is None
