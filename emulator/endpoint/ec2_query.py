"""What every EC2 Describe call shares: filters (with ``*``/``?`` wildcards and ``tag:Key``),
MaxResults/NextToken pages, tags given at create time, and EC2's not-found errors.

Why this exists: clients find VPC resources by filter far more often than by id (Terraform's
``aws_vpc`` data source with ``default = true``, ``aws_subnets`` by ``vpc-id``, the console's
``tag:Name``), and every Describe call must answer the same way: the same error for an
unknown filter, the same pages, the same tags.
"""

from __future__ import annotations

import base64
import fnmatch
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from emulator.endpoint.api import ApiError, Request, ServiceHandlers
from emulator.endpoint.ec2_records import ensure_defaults
from emulator.endpoint.resources import Resources, Tx
from emulator.runtime.base import ContainerRuntime

T = TypeVar("T")

Facts = Mapping[str, Sequence[str | None]]
"""What a record offers each filter: filter name -> the record's values for it."""

NOT_FOUND = {
    "vpc": ("InvalidVpcID.NotFound", "The vpc ID '{}' does not exist"),
    "subnet": ("InvalidSubnetID.NotFound", "The subnet ID '{}' does not exist"),
    "security-group": ("InvalidGroup.NotFound", "The security group '{}' does not exist"),
    "internet-gateway": (
        "InvalidInternetGatewayID.NotFound",
        "The internetGateway ID '{}' does not exist",
    ),
    "route-table": ("InvalidRouteTableID.NotFound", "The routeTable ID '{}' does not exist"),
    "security-group-rule": (
        "InvalidSecurityGroupRuleId.NotFound",
        "The security group rule ID '{}' does not exist",
    ),
    "association": ("InvalidAssociationID.NotFound", "The association ID '{}' does not exist"),
    "network-acl": ("InvalidNetworkAclID.NotFound", "The networkAcl ID '{}' does not exist"),
    "natgateway": ("NatGatewayNotFound", "The Nat Gateway {} was not found"),
    "vpc-endpoint": ("InvalidVpcEndpointId.NotFound", "The Vpc Endpoint Id '{}' does not exist"),
}

RESOURCE_TYPES = {
    "vpc": "vpc",
    "subnet": "subnet",
    "sg": "security-group",
    "igw": "internet-gateway",
    "rtb": "route-table",
    "sgr": "security-group-rule",
    "nat": "natgateway",
    "acl": "network-acl",
    "vpce": "vpc-endpoint",
}
"""An id's prefix -> its resource type (as DescribeTags and TagSpecifications name it)."""


@dataclass(frozen=True)
class Ec2Env:
    """What the EC2 handlers share: the resource tables and Docker (connected on first use,
    only by calls that place or remove a subnet's network)."""

    resources: Resources
    runtime: Callable[[], ContainerRuntime] | None = None

    @contextmanager
    def tx(self, req: Request) -> Iterator[Tx]:
        """One transaction in the request's region, its default VPC made on first use."""
        with self.resources.transaction() as tx:
            ensure_defaults(tx, req.region, req.account_id)
            yield tx


def not_found(kind: str, rid: str | Sequence[str]) -> ApiError:
    code, text = NOT_FOUND[kind]
    ids = [rid] if isinstance(rid, str) else list(rid)
    return ApiError(code, text.format("', '".join(ids)) if len(ids) > 1 else text.format(ids[0]))


def invalid(message: str) -> ApiError:
    return ApiError("InvalidParameterValue", message)


def resource_type(rid: str) -> str | None:
    return RESOURCE_TYPES.get(rid.split("-", 1)[0]) if "-" in rid else None


def matches(facts: Facts, tags: Mapping[str, str], filters: Sequence[Mapping[str, Any]]) -> bool:
    """Every filter matches (AND); within one, any of its values (OR), with wildcards."""
    for f in filters:
        name = str(f.get("Name") or "")
        wanted = [str(v) for v in f.get("Values") or []]
        if name.startswith("tag:"):
            have: list[str] = [tags[name[4:]]] if name[4:] in tags else []
        elif name == "tag-key":
            have = list(tags)
        elif name == "tag-value":
            have = list(tags.values())
        elif name in facts:
            have = [v for v in facts[name] if v is not None]
        else:
            raise invalid(f"The filter '{name}' is invalid")
        if not any(fnmatch.fnmatchcase(h, w) for h in have for w in wanted):
            return False
    return True


def select(
    records: Sequence[T],
    ids: Sequence[str] | None,
    filters: Sequence[Mapping[str, Any]] | None,
    id_of: Callable[[T], str],
    facts: Callable[[T], Facts],
    tags_of: Callable[[T], Mapping[str, str]],
    kind: str,
) -> list[T]:
    """The records named by ``ids`` (every one must exist) that pass ``filters``."""
    out = list(records)
    if ids:
        by_id = {id_of(r): r for r in out}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise not_found(kind, missing)
        out = [by_id[i] for i in dict.fromkeys(ids)]
    if filters:
        out = [r for r in out if matches(facts(r), tags_of(r), filters)]
    return out


def page(
    items: Sequence[T], params: Mapping[str, Any], low: int = 5, high: int = 1000
) -> tuple[list[T], str | None]:
    """One page by EC2's ``MaxResults`` (``low``..``high``) and ``NextToken``."""
    size = params.get("MaxResults")
    token = params.get("NextToken")
    if size is not None and not low <= int(size) <= high:
        raise invalid(
            f"Value ( {size} ) for parameter maxResults is invalid. "
            f"Parameter must be between {low} and {high}."
        )
    start = 0
    if token:
        try:
            text = base64.urlsafe_b64decode(str(token).encode()).decode()
            prefix, _, offset = text.partition(":")
            if prefix != "ec2" or not offset.isdigit():
                raise ValueError(token)
            start = int(offset)
        except (ValueError, UnicodeDecodeError) as e:
            raise ApiError("InvalidNextToken", f"The token '{token}' is invalid") from e
    if size is None:
        return list(items[start:]), None
    end = start + int(size)
    nxt = base64.urlsafe_b64encode(f"ec2:{end}".encode()).decode() if end < len(items) else None
    return list(items[start:end]), nxt


def tags_on_create(params: Mapping[str, Any], rtype: str) -> dict[str, str]:
    """The tags of ``TagSpecifications`` for ``rtype`` (a spec of another type is an error,
    as in AWS)."""
    out: dict[str, str] = {}
    for spec in params.get("TagSpecifications") or []:
        given = spec.get("ResourceType")
        if given and given != rtype:
            raise invalid(f"'{given}' is not a valid taggable resource type for this operation.")
        for t in spec.get("Tags") or []:
            out[str(t.get("Key"))] = str(t.get("Value") or "")
    for key in out:
        if key.lower().startswith("aws:"):
            raise invalid(f"Tag keys starting with 'aws:' are reserved for internal use ({key})")
    return out


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def with_tags(out: dict[str, Any], tags: Mapping[str, str]) -> dict[str, Any]:
    """``out`` with ``Tags`` when there are any (EC2 leaves the member out otherwise)."""
    if tags:
        out["Tags"] = tag_list(tags)
    return out


def flag(value: object) -> str:
    return "true" if value else "false"


def paged(key: str, items: Sequence[Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """A Describe call's answer: one page of ``items`` under ``key``, and the next token."""
    chunk, token = page(items, params)
    out: dict[str, Any] = {key: chunk}
    if token:
        out["NextToken"] = token
    return out


def bind(sh: ServiceHandlers, env: Ec2Env, ops: Mapping[str, Callable[..., Any]]) -> None:
    """Add each ``ops`` handler ``fn(env, req)`` to ``sh`` under its operation's name."""
    for name, fn in ops.items():
        sh.add(name, (lambda f: lambda req: f(env, req))(fn))
