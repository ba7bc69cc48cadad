"""Parameter values as CloudFormation takes them, and where a nested stack's TemplateURL is.

Parameters: String, Number, CommaDelimitedList, ``List<…>`` and the AWS-specific types
(``AWS::EC2::VPC::Id``, ``List<AWS::EC2::Subnet::Id>`` …) are checked against AllowedValues,
AllowedPattern, lengths and ranges without any lookup in AWS. TemplateURL: a path (relative to
the parent template), a ``file://`` URL, an S3 URL the user maps with ``--template-url``, or a
CDK file asset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emulator.model.yamlsource import PathT

from .intrinsics import text
from .source import Template

Report = Callable[[PathT, str], None]
SSM = object()  # marker: an SSM parameter type, resolved by the stack


def typed(report: Report, name: str, spec: dict[str, Any], value: str, at: PathT) -> Any:
    ptype = str(spec["Type"])
    allowed = spec.get("AllowedValues")
    is_list = ptype.startswith("List<") or ptype == "CommaDelimitedList"
    items = [v.strip() for v in value.split(",")] if is_list else [value]
    for item in items:
        if isinstance(allowed, list) and item not in [text(a) for a in allowed]:
            report(
                at,
                f"{item!r} is not an allowed value of {name} "
                f"({', '.join(text(a) for a in allowed)})",
            )
        pattern = spec.get("AllowedPattern")
        if isinstance(pattern, str) and not re.fullmatch(pattern, item):
            report(at, f"{item!r} does not match {name}'s AllowedPattern {pattern}")
        if "Number" in ptype:
            try:
                number = float(item)
            except ValueError:
                report(at, f"{item!r} is not a number ({name} is {ptype})")
                continue
            lo, hi = spec.get("MinValue"), spec.get("MaxValue")
            if (lo is not None and number < float(lo)) or (hi is not None and number > float(hi)):
                report(at, f"{item} is outside {name}'s range ({lo} to {hi})")
        lo, hi = spec.get("MinLength"), spec.get("MaxLength")
        if (lo is not None and len(item) < int(lo)) or (hi is not None and len(item) > int(hi)):
            report(at, f"{item!r} has a length outside {lo} to {hi} ({name})")
    if ptype.startswith("AWS::SSM::Parameter::Value<"):
        return SSM
    return items if is_list else value


def template_path(
    report: Report, tpl: Template, urls: dict[str, Path], keys: dict[str, Path], url: Any, at: PathT
) -> Path | None:
    if not isinstance(url, str) or not url:
        report(at, "a nested stack needs a TemplateURL")
        return None
    base = tpl.path.resolve().parent
    for prefix, target in urls.items():
        if url == prefix or (target.is_dir() and url.startswith(prefix.rstrip("/") + "/")):
            rest = url[len(prefix) :].lstrip("/")
            return target / rest if rest else target
    if url.startswith("file://"):
        path = Path(url[7:])
    elif re.match(r"^(s3|https?)://", url) and url.rsplit("/", 1)[-1] in keys:
        path = keys[url.rsplit("/", 1)[-1]]
    elif re.match(r"^(s3|https?)://", url):
        report(
            at,
            f"{url} is not a local file: map it with --template-url {url}=PATH "
            "(or --template-url PREFIX=DIR for a directory laid out like the bucket)",
        )
        return None
    else:
        path = Path(url)
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        report(at, f"no such template: {url} (looked for {path})")
        return None
    return path
