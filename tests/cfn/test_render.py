"""A layout rendered for real ECS: every example layout renders to a template that cfn-lint
accepts, and running the rendered template here gives the same services, rules and target
groups as running the layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from emulator.cfn import load_templates
from emulator.cfn.render import render_template
from emulator.model.layout import Layout
from emulator.model.loader import load_layout

LAYOUTS = sorted((Path(__file__).resolve().parents[2] / "layouts").glob("*/ecsdev.yaml"))
CFN_LINT = Path(sys.executable).parent / "cfn-lint"


@pytest.mark.parametrize("path", LAYOUTS, ids=[p.parent.name for p in LAYOUTS])
def test_rendered_template_passes_cfn_lint(path: Path, tmp_path: Path) -> None:
    text = render_template(load_layout(path))
    out = tmp_path / "template.yaml"
    out.write_text(text)
    res = subprocess.run([str(CFN_LINT), str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert text.startswith(f"# Rendered by ecsdev from {path.resolve()}")


def test_rendered_for_an_existing_vpc(tmp_path: Path) -> None:
    layout = load_layout(LAYOUTS[0].parent.parent / "alpha-bravo" / "ecsdev.yaml")
    out = tmp_path / "template.yaml"
    out.write_text(render_template(layout, existing_vpc=True))
    res = subprocess.run([str(CFN_LINT), str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    doc = yaml.safe_load(out.read_text())
    assert doc["Parameters"]["Vpc"]["Type"] == "AWS::EC2::VPC::Id"
    subnets = {k for k, v in doc["Parameters"].items() if v["Type"] == "AWS::EC2::Subnet::Id"}
    assert subnets == {"SubnetPublicA", "SubnetPublicAB", "SubnetPrivateA"}
    assert not any(
        r["Type"] in ("AWS::EC2::VPC", "AWS::EC2::Subnet") for r in doc["Resources"].values()
    )
    parameters = {p: f"id-{i}" for i, p in enumerate(doc["Parameters"])}
    again = load_templates([out], parameters=parameters, remember_ports=False)
    assert {s.name for s in again.services} == {s.name for s in layout.services}


def _routes(layout: Layout) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for lb in layout.load_balancers:
        for ls in lb.listeners:
            for r in ls.rules:
                conds = tuple((c.field, c.values, c.http_header_name) for c in r.conditions)
                acts = tuple(
                    (
                        a.type,
                        tuple((w.target_group, w.weight) for w in a.target_groups),
                        a.redirect,
                        a.status_code,
                        a.message_body,
                    )
                    for a in r.actions
                )
                out.append((ls.port, r.priority, conds, acts))
    return out


def test_render_round_trip_runs_the_same_stack(tmp_path: Path) -> None:
    layout = load_layout(LAYOUTS[0].parent.parent / "alpha-bravo" / "ecsdev.yaml")
    out = tmp_path / "alpha-bravo.yaml"
    out.write_text(render_template(layout))
    again = load_templates([out], stack_name=layout.name, remember_ports=False)
    assert again.name == layout.name and again.cluster == layout.cluster

    def services(lay: Layout) -> set[tuple[object, ...]]:
        return {
            (s.name, s.desired_count, s.subnets, s.load_balancers, s.deployment_configuration)
            for s in lay.services
        }

    assert services(again) == services(layout)
    fields = (
        "name",
        "port",
        "protocol",
        "target_type",
        "health_check_path",
        "matcher",
        "health_check_interval_seconds",
        "healthy_threshold_count",
        "deregistration_delay",
    )
    assert sorted(tuple(getattr(t, f) for f in fields) for t in again.target_groups) == sorted(
        tuple(getattr(t, f) for f in fields) for t in layout.target_groups
    )
    assert _routes(again) == _routes(layout)
    images = {c.image for t in again.task_definitions for c in t.container_definitions}
    assert images == {c.image for t in layout.task_definitions for c in t.container_definitions}
