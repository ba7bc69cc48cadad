"""An image with Python, boto3 and the AWS CLI (v1) for tests of what they do inside a task,
built without a registry: ecsdev's base image (Debian's python3) plus the packages of this
virtualenv (boto3, botocore and the CLI's own botocore with STS's model only, and their
dependencies), cached by a tag naming their versions."""

from __future__ import annotations

import importlib
import shutil
import tempfile
from pathlib import Path

import botocore

from emulator.images import obtain
from emulator.images.builtin import BASE
from emulator.runtime.docker import DockerRuntime

PACKAGES = ("boto3", "botocore", "jmespath", "s3transfer", "urllib3", "dateutil")
CLI_PACKAGES = ("awscli", "docutils", "rsa", "pyasn1", "colorama", "yaml")
KEEP_DATA = {"_retry.json", "endpoints.json", "partitions.json", "sdk-default-configuration.json"}


def _tag() -> str:
    try:
        cli = importlib.import_module("awscli").__version__
    except ImportError:
        cli = "none"
    return f"ecsdev-test/boto3:{botocore.__version__}-cli{cli}"


def _ignore_models(directory: str, names: list[str]) -> set[str]:
    here = Path(directory)
    if here.name == "data" and here.parent.name == "botocore":
        if here.parent.parent.name == "awscli":  # the CLI lists every service: keep the names
            return {n for n in names if n == "__pycache__"}
        return {n for n in names if n not in KEEP_DATA and n != "sts"}
    in_cli_data = here.parent.parent.name == "data" and here.parents[3].name == "awscli"
    if in_cli_data and here.parent.name not in ("sts", "s3"):  # a service's version directory
        return set(names)  # emptied; see _placeholders
    if here.name == "awscli":
        return {n for n in names if n in ("examples", "topics", "__pycache__")}
    return {n for n in names if n == "__pycache__"}


def _placeholders(data: Path) -> None:
    """An empty model for each service the CLI lists but these tests never call."""
    for version in data.glob("*/*"):
        if version.is_dir() and not any(version.iterdir()):
            (version / "service-2.json").write_text("{}")


def has_cli(tag: str) -> bool:
    return not tag.endswith("-clinone")


def boto3_image(rt: DockerRuntime) -> str:
    tag = _tag()
    if rt.image_present(tag):
        return tag
    obtain(rt, BASE)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        for name in PACKAGES + (CLI_PACKAGES if has_cli(tag) else ()):
            src = Path(importlib.import_module(name).__file__ or "").parent
            shutil.copytree(src, site / name, ignore=_ignore_models)
        if has_cli(tag):
            _placeholders(site / "awscli" / "botocore" / "data")
        six = importlib.import_module("six").__file__ or ""
        shutil.copy(six, site / "six.py")
        (Path(tmp) / "Dockerfile").write_text(
            f"FROM {BASE}\nCOPY site/ /usr/local/lib/python3.11/dist-packages/\n"
        )
        rt.build(tag, tmp, None, {})
    return tag
