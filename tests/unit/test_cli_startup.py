"""Every ``ecsdev`` command pays for what ``ecsdev.cli`` imports, and the suite runs the CLI
hundreds of times: the endpoint's server (werkzeug, moto) is imported by ``ecsdev serve`` when
it runs, never at start-up."""

from __future__ import annotations

import subprocess
import sys

from ecsdev import servecmd
from emulator.endpoint import main as endpoint_main
from tests.conftest import REPO


def test_the_cli_does_not_import_the_endpoint_server_at_start_up() -> None:
    code = (
        "import sys, ecsdev.cli; "
        "print([m for m in ('moto', 'werkzeug', 'emulator.endpoint.server') if m in sys.modules])"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_serve_defaults_to_the_endpoint_port() -> None:
    assert servecmd.DEFAULT_PORT == endpoint_main.DEFAULT_PORT
