"""Subnets as Docker networks (``subnet_network``): made once per subnet, with the subnet's
CIDR unless it collides, internal unless the subnet's route table reaches an internet
gateway; DeleteSubnet refuses while containers use the network. First through the runtime
protocol with a fake, then against the real engine."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from emulator import labels as L
from emulator.endpoint.api import ApiError, Request
from emulator.endpoint.ec2 import ec2_handlers
from emulator.endpoint.ec2_networks import network_name, subnet_network
from emulator.endpoint.ec2_query import Ec2Env
from emulator.endpoint.resources import Resources
from emulator.errors import NotFound, RuntimeOperationError
from emulator.runtime.base import ContainerRuntime, ContainerSpec, NetworkState

REGION = "us-west-2"


class FakeNetworks:
    """The network part of the runtime protocol, with Docker's refusals."""

    def __init__(self, taken: tuple[str, ...] = ()) -> None:
        self.nets: dict[str, NetworkState] = {}
        self.taken = set(taken)
        self.in_use: set[str] = set()
        self.created = 0

    def create_network(
        self, name: str, labels: dict[str, str], internal: bool, subnet: str | None
    ) -> str:
        if subnet in self.taken:
            raise RuntimeOperationError("Pool overlaps with other one on this address space")
        self.created += 1
        chosen = subnet or f"172.{40 + self.created}.0.0/16"
        self.nets[name] = NetworkState(name + "-id", name, dict(labels), internal, chosen)
        return name + "-id"

    def list_networks(self, labels: dict[str, str]) -> list[NetworkState]:
        return [
            n for n in self.nets.values() if all(n.labels.get(k) == v for k, v in labels.items())
        ]

    def list_containers(self, labels: dict[str, str]) -> list[Any]:
        return []  # no spare pause containers here (see the MemoryRuntime test below)

    def remove_network(self, name_or_id: str) -> None:
        if name_or_id not in self.nets:
            raise NotFound(name_or_id)
        if name_or_id in self.in_use:
            raise RuntimeOperationError("network has active endpoints")
        del self.nets[name_or_id]


class World:
    def __init__(self, path: Path, runtime: Any) -> None:
        self.resources = Resources(path)
        self.runtime = cast(ContainerRuntime, runtime)
        self.handlers = ec2_handlers(Ec2Env(self.resources, lambda: self.runtime))

    def __call__(self, op: str, **params: Any) -> dict[str, Any]:
        return self.handlers(Request("ec2", op, params, region=REGION))

    def place(self, subnet_id: str) -> Any:
        return subnet_network(self.resources, self.runtime, REGION, subnet_id)

    def private_subnet(self, cidr: str = "10.40.0.0/16", sub: str = "10.40.1.0/24") -> str:
        vpc = self("CreateVpc", CidrBlock=cidr)["Vpc"]["VpcId"]
        return str(self("CreateSubnet", VpcId=vpc, CidrBlock=sub)["Subnet"]["SubnetId"])

    def make_public(self, subnet_id: str) -> None:
        sn = self("DescribeSubnets", SubnetIds=[subnet_id])["Subnets"][0]
        gid = self("CreateInternetGateway")["InternetGateway"]["InternetGatewayId"]
        self("AttachInternetGateway", InternetGatewayId=gid, VpcId=sn["VpcId"])
        rid = self("CreateRouteTable", VpcId=sn["VpcId"])["RouteTable"]["RouteTableId"]
        self("CreateRoute", RouteTableId=rid, DestinationCidrBlock="0.0.0.0/0", GatewayId=gid)
        self("AssociateRouteTable", RouteTableId=rid, SubnetId=subnet_id)


def test_private_subnet_is_an_internal_network_with_its_cidr(tmp_path: Path) -> None:
    fake = FakeNetworks()
    w = World(tmp_path / "r.db", fake)
    sn = w.private_subnet()
    placed = w.place(sn)
    assert placed.network_name == network_name(sn) and placed.subnet_id == sn
    assert placed.public is False
    net = fake.nets[placed.network_name]
    assert net.internal is True and net.subnet == "10.40.1.0/24"
    assert net.labels[L.SUBNET] == sn and net.labels[L.ROLE] == "network"
    assert w.place(sn) == placed and fake.created == 1  # made once


def test_default_subnets_are_public(tmp_path: Path) -> None:
    fake = FakeNetworks()
    w = World(tmp_path / "r.db", fake)
    subnets = w("DescribeSubnets", Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    placed = w.place(subnets["Subnets"][0]["SubnetId"])
    assert placed.public is True
    assert fake.nets[placed.network_name].internal is False


def test_route_to_a_gateway_makes_a_subnet_public(tmp_path: Path) -> None:
    fake = FakeNetworks()
    w = World(tmp_path / "r.db", fake)
    sn = w.private_subnet()
    assert w.place(sn).public is False
    w.make_public(sn)
    # nothing attached: the network is made again, not internal this time
    placed = w.place(sn)
    assert placed.public is True and fake.nets[placed.network_name].internal is False


def test_colliding_cidr_falls_back_to_a_docker_range(tmp_path: Path) -> None:
    fake = FakeNetworks(taken=("10.40.1.0/24",))
    w = World(tmp_path / "r.db", fake)
    sn = w.private_subnet()
    placed = w.place(sn)
    net = fake.nets[placed.network_name]
    assert net.subnet != "10.40.1.0/24" and net.internal is True
    from emulator.endpoint.ec2_networks import SubnetNetwork

    rec = w.resources.get(SubnetNetwork, REGION, sn)
    assert rec is not None and rec.own_cidr is False and rec.cidr == net.subnet


def test_unknown_subnet_is_ecs_invalid_parameter(tmp_path: Path) -> None:
    w = World(tmp_path / "r.db", FakeNetworks())
    with pytest.raises(ApiError) as e:
        w.place("subnet-0123456789abcdef0")
    assert e.value.code == "InvalidParameterException"
    assert str(e.value) == (
        "Error retrieving subnet information for [subnet-0123456789abcdef0]: The subnet ID "
        "'subnet-0123456789abcdef0' does not exist (ErrorCode: InvalidSubnetID.NotFound)"
    )


def test_subnet_in_use_cannot_be_deleted(tmp_path: Path) -> None:
    fake = FakeNetworks()
    w = World(tmp_path / "r.db", fake)
    sn = w.private_subnet()
    placed = w.place(sn)
    fake.in_use.add(placed.network_name)
    with pytest.raises(ApiError) as e:
        w("DeleteSubnet", SubnetId=sn)
    assert e.value.code == "DependencyViolation"
    assert str(e.value) == f"The subnet '{sn}' has dependencies and cannot be deleted."
    fake.in_use.clear()
    w("DeleteSubnet", SubnetId=sn)
    assert placed.network_name not in fake.nets


def test_a_subnets_spare_pause_goes_with_it_unless_a_task_claimed_it(tmp_path: Path) -> None:
    from emulator.images import PAUSE
    from emulator.runtime.base import ContainerSpec
    from emulator.runtime.memory import MemoryRuntime
    from emulator.spares import spare_spec

    rt = MemoryRuntime().with_images(PAUSE, "app")
    w = World(tmp_path / "r.db", rt)

    def spare_on(subnet: str) -> str:
        spare = rt.create(spare_spec("s", w.place(subnet).network_name, subnet))
        rt.start(spare)
        return spare

    sn = w.private_subnet()
    spare_on(sn)
    w("DeleteSubnet", SubnetId=sn)  # no task's: removed with its network
    assert rt.list_containers({L.ROLE: L.SPARE}) == []

    sn = w.private_subnet()
    spare = spare_on(sn)
    rt.create(
        ContainerSpec(
            name="app", image="app", labels={L.ROLE: "task"}, network_mode=f"container:{spare}"
        )
    )
    with pytest.raises(ApiError) as e:
        w("DeleteSubnet", SubnetId=sn)
    assert e.value.code == "DependencyViolation"
    assert [c.id for c in rt.list_containers({L.ROLE: L.SPARE})] == [spare]


# the real engine -------------------------------------------------------------------------
@pytest.fixture
def docker_world(tmp_path: Path) -> Iterator[World]:
    from emulator.runtime.docker import DockerRuntime

    rt = DockerRuntime()
    w = World(tmp_path / "r.db", rt)
    try:
        yield w
    finally:
        for n in rt.list_networks({L.ROLE: "network", "ecsdev.region": REGION}):
            for c in rt.list_containers({"ecsdev.test-net": n.name}):
                rt.remove(c.id)
            rt.remove_network(n.id)


@pytest.mark.docker
def test_docker_networks_for_subnets(docker_world: World) -> None:
    w = docker_world
    octet = 100 + secrets.randbelow(100)
    private = w.private_subnet(f"10.{octet}.0.0/16", f"10.{octet}.1.0/24")
    public = w.private_subnet(f"10.{octet + 1}.0.0/16", f"10.{octet + 1}.1.0/24")
    w.make_public(public)
    rt = w.runtime
    p = w.place(private)
    q = w.place(public)
    nets = {n.name: n for n in rt.list_networks({L.ROLE: "network", "ecsdev.region": REGION})}
    assert nets[p.network_name].internal is True
    assert nets[p.network_name].subnet == f"10.{octet}.1.0/24"
    assert nets[q.network_name].internal is False
    # the same CIDR in another VPC collides in Docker: a range Docker chooses instead
    twin = w.private_subnet(f"10.{octet}.0.0/16", f"10.{octet}.1.0/24")
    t = w.place(twin)
    twin_net = next(n for n in rt.list_networks({L.SUBNET: twin}))
    assert twin_net.name == t.network_name and twin_net.subnet != f"10.{octet}.1.0/24"
    # a container on the network holds the subnet
    cid = rt.create(
        ContainerSpec(
            name=f"ecsdev-nettest-{secrets.token_hex(3)}",
            image="ecsdev/pause:latest",
            labels={"ecsdev.test-net": p.network_name},
            network_mode=p.network_name,
        )
    )
    rt.start(cid)
    with pytest.raises(ApiError) as e:
        w("DeleteSubnet", SubnetId=private)
    assert e.value.code == "DependencyViolation"
    rt.remove(cid)
    w("DeleteSubnet", SubnetId=private)
    assert not rt.list_networks({L.SUBNET: private})


def test_unknown_network_interface(client: Any) -> None:
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as e:
        client("ec2").describe_network_interfaces(NetworkInterfaceIds=["eni-0123456789abcdef0"])
    assert e.value.response["Error"]["Code"] == "InvalidNetworkInterfaceID.NotFound"
    assert e.value.response["Error"]["Message"] == (
        "The networkInterface ID 'eni-0123456789abcdef0' does not exist"
    )


def test_security_groups_checked_as_ecs_does(tmp_path: Path) -> None:
    from emulator.endpoint.ec2_networks import check_security_groups

    w = World(tmp_path / "r.db", FakeNetworks())
    default = w("DescribeSecurityGroups", GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    check_security_groups(w.resources, REGION, [default])
    with pytest.raises(ApiError) as e:
        check_security_groups(w.resources, REGION, [default, "sg-0123456789abcdef0"])
    assert e.value.code == "InvalidParameterException"
    assert str(e.value) == (
        "Error retrieving security group information for [sg-0123456789abcdef0]: The security "
        "group 'sg-0123456789abcdef0' does not exist (ErrorCode: InvalidGroup.NotFound)"
    )


def test_concurrent_placements_make_one_network(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake = FakeNetworks()
    w = World(tmp_path / "r.db", fake)
    sn = w.private_subnet()
    with ThreadPoolExecutor(8) as pool:
        placed = list(pool.map(lambda _: w.place(sn), range(16)))
    assert len(set(placed)) == 1 and fake.created == 1


def test_concurrent_creates_of_one_group_name_make_one_group(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    w = World(tmp_path / "r.db", FakeNetworks())
    vpc = w("CreateVpc", CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]

    def create(_: int) -> str:
        try:
            return str(
                w("CreateSecurityGroup", GroupName="same", Description="d", VpcId=vpc)["GroupId"]
            )
        except ApiError as e:
            return e.code

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(16)))
    made = [r for r in results if r.startswith("sg-")]
    assert len(made) == 1
    assert results.count("InvalidGroup.Duplicate") == 15
