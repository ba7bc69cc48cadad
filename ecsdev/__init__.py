"""ecsdev: ECS task definitions and services on Docker, and a terminal dashboard for ECS."""

__version__ = "0.1.0"
