"""The import rules as a contract, in the suite that runs everywhere (no Docker): the engine
never imports textual, rich, boto3 or ecsdev; the TUI never imports the engine's runtime;
the ALB stands on the model alone (one known violation, listed in .importlinter). The
contracts are import-linter's, read from the repository's .importlinter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = (
    "The engine never imports textual, rich, boto3 or ecsdev",
    "The TUI never imports the engine's runtime",
    "The ALB stands on the model alone",
)


def test_every_import_contract_is_kept() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    res = subprocess.run(
        [str(lint), "--config", str(REPO / ".importlinter"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    flat = " ".join(out.split())  # long contract names are wrapped
    for name in CONTRACTS:
        assert name in flat, f"contract missing from .importlinter: {name}\n{out}"
    assert "0 broken" in flat
