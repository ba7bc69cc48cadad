"""Session fixtures of the CloudFormation tests: the CDK apps synthesized once per session
(the npm install is cached per machine; see cdk.py). Without Node the CDK tests skip, except
under CI=true, where they fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.needs import missing

from .cdk import CdkUnavailable, synth_all


@pytest.fixture(scope="session")
def cdk_assemblies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Both apps synthesized once per session (in parallel)."""
    try:
        return synth_all(["single", "two"], tmp_path_factory.mktemp("cdk") / "apps")
    except CdkUnavailable as e:
        missing(f"the CDK cannot be installed: {e}")


@pytest.fixture(scope="session")
def cdk_single(cdk_assemblies: dict[str, Path]) -> Path:
    """cdk.out of an ApplicationLoadBalancedFargateService app."""
    return cdk_assemblies["single"]


@pytest.fixture(scope="session")
def cdk_two(cdk_assemblies: dict[str, Path]) -> Path:
    """cdk.out of two services behind one ALB with path rules and a Docker image asset."""
    return cdk_assemblies["two"]
