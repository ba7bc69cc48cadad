"""Container definition -> Docker spec, field by field (no Docker needed)."""

from __future__ import annotations

import json
from pathlib import Path

from emulator import labels as L
from emulator.containers import TaskContext, container_spec, docker_name, volume_names
from emulator.model.taskdef import parse_task_definition

TD = {
    "family": "full",
    "networkMode": "bridge",
    "cpu": "512",
    "volumes": [
        {"name": "data", "host": {"sourcePath": "data"}},
        {"name": "scratch", "dockerVolumeConfiguration": {"scope": "task"}},
        {"name": "shared", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}},
    ],
    "containerDefinitions": [
        {
            "name": "app",
            "image": "ecsdev/echo:latest",
            "cpu": 256,
            "memory": 256,
            "memoryReservation": 128,
            "command": ["python3", "app.py"],
            "entryPoint": ["/bin/sh", "-c"],
            "environment": [{"name": "A", "value": "from-env"}],
            "environmentFiles": [
                {"value": "one.env", "type": "s3"},
                {"value": "two.env", "type": "s3"},
            ],
            "portMappings": [
                {"containerPort": 8080, "hostPort": 0},
                {"containerPort": 9090, "hostPort": 9090},
            ],
            "healthCheck": {"command": ["CMD-SHELL", "true"]},
            "stopTimeout": 10,
            "startTimeout": 20,
            "user": "1000:1000",
            "workingDirectory": "/srv",
            "readonlyRootFilesystem": True,
            "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
            "linuxParameters": {
                "capabilities": {"add": ["NET_ADMIN"], "drop": ["MKNOD"]},
                "initProcessEnabled": True,
                "tmpfs": [{"containerPath": "/tmp", "size": 64}],
                "sharedMemorySize": 128,
            },
            "dockerLabels": {"team": "web"},
            "extraHosts": [{"hostname": "db.local", "ipAddress": "10.0.0.5"}],
            "dnsServers": ["10.0.0.2"],
            "hostname": "app-host",
            "mountPoints": [
                {"sourceVolume": "data", "containerPath": "/data", "readOnly": True},
                {"sourceVolume": "scratch", "containerPath": "/scratch"},
                {"sourceVolume": "shared", "containerPath": "/shared"},
            ],
            "systemControls": [{"namespace": "net.core.somaxconn", "value": "512"}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/full",
                    "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "ecs",
                },
            },
        },
        {
            "name": "side",
            "image": "busybox",
            "memory": 32,
            "essential": False,
            "volumesFrom": [{"sourceContainer": "app", "readOnly": True}],
            "dependsOn": [{"containerName": "app", "condition": "HEALTHY"}],
        },
    ],
}


def ctx(tmp: Path) -> TaskContext:
    return TaskContext(
        stack="s",
        cluster="default",
        task_arn="arn:aws:ecs:us-east-1:000000000000:task/default/abc123",
        task_id="abc123abc123abc123",
        task_definition_arn="arn:td/full:3",
        revision=3,
        region="us-west-2",
        base_dir=str(tmp),
        network_mode="bridge",
    )


def specs(tmp: Path) -> dict[str, object]:
    (tmp / "one.env").write_text("# comment\nA=from-file\nB=one\n")
    (tmp / "two.env").write_text("B=two\nC=two\n")
    td = parse_task_definition(TD)
    c = ctx(tmp)
    names = {x.name: docker_name(c, td.family, x.name) for x in td.container_definitions}
    return {x.name: container_spec(x, td, c, names) for x in td.container_definitions}


def test_every_field_is_carried_over(tmp_path: Path) -> None:
    app = specs(tmp_path)["app"]
    assert app.command == ("python3", "app.py") and app.entrypoint == ("/bin/sh", "-c")  # type: ignore[attr-defined]
    env = app.environment  # type: ignore[attr-defined]
    assert env["A"] == "from-env"  # explicit environment wins over files
    assert env["B"] == "one" and env["C"] == "two"  # across files the first value is kept
    assert env["AWS_REGION"] == "us-west-2" and env["AWS_EXECUTION_ENV"] == "AWS_ECS_EC2"
    assert (
        app.cpu_shares == 256
        and app.mem_limit == 256 * 2**20
        and app.mem_reservation == 128 * 2**20
    )  # type: ignore[attr-defined]
    assert app.nano_cpus == int(0.5e9)  # type: ignore[attr-defined]
    assert app.stop_timeout == 10 and app.user == "1000:1000" and app.working_dir == "/srv"  # type: ignore[attr-defined]
    assert app.read_only and app.init  # type: ignore[attr-defined]
    assert app.cap_add == ("NET_ADMIN",) and app.cap_drop == ("MKNOD",)  # type: ignore[attr-defined]
    assert app.ulimits == (("nofile", 1024, 4096),)  # type: ignore[attr-defined]
    assert app.shm_size == 128 * 2**20  # type: ignore[attr-defined]
    assert app.extra_hosts == (("db.local", "10.0.0.5"),) and app.dns == ("10.0.0.2",)  # type: ignore[attr-defined]
    assert app.hostname == "app-host" and app.sysctls == (("net.core.somaxconn", "512"),)  # type: ignore[attr-defined]
    ports = {(p.container_port, p.host_ip, p.host_port) for p in app.ports}  # type: ignore[attr-defined]
    assert ports == {(8080, "127.0.0.1", None), (9090, "127.0.0.1", 9090)}
    assert app.healthcheck.test == ("CMD-SHELL", "true")  # type: ignore[attr-defined]
    assert (app.healthcheck.interval, app.healthcheck.timeout, app.healthcheck.retries) == (
        30,
        5,
        3,
    )  # type: ignore[attr-defined]
    mounts = {m.target: m for m in app.mounts}  # type: ignore[attr-defined]
    assert (
        mounts["/data"].type == "bind"
        and mounts["/data"].source == str(tmp_path / "data")
        and mounts["/data"].read_only
    )
    assert (
        mounts["/scratch"].type == "volume"
        and mounts["/scratch"].source == "s-scratch-abc123abc123"
    )
    assert mounts["/shared"].source == "s-shared"  # EFS becomes one named local volume
    assert mounts["/tmp"].type == "tmpfs" and mounts["/tmp"].tmpfs_size == 64 * 2**20
    lb = app.labels  # type: ignore[attr-defined]
    assert lb["team"] == "web" and lb[L.STACK] == "s" and lb[L.REVISION] == "3"
    assert lb[L.LOG_GROUP] == "/ecs/full" and lb[L.LOG_STREAM] == "ecs/app/abc123abc123abc123"
    assert lb[L.STOP_TIMEOUT] == "10" and lb[L.START_TIMEOUT] == "20" and lb[L.ESSENTIAL] == "true"


def test_dependencies_and_volumes_from(tmp_path: Path) -> None:
    side = specs(tmp_path)["side"]
    assert side.volumes_from == ("s-full-3-app-abc123abc123:ro",)  # type: ignore[attr-defined]
    assert json.loads(side.labels[L.DEPENDS_ON]) == [
        {"containerName": "app", "condition": "HEALTHY"}
    ]  # type: ignore[attr-defined]
    assert side.labels[L.ESSENTIAL] == "false"  # type: ignore[attr-defined]
    assert side.cpu_shares == 2  # ECS turns 0 into 2 shares  # type: ignore[attr-defined]


def test_task_scoped_and_shared_volume_names(tmp_path: Path) -> None:
    td = parse_task_definition(TD)
    assert volume_names(td, ctx(tmp_path)) == ["s-scratch-abc123abc123", "s-shared"]
