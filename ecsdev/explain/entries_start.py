"""Knowledge table, part one: errors that keep a task or a container from starting (image
pulls, resource initialisation: secrets, registry auth, the log driver, the ENI, volumes;
container start errors; dependsOn conditions that are never met).

Why a module of its own: the table is data, long enough to be split by when the error
happens; ``entries`` puts the parts together in matching order. The words are ecsdev's own,
after AWS's "Amazon ECS stopped task error messages" and its CannotPullContainerError and
ResourceInitializationError troubleshooting pages.
"""

from __future__ import annotations

from ecsdev.explain.knowledge import Entry, Scope

ANY, CONTAINER = Scope.ANY, Scope.CONTAINER
PULL = r"CannotPullContainerError"
INIT = r"ResourceInitializationError"
START = r"CannotStartContainerError"
PULL_DOC = "task_cannot_pull_image.html"
INIT_DOC = "resource-initialization-error.html"
START_DOC = "cannot-start-container.html"
ROUTE = (
    "The task's subnet must reach the service: a public IP in a public subnet, a NAT gateway, "
    "or VPC endpoints; check its route table and security group egress."
)

START_ENTRIES: tuple[Entry, ...] = (
    Entry(
        "container.oom",
        "OutOfMemoryError",
        CONTAINER,
        "The container used more memory than its limit and the kernel's OOM killer killed "
        "its process (exit code 137 when it was the container's main process).",
        "Raise the container's `memory` (hard limit) or the task's `memory`, or make the "
        "process use less (heap size flags such as -Xmx or --max-old-space-size below the limit).",
        oom=True,
        doc="troubleshoot-memory.html",
    ),
    Entry(
        "dependency.timeout",
        "Dependency not met within startTimeout",
        ANY,
        "A container waited for another one (dependsOn) longer than its startTimeout, so the "
        "task stopped before that container started.",
        "Look at the container it waits for: why it is not yet STARTED, COMPLETE, SUCCESS or "
        "HEALTHY (its health check and logs), or raise `startTimeout`.",
        pattern=r"not met within startTimeout|timed out waiting for dependenc",
        doc="task_definition_parameters.html#container_definition_dependson",
    ),
    Entry(
        "dependency.failed",
        "Dependency condition not met",
        ANY,
        "A container's dependsOn condition can never be met (the container it depends on "
        "exited with an error, or before it was healthy), so the container never started and "
        "the task stopped.",
        "Fix the container it depends on first (its exit code and last log lines are below); "
        "SUCCESS needs exit code 0, HEALTHY needs a passing health check.",
        pattern=r"DependencyError|dependency condition|DependencyConditionNotSatisfied",
        doc="task_definition_parameters.html#container_definition_dependson",
    ),
    Entry(
        "pull.access-denied",
        "CannotPullContainerError: access denied",
        ANY,
        "The registry refused the pull: the credentials are missing or wrong, or the "
        "repository does not exist for them (Docker Hub says both in one message).",
        "Check the image name first. For ECR: the task execution role needs "
        "ecr:GetAuthorizationToken and ecr:BatchGetImage (AmazonECSTaskExecutionRolePolicy). For a private registry: "
        "`repositoryCredentials` names a secret the execution role can read.",
        pattern=PULL + r".*(access denied|unauthorized|denied|no basic auth|403|forbidden)",
        doc=PULL_DOC,
    ),
    Entry(
        "pull.not-found",
        "CannotPullContainerError: image not found",
        ANY,
        "The image, or the tag asked for, does not exist in the registry.",
        "Check the image name and tag in the task definition against the registry (a tag "
        "pushed to another account or Region, or deleted by a lifecycle policy).",
        pattern=PULL + r".*(not found|manifest unknown|does not exist|repository .* not exist)",
        doc=PULL_DOC,
    ),
    Entry(
        "pull.rate-limit",
        "CannotPullContainerError: too many requests",
        ANY,
        "The registry throttled the pull (Docker Hub limits anonymous pulls).",
        "Pull from ECR (a pull-through cache or a copy of the image), or authenticate to "
        "Docker Hub with `repositoryCredentials`.",
        pattern=PULL + r".*(toomanyrequests|too many requests|rate limit)",
        doc=PULL_DOC,
    ),
    Entry(
        "pull.network",
        "CannotPullContainerError: registry not reachable",
        ANY,
        "The pull timed out: the task could not reach the registry over the network.",
        ROUTE + " For ECR through VPC endpoints: ecr.api, ecr.dkr and the S3 gateway.",
        pattern=PULL
        + r".*(timeout|timed out|deadline exceeded|dial tcp|connection refused|no such host"
        r"|request canceled|has been retried)",
        doc=PULL_DOC,
    ),
    Entry(
        "pull.platform",
        "CannotPullContainerError: no image for this platform",
        ANY,
        "The image has no variant for the task's CPU architecture or operating system.",
        "Build the image for the task's `runtimePlatform` (linux/amd64 or linux/arm64), or "
        "change `runtimePlatform` to one the image has.",
        pattern=PULL + r".*(no matching manifest|platform)",
        doc=PULL_DOC,
    ),
    Entry(
        "pull.disk",
        "CannotPullContainerError: no space left",
        ANY,
        "The image did not fit on the host's or the task's disk.",
        "Use a smaller image, raise `ephemeralStorage` (Fargate) or the instance's volume.",
        pattern=PULL + r".*no space left on device",
        doc=PULL_DOC,
    ),
    Entry(
        "pull.other",
        "CannotPullContainerError",
        ANY,
        "The container image could not be pulled.",
        "Read the rest of the message; try `docker pull` of the same image with the same "
        "credentials from the same network.",
        pattern=PULL,
        doc=PULL_DOC,
    ),
    Entry(
        "init.ssm",
        "ResourceInitializationError: SSM parameter",
        ANY,
        "A secret from SSM Parameter Store (`secrets` or `secretOptions`) could not be fetched "
        "before the containers started, so none of them started.",
        "Check that the parameter exists in the task's Region, that the execution role may "
        "ssm:GetParameters it (and kms:Decrypt its key), and that the task reaches SSM. " + ROUTE,
        pattern=INIT + r".*(\bssm\b|parameter/|ParameterNotFound|GetParameters)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.secretsmanager",
        "ResourceInitializationError: Secrets Manager secret",
        ANY,
        "A secret from Secrets Manager (`secrets`, `secretOptions` or `repositoryCredentials`) "
        "could not be fetched before the containers started, so none of them started.",
        "Check the secret's ARN (json-key, version stage and id suffixes), that the execution "
        "role may secretsmanager:GetSecretValue it (and kms:Decrypt), and that the task "
        "reaches Secrets Manager. " + ROUTE,
        pattern=INIT + r".*(\basm\b|secretsmanager|secrets manager|GetSecretValue)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.registry-auth",
        "ResourceInitializationError: registry auth",
        ANY,
        "The credentials to pull the image (ECR's authorisation token) could not be had.",
        "The execution role needs ecr:GetAuthorizationToken and the task must reach ECR's API. "
        + ROUTE,
        pattern=INIT + r".*(ecr registry auth|\becr\b|ecr:)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.secrets",
        "ResourceInitializationError: secrets or registry auth",
        ANY,
        "What the task needs before its containers start (its secrets, or the credentials to "
        "pull its image) could not be fetched, so none of its containers started.",
        "The message names the secret or registry: check that it exists, that the execution "
        "role may read it, and that the task reaches the service. " + ROUTE,
        pattern=INIT + r".*unable to pull secrets or registry auth",
        doc=INIT_DOC,
    ),
    Entry(
        "init.logging",
        "ResourceInitializationError: log driver",
        ANY,
        "The log driver could not be set up (for awslogs: the log group is missing, or "
        "CloudWatch Logs could not be reached), so the containers were not started.",
        "Create the log group or set `awslogs-create-group: true` (the execution role then "
        "needs logs:CreateLogGroup); check `awslogs-region`, and that the task reaches "
        "CloudWatch Logs. " + ROUTE,
        pattern=INIT + r".*(logger|logging driver|log group|log stream|cloudwatch)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.eni",
        "ResourceInitializationError: network interface",
        ANY,
        "The task's network interface (ENI, awsvpc) could not be set up.",
        "Check that the subnet has free IP addresses, that its VPC has DNS resolution and DNS "
        "hostnames enabled, and the account's ENI quota.",
        pattern=INIT + r".*(\beni\b|network interface|failed to (configure|assign|attach)|dns)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.disk",
        "ResourceInitializationError: no space left",
        ANY,
        "The task's storage filled up while it was being prepared (image layers, volumes).",
        "Use a smaller image, raise `ephemeralStorage` (Fargate) or the instance's volume, and "
        "clean up images on EC2 hosts (ECS_IMAGE_CLEANUP_INTERVAL).",
        pattern=INIT + r".*no space left on device",
        doc=INIT_DOC,
    ),
    Entry(
        "init.volume",
        "ResourceInitializationError: volume",
        ANY,
        "A volume of the task (an EFS file system, a bind mount) could not be mounted.",
        "For EFS: the mount target in the task's subnet, NFS (2049) open between their "
        "security groups, and the access point and IAM authorisation settings.",
        pattern=INIT + r".*(efs|mount|volume|mkdir)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.envfiles",
        "ResourceInitializationError: environment files",
        ANY,
        "An `environmentFiles` file could not be downloaded from S3.",
        "Check the object's ARN, that the execution role may s3:GetObject it (and "
        "s3:GetBucketLocation), and that the task reaches S3. " + ROUTE,
        pattern=INIT + r".*(env files|environment file|s3)",
        doc=INIT_DOC,
    ),
    Entry(
        "init.credentials",
        "ResourceInitializationError: task role credentials (ecsdev)",
        ANY,
        "ecsdev could not get credentials for the task's role before starting it: the stack "
        "asks for the role assumed with a profile (`credentials: assume-role`) or for the "
        "profile's own session (`credentials: session`), and that call failed.",
        "Check the profile named in the layout's `credentials` (or `--role-profile`): that it "
        "exists, is signed in (`aws sts get-caller-identity --profile P`) and may "
        "sts:AssumeRole the taskRoleArn; or use `credentials: {source: local}` for a stack "
        "that only talks to the local endpoint.",
        pattern=INIT + r".*unable to get the task's credentials",
        doc="task-iam-roles.html",
    ),
    Entry(
        "init.other",
        "ResourceInitializationError",
        ANY,
        "Something the task needs before its containers start (secrets, registry auth, log "
        "driver, network, volumes) could not be prepared.",
        "Read the rest of the message for the resource; most often it is the execution role's "
        "permissions or the subnet's route to an AWS service. " + ROUTE,
        pattern=INIT,
        doc=INIT_DOC,
    ),
    Entry(
        "start.not-found",
        "CannotStartContainerError: executable not found",
        ANY,
        "The container's command or entry point names a program that is not in the image.",
        "Check `entryPoint` and `command` (exec form: the first word is the program; a shell "
        "line needs sh -c), and that the program is on the image's PATH.",
        pattern=r"(executable file not found|no such file or directory)",
        doc=START_DOC,
    ),
    Entry(
        "start.permission",
        "CannotStartContainerError: permission denied",
        ANY,
        "The container's program exists but could not be executed.",
        "Make the file executable in the image (chmod +x), and check `user` and a read-only "
        "root file system.",
        pattern=START + r".*permission denied",
        doc=START_DOC,
    ),
    Entry(
        "start.exec-format",
        "CannotStartContainerError: exec format error",
        ANY,
        "The program was built for another CPU architecture, or a script lacks its #! line.",
        "Build the image for the task's architecture (`runtimePlatform`), or add a #! line.",
        pattern=r"exec format error",
        doc=START_DOC,
    ),
    Entry(
        "start.other",
        "CannotStartContainerError",
        ANY,
        "The container was created but could not be started.",
        "Read the rest of the message: a port already in use, a missing device or volume, "
        "resource limits the host refuses.",
        pattern=START,
        doc=START_DOC,
    ),
    Entry(
        "runtime.timeout",
        "ContainerRuntimeTimeoutError",
        ANY,
        "A container did not reach RUNNING or STOPPED within the agent's timeout.",
        "Often a slow image extraction or a stuck volume; retry, and look at the host or "
        "platform health if it repeats.",
        pattern=r"ContainerRuntimeTimeoutError|DockerTimeoutError",
        doc="stopped-task-error-codes.html",
    ),
    Entry(
        "runtime.create-volume",
        "CannotCreateVolumeError",
        ANY,
        "A volume of the task definition could not be created.",
        "Check the `volumes` of the task definition (driver, options, EFS settings).",
        pattern=r"CannotCreateVolumeError",
        doc="stopped-task-error-codes.html",
    ),
    Entry(
        "runtime.inspect",
        "CannotInspectContainerError",
        ANY,
        "The agent could not read the container's state from the container runtime.",
        "Usually the host or the runtime is in trouble; if it repeats, replace the instance.",
        pattern=r"CannotInspectContainerError",
        doc="stopped-task-error-codes.html",
    ),
    Entry(
        "runtime.stop",
        "CannotStopContainerError",
        ANY,
        "The agent could not stop the container.",
        "Usually the host or the runtime is in trouble; if it repeats, replace the instance.",
        pattern=r"CannotStopContainerError",
        doc="stopped-task-error-codes.html",
    ),
)
