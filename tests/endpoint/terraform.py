"""Running the real ``terraform`` binary against the endpoint, for the Terraform tests.

Why this exists: both Terraform tests need the same set-up (the hashicorp/aws provider from a
local filesystem mirror, the endpoint's environment without ``AWS_ENDPOINT_URL`` since the
provider is given its endpoints) and the same runner. Where Terraform or the provider is not
installed the tests are skipped, saying so (under CI=true they fail); the calls it makes are covered by the AWS CLI and
boto3 tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.needs import missing

MIRROR = Path(os.environ.get("ECSDEV_TF_PLUGINS", "/opt/tf-plugins"))

Terraform = Callable[..., subprocess.CompletedProcess[str]]


def provider_present() -> bool:
    return shutil.which("terraform") is not None and any(
        MIRROR.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*")
    )


def _need_terraform() -> None:
    if provider_present():
        return
    why = f"terraform and its AWS provider (a mirror under {MIRROR}) are not installed"
    missing(why)


# where Terraform is missing: skipped on a developer's machine, a failure under CI=true (these
# tests need Docker too, and nothing that does may skip there)
needs_terraform = pytest.mark.usefixtures("_terraform_installed")


def terraform(endpoint: Any, workdir: Path, config: str, timeout: float = 900) -> Terraform:
    """``tf("apply", "-auto-approve", ...)`` in ``workdir`` with ``config`` as main.tf, after
    ``terraform init`` succeeded."""
    (workdir / "main.tf").write_text(config)
    rc = workdir / "terraformrc"
    rc.write_text(
        "provider_installation {\n  filesystem_mirror {\n"
        f'    path = "{MIRROR}"\n'
        '    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n'
    )
    env = dict(endpoint.env, TF_CLI_CONFIG_FILE=str(rc), TF_IN_AUTOMATION="1")
    env.pop("AWS_ENDPOINT_URL", None)

    def tf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["terraform", *args, "-no-color", *(["-input=false"] if args[0] != "output" else [])],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    init = tf("init")
    assert init.returncode == 0, init.stderr
    return tf
