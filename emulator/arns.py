"""ECS-format identifiers: task IDs are 32 hex digits, ARNs follow AWS's long format, and
deployment IDs are ``ecs-svc/`` plus 19 digits, so scripts written for AWS read them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Account:
    """Where ARNs live: the layout's region and account ID."""

    region: str = "us-east-1"
    account_id: str = "000000000000"

    def cluster_arn(self, cluster: str) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account_id}:cluster/{cluster}"

    def task_arn(self, cluster: str, task_id: str) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account_id}:task/{cluster}/{task_id}"

    def task_definition_arn(self, family: str, revision: int) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account_id}:task-definition/{family}:{revision}"

    def service_arn(self, cluster: str, service: str) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account_id}:service/{cluster}/{service}"

    def container_arn(self, cluster: str, task_id: str, name: str) -> str:
        return f"arn:aws:ecs:{self.region}:{self.account_id}:container/{cluster}/{task_id}/{name}"

    def target_group_arn(self, name: str, uid: str) -> str:
        return (
            f"arn:aws:elasticloadbalancing:{self.region}:{self.account_id}:targetgroup/{name}/{uid}"
        )

    def load_balancer_arn(self, name: str, uid: str) -> str:
        return f"arn:aws:elasticloadbalancing:{self.region}:{self.account_id}:loadbalancer/app/{name}/{uid}"


def new_task_id() -> str:
    return secrets.token_hex(16)


def new_deployment_id() -> str:
    return "ecs-svc/" + str(secrets.randbelow(9 * 10**18) + 10**18)


def task_id_of(arn_or_id: str) -> str:
    """The task ID from a task ARN, or the argument itself when it is already an ID."""
    return arn_or_id.rsplit("/", 1)[-1]
