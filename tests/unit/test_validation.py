"""Validation of layouts: the corpus of bad layouts (each file states the exact problems and
warnings it must produce), warnings for what cannot be honoured locally, and quotas."""

from __future__ import annotations

import platform
import re
import textwrap
from pathlib import Path

import pytest

from emulator.errors import LayoutError
from emulator.events import Collector
from emulator.model.loader import load_layout, validate_task_definition
from emulator.model.yamlsource import parse_yaml

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"
CORPUS = sorted(BAD.glob("*.yaml"))


def _expectations(path: Path) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    for line in path.read_text().splitlines():
        m = re.match(r"^# (expect|warn): (.*)$", line)
        if m:
            text = m.group(2).replace("{dir}", str(BAD))
            (errors if m.group(1) == "expect" else warnings).append(text)
    return errors, warnings


def _local(text: str, name: str) -> str:
    """A problem as the corpus writes it: without the layout's own file name."""
    return text[len(name) + 1 :].strip() if text.startswith(name + ":") else text


def test_corpus_is_large_and_every_file_states_its_problems() -> None:
    assert len(CORPUS) >= 20
    for path in CORPUS:
        errors, _ = _expectations(path)
        assert errors, f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_layout_reports_exactly_its_problems(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(BAD)  # problems name files as the user gave them: relative
    errors, warnings = _expectations(path)
    sink = Collector()
    with pytest.raises(LayoutError) as info:
        load_layout(path.name, sink)
    got = [_local(str(p), path.name) for p in info.value.problems]
    assert got == errors
    assert [_local(m, path.name) for m in sink.messages("warning")] == warnings
    assert info.value.exit_code == 2
    assert str(info.value).splitlines() == [str(p) for p in info.value.problems]


def _layout(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ecsdev.yaml"
    path.write_text(textwrap.dedent(text))
    return path


TASK = """
version: 1
name: warn
taskDefinitions:
  - family: web
    networkMode: awsvpc
    executionRoleArn: arn:aws:iam::123456789012:role/exec
    pidMode: task
    placementConstraints: []
    volumes:
      - name: shared
        efsVolumeConfiguration: {fileSystemId: fs-12345678}
    containerDefinitions:
      - name: app
        image: busybox
        memory: 64
        secrets:
          - {name: DB_PASSWORD, valueFrom: arn:aws:ssm:us-east-1:123456789012:parameter/db}
        firelensConfiguration: {type: fluentbit}
        repositoryCredentials: {credentialsParameter: arn:aws:secretsmanager:us-east-1:1:secret:x}
        linuxParameters: {initProcessEnabled: true, maxSwap: 0, devices: []}
        portMappings: [{containerPort: 8080, appProtocol: http}]
        logConfiguration: {logDriver: splunk, options: {splunk-url: "https://x"}}
        mountPoints: [{sourceVolume: shared, containerPath: /shared}]
"""


def test_fields_not_honoured_locally_are_warnings_naming_their_path(tmp_path: Path) -> None:
    path = _layout(tmp_path, TASK)
    sink = Collector()
    layout = load_layout(path, sink)
    assert layout.task_definitions[0].family == "web"
    f = str(path)
    td = "taskDefinitions[0]"
    c = f"{td}.containerDefinitions[0]"
    assert sink.messages("warning") == [
        f"{f}:8: {td}.pidMode: not honoured locally (ignored)",
        f"{f}:12: {td}.volumes[0].efsVolumeConfiguration: "
        "EFS is not reachable locally; this becomes a named local volume",
        f"{f}:19: {c}.firelensConfiguration: FireLens log routing is not emulated",
        f"{f}:20: {c}.repositoryCredentials: its secret is looked up at task start (a missing "
        "one stops the task), but images are pulled with the local Docker credentials",
        f"{f}:21: {c}.linuxParameters.maxSwap: not honoured locally (ignored)",
        f"{f}:22: {c}.portMappings[0].appProtocol: not honoured locally (ignored)",
        f"{f}:23: {c}.logConfiguration.logDriver: "
        "log driver 'splunk' is not honoured locally (logs are kept locally instead)",
    ]
    assert {e.level for e in sink.events} == {"warning"}
    assert {e.subject for e in sink.events} == {f}


def test_quotas_are_warnings_and_the_layout_still_loads(tmp_path: Path) -> None:
    rules = "\n".join(
        f"""          - priority: {n}
            conditions: [{{field: path-pattern, values: ["/{n}/*"]}}]
            actions: [{{type: fixed-response, statusCode: "200"}}]"""
        for n in range(1, 102)
    )
    text = f"""\
version: 1
name: quota
targetGroups: [{{name: a}}, {{name: b}}, {{name: c}}, {{name: d}}, {{name: e}}, {{name: f}}]
loadBalancers:
  - name: edge
    listeners:
      - port: 80
        publish: 0.0.0.0:8080
        defaultActions:
          - type: forward
            forwardConfig:
              targetGroups: [{{targetGroup: a}}, {{targetGroup: b}}, {{targetGroup: c}}, {{targetGroup: d}}, {{targetGroup: e}}, {{targetGroup: f}}]
        rules:
          - priority: 500
            conditions:
              - {{field: host-header, values: ["*.a.com", "?.b.com", "*.c.*"]}}
              - {{field: query-string, values: [{{key: "*", value: "*"}}]}}
            actions: [{{type: fixed-response, statusCode: "200"}}]
{rules}
"""
    path = tmp_path / "ecsdev.yaml"
    path.write_text(text)
    sink = Collector()
    layout = load_layout(path, sink)
    listener = layout.load_balancers[0].listeners[0]
    assert len(listener.rules) == 102
    assert [r.priority for r in listener.rules][:3] == [1, 2, 3]
    assert listener.publish == "0.0.0.0:8080"
    lb = "loadBalancers[0]"
    ls = f"{lb}.listeners[0]"
    assert [_local(m, str(path)) for m in sink.messages("warning")] == [
        f"6: {lb}.listeners: 102 rules: over the ALB quota of 100 rules per load balancer",
        f"8: {ls}.publish: publishes on 0.0.0.0: reachable from other machines (127.0.0.1 is local)",
        f"12: {ls}.defaultActions[0].forwardConfig.targetGroups: "
        "6 target groups: over the ALB quota of 5 target groups per action",
        f"15: {ls}.rules[0].conditions: 6 wildcards: over the ALB quota of 5 wildcards per rule",
    ]


def test_validate_task_definition_prefixes_paths_and_finds_lines() -> None:
    text = textwrap.dedent(
        """\
        family: web
        containerDefinitions:
          - name: app
            image: busybox
            memory: 64
            portMappings:
              - {containerPort: 70000}
        """
    )
    doc, problems = parse_yaml(text, "td.yaml")
    assert doc is not None and not problems
    got = validate_task_definition(doc.data, "td.yaml", doc.lines)
    assert [str(p) for p in got] == [
        "td.yaml:7: containerDefinitions[0].portMappings[0].containerPort: "
        "70000 is out of range (1-65535)"
    ]
    # The same task definition as the second entry of a layout's taskDefinitions.
    layout_text = "taskDefinitions:\n  - {}\n  - " + textwrap.indent(text, "    ").lstrip()
    nested, _ = parse_yaml(layout_text, "l.yaml")
    assert nested is not None
    got = validate_task_definition(
        nested.data["taskDefinitions"][1], "l.yaml", nested.lines, path=("taskDefinitions", 1)
    )
    assert [str(p) for p in got] == [
        "l.yaml:9: taskDefinitions[1].containerDefinitions[0].portMappings[0].containerPort: "
        "70000 is out of range (1-65535)"
    ]


def test_validate_task_definition_accepts_plain_dicts_without_lines() -> None:
    got = validate_task_definition(
        {"family": "x", "containerDefinitions": [{"name": "a", "image": "b", "memory": "64"}]},
        "<api>",
    )
    assert [str(p) for p in got] == [
        "<api>: containerDefinitions[0].memory: expected an integer, got the string '64' "
        "(remove the quotes)"
    ]
    assert validate_task_definition([], "<api>")[0].message == (
        "expected a mapping (a task definition), got a list"
    )


def test_environment_files_resolve_against_the_layout_directory(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("A=1\n")
    path = _layout(
        tmp_path,
        """\
        version: 1
        name: envfiles
        taskDefinitions:
          - family: web
            containerDefinitions:
              - name: app
                image: busybox
                memory: 64
                environmentFiles: [{value: app.env, type: s3}]
        """,
    )
    layout = load_layout(path)
    assert layout.task_definitions[0].container_definitions[0].environment_files == ("app.env",)


def test_fargate_pairs_and_units(tmp_path: Path) -> None:
    body = """\
        version: 1
        name: fargate
        taskDefinitions:
          - family: web
            requiresCompatibilities: [FARGATE]
            cpu: 1 vCPU
            memory: {memory}
            containerDefinitions: [{{name: app, image: busybox}}]
        """
    ok = _layout(tmp_path, body.format(memory='"3 GB"'))
    td = load_layout(ok).task_definitions[0]
    assert (td.network_mode, td.cpu, td.memory) == ("awsvpc", "1 vCPU", "3 GB")
    bad = _layout(tmp_path, body.format(memory="1024"))
    with pytest.raises(LayoutError) as info:
        load_layout(bad)
    assert [p.message for p in info.value.problems] == [
        "1024 MiB is not valid with cpu 1024 on Fargate (2048-8192 in steps of 1024)"
    ]


def test_runtime_platform_warns_only_on_mismatch(tmp_path: Path) -> None:
    here = "ARM64" if platform.machine().lower() in ("arm64", "aarch64") else "X86_64"
    other = "X86_64" if here == "ARM64" else "ARM64"
    text = """\
        version: 1
        name: platform
        taskDefinitions:
          - family: web
            runtimePlatform: {{cpuArchitecture: {arch}, operatingSystemFamily: {os}}}
            ephemeralStorage: {{sizeInGiB: 30}}
            containerDefinitions: [{{name: app, image: busybox, memory: 64}}]
        """
    sink = Collector()
    load_layout(_layout(tmp_path, text.format(arch=here, os="LINUX")), sink)
    assert [m.split(": ", 1)[1] for m in sink.messages()] == [
        "taskDefinitions[0].ephemeralStorage: containers use the local Docker storage"
    ]
    sink = Collector()
    load_layout(_layout(tmp_path, text.format(arch=other, os="WINDOWS_SERVER_2022_CORE")), sink)
    assert [m.split(": ", 1)[1] for m in sink.messages()] == [
        f"taskDefinitions[0].runtimePlatform.cpuArchitecture: {other} differs from this machine "
        f"({here}); images run under emulation or fail",
        "taskDefinitions[0].runtimePlatform.operatingSystemFamily: "
        "WINDOWS_SERVER_2022_CORE containers cannot run locally",
        "taskDefinitions[0].ephemeralStorage: containers use the local Docker storage",
    ]


def test_host_mode_and_slow_start_are_warnings(tmp_path: Path) -> None:
    path = _layout(
        tmp_path,
        """
        version: 1
        name: hostmode
        taskDefinitions:
          - family: web
            networkMode: host
            containerDefinitions:
              - {name: app, image: busybox, memory: 64, portMappings: [{containerPort: 8080}]}
        services:
          - serviceName: web
            taskDefinition: web
            loadBalancers: [{targetGroup: web, containerName: app, containerPort: 8080}]
        targetGroups:
          - name: web
            port: 8080
            targetType: instance
            attributes: {slow_start.duration_seconds: "60"}
        loadBalancers:
          - name: edge
            listeners:
              - {port: 80, defaultActions: [{type: forward, targetGroup: web}]}
        """,
    )
    sink = Collector()
    layout = load_layout(path, sink)
    assert layout.services[0].load_balancers
    assert sorted(m.split(": ", 2)[1:] for m in sink.messages("warning")) == [
        [
            "services[0].loadBalancers[0]",
            "host network mode tasks are not registered in target groups locally (the ALB "
            "stand-in does not route into the host's network): the load balancer answers 503 "
            "for them; use awsvpc or bridge to route to them",
        ],
        [
            'targetGroups[0].attributes["slow_start.duration_seconds"]',
            "slow start is not emulated locally: a new target gets its full share at once",
        ],
    ]


def test_health_checks_cannot_be_disabled_for_ip_targets(tmp_path: Path) -> None:
    path = _layout(
        tmp_path,
        """
        version: 1
        name: nocheck
        targetGroups:
          - {name: web, port: 8080, healthCheckEnabled: false}
        """,
    )
    with pytest.raises(LayoutError) as info:
        load_layout(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:5: targetGroups[0].healthCheckEnabled: health checks of ip and instance targets "
        "cannot be disabled on AWS (CreateTargetGroup refuses it); remove the field"
    ]
