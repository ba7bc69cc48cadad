"""CloudWatch Logs, answered by ecsdev: log groups (retention, tags), streams, and the events
tasks write through awslogs.

Why this exists: ``aws logs tail``, ``get-log-events``, the dashboard and the SDKs read a
task's output under the group and stream ECS names; Terraform makes groups with retention
and tags before a service runs. A group exists when it was made through the API, or when
any stack wrote to it (ECS's ``awslogs-create-group``). Reading events is in ``logs_data``,
patterns in ``logs_filter``, the event calls in ``logs_events``. ``handlers(ctx)`` is what
the registry calls.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.logs_data import GroupView, LogsEnv, remove_engine_files
from emulator.endpoint.logs_events import add_event_handlers, group_name, limit_of, page
from emulator.endpoint.logs_records import (
    RETENTION_DAYS,
    LogGroup,
    LogGroupDeleted,
    LogStream,
    remove_group_events,
    remove_stream_events,
    stream_key,
)
from emulator.endpoint.logs_subscriptions import add_subscription_handlers, forget_group

if TYPE_CHECKING:
    from emulator.endpoint.registry import EndpointContext

Result = dict[str, Any]
_NAME = re.compile(r"^[\.\-_/#A-Za-z0-9]+$")


def handlers(ctx: EndpointContext) -> ServiceHandlers:
    """The Logs operations ecsdev answers itself (the registry's entry point)."""
    return logs_handlers(LogsEnv(ctx.resources, ctx.runtime))


def logs_handlers(env: LogsEnv) -> ServiceHandlers:
    sh = ServiceHandlers("logs")
    ops = {
        "CreateLogGroup": create_log_group,
        "DeleteLogGroup": delete_log_group,
        "DescribeLogGroups": describe_log_groups,
        "ListLogGroups": list_log_groups,
        "PutRetentionPolicy": put_retention_policy,
        "DeleteRetentionPolicy": delete_retention_policy,
        "TagLogGroup": tag_log_group,
        "UntagLogGroup": untag_log_group,
        "ListTagsLogGroup": list_tags_log_group,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListTagsForResource": list_tags_for_resource,
        "CreateLogStream": create_log_stream,
        "DeleteLogStream": delete_log_stream,
    }
    for name, fn in ops.items():
        sh.add(name, (lambda f: lambda req: f(env, req))(fn))
    add_event_handlers(sh, env)
    add_subscription_handlers(sh, env)
    return sh


def arn(req: Request, group: str) -> str:
    return f"arn:aws:logs:{req.region}:{req.account_id}:log-group:{group}"


def _invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterException", message)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _materialized(env: LogsEnv, req: Request, name: str) -> LogGroup:
    """The group's record, made now for a group only tasks wrote to (so it can keep
    retention and tags)."""
    view = env.group(req.region, name)
    return view.record or LogGroup(name, view.created_ms)


def _update(env: LogsEnv, req: Request, name: str, **changes: Any) -> None:
    rec = _materialized(env, req, name)
    with env.resources.transaction() as tx:
        current = tx.get(LogGroup, req.region, name) or rec
        tx.put(replace(current, **changes), req.region, name)


# groups ---------------------------------------------------------------------------------
def create_log_group(env: LogsEnv, req: Request) -> Result:
    p = req.params
    name = str(p.get("logGroupName") or "")
    if not _NAME.match(name):
        raise _invalid(
            f"1 validation error detected: Value '{name}' at 'logGroupName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+"
        )
    tags = {str(k): str(v) for k, v in (p.get("tags") or {}).items()}
    if name in env.groups(req.region):
        raise ApiError("ResourceAlreadyExistsException", "The specified log group already exists")
    rec = LogGroup(
        name,
        _now_ms(),
        kms_key_id=p.get("kmsKeyId"),
        log_group_class=str(p.get("logGroupClass") or "STANDARD"),
        tags=tags,
    )
    with env.resources.transaction() as tx:
        if tx.get(LogGroup, req.region, name) is not None:
            raise ApiError(
                "ResourceAlreadyExistsException", "The specified log group already exists"
            )
        tx.put(rec, req.region, name)
    return {}


def delete_log_group(env: LogsEnv, req: Request) -> Result:
    name = str(req.params.get("logGroupName") or "")
    view = env.group(req.region, name)
    with env.resources.transaction() as tx:
        tx.delete(LogGroup, req.region, name)
        tx.put(LogGroupDeleted(name, _now_ms()), req.region, name)
        for s in tx.list(LogStream, req.region):
            if s.group == name:
                tx.delete(LogStream, req.region, stream_key(s.group, s.name))
        forget_group(tx, req.region, name)
    remove_group_events(req.region, name)
    if view.streams:
        remove_engine_files(name, req.region)
    return {}


def group_out(req: Request, view: GroupView) -> Result:
    rec = view.record
    out: Result = {
        "logGroupName": view.name,
        "creationTime": view.created_ms,
        "metricFilterCount": 0,
        "arn": arn(req, view.name) + ":*",
        "storedBytes": 0,
    }
    if rec is not None and rec.retention_days:
        out["retentionInDays"] = rec.retention_days
    if rec is not None and rec.kms_key_id:
        out["kmsKeyId"] = rec.kms_key_id
    out["logGroupClass"] = rec.log_group_class if rec else "STANDARD"
    out["logGroupArn"] = arn(req, view.name)
    return out


def describe_log_groups(env: LogsEnv, req: Request) -> Result:
    p = req.params
    prefix, pattern = p.get("logGroupNamePrefix"), p.get("logGroupNamePattern")
    if prefix and pattern:
        raise _invalid(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters."
        )
    views = list(env.groups(req.region).values())
    if prefix:
        views = [v for v in views if v.name.startswith(str(prefix))]
    if pattern:
        views = [v for v in views if str(pattern).lower() in v.name.lower()]
    if p.get("logGroupClass"):
        views = [
            v
            for v in views
            if (v.record.log_group_class if v.record else "STANDARD") == p["logGroupClass"]
        ]
    if p.get("logGroupIdentifiers"):
        wanted = {group_name(str(i)) for i in p["logGroupIdentifiers"]}
        views = [v for v in views if v.name in wanted]
    items, token = page(views, p.get("nextToken"), limit_of(p, 50, 50))
    result: Result = {"logGroups": [group_out(req, v) for v in items]}
    if token:
        result["nextToken"] = token
    return result


def list_log_groups(env: LogsEnv, req: Request) -> Result:
    """The newer listing: ``logGroupNamePattern`` is up to five ``|``-separated substrings,
    each optionally anchored with ``^`` (case-insensitive)."""
    p = req.params
    views = list(env.groups(req.region).values())
    if p.get("logGroupNamePattern"):
        alts = str(p["logGroupNamePattern"]).lower().split("|")

        def hit(name: str) -> bool:
            low = name.lower()
            return any(low.startswith(a[1:]) if a.startswith("^") else a in low for a in alts)

        views = [v for v in views if hit(v.name)]
    if p.get("logGroupClass"):
        views = [
            v
            for v in views
            if (v.record.log_group_class if v.record else "STANDARD") == p["logGroupClass"]
        ]
    items, token = page(views, p.get("nextToken"), limit_of(p, 50, 1000))
    result: Result = {
        "logGroups": [
            {
                "logGroupName": v.name,
                "logGroupArn": arn(req, v.name),
                "logGroupClass": v.record.log_group_class if v.record else "STANDARD",
            }
            for v in items
        ]
    }
    if token:
        result["nextToken"] = token
    return result


def put_retention_policy(env: LogsEnv, req: Request) -> Result:
    days = req.params.get("retentionInDays")
    if days not in RETENTION_DAYS:
        raise _invalid(
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            f"[{', '.join(str(d) for d in RETENTION_DAYS)}]"
        )
    _update(env, req, str(req.params.get("logGroupName") or ""), retention_days=int(days))
    return {}


def delete_retention_policy(env: LogsEnv, req: Request) -> Result:
    _update(env, req, str(req.params.get("logGroupName") or ""), retention_days=None)
    return {}


# tags -------------------------------------------------------------------------------------
def _arn_group(req: Request, resource_arn: str) -> str:
    prefix = f"arn:aws:logs:{req.region}:{req.account_id}:log-group:"
    if not resource_arn.startswith(prefix):
        raise ApiError(
            "ResourceNotFoundException", f"The specified resource does not exist: {resource_arn}"
        )
    name = resource_arn[len(prefix) :]
    return name[:-2] if name.endswith(":*") else name


def _tag(env: LogsEnv, req: Request, name: str, tags: dict[str, str]) -> Result:
    rec = _materialized(env, req, name)
    _update(env, req, name, tags={**rec.tags, **{str(k): str(v) for k, v in tags.items()}})
    return {}


def _untag(env: LogsEnv, req: Request, name: str, keys: list[str]) -> Result:
    rec = _materialized(env, req, name)
    _update(env, req, name, tags={k: v for k, v in rec.tags.items() if k not in keys})
    return {}


def tag_log_group(env: LogsEnv, req: Request) -> Result:
    return _tag(env, req, str(req.params.get("logGroupName")), dict(req.params.get("tags") or {}))


def untag_log_group(env: LogsEnv, req: Request) -> Result:
    return _untag(env, req, str(req.params.get("logGroupName")), list(req.params.get("tags") or []))


def list_tags_log_group(env: LogsEnv, req: Request) -> Result:
    view = env.group(req.region, str(req.params.get("logGroupName")))
    return {"tags": dict(view.record.tags) if view.record else {}}


def tag_resource(env: LogsEnv, req: Request) -> Result:
    name = _arn_group(req, str(req.params.get("resourceArn") or ""))
    return _tag(env, req, name, dict(req.params.get("tags") or {}))


def untag_resource(env: LogsEnv, req: Request) -> Result:
    name = _arn_group(req, str(req.params.get("resourceArn") or ""))
    return _untag(env, req, name, list(req.params.get("tagKeys") or []))


def list_tags_for_resource(env: LogsEnv, req: Request) -> Result:
    name = _arn_group(req, str(req.params.get("resourceArn") or ""))
    groups = env.groups(req.region)
    if name not in groups:
        raise ApiError(
            "ResourceNotFoundException",
            f"The specified resource does not exist: {req.params.get('resourceArn')}",
        )
    rec = groups[name].record
    return {"tags": dict(rec.tags) if rec else {}}


# streams ------------------------------------------------------------------------------------
def create_log_stream(env: LogsEnv, req: Request) -> Result:
    group = str(req.params.get("logGroupName") or "")
    name = str(req.params.get("logStreamName") or "")
    if ":" in name or "*" in name:
        raise _invalid(
            f"1 validation error detected: Value '{name}' at 'logStreamName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [^:*]*"
        )
    view = env.group(req.region, group)
    if any(s.name == name for s in view.streams):
        raise ApiError("ResourceAlreadyExistsException", "The specified log stream already exists")
    with env.resources.transaction() as tx:
        if tx.get(LogStream, req.region, stream_key(group, name)) is not None:
            raise ApiError(
                "ResourceAlreadyExistsException", "The specified log stream already exists"
            )
        tx.put(LogStream(group, name, _now_ms()), req.region, stream_key(group, name))
    return {}


def delete_log_stream(env: LogsEnv, req: Request) -> Result:
    group = str(req.params.get("logGroupName") or "")
    name = str(req.params.get("logStreamName") or "")
    view = env.group(req.region, group)
    if not any(s.name == name for s in view.streams):
        raise ApiError("ResourceNotFoundException", "The specified log stream does not exist.")
    with env.resources.transaction() as tx:
        tx.delete(LogStream, req.region, stream_key(group, name))
    remove_stream_events(req.region, group, name)
    remove_engine_files(group, req.region, name)
    return {}


__all__ = ["handlers", "logs_handlers"]
