"""A subnet's route table with its routes, read from EC2 on moto's server (issue 13: "a route
table shows its routes"): the public subnets' table sends 0.0.0.0/0 to the internet gateway."""

from __future__ import annotations

import pytest

from ecsdev.sources.aws import AwsSource
from emulator.errors import EcsdevError
from tests.aws.moto_world import World


def test_route_table_of_a_public_subnet(source: AwsSource, world: World) -> None:
    subnet = next(s for s in source.list_subnets(world.vpc_id) if s.id == world.public_subnets[0])
    assert subnet.route_table_id
    table = source.route_table(subnet.route_table_id)
    assert table.vpc_id == world.vpc_id and not table.main
    assert set(world.public_subnets) <= set(table.subnets)
    routes = {r.destination: r.target for r in table.routes}
    assert routes["10.0.0.0/16"] == "local"
    assert routes["0.0.0.0/0"].startswith("igw-")
    assert source.api_calls["ec2:DescribeRouteTables"] >= 1
    with pytest.raises(EcsdevError, match="does not exist"):
        source.route_table("rtb-0nosuch0000000")
