"""CloudWatch Logs subscription filters on ecsdev's log groups: Put-, Describe- and
DeleteSubscriptionFilter.

Why this exists: teams ship their services' logs on (to a Lambda, Kinesis or Firehose) with
``aws_cloudwatch_log_subscription_filter`` next to the log group ECS writes to. Left to the
embedded moto backend, which does not know ecsdev's groups, the apply failed with "The
specified log group does not exist". A filter is kept with the group, its pattern checked as
FilterLogEvents checks one, two at most per group as in AWS, and read back; nothing is
delivered locally (no destination runs here), which DescribeSubscriptionFilters cannot show
and docs/endpoint.md says.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.logs_data import LogsEnv
from emulator.endpoint.logs_events import group_view, limit_of, page
from emulator.endpoint.logs_filter import compile_pattern

Result = dict[str, Any]
PER_GROUP = 2  # AWS's quota of subscription filters per log group


@dataclass(frozen=True, slots=True)
class SubscriptionFilter:
    group: str
    name: str
    pattern: str
    destination_arn: str
    role_arn: str | None = None
    distribution: str = "ByLogStream"
    created_ms: int = 0


def filter_key(group: str, name: str) -> str:
    return json.dumps([group, name])


def add_subscription_handlers(sh: ServiceHandlers, env: LogsEnv) -> None:
    ops = {
        "PutSubscriptionFilter": put_subscription_filter,
        "DescribeSubscriptionFilters": describe_subscription_filters,
        "DeleteSubscriptionFilter": delete_subscription_filter,
    }
    for name, fn in ops.items():
        sh.add(name, (lambda f: lambda req: f(env, req))(fn))


def put_subscription_filter(env: LogsEnv, req: Request) -> Result:
    p = req.params
    group = group_view(env, req).name
    pattern = str(p.get("filterPattern") or "")
    compile_pattern(pattern)  # InvalidParameterException, as FilterLogEvents says it
    made = SubscriptionFilter(
        group=group,
        name=str(p["filterName"]),
        pattern=pattern,
        destination_arn=str(p["destinationArn"]),
        role_arn=str(p["roleArn"]) if p.get("roleArn") else None,
        distribution=str(p.get("distribution") or "ByLogStream"),
        created_ms=int(time.time() * 1000),
    )
    with env.resources.transaction() as tx:
        others = [f for f in tx.list(SubscriptionFilter, req.region) if f.group == group]
        old = next((f for f in others if f.name == made.name), None)
        if old is None and len(others) >= PER_GROUP:
            raise ApiError("LimitExceededException", "Resource limit exceeded.")
        if old is not None:
            made = SubscriptionFilter(**{**_fields(made), "created_ms": old.created_ms})
        tx.put(made, req.region, filter_key(group, made.name))
    return {}


def _fields(f: SubscriptionFilter) -> dict[str, Any]:
    return {k: getattr(f, k) for k in SubscriptionFilter.__dataclass_fields__}


def _out(f: SubscriptionFilter) -> Result:
    out: Result = {
        "filterName": f.name,
        "logGroupName": f.group,
        "filterPattern": f.pattern,
        "destinationArn": f.destination_arn,
        "distribution": f.distribution,
        "creationTime": f.created_ms,
    }
    if f.role_arn:
        out["roleArn"] = f.role_arn
    return out


def describe_subscription_filters(env: LogsEnv, req: Request) -> Result:
    p = req.params
    group = group_view(env, req).name
    prefix = str(p.get("filterNamePrefix") or "")
    found = sorted(
        (
            f
            for f in env.resources.list(SubscriptionFilter, req.region)
            if f.group == group and f.name.startswith(prefix)
        ),
        key=lambda f: f.name,
    )
    chunk, token = page(found, p.get("nextToken"), limit_of(p, 50, 50))
    result: Result = {"subscriptionFilters": [_out(f) for f in chunk]}
    if token:
        result["nextToken"] = token
    return result


def delete_subscription_filter(env: LogsEnv, req: Request) -> Result:
    group = group_view(env, req).name
    key = filter_key(group, str(req.params["filterName"]))
    with env.resources.transaction() as tx:
        if tx.get(SubscriptionFilter, req.region, key) is None:
            raise ApiError(
                "ResourceNotFoundException", "The specified subscription filter does not exist."
            )
        tx.delete(SubscriptionFilter, req.region, key)
    return {}


def forget_group(tx: Any, region: str, group: str) -> None:
    """A deleted group's filters go with it."""
    for f in tx.list(SubscriptionFilter, region):
        if f.group == group:
            tx.delete(SubscriptionFilter, region, filter_key(f.group, f.name))


__all__ = ["SubscriptionFilter", "add_subscription_handlers", "forget_group"]
