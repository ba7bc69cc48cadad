"""Issue 12 figures: ``ecsdev up -d -f cdk.out`` until steady against ``ecsdev up -d`` of the
equivalent layout (the layout document the translation produces, written to a file), image
builds excluded (the asset image is built before either run); and the translation alone
(template or cloud assembly to Layout) against loading the equivalent layout file.

The CDK app is the tests' two-services app (tests/cfn/cdkapps/two.js), synthesized with the
CDK the tests install from npm (tests/cfn/cdk.py). ``python -m benchmarks cfn``."""

from __future__ import annotations

import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from benchmarks.common import figure, heading, median, timed

ROUNDS = 3


def _ecsdev(*args: str, cwd: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "ecsdev", *args], check=True, capture_output=True, cwd=cwd
    )


def main() -> None:
    from emulator.cfn import load_templates
    from emulator.model.loader import load_layout
    from tests.cfn.cdk import synth_all

    heading("cfn: a CDK cloud assembly against the equivalent layout")
    work = Path(tempfile.mkdtemp(prefix="ecsdev-cfn-bench-"))
    assembly = synth_all(["two"], work / "apps")["two"]
    doc: dict[str, object] = {}
    layout = load_templates([assembly], document=doc, remember_ports=False)
    for image in layout.images:  # image builds excluded: both runs find it built
        subprocess.run(
            ["docker", "build", "-q", "-t", image.tag, image.context],
            check=True,
            capture_output=True,
        )
    equivalent = work / "ecsdev.yaml"
    _write(equivalent, doc, "cfnb-load")
    translate = [timed(lambda: load_templates([assembly], remember_ports=False)) for _ in range(20)]
    loading = [timed(lambda: load_layout(equivalent)) for _ in range(20)]
    figure(
        "translate cdk.out to a Layout (median of 20)",
        median(translate) * 1000,
        "ms",
        baseline=median(loading) * 1000,
    )
    figure("load the equivalent layout file (median of 20)", median(loading) * 1000, "ms")
    cdk_runs, layout_runs = [], []
    for _ in range(ROUNDS):
        name = f"cfnb-{secrets.token_hex(3)}"
        cdk_runs.append(_up(work, "-f", str(assembly), "--stack-name", name))
        _ecsdev("down", "--stack", name, cwd=work)
        name = f"cfnb-{secrets.token_hex(3)}"
        _write(equivalent, doc, name)
        layout_runs.append(_up(work, "-f", str(equivalent)))
        _ecsdev("down", "--stack", name, cwd=work)
    base = median(layout_runs)
    figure(
        f"up -d -f cdk.out until steady (median of {ROUNDS})",
        median(cdk_runs),
        "s",
        baseline=base,
        goal="<= 1.1x",
    )
    figure(f"up -d of the equivalent layout (median of {ROUNDS})", base, "s")


def _up(work: Path, *args: str) -> float:
    return timed(lambda: _ecsdev("up", "-d", *args, "--timeout", "600", cwd=work))


def _write(path: Path, doc: dict[str, object], name: str) -> None:
    path.write_text(yaml.safe_dump({**doc, "name": name}, sort_keys=False))
