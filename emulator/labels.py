"""Docker labels: the truth about what runs. Every container and network ecsdev creates
carries these, so a task can be found and adopted from Docker alone, after the process that
started it is long gone (the way compose v1 rebuilt its world from labels)."""

from __future__ import annotations

PREFIX = "ecsdev."
STACK = "ecsdev.stack"
CLUSTER = "ecsdev.cluster"
TASK_ARN = "ecsdev.task-arn"
FAMILY = "ecsdev.family"
REVISION = "ecsdev.revision"
TASK_DEFINITION_ARN = "ecsdev.task-definition-arn"
CONTAINER_NAME = "ecsdev.container-name"
ROLE = "ecsdev.role"  # "task" (a container of a task), "pause", "network", "proxy", SPARE
SPARE = "spare"  # a started pause container no task has claimed yet (emulator.spares)
SPARE_NETWORK = "ecsdev.spare-network"  # the Docker network (a subnet's) a spare is on
SERVICE = "ecsdev.service"
STARTED_BY = "ecsdev.started-by"
GROUP = "ecsdev.group"
CREATED_AT = "ecsdev.created-at"
ESSENTIAL = "ecsdev.essential"
DEPENDS_ON = "ecsdev.depends-on"  # JSON list of {containerName, condition}
START_TIMEOUT = "ecsdev.start-timeout"
STOP_TIMEOUT = "ecsdev.stop-timeout"
NETWORK_MODE = "ecsdev.network-mode"
SUBNET = "ecsdev.subnet"
CONTAINER_PORTS = "ecsdev.container-ports"  # JSON list of portMappings as given
HAS_HEALTH_CHECK = "ecsdev.health-check"
LOG_GROUP = "ecsdev.awslogs-group"
LOG_STREAM = "ecsdev.awslogs-stream"
CONFIG_HASH = "ecsdev.config-hash"
CONTAINER_INDEX = "ecsdev.container-index"
TASK_CONTAINERS = "ecsdev.task-containers"  # comma-separated container names of the task  # position in containerDefinitions

# The ECS agent's own labels, so tools that read them (and the metadata shape) work.
ECS_CLUSTER = "com.amazonaws.ecs.cluster"
ECS_CONTAINER_NAME = "com.amazonaws.ecs.container-name"
ECS_TASK_ARN = "com.amazonaws.ecs.task-arn"
ECS_FAMILY = "com.amazonaws.ecs.task-definition-family"
ECS_VERSION = "com.amazonaws.ecs.task-definition-version"
