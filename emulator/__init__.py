"""The ecsdev engine: runs ECS task definitions and services on Docker.

Importing this package must stay cheap and must not pull in docker, boto3, textual or rich:
the engine emits events and never prints; the CLI and the dashboard render them.
"""
