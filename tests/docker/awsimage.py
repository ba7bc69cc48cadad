"""An image with Python and boto3 for tests of what the SDK does inside a task, built
without a registry: ecsdev's base image (Debian's python3) plus the pure-Python packages of
this virtualenv (boto3, botocore with STS's model only, and their dependencies), cached by
a tag naming botocore's version."""

from __future__ import annotations

import importlib
import shutil
import tempfile
from pathlib import Path

import botocore

from emulator.images import obtain
from emulator.images.builtin import BASE
from emulator.runtime.docker import DockerRuntime

TAG = f"ecsdev-test/boto3:{botocore.__version__}"
PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "urllib3", "dateutil")
KEEP_DATA = {"_retry.json", "endpoints.json", "partitions.json", "sdk-default-configuration.json"}


def _ignore_models(directory: str, names: list[str]) -> set[str]:
    if Path(directory).name == "data" and Path(directory).parent.name == "botocore":
        return {n for n in names if n not in KEEP_DATA and n != "sts"}
    return {n for n in names if n == "__pycache__"}


def boto3_image(rt: DockerRuntime) -> str:
    if rt.image_present(TAG):
        return TAG
    obtain(rt, BASE)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        for name in PACKAGES:
            src = Path(importlib.import_module(name).__file__ or "").parent
            shutil.copytree(src, site / name, ignore=_ignore_models)
        six = importlib.import_module("six").__file__ or ""
        shutil.copy(six, site / "six.py")
        (Path(tmp) / "Dockerfile").write_text(
            f"FROM {BASE}\nCOPY site/ /usr/local/lib/python3.11/dist-packages/\n"
        )
        rt.build(TAG, tmp, None, {})
    return TAG
