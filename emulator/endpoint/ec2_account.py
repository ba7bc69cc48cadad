"""DescribeAvailabilityZones and DescribeAccountAttributes: what clients ask before anything else.

Why this exists: Terraform's provider, the console and CDK ask which zones a region has and
which VPC is the default before they create anything; the answers must agree with the
default subnets (one per zone: a, b, c) and the default VPC this endpoint made.
"""

from __future__ import annotations

from typing import Any

from emulator.endpoint.api import Request, ServiceHandlers
from emulator.endpoint.ec2_query import Ec2Env, invalid, matches
from emulator.endpoint.ec2_records import DefaultsMade, Vpc, zone_id, zones

Result = dict[str, Any]


def add_account_handlers(sh: ServiceHandlers, env: Ec2Env) -> None:
    sh.add("DescribeAvailabilityZones", lambda req: describe_availability_zones(env, req))
    sh.add("DescribeAccountAttributes", lambda req: describe_account_attributes(env, req))


def describe_availability_zones(env: Ec2Env, req: Request) -> Result:
    p = req.params
    items = []
    for z in zones(req.region):
        items.append(
            {
                "OptInStatus": "opt-in-not-required",
                "Messages": [],
                "RegionName": req.region,
                "ZoneName": z,
                "ZoneId": zone_id(z),
                "GroupName": req.region,
                "NetworkBorderGroup": req.region,
                "ZoneType": "availability-zone",
                "GroupLongName": req.region,
                "State": "available",
            }
        )
    names, ids = p.get("ZoneNames") or [], p.get("ZoneIds") or []
    for wanted, key in ((names, "ZoneName"), (ids, "ZoneId")):
        for w in wanted:
            if not any(z[key] == w for z in items):
                raise invalid(f"The zone '{w}' does not exist")
    if names or ids:
        items = [z for z in items if z["ZoneName"] in names or z["ZoneId"] in ids]
    facts = {
        "zone-name": "ZoneName",
        "zone-id": "ZoneId",
        "state": "State",
        "region-name": "RegionName",
        "zone-type": "ZoneType",
        "group-name": "GroupName",
        "opt-in-status": "OptInStatus",
        "network-border-group": "NetworkBorderGroup",
    }
    filters = p.get("Filters") or []
    items = [z for z in items if matches({k: [str(z[v])] for k, v in facts.items()}, {}, filters)]
    return {"AvailabilityZones": items}


def describe_account_attributes(env: Ec2Env, req: Request) -> Result:
    with env.tx(req) as tx:
        made = tx.get(DefaultsMade, req.region, req.region)
        default_vpc = made.vpc_id if made and tx.get(Vpc, req.region, made.vpc_id) else "none"
    attrs = {
        "supported-platforms": ["VPC"],
        "default-vpc": [default_vpc],
        "max-instances": ["20"],
        "vpc-max-security-groups-per-interface": ["5"],
        "max-elastic-ips": ["5"],
        "vpc-max-elastic-ips": ["5"],
    }
    wanted = req.params.get("AttributeNames") or list(attrs)
    for name in wanted:
        if name not in attrs:
            raise invalid(f"Value ({name}) for parameter attributeName is invalid.")
    return {
        "AccountAttributes": [
            {
                "AttributeName": name,
                "AttributeValues": [{"AttributeValue": v} for v in attrs[name]],
            }
            for name in wanted
        ]
    }
