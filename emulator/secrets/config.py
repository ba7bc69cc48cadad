"""A stack's secret sources: the layout's ``secrets.sources``, checked and kept for the engine.

Why this exists: the sources a stack chooses are read by the loader (shape and problems with
their paths), recorded in the stack's store by ``ecsdev up`` (the controller never reads the
layout file), and read back at each task start. Clusters made through the API have no layout:
they use ``default_sources`` (a secrets file in the state directory if present, then the local
endpoint). Only names, paths, URLs and profile names are held here, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.model.report import Reporter
from emulator.model.shapes import items

SECRETS_KEY = "secrets/sources"  # the store key the stack's sources are kept under
DEFAULT_FILE = "secrets.yaml"  # in the state directory, for stacks without a layout

KINDS = ("file", "endpoint", "localstack", "aws")
_OPTIONS = {
    "file": {"path"},
    "endpoint": {"url"},
    "localstack": {"url"},
    "aws": {"profile", "region"},
}


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One source as the layout gives it: ``type`` and its options (``path`` absolute)."""

    type: str
    options: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str = "") -> str:
        return dict(self.options).get(key, default)

    @property
    def label(self) -> str:
        """How messages and the dashboard name it."""
        match self.type:
            case "file":
                return f"secrets file {self.option('path')}"
            case "endpoint":
                return "the local endpoint" + (
                    f" {self.option('url')}" if self.option("url") else ""
                )
            case "localstack":
                return f"LocalStack {self.option('url', 'http://localhost:4566')}"
            case _:
                profile = self.option("profile") or "default"
                return f"AWS profile {profile}"


def record(specs: tuple[SourceSpec, ...]) -> list[dict[str, str]] | None:
    """What is stored for the controller (None: the defaults)."""
    return [{"type": s.type, **dict(s.options)} for s in specs] or None


def from_record(value: Any) -> tuple[SourceSpec, ...] | None:
    """The stored sources, or None when the stack chose none."""
    if not isinstance(value, list) or not value:
        return None
    out = []
    for entry in value:
        if isinstance(entry, Mapping) and entry.get("type") in KINDS:
            opts = tuple(sorted((str(k), str(v)) for k, v in entry.items() if k != "type"))
            out.append(SourceSpec(str(entry["type"]), opts))
    return tuple(out) or None


def default_sources(state_home: Path) -> tuple[SourceSpec, ...]:
    """For a stack that chose none: the state directory's secrets file (when it exists at task
    start), then the local endpoint."""
    return (
        SourceSpec("file", (("optional", "true"), ("path", str(state_home / DEFAULT_FILE)))),
        SourceSpec("endpoint"),
    )


def with_profile(specs: tuple[SourceSpec, ...], profile: str, home: Path) -> tuple[SourceSpec, ...]:
    """A stack's sources (or the defaults) followed by the AWS account of ``profile``: what
    ``--secrets-profile`` asks for."""
    return (specs or default_sources(home)) + (SourceSpec("aws", (("profile", profile),)),)


def check_secrets(section: Any, rep: Reporter, base_dir: Path) -> tuple[SourceSpec, ...]:
    """Problems of the layout's ``secrets`` section (after the shape check), and its sources
    with file paths made absolute."""
    if not isinstance(section, dict):
        return ()
    out: list[SourceSpec] = []
    for i, src in items(section.get("sources")):
        path = ("secrets", "sources", i)
        kind = src.get("type")
        if kind not in KINDS:
            continue  # reported by the shape check
        for key in sorted(set(src) - {"type"} - _OPTIONS[kind]):
            allowed = ", ".join(sorted(_OPTIONS[kind])) or "no options"
            rep.error(path + (key,), f"not an option of type {kind} (it takes {allowed})")
        opts = {k: str(v) for k, v in src.items() if k in _OPTIONS[kind]}
        if kind == "file":
            if not opts.get("path"):
                rep.error(path, "a file source needs a path (path: secrets.yaml)")
                continue
            p = Path(opts["path"]).expanduser()
            p = p if p.is_absolute() else base_dir / p
            if not p.is_file():
                rep.error(
                    path + ("path",),
                    f"no such file: {opts['path']} (looked in {base_dir}; create it with "
                    "NAME-OR-ARN: value lines, or remove this source)",
                )
            elif p.stat().st_mode & 0o077:
                rep.warn(
                    path + ("path",),
                    f"{opts['path']} can be read by other users (chmod 600 {opts['path']})",
                )
            opts["path"] = str(p)
        if kind == "localstack" and not opts.get("url", "http://").startswith(
            ("http://", "https://")
        ):
            rep.error(path + ("url",), f"{opts['url']!r} is no URL (url: http://localhost:4566)")
        out.append(SourceSpec(kind, tuple(sorted(opts.items()))))
    kinds = [s.type for s in out]
    if kinds.count("endpoint") > 1:
        rep.error(("secrets", "sources"), "the local endpoint is listed twice (keep one)")
    return tuple(out)
