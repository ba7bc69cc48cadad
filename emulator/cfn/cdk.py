"""A CDK cloud assembly (``cdk.out``) as templates to run: its manifest names the stacks, their
templates, the file assets that nested stacks' TemplateURLs point at, and the Docker image
assets that task definitions use (built locally from their asset directories, never pushed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emulator.errors import Problem

_ENV = re.compile(r"^aws://(\d{12}|unknown-account)/([a-z0-9-]+|unknown-region)$")


@dataclass
class ImageAsset:
    tag: str  # the image tag in the template's ECR image URI (the asset hash)
    context: Path
    dockerfile: str | None = None
    args: dict[str, str] = field(default_factory=dict)

    @property
    def local_tag(self) -> str:
        return f"ecsdev-cdk-asset:{self.tag[:20]}"


@dataclass
class CdkStack:
    name: str
    template: Path
    account: str | None = None
    region: str | None = None


@dataclass
class CloudAssembly:
    stacks: list[CdkStack] = field(default_factory=list)
    images: dict[str, ImageAsset] = field(default_factory=dict)  # tag -> asset
    files: dict[str, Path] = field(default_factory=dict)  # S3 object key -> local file


def read_assembly(root: Path, shown: str) -> tuple[CloudAssembly | None, list[Problem]]:
    """The stacks and assets of the cloud assembly in ``root``."""
    manifest_file = root / "manifest.json"
    where = f"{shown.rstrip('/')}/manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text())
    except (OSError, ValueError) as e:
        return None, [Problem(where, None, "", f"cannot read the cloud assembly manifest: {e}")]
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        return None, [Problem(where, None, "", "no artifacts: is this a cdk.out directory?")]
    out = CloudAssembly()
    problems: list[Problem] = []
    for art_id, art in artifacts.items():
        if not isinstance(art, dict):
            continue
        props = art.get("properties") or {}
        kind = art.get("type")
        if kind == "aws:cloudformation:stack":
            template = root / str(props.get("templateFile", ""))
            if not template.is_file():
                problems.append(
                    Problem(
                        where,
                        None,
                        f"artifacts.{art_id}",
                        f"template {props.get('templateFile')!r} is missing",
                    )
                )
                continue
            m = _ENV.match(str(art.get("environment", "")))
            account = m.group(1) if m and m.group(1) != "unknown-account" else None
            region = m.group(2) if m and m.group(2) != "unknown-region" else None
            out.stacks.append(
                CdkStack(str(props.get("stackName") or art_id), template, account, region)
            )
        elif kind == "cdk:asset-manifest":
            problems += _assets(root, root / str(props.get("file", "")), out)
        elif kind == "cdk:cloud-assembly":  # a nested assembly (CDK stages)
            inner, more = read_assembly(
                root / str(props.get("directoryName", "")),
                f"{shown}/{props.get('directoryName', '')}",
            )
            problems += more
            if inner is not None:
                out.stacks += inner.stacks
                out.images.update(inner.images)
                out.files.update(inner.files)
    if not out.stacks and not problems:
        problems.append(Problem(where, None, "", "the cloud assembly has no stacks"))
    return out, problems


def _assets(root: Path, path: Path, out: CloudAssembly) -> list[Problem]:
    try:
        doc: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return [Problem(str(path), None, "", f"cannot read the asset manifest: {e}")]
    for asset in (doc.get("files") or {}).values():
        source = (asset.get("source") or {}).get("path")
        for dest in (asset.get("destinations") or {}).values():
            if source and dest.get("objectKey"):
                out.files[str(dest["objectKey"])] = root / source
    problems: list[Problem] = []
    for asset_id, asset in (doc.get("dockerImages") or {}).items():
        source = asset.get("source") or {}
        if "directory" not in source:
            problems.append(
                Problem(
                    str(path),
                    None,
                    f"dockerImages.{asset_id}",
                    "only Docker image assets built from a directory are supported"
                    " (not executable image assets)",
                )
            )
            continue
        for dest in (asset.get("destinations") or {}).values():
            tag = str(dest.get("imageTag") or asset_id)
            args = {str(k): str(v) for k, v in (source.get("dockerBuildArgs") or {}).items()}
            out.images[tag] = ImageAsset(
                tag, (root / source["directory"]).resolve(), source.get("dockerFile"), args
            )
    return problems
