"""Knowledge table, part two: why a task that ran was stopped (an essential container
exited, failed container or ELB health checks, the service scheduler, a user, Spot and
maintenance) and what a container's exit code says.

Why a module of its own: the table is data, split by when the stop happens; ``entries`` puts
the parts together in matching order. The words are ecsdev's own.
"""

from __future__ import annotations

from ecsdev.explain.knowledge import Entry, Scope

TASK, CONTAINER = Scope.TASK, Scope.CONTAINER
STOPPED_WITH_TASK = "StoppedWithTask"
"""Not an ECS stop code: what ``explain`` matches a container with when another container
made its task stop (ECS then stops the rest with SIGTERM, then SIGKILL)."""
STOPPED_BY_REQUEST = (
    "UserInitiated",
    "ServiceSchedulerInitiated",
    "SpotInterruption",
    "TerminationNotice",
    STOPPED_WITH_TASK,
)
"""Stop codes of tasks told to stop: their containers got SIGTERM, then SIGKILL."""
ERRORS_DOC = "stopped-task-errors.html"
LOGS = "Read the container's last log lines (below, or `ecsdev logs TASK CONTAINER`)."

EXIT_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "exit.stop-timeout",
        "Killed after stopTimeout",
        CONTAINER,
        "The task was stopping; the container did not exit within its stopTimeout after "
        "SIGTERM, so it was killed with SIGKILL (exit code 137).",
        "Handle SIGTERM in the process (an exec-form entry point, or an init such as "
        "`initProcessEnabled`, so the signal reaches it), or raise `stopTimeout` (Fargate: up "
        "to 120 s).",
        stop_codes=STOPPED_BY_REQUEST,
        exit_codes=(137,),
        doc="task_definition_parameters.html#container_definition_timeout",
    ),
    Entry(
        "exit.sigterm-on-stop",
        "Exited when the task stopped",
        CONTAINER,
        "The task was stopping and the container exited on SIGTERM (exit code 143) or by "
        "itself (0): the expected end of a stop, not its cause.",
        "Nothing for this container; the task's stop reason says why the task was stopped.",
        stop_codes=STOPPED_BY_REQUEST,
        exit_codes=(0, 143),
    ),
    Entry(
        "exit.0",
        "Exit code 0",
        CONTAINER,
        "The container's process finished without an error. For an essential container of a "
        "service that is a stop: ECS ends the task when its main process ends.",
        "If it should keep running, run its server in the foreground (no daemon mode, no `&`); "
        "a one-off job that finishes is expected to stop (`essential: false` for a helper).",
        exit_codes=(0,),
    ),
    Entry(
        "exit.1",
        "Exit code 1",
        CONTAINER,
        "The application stopped with a general error: an unhandled exception, a failed "
        "start-up check, missing configuration.",
        LOGS + " The error is usually in the last lines (missing environment variables or "
        "secrets, a database that does not answer).",
        exit_codes=(1,),
    ),
    Entry(
        "exit.126",
        "Exit code 126",
        CONTAINER,
        "The command was found but could not be run: not executable, or a directory.",
        "Make the program executable in the image (chmod +x) and check `entryPoint`/`command`.",
        exit_codes=(126,),
    ),
    Entry(
        "exit.127",
        "Exit code 127",
        CONTAINER,
        "The shell did not find the command: a typo, a program missing from the image, or a "
        "PATH that does not include it.",
        "Check `entryPoint`, `command` (and a health check's command) against what the image "
        "has: `docker run --rm IMAGE which PROGRAM`.",
        exit_codes=(127,),
    ),
    Entry(
        "exit.134",
        "Exit code 134 (SIGABRT)",
        CONTAINER,
        "The process aborted itself (SIGABRT): a failed assertion or a fatal runtime error.",
        LOGS,
        exit_codes=(134,),
    ),
    Entry(
        "exit.137",
        "Exit code 137 (SIGKILL)",
        CONTAINER,
        "The process was killed with SIGKILL: by the kernel for its memory use, by a stop "
        "that outlasted stopTimeout, or by someone (`docker kill`).",
        "Compare its memory use with the container's `memory` limit; if the task was being "
        "stopped, make the process exit on SIGTERM.",
        exit_codes=(137,),
    ),
    Entry(
        "exit.139",
        "Exit code 139 (SIGSEGV)",
        CONTAINER,
        "The process crashed on a memory access violation (segmentation fault), usually in "
        "native code.",
        "Check native libraries and the image's architecture (an amd64 binary under "
        "emulation, a library built for another libc); " + LOGS.lower(),
        exit_codes=(139,),
    ),
    Entry(
        "exit.143",
        "Exit code 143 (SIGTERM)",
        CONTAINER,
        "The process ended on SIGTERM, a request to stop, while nothing stopped the task: "
        "something else sent it.",
        "Find who sent SIGTERM (a supervisor, a script inside the container, the host).",
        exit_codes=(143,),
    ),
    Entry(
        "exit.nonzero",
        "Non-zero exit code",
        CONTAINER,
        "The process stopped with an error code of its own choosing (128+N means it was "
        "killed by signal N).",
        LOGS,
    ),
)

TASK_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "task.oom",
        "OutOfMemoryError",
        TASK,
        "A container of the task used more memory than its limit and the kernel's OOM killer "
        "killed it, so the task stopped.",
        "Raise the container's `memory` (hard limit) or the task's `memory`, or make the "
        "process use less (heap size flags such as -Xmx or --max-old-space-size below the limit).",
        pattern=r"OutOfMemoryError|OOMKilled",
        doc="troubleshoot-memory.html",
    ),
    Entry(
        "task.essential-exited",
        "Essential container in task exited",
        TASK,
        "An essential container stopped, so ECS stopped every other container of the task.",
        "See which essential container exited first and why (its exit code, reason and last "
        "log lines below).",
        pattern=r"Essential container in task exited",
        doc=ERRORS_DOC,
    ),
    Entry(
        "task.elb-health",
        "Task failed ELB health checks",
        TASK,
        "The load balancer's health checks of the task failed (its target turned unhealthy in "
        "the target group), so the service scheduler stopped the task and started another.",
        "Compare the target group's health check (path, port, matcher codes) with what the "
        "app answers at that path; a slow start needs `healthCheckGracePeriodSeconds`; the "
        "security group must let the load balancer reach the port.",
        pattern=r"failed ELB health checks",
        doc="troubleshoot-service-load-balancers.html",
    ),
    Entry(
        "task.container-health",
        "Task failed container health checks",
        TASK,
        "An essential container's health check failed `retries` times in a row, so the "
        "service scheduler stopped the task and started another.",
        "Run the health check's command inside a running task (`ecsdev exec TASK -- sh`); "
        "the tool it calls (curl, wget) must be in the image; a slow start needs "
        "`startPeriod` or `healthCheckGracePeriodSeconds`.",
        pattern=r"failed container health checks",
        doc="healthcheck.html",
    ),
    Entry(
        "task.rollback",
        "Deployment rolled back",
        TASK,
        "The deployment circuit breaker (or a CloudWatch alarm) failed the deployment and "
        "ECS rolled back to the last completed one, stopping this deployment's tasks.",
        "Find why the new revision's tasks failed (explain one of its earlier stopped "
        "tasks); the service's events name the deployment.",
        pattern=r"circuit breaker|roll(ing|ed)? ?back|DeploymentRollback",
        doc="deployment-circuit-breaker.html",
    ),
    Entry(
        "task.scaling",
        "Scaling activity initiated by deployment",
        TASK,
        "The service scheduler stopped the task on purpose: the service scaled in, or a "
        "deployment replaced it with a task of the new revision.",
        "Nothing is wrong with this task. If it was not expected, look at the service's "
        "desiredCount, its auto scaling and its deployments.",
        pattern=r"Scaling activity initiated by",
        doc=ERRORS_DOC,
    ),
    Entry(
        "task.host-stopped",
        "Host EC2 instance stopped or terminated",
        TASK,
        "The EC2 instance the task ran on was stopped, terminated or drained.",
        "Look at the Auto Scaling group's activity and the instance's status; use a capacity "
        "provider with managed termination protection and draining.",
        pattern=r"Host EC2|container instance .*(drain|deregister|terminat)",
        doc=ERRORS_DOC,
    ),
    Entry(
        "task.spot",
        "SpotInterruption",
        TASK,
        "The Spot capacity (Fargate Spot or a Spot instance) was reclaimed by AWS after its "
        "two-minute warning.",
        "Expected with Spot: mix in on-demand capacity with a capacity provider strategy "
        "(`base`/`weight`), and stop cleanly on SIGTERM.",
        stop_codes=("SpotInterruption",),
        doc="fargate-capacity-providers.html",
    ),
    Entry(
        "task.termination",
        "TerminationNotice / task retirement",
        TASK,
        "AWS stopped the task for maintenance of the infrastructure under it (a Fargate task "
        "retirement or a host being retired).",
        "Nothing to fix: a service starts a replacement; for standalone tasks, run them again "
        "or as a service.",
        stop_codes=("TerminationNotice",),
        doc="task-maintenance.html",
    ),
    Entry(
        "task.removed",
        "Task containers removed outside ecsdev",
        TASK,
        "The task's containers were removed behind ecsdev's back (`docker rm`, a prune), so "
        "it was recorded as stopped.",
        "Nothing in the task definition; a service starts a replacement.",
        pattern=r"removed outside ecsdev",
    ),
    Entry(
        "task.user",
        "UserInitiated",
        TASK,
        "Someone stopped the task: StopTask from the console, the CLI, an SDK, a script, or "
        "ecsdev.",
        "Nothing is wrong with the task; the reason is what the caller wrote. CloudTrail's "
        "StopTask events name who it was.",
        stop_codes=("UserInitiated",),
        doc=ERRORS_DOC,
    ),
    Entry(
        "task.scheduler",
        "ServiceSchedulerInitiated",
        TASK,
        "The service scheduler stopped the task (a health-check failure, a deployment, "
        "a scale-in or a service deletion).",
        "Read the service's events around the stop time for the scheduler's reason.",
        stop_codes=("ServiceSchedulerInitiated",),
        doc=ERRORS_DOC,
    ),
    Entry(
        "task.essential-exited-code",
        "EssentialContainerExited",
        TASK,
        "An essential container stopped, so ECS stopped every other container of the task.",
        "See which essential container exited first and why (below).",
        stop_codes=("EssentialContainerExited",),
        doc=ERRORS_DOC,
    ),
    Entry(
        "task.failed-to-start",
        "TaskFailedToStart",
        TASK,
        "The task stopped before all of its containers were running.",
        "The reason names what failed; the containers' reasons below say which one.",
        stop_codes=("TaskFailedToStart",),
        doc=ERRORS_DOC,
    ),
)

UNKNOWN_TASK = Entry(
    "task.unknown",
    "Stopped",
    TASK,
    "The task stopped for a reason ecsdev has no entry for.",
    "Read the stop reason and the containers' exit codes and reasons below.",
)
