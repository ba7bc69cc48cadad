"""Terraform (the real binary and hashicorp/aws provider) runs an ECS stack against the
endpoint, as a team's existing code would: an execution role (IAM, answered by moto), a log
group, a cluster with Container Insights, a task definition, a target group, a load balancer
with a listener, and a service behind it that Terraform waits to be steady; the listener then
answers from the task. A second plan shows no changes (everything reads back as set), and
destroy removes it all. Skipped where Terraform or its AWS provider is not installed."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.endpoint.terraform import needs_terraform, terraform

pytestmark = [pytest.mark.slow, pytest.mark.docker]

REGION = "us-east-2"

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
  skip_requesting_account_id  = false
  endpoints {
    ec2   = var.endpoint
    ecs   = var.endpoint
    elbv2 = var.endpoint
    iam   = var.endpoint
    logs  = var.endpoint
    sts   = var.endpoint
  }
}
data "aws_vpc" "default" { default = true }
data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}
resource "aws_iam_role" "execution" {
  name = "tf-web-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}
resource "aws_cloudwatch_log_group" "web" {
  name              = "/ecs/tf-web"
  retention_in_days = 3
}
resource "aws_ecs_cluster" "main" {
  name = "tf-cluster"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = { team = "platform" }
}
resource "aws_ecs_task_definition" "web" {
  family             = "tf-web"
  network_mode       = "bridge"
  execution_role_arn = aws_iam_role.execution.arn
  container_definitions = jsonencode([{
    name         = "app"
    image        = "ecsdev/echo:latest"
    memory       = 128
    essential    = true
    portMappings = [{ containerPort = 8080, hostPort = 0, protocol = "tcp" }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.web.name
        "awslogs-region"        = "%(region)s"
        "awslogs-stream-prefix" = "web"
      }
    }
  }])
}
resource "aws_lb_target_group" "web" {
  name                 = "tf-web"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "instance"
  vpc_id               = data.aws_vpc.default.id
  deregistration_delay = 0
  health_check {
    path     = "/health"
    interval = 5
    timeout  = 2
  }
}
resource "aws_lb" "web" {
  name               = "tf-web"
  load_balancer_type = "application"
  subnets            = data.aws_subnets.default.ids
}
resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.web.arn
  port              = %(port)d
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
resource "aws_ecs_service" "web" {
  name                 = "web"
  cluster              = aws_ecs_cluster.main.id
  task_definition      = aws_ecs_task_definition.web.arn
  desired_count        = 1
  launch_type          = "EC2"
  wait_for_steady_state = true
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "app"
    container_port   = 8080
  }
  depends_on = [aws_lb_listener.web]
}
output "dns" { value = aws_lb.web.dns_name }
"""


@pytest.mark.timeout(1200)
@needs_terraform
def test_terraform_runs_an_ecs_service_behind_a_load_balancer(
    endpoint: Any, client: Any, tmp_path: Path
) -> None:
    port = 21000 + int(time.time()) % 9000
    tf = terraform(endpoint, tmp_path, CONFIG % {"region": REGION, "port": port})
    var = f"-var=endpoint={endpoint.url}"
    applied = tf("apply", "-auto-approve", var)
    try:
        assert applied.returncode == 0, applied.stdout[-4000:] + applied.stderr[-4000:]
        plan = tf("plan", "-detailed-exitcode", var)
        assert plan.returncode == 0, plan.stdout[-6000:] + plan.stderr[-2000:]  # 2: drift
        ecs = client("ecs", region=REGION)
        (svc,) = ecs.describe_services(cluster="tf-cluster", services=["web"])["services"]
        assert svc["runningCount"] == 1 and svc["loadBalancers"][0]["containerPort"] == 8080
        dns = json.loads(tf("output", "-json").stdout)["dns"]["value"]
        assert dns.endswith(".localhost")
        body = _get(f"http://127.0.0.1:{port}/hello")
        assert "hello" in body
    finally:
        destroyed = tf("destroy", "-auto-approve", var)
    assert destroyed.returncode == 0, destroyed.stdout[-4000:] + destroyed.stderr[-4000:]
    assert client("ecs", region=REGION).list_clusters()["clusterArns"] == []


def _get(url: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return str(resp.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
