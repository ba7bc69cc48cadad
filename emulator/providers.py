"""What a task needs from outside the engine: secret values and role credentials.

The engine never calls AWS. Where a stack asks for values from an AWS account or LocalStack,
the layer above (``ecsdev``) provides the sources: it installs a ``Providers`` in every process
it starts, and names the module that does so in ``ECSDEV_PROVIDERS`` so that the processes
the engine starts in turn (controllers, the endpoint) load it too. The engine's own sources
(a local secrets file, ecsdev's endpoint) need nothing from above. Nothing here holds a value.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PROVIDERS_ENV = "ECSDEV_PROVIDERS"
"""A module that calls ``install`` when imported; set by the ecsdev CLI for its children."""

SourceFactory = Callable[[Mapping[str, Any]], Any]
"""Builds a source from its entry in the stack's configuration (a kind's options)."""


@dataclass
class Providers:
    """Source factories by kind, e.g. ``{"aws": ..., "localstack": ...}``."""

    secret_sources: dict[str, SourceFactory] = field(default_factory=dict)
    credential_sources: dict[str, SourceFactory] = field(default_factory=dict)


_installed = Providers()
_loaded = False


def install(providers: Providers) -> None:
    """Add the upper layer's sources to this process (later kinds replace earlier ones)."""
    _installed.secret_sources.update(providers.secret_sources)
    _installed.credential_sources.update(providers.credential_sources)


def installed() -> Providers:
    """This process's sources, loading ``ECSDEV_PROVIDERS``'s module the first time."""
    global _loaded
    if not _loaded:
        _loaded = True
        module = os.environ.get(PROVIDERS_ENV, "")
        if module:
            importlib.import_module(module)
    return _installed
