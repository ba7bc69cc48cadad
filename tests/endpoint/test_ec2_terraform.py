"""Terraform (the real binary and hashicorp/aws provider) against the endpoint: a VPC with a
public and a private subnet, internet gateway, route table, security groups, a standalone
rule and a log group with retention and tags; applied, planned again with no changes (every
attribute reads back as set, with AWS's defaults), and destroyed. Skipped where Terraform or
its AWS provider is not installed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint.terraform import needs_terraform, terraform

pytestmark = pytest.mark.slow

REGION = "us-west-1"

CONFIG = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}
variable "endpoint" {}
provider "aws" {
  region                      = "%(region)s"
  access_key                  = "test"
  secret_key                  = "test"
  skip_metadata_api_check     = true
  endpoints {
    ec2  = var.endpoint
    logs = var.endpoint
    sts  = var.endpoint
  }
}
data "aws_vpc" "default" { default = true }
data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}
resource "aws_vpc" "main" {
  cidr_block           = "10.50.0.0/16"
  enable_dns_hostnames = true
  tags                 = { Name = "tf-main" }
}
resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = "10.50.1.0/24"
  availability_zone       = "%(region)sa"
  map_public_ip_on_launch = true
  tags                    = { Name = "tf-public" }
}
resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.50.2.0/24"
  availability_zone = "%(region)sb"
}
resource "aws_internet_gateway" "gw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.gw.id
  }
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
resource "aws_security_group" "web" {
  name        = "tf-web"
  description = "web"
  vpc_id      = aws_vpc.main.id
  ingress {
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
    description = "http"
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_security_group" "db" {
  name        = "tf-db"
  description = "db"
  vpc_id      = aws_vpc.main.id
}
resource "aws_vpc_security_group_ingress_rule" "db_from_web" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.web.id
  from_port                    = 5432
  to_port                      = 5432
  ip_protocol                  = "tcp"
}
resource "aws_cloudwatch_log_group" "app" {
  name              = "/ecs/tf-app"
  retention_in_days = 7
  tags              = { env = "dev" }
}
output "default_subnets" { value = data.aws_subnets.default.ids }
output "vpc" { value = aws_vpc.main.id }
output "public_subnet" { value = aws_subnet.public.id }
"""


@pytest.mark.timeout(900)
@needs_terraform
def test_terraform_apply_plan_destroy(endpoint: Any, client: Any, tmp_path: Path) -> None:
    tf = terraform(endpoint, tmp_path, CONFIG % {"region": REGION}, timeout=600)
    var = f"-var=endpoint={endpoint.url}"
    applied = tf("apply", "-auto-approve", var)
    try:
        assert applied.returncode == 0, applied.stdout + applied.stderr
        _check(tf, var, client)
    finally:
        destroyed = tf("destroy", "-auto-approve", var)
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr
    vpcs = client("ec2", region=REGION).describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": ["tf-main"]}]
    )["Vpcs"]
    assert vpcs == []


def _check(tf: Any, var: str, client: Any) -> None:
    plan = tf("plan", "-detailed-exitcode", var)
    assert plan.returncode == 0, plan.stdout + plan.stderr  # 2 would mean drift
    outputs = tf("output", "-json")
    out = json.loads(outputs.stdout)
    assert len(out["default_subnets"]["value"]) == 3
    ec2 = client("ec2", region=REGION)
    public = out["public_subnet"]["value"]
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [public]}]
    )["RouteTables"]
    assert any(r.get("GatewayId", "").startswith("igw-") for r in tables[0]["Routes"])
    group = client("logs", region=REGION).describe_log_groups(logGroupNamePrefix="/ecs/tf-app")
    assert group["logGroups"][0]["retentionInDays"] == 7
