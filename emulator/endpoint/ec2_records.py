"""The EC2 networking records the endpoint keeps: VPCs, subnets, security groups (and their
rules), internet gateways, route tables, and each region's default VPC.

Why this exists: Terraform, CloudFormation and the SDKs create and read back VPC resources
around every ECS service (``awsvpcConfiguration`` names subnets and security groups), and a
subnet decides where a task's containers live (a Docker network, public or internal). These
are the typed records behind the EC2 handlers, persisted in the endpoint's resource tables;
AWS's shapes are made from them by ``ec2_output`` only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from emulator.endpoint.resources import Tx

DEFAULT_VPC_CIDR = "172.31.0.0/16"
DEFAULT_SUBNETS = (("a", "172.31.0.0/20"), ("b", "172.31.16.0/20"), ("c", "172.31.32.0/20"))
"""The default subnets as AWS makes them: one /20 per availability zone."""
AZ_LETTERS = ("a", "b", "c")


def new_id(prefix: str) -> str:
    """An id as AWS makes them today: the prefix and 17 hex digits."""
    return f"{prefix}-{secrets.token_hex(9)[:17]}"


def stable_id(prefix: str, *parts: str) -> str:
    """A default resource's id: the same for the same account and region, always."""
    digest = hashlib.sha256("/".join((prefix, *parts)).encode()).hexdigest()
    return f"{prefix}-{digest[:17]}"


def zones(region: str) -> list[str]:
    return [region + letter for letter in AZ_LETTERS]


_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def zone_id(zone: str) -> str:
    """``us-east-1a`` -> ``use1-az1`` (AWS's zone ids: region abbreviation and a number)."""
    region, letter = zone[:-1], zone[-1]
    parts = region.split("-")
    abbrev = parts[0] + "".join(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1]) + parts[-1]
    return f"{abbrev}-az{AZ_LETTERS.index(letter) + 1 if letter in AZ_LETTERS else 1}"


@dataclass(frozen=True, slots=True)
class Vpc:
    id: str
    cidr: str
    owner: str
    cidr_association_id: str
    is_default: bool = False
    tenancy: str = "default"
    dhcp_options_id: str = "dopt-00000000000000000"
    dns_support: bool = True
    dns_hostnames: bool = False
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    vpc_id: str
    cidr: str
    az: str
    owner: str
    default_for_az: bool = False
    map_public_ip_on_launch: bool = False
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    id: str
    name: str
    description: str
    vpc_id: str
    owner: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SecurityGroupRule:
    """One rule: one protocol and port range from (or to) one peer, as
    DescribeSecurityGroupRules shows it; DescribeSecurityGroups folds them into
    IpPermissions."""

    id: str
    group_id: str
    egress: bool
    protocol: str  # "-1", "tcp", "udp", "icmp", or a number
    from_port: int | None = None
    to_port: int | None = None
    cidr_ipv4: str | None = None
    cidr_ipv6: str | None = None
    prefix_list_id: str | None = None
    ref_group_id: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def peer(self) -> tuple[str, str]:
        """(kind, value) of the one peer: ("cidr", ...), ("cidr6", ...), ("pl", ...), ("sg", ...)."""
        if self.cidr_ipv4:
            return ("cidr", self.cidr_ipv4)
        if self.cidr_ipv6:
            return ("cidr6", self.cidr_ipv6)
        if self.prefix_list_id:
            return ("pl", self.prefix_list_id)
        return ("sg", self.ref_group_id or "")

    def same(self, other: SecurityGroupRule) -> bool:
        return (
            self.group_id == other.group_id
            and self.egress == other.egress
            and self.protocol == other.protocol
            and self.from_port == other.from_port
            and self.to_port == other.to_port
            and self.peer() == other.peer()
        )


@dataclass(frozen=True, slots=True)
class InternetGateway:
    id: str
    owner: str
    vpc_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Route:
    destination: str  # an IPv4 or IPv6 CIDR, or a prefix list id
    target: str  # "local", igw-..., nat-..., eni-..., ...
    origin: str = "CreateRoute"  # CreateRouteTable (local), CreateRoute


@dataclass(frozen=True, slots=True)
class Association:
    id: str
    subnet_id: str | None = None  # None: the main association
    gateway_id: str | None = None


@dataclass(frozen=True, slots=True)
class RouteTable:
    id: str
    vpc_id: str
    owner: str
    routes: tuple[Route, ...] = ()
    associations: tuple[Association, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def main(self) -> bool:
        return any(a.subnet_id is None and a.gateway_id is None for a in self.associations)


@dataclass(frozen=True, slots=True)
class DefaultsMade:
    """Marks a region whose default VPC was made (so deleting it does not bring it back)."""

    vpc_id: str


def add_vpc(tx: Tx, region: str, vpc: Vpc, sg_description: str) -> tuple[RouteTable, str]:
    """Store ``vpc`` with what AWS makes along with every VPC: a main route table (with the
    local route) and a ``default`` security group (all egress; ingress from itself). Returns
    the main route table and the default group's id."""
    ids = (
        (stable_id("rtb", vpc.id), stable_id("rtbassoc", vpc.id), stable_id("sg", vpc.id))
        if vpc.is_default
        else (new_id("rtb"), new_id("rtbassoc"), new_id("sg"))
    )
    tx.put(vpc, region, vpc.id)
    rtb = RouteTable(
        ids[0],
        vpc.id,
        vpc.owner,
        routes=(Route(vpc.cidr, "local", "CreateRouteTable"),),
        associations=(Association(ids[1]),),
    )
    tx.put(rtb, region, rtb.id)
    sg = SecurityGroup(ids[2], "default", sg_description, vpc.id, vpc.owner)
    tx.put(sg, region, sg.id)
    for rule in (
        SecurityGroupRule(stable_id("sgr", sg.id, "in"), sg.id, False, "-1", ref_group_id=sg.id),
        SecurityGroupRule(stable_id("sgr", sg.id, "out"), sg.id, True, "-1", cidr_ipv4="0.0.0.0/0"),
    ):
        tx.put(rule, region, rule.id)
    return rtb, sg.id


def ensure_defaults(tx: Tx, region: str, owner: str) -> None:
    """Make the region's default VPC on first use: 172.31.0.0/16, a default subnet per zone
    (public, as AWS's), an internet gateway attached, the main route table routing
    0.0.0.0/0 to it, and the default security group. Ids are derived from the account and
    region, so they are the same after a restart (and after the state is wiped)."""
    if tx.get(DefaultsMade, region, region) is not None:
        return
    vid = stable_id("vpc", owner, region)
    vpc = Vpc(
        vid,
        DEFAULT_VPC_CIDR,
        owner,
        stable_id("vpc-cidr-assoc", vid),
        is_default=True,
        dns_hostnames=True,
    )
    rtb, _ = add_vpc(tx, region, vpc, "default VPC security group")
    igw = InternetGateway(stable_id("igw", vid), owner, vpc_id=vid)
    tx.put(igw, region, igw.id)
    tx.put(
        RouteTable(
            rtb.id,
            rtb.vpc_id,
            owner,
            routes=(*rtb.routes, Route("0.0.0.0/0", igw.id, "CreateRoute")),
            associations=rtb.associations,
        ),
        region,
        rtb.id,
    )
    for letter, cidr in DEFAULT_SUBNETS:
        sn = Subnet(
            stable_id("subnet", vid, letter),
            vid,
            cidr,
            region + letter,
            owner,
            default_for_az=True,
            map_public_ip_on_launch=True,
        )
        tx.put(sn, region, sn.id)
    tx.put(DefaultsMade(vid), region, region)


def route_table_of(tx: Tx, region: str, subnet: Subnet) -> RouteTable | None:
    """The subnet's route table: its explicit association, else its VPC's main table."""
    main = None
    for rtb in tx.list(RouteTable, region):
        if rtb.vpc_id != subnet.vpc_id:
            continue
        if any(a.subnet_id == subnet.id for a in rtb.associations):
            return rtb
        if rtb.main:
            main = rtb
    return main


def is_public(tx: Tx, region: str, subnet: Subnet) -> bool:
    """Public as in AWS: the subnet's route table has a route to an internet gateway."""
    rtb = route_table_of(tx, region, subnet)
    return rtb is not None and any(r.target.startswith("igw-") for r in rtb.routes)
