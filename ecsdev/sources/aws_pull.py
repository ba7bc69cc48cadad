"""Reading one ECS service (or one task) out of an AWS account, for ``ecsdev pull`` and
``ecsdev run-task --from-aws``: the raw API records, JSON-safe, and nothing else.

Why a module of its own: pulling is the one path that copies what AWS holds to the laptop,
so it is held to a stricter rule than the dashboard: it is read-only *always*, whatever the
profile or flags. Every client it makes carries a ``before-call`` hook that refuses any
operation that is not a ``Describe``/``List``/``Get`` call before a request is signed, so
a future edit that adds a write fails loudly instead of changing an account. Errors come
from the AWS source's discipline (``AwsBase``): one ``AwsAccessError`` naming the call and
the next step, never a botocore traceback.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ProfileNotFound

from ecsdev.sources.aws import boto3_factory
from ecsdev.sources.aws_client import chunks
from ecsdev.sources.aws_network import AwsNetworkMixin
from ecsdev.sources.netviews import SubnetView
from ecsdev.sources.views import SourceInfo
from emulator.errors import AwsAccessError, NotFound

READ_ONLY_PREFIXES = ("Describe", "List", "Get")
"""The only operations pulling may call (ecr:GetAuthorizationToken included)."""

ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
)


def read_only_guard(model: Any = None, **_: Any) -> None:
    """A botocore ``before-call`` handler: refuse any operation that could change AWS."""
    name = str(getattr(model, "name", ""))
    if model is not None and not name.startswith(READ_ONLY_PREFIXES):
        service = model.service_model.service_name
        raise AwsAccessError(
            f"refused {service}:{name}: ecsdev pull only reads AWS (Describe, List, Get)"
        )


def jsonable(value: Any) -> Any:
    """A boto3 response as JSON data: timestamps as ISO text (as the AWS CLI prints them),
    ``ResponseMetadata`` left out."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def resolve_region(profile: str | None, region: str | None) -> str:
    """``--region``, else AWS_REGION/AWS_DEFAULT_REGION or the profile's region as boto3
    finds it; a clear error when none is set."""
    if region:
        return region
    try:
        found = boto3.session.Session(profile_name=profile).region_name
    except ProfileNotFound:
        raise AwsAccessError(
            f"profile {profile!r} is not in your AWS config: list profiles with "
            "`aws configure list-profiles`"
        ) from None
    except BotoCoreError as e:
        raise AwsAccessError(f"cannot read the AWS config: {e}") from None
    if not found:
        raise AwsAccessError("no AWS region: pass --region or set AWS_REGION")
    return str(found)


class AwsReader(AwsNetworkMixin):
    """Read-only ECS, ELBv2, EC2 and ECR calls for one profile and region."""

    @classmethod
    def open(
        cls, profile: str | None, region: str | None, endpoint_url: str | None = None
    ) -> AwsReader:
        region = resolve_region(profile, region)
        info = SourceInfo(
            name=f"aws:{profile or 'default'}",
            kind="aws",
            region=region,
            profile=profile,
            endpoint_url=endpoint_url,
        )
        return cls(info, boto3_factory(profile, endpoint_url), workers=2, max_attempts=4)

    @property
    def region(self) -> str:
        return self.info.region or "us-east-1"

    def _client(self, service: str, region: str | None = None) -> Any:
        client = super()._client(service, region)
        if not getattr(client, "_ecsdev_read_only", False):
            client.meta.events.register("before-call", read_only_guard)
            client._ecsdev_read_only = True
        return client

    # -- ECS ---------------------------------------------------------------------------

    def service(self, cluster: str, name: str) -> dict[str, Any]:
        try:
            with self._aws("ecs:DescribeServices"):
                resp = self.ecs.describe_services(cluster=cluster, services=[name])
        except AwsAccessError as e:
            if "ClusterNotFoundException" not in e.message:
                raise
            raise NotFound(
                f"no cluster {cluster!r} in {self.region}: check the name with "
                f"`aws ecs list-clusters --region {self.region}` (and --region)"
            ) from None
        for s in resp.get("services", []):
            if s.get("status") != "INACTIVE":
                return dict(jsonable(s))
        raise NotFound(
            f"no service {name!r} in cluster {cluster!r} ({self.region}): check the name with "
            f"`aws ecs list-services --cluster {cluster} --region {self.region}`"
        )

    def task_definition(self, arn: str) -> dict[str, Any]:
        """The whole describe-task-definition response (with the tags), as the AWS CLI
        prints it: what the layout loader reads."""
        with self._aws("ecs:DescribeTaskDefinition"):
            resp = self.ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        out: dict[str, Any] = jsonable(resp)
        if not out.get("tags"):
            out.pop("tags", None)
        return out

    def task(self, arn: str, cluster: str | None) -> dict[str, Any]:
        """One task (running or stopped; ECS keeps stopped ones about an hour)."""
        cluster = cluster or _cluster_of_task(arn)
        if not cluster:
            raise AwsAccessError(
                f"{arn!r} does not name its cluster (an old-format task ARN): pass --cluster"
            )
        with self._aws("ecs:DescribeTasks"):
            resp = self.ecs.describe_tasks(cluster=cluster, tasks=[arn])
        for t in resp.get("tasks", []):
            return dict(jsonable(t))
        raise NotFound(
            f"no task {arn!r} in cluster {cluster!r} ({self.region}): ECS forgets stopped "
            "tasks about an hour after they stop; check the ARN and --region"
        )

    # -- ELBv2 -------------------------------------------------------------------------

    def target_groups(self, arns: Sequence[str]) -> list[dict[str, Any]]:
        """Target groups with their attributes under ``Attributes`` (a key-value map)."""
        out: list[dict[str, Any]] = []
        for batch in chunks(list(dict.fromkeys(arns)), 20):
            with self._aws("elbv2:DescribeTargetGroups"):
                resp = self.elbv2.describe_target_groups(TargetGroupArns=batch)
            out.extend(jsonable(resp.get("TargetGroups", [])))
        for tg in out:
            with self._aws("elbv2:DescribeTargetGroupAttributes"):
                attrs = self.elbv2.describe_target_group_attributes(
                    TargetGroupArn=tg["TargetGroupArn"]
                )
            tg["Attributes"] = _attributes(attrs)
        return out

    def load_balancers(self, arns: Sequence[str]) -> list[dict[str, Any]]:
        """Load balancers with ``Attributes`` and ``Listeners`` (each with its ``Rules``)."""
        out: list[dict[str, Any]] = []
        for batch in chunks(list(dict.fromkeys(arns)), 20):
            with self._aws("elbv2:DescribeLoadBalancers"):
                resp = self.elbv2.describe_load_balancers(LoadBalancerArns=batch)
            out.extend(jsonable(resp.get("LoadBalancers", [])))
        for lb in out:
            arn = lb["LoadBalancerArn"]
            if lb.get("Type", "application") != "application":
                continue
            with self._aws("elbv2:DescribeLoadBalancerAttributes"):
                attrs = self.elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)
            lb["Attributes"] = _attributes(attrs)
            listeners: list[dict[str, Any]] = []
            with self._aws("elbv2:DescribeListeners"):
                for page in self.elbv2.get_paginator("describe_listeners").paginate(
                    LoadBalancerArn=arn
                ):
                    listeners.extend(jsonable(page.get("Listeners", [])))
            for ls in listeners:
                ls["Rules"] = self._rules(ls["ListenerArn"])
            lb["Listeners"] = listeners
        return out

    def _rules(self, listener_arn: str) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = []
        marker: str | None = None
        with self._aws("elbv2:DescribeRules"):
            while True:
                kwargs: dict[str, Any] = {"ListenerArn": listener_arn, "PageSize": 400}
                if marker:
                    kwargs["Marker"] = marker
                resp = self.elbv2.describe_rules(**kwargs)
                rules.extend(jsonable(resp.get("Rules", [])))
                marker = resp.get("NextMarker")
                if not marker:
                    return rules

    # -- EC2 and ECR -------------------------------------------------------------------

    def subnets(self, ids: Sequence[str]) -> tuple[list[SubnetView], list[str]]:
        """(the subnets, each public when its route table sends 0.0.0.0/0 to an internet
        gateway: the dashboard's rule; the IDs EC2 does not know, as some endpoints name
        subnets by name)."""
        ids = list(dict.fromkeys(ids))
        try:
            return (self._subnets([], ids) if ids else []), []
        except AwsAccessError as e:
            if "InvalidSubnetID" not in e.message:
                raise
        found: list[SubnetView] = []
        for sid in ids:
            try:
                found.extend(self._subnets([], [sid]))
            except AwsAccessError as e:
                if "InvalidSubnetID" not in e.message:
                    raise
        known = {s.id for s in found}
        return found, [i for i in ids if i not in known]

    def ecr_login(self, image: str) -> tuple[str, str] | None:
        """(user, password) for pulling ``image`` from ECR, from ecr:GetAuthorizationToken
        in the image's region; None when the image is not in ECR. Kept in memory only."""
        m = ECR_IMAGE.match(image)
        if m is None:
            return None
        with self._aws("ecr:GetAuthorizationToken"):
            resp = self._client("ecr", m["region"]).get_authorization_token()
        for data in resp.get("authorizationData", []):
            user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
            return user, password
        raise AwsAccessError(f"ecr:GetAuthorizationToken returned no token for {m['region']}")


def _attributes(resp: Any) -> dict[str, str]:
    return {str(a["Key"]): str(a.get("Value", "")) for a in resp.get("Attributes", [])}


def _cluster_of_task(arn: str) -> str | None:
    """``arn:aws:ecs:R:A:task/CLUSTER/ID`` -> CLUSTER (None for ``task/ID``)."""
    resource = arn.split(":", 5)[-1]
    parts = resource.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "task" else None


__all__ = ["ECR_IMAGE", "READ_ONLY_PREFIXES", "AwsReader", "jsonable", "read_only_guard"]
