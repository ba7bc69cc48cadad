"""The launch hook that gives a task its secrets, as the ECS agent does before it starts one.

Why this exists: at every launch (a service's task or RunTask) the values a task definition
names in ``secrets``, ``logConfiguration.secretOptions`` and ``repositoryCredentials`` are
looked up in the stack's sources, in order; the values go into the containers' environment
(``secretOptions`` and registry credentials are only checked: locally no log driver takes
options and images are pulled with the local Docker credentials). When one cannot be had the
launch is refused with ECS's own ``ResourceInitializationError`` text naming the secret, and
nothing of the task starts. Values are never put in an event, a record or a message: what is
recorded for a task (``secrets/<task ARN>`` in the store) is each variable's name and source.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emulator.errors import EcsdevError
from emulator.events import Event
from emulator.model.taskdef import ContainerDefinition
from emulator.providers import installed
from emulator.secrets.config import (
    SECRETS_KEY,
    SourceSpec,
    default_sources,
    from_record,
    record,
)
from emulator.secrets.refs import BadReference, SecretRef, json_key, parse
from emulator.secrets.sources import EndpointSource, FileSource, SecretSource, SourceUnavailable
from emulator.store import state_home

if TYPE_CHECKING:
    from emulator.taskhooks import Launch
    from emulator.tasks import TaskRunner

PREFIX = (
    "ResourceInitializationError: unable to pull secrets or registry auth: "
    "execution resource retrieval failed: "
)
RETRIED = "service call has been retried 1 time(s)"


class SecretUnavailable(EcsdevError):
    """A secret no source gave; the message is ECS's stopped reason, the hint what was tried."""


def build_source(spec: SourceSpec) -> SecretSource:
    """The source a spec names: the engine's own kinds here, the others from the providers
    the ecsdev layer installed (``ECSDEV_PROVIDERS``)."""
    if spec.type == "file":
        return FileSource(Path(spec.option("path")), required=spec.option("optional") != "true")
    if spec.type == "endpoint":
        return EndpointSource(spec.option("url") or None)
    factory = installed().secret_sources.get(spec.type)
    if factory is None:
        return _Missing(spec)
    source: SecretSource = factory(dict(spec.options))
    return source


class _Missing:
    """A kind this process has no provider for (an engine process not started by ecsdev)."""

    def __init__(self, spec: SourceSpec) -> None:
        self.label = spec.label

    def lookup(self, ref: SecretRef) -> str | None:
        raise SourceUnavailable(f"{self.label} needs ecsdev's providers (ECSDEV_PROVIDERS unset)")


def stack_sources(stored: Any) -> list[SecretSource]:
    """The sources a stack chose (its stored ``secrets.sources``), else the defaults."""
    specs = from_record(stored) or default_sources(state_home())
    return [build_source(s) for s in specs]


@dataclass
class Resolver:
    """Looks references up in ``sources`` in order, once per reference per launch."""

    sources: list[SecretSource]
    region: str

    def __post_init__(self) -> None:
        self._found: dict[tuple[str, bool], tuple[str, str]] = {}

    def prefetch(self, keys: list[tuple[str, bool]]) -> None:
        """Look every (valueFrom, registry) up at once, in parallel as the ECS agent does; a
        secret none has raises for the first such key in ``keys``' order."""
        todo = [k for k in dict.fromkeys(keys) if k not in self._found]
        if len(todo) < 2:
            return
        with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
            futures = {k: pool.submit(self._lookup, *k) for k in todo}
        for k in todo:
            self._found[k] = futures[k].result()

    def value(self, value_from: str, *, registry: bool = False) -> tuple[str, str]:
        """(value, the label of the source that had it), or ``SecretUnavailable``."""
        key = (value_from, registry)
        if key not in self._found:
            self._found[key] = self._lookup(value_from, registry)
        return self._found[key]

    def _lookup(self, value_from: str, registry: bool) -> tuple[str, str]:
        try:
            ref = parse(value_from, self.region, registry=registry)
        except BadReference as e:
            raise SecretUnavailable(
                PREFIX + f"unable to retrieve secrets from ssm: {RETRIED}: "
                f"invalid ssm parameters: {value_from}",
                str(e),
            ) from None
        tried: list[str] = []
        codes: list[str] = []
        for source in self.sources:
            try:
                whole = source.lookup(ref)
            except SourceUnavailable as e:
                tried.append(e.message)
                codes += [e.code] if e.code else []
                continue
            if whole is None:
                tried.append(f"{source.label}: not there")
                continue
            value = json_key(ref, whole)
            if value is None:
                raise SecretUnavailable(
                    PREFIX + f"unable to retrieve secret from asm: {RETRIED}: retrieved secret "
                    f"from Secrets Manager did not contain json key {ref.json_key}",
                    f"{source.label} holds {ref.secret_id}, but not as a JSON object with the "
                    f"key {ref.json_key}.",
                )
            return value, source.label
        raise SecretUnavailable(not_found(ref, codes[0] if codes else ""), _hint(ref, tried))


def not_found(ref: SecretRef, code: str = "") -> str:
    """ECS's stopped reason for a secret it could not get (``code``: the service's error)."""
    if ref.service == "ssm":
        why = f"{code}: {ref.value_from}" if code else f"invalid ssm parameters: {ref.value_from}"
        return PREFIX + f"unable to retrieve secrets from ssm: {RETRIED}: {why}"
    why = code or "ResourceNotFoundException: Secrets Manager can't find the specified secret."
    return (
        PREFIX + f"unable to retrieve secret from asm: {RETRIED}: "
        f"failed to fetch secret {ref.secret_id} from secrets manager: {why}"
    )


def _hint(ref: SecretRef, tried: list[str]) -> str:
    where = "; ".join(tried) or "no sources"
    what = "SSM parameter" if ref.service == "ssm" else "Secrets Manager secret"
    return (
        f"The {what} {ref.name} was looked up in: {where}. Add it to one of them (a secrets "
        f"file line `{ref.name}: VALUE`), or list the sources that hold it under "
        "secrets.sources in the layout."
    )


def references(c: ContainerDefinition) -> tuple[list[tuple[str, str]], list[str], str]:
    """A container's (variable, valueFrom) secrets, its log driver's secret valueFroms, and its
    registry credentials' secret ("" when none)."""
    log = c.log_configuration or {}
    options = [str(o.get("valueFrom", "")) for o in log.get("secretOptions") or []]
    creds = (c.raw.get("repositoryCredentials") or {}).get("credentialsParameter") or ""
    return list(c.secrets), options, str(creds)


class SecretsHook:
    """``TaskHook``: secrets into the containers' environment, or the launch refused."""

    def __init__(self, runner: TaskRunner) -> None:
        self.runner = runner
        self.specs: tuple[SourceSpec, ...] | None = None  # a layout's, instead of the stored
        self.extra: tuple[SourceSpec, ...] = ()  # asked for by a flag, after the stack's own

    def prepare(self, launch: Launch) -> None:
        wanted = [references(c) for c in launch.td.container_definitions]
        if not any(s or o or r for s, o, r in wanted):
            return
        store = self.runner.store
        stored = record(self.specs) if self.specs is not None else store.get(SECRETS_KEY)
        sources = stack_sources(stored) + [build_source(s) for s in self.extra]
        resolver = Resolver(sources, launch.ctx.region)
        resolver.prefetch(
            [(v, False) for s, o, _ in wanted for v in [vf for _, vf in s] + o]
            + [(r, True) for _, _, r in wanted if r]
        )
        used: dict[str, dict[str, str]] = {}
        for i, (c, (secrets, options, creds)) in enumerate(
            zip(launch.td.container_definitions, wanted, strict=True)
        ):
            spec = launch.specs[i]
            env = dict(spec.environment)
            for name, value_from in secrets:
                value, source = resolver.value(value_from)
                env[name] = value
                used.setdefault(c.name, {})[name] = source
            for value_from in options:
                resolver.value(value_from)
            if creds:
                resolver.value(creds, registry=True)
            if secrets:
                launch.specs[i] = replace(spec, environment=env)
        task_arn = launch.ctx.task_arn
        store.put(f"secrets/{task_arn}", used)
        names = ", ".join(
            f"{n} ({src})" for vars_ in used.values() for n, src in sorted(vars_.items())
        )
        if names:
            ev = Event(f"task {launch.ctx.task_id} secrets: {names}", subject=task_arn, kind="task")
            store.add_event(ev)
            self.runner.sink(ev)

    def created(self, launch: Launch, ids: dict[str, str]) -> None:
        return None

    def released(self, task_arn: str) -> None:
        return None
