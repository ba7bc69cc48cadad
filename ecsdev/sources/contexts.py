"""Discovering the places the dashboard can look at, and opening a ``Source`` for one.

A *context* is one environment: the local emulator through its AWS endpoint (``local``),
LocalStack (``localstack``), or an AWS profile from the user's AWS config (``aws:<profile>``).
``local`` is the main view of the emulator: the same ``AwsSource`` that reads AWS, pointed at
``ecsdev serve`` with fixed fake credentials, so the dashboard shows what any AWS client sees.
Each stack is also listed as ``local:<stack>``, read directly from the state directory and
Docker (``LocalSource``, the *direct* view that came before the endpoint). Users switch
between them inside the app, and the CLI opens one by name (``--context``/``--profile``).
The AWS CLI's own conventions decide the defaults, so the dashboard looks where ``aws``
would: ``AWS_PROFILE`` picks the profile, ``AWS_REGION`` then ``AWS_DEFAULT_REGION`` beat the
profile's region, and ``AWS_ENDPOINT_URL`` (read by botocore itself) redirects every call.
LocalStack's endpoint comes from localstack-client, which honours ``LOCALSTACK_HOST``,
``USE_SSL`` and ``AWS_ENDPOINT_URL``.

Local stacks and the endpoint's URL come from callables passed in by the CLI, so this module
never imports the emulator's engine or Docker.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

import botocore.session
from botocore.exceptions import BotoCoreError

from ecsdev.sources.accounts import (
    account_in_profile,
    caller_account,
    same_endpoint,
    static_access_key,
)
from ecsdev.sources.base import Source
from ecsdev.sources.config import ProfileSettings, UserConfig
from ecsdev.sources.views import ContextKind
from emulator.errors import UsageError

DEFAULT_REGION = "us-east-1"
LOCALSTACK = "localstack"
LOCAL = "local"

LocalSources = Callable[[], list[Source]]


class LocalEndpoint(Protocol):
    """Where ecsdev's endpoint answers, as the CLI finds it."""

    def __call__(self, *, start: bool) -> str | None:
        """The running endpoint's URL, else None; with ``start``, one is started in the
        background when none runs (and its URL returned). Raises ``EcsdevError`` when it
        cannot start."""
        ...


@dataclass(frozen=True, slots=True)
class Context:
    name: str
    kind: ContextKind
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    production: bool = False
    read_only: bool = False
    """Never writable (production profiles, ``read_only`` in ecsdev's config)."""
    direct: bool = False
    """A local stack read directly from the state directory and Docker (``LocalSource``),
    not through the endpoint."""

    @property
    def short(self) -> str:
        return self.name.split(":", 1)[-1]

    @property
    def kind_label(self) -> str:
        return f"{self.kind} (direct)" if self.direct else self.kind


def env_region(env: Mapping[str, str]) -> str | None:
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None


def localstack_endpoint() -> str:
    """LocalStack's edge URL as localstack-client computes it from the environment."""
    from localstack_client import config as ls_config

    return str(ls_config.get_service_endpoint("ecs"))


class ContextCatalog:
    """The contexts on this machine and how to open each one."""

    def __init__(
        self,
        config: UserConfig,
        local_sources: LocalSources | None = None,
        *,
        write: bool = False,
        local_endpoint: LocalEndpoint | None = None,
    ) -> None:
        self.config = config
        self.write = write
        self._local_sources = local_sources
        self._local_endpoint = local_endpoint
        self._locals: dict[str, Source] = {}
        self._accounts: dict[tuple[str, str | None, str | None], str | None] = {}
        self._accounts_lock = threading.Lock()

    # -- discovery ---------------------------------------------------------------------

    def aws_contexts(self) -> list[Context]:
        profiles = self._profiles()
        current = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        if current and current not in profiles:
            profiles.insert(0, current)
        if not profiles:
            profiles = ["default"]
        endpoint = os.environ.get("AWS_ENDPOINT_URL") or None
        out = []
        for profile in profiles:
            settings = self.config.profile(profile)
            out.append(
                Context(
                    name=f"aws:{profile}",
                    kind="aws",
                    profile=profile,
                    region=env_region(os.environ)
                    or self._profile_region(profile)
                    or DEFAULT_REGION,
                    endpoint_url=endpoint,
                    production=settings.production,
                    read_only=settings.production or settings.read_only,
                )
            )
        return out

    def localstack_context(self) -> Context:
        return Context(
            name=LOCALSTACK,
            kind="localstack",
            region=env_region(os.environ) or DEFAULT_REGION,
            endpoint_url=localstack_endpoint(),
        )

    def endpoint_context(self) -> Context | None:
        """``local``: the emulator through its endpoint, at the running endpoint's URL (None
        until one runs: ``open`` starts it). None when the CLI passed no endpoint. Makes no
        call: the CLI's callable only reads the state directory when not asked to start."""
        if self._local_endpoint is None:
            return None
        url = self._local_endpoint(start=False)
        return Context(name=LOCAL, kind="local", region=DEFAULT_REGION, endpoint_url=url)

    def local_contexts(self) -> list[Context]:
        """Stacks the emulator runs, each read directly (``LocalSource``). Calls the CLI's
        callable, which may ask Docker: call from a worker thread."""
        if self._local_sources is None:
            return []
        self._locals = {s.info.name: s for s in self._local_sources()}
        return [
            Context(name=n, kind="local", region=s.info.region, direct=True)
            for n, s in self._locals.items()
        ]

    def api_contexts(self) -> list[Context]:
        """The contexts read through the AWS API (each has regions); listing them asks
        neither Docker nor the network."""
        local = self.endpoint_context()
        return [*([local] if local else []), self.localstack_context(), *self.aws_contexts()]

    def contexts(self) -> list[Context]:
        local = self.endpoint_context()
        return [
            *([local] if local else []),
            *self.local_contexts(),
            self.localstack_context(),
            *self.aws_contexts(),
        ]

    def find(self, name: str, contexts: list[Context] | None = None) -> Context:
        """A context by full name (``aws:prod``) or short name (``prod``)."""
        contexts = self.contexts() if contexts is None else contexts
        for c in contexts:
            if name == c.name:
                return c
        matches = [c for c in contexts if c.short == name]
        if len(matches) == 1:
            return matches[0]
        names = ", ".join(c.name for c in contexts)
        if matches:
            raise UsageError(f"context {name!r} is ambiguous", hint=f"use one of: {names}")
        raise UsageError(f"no context named {name!r}", hint=f"known contexts: {names}")

    def initial(self, context: str | None = None, profile: str | None = None) -> Context:
        """The context to open first: ``--context``, else ``--profile``, else
        ``AWS_PROFILE``, else ``AWS_ENDPOINT_URL`` (the default profile at that endpoint),
        else ``local`` when the endpoint runs or there are local stacks (a stack directly
        when the CLI passed no endpoint), else the default AWS profile. What the user passed
        always beats a stack that happens to be running."""
        if context:
            return self.find(context)
        if profile:
            return self.profile_context(profile)
        current = os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        if current:
            return self.profile_context(current)
        if os.environ.get("AWS_ENDPOINT_URL"):
            return self.aws_contexts()[0]
        endpoint = self.endpoint_context()
        if endpoint is not None and endpoint.endpoint_url:
            return endpoint
        local = self.local_contexts()
        if local:
            return endpoint or local[0]
        return self.aws_contexts()[0]

    def profile_context(self, profile: str) -> Context:
        for c in self.aws_contexts():
            if c.profile == profile:
                return c
        known = ", ".join(c.profile or "" for c in self.aws_contexts())
        raise UsageError(
            f"no AWS profile named {profile!r}", hint=f"profiles in your AWS config: {known}"
        )

    def regions(self) -> list[str]:
        """ECS regions botocore knows (from its bundled data, no network)."""
        try:
            return sorted(botocore.session.Session().get_available_regions("ecs"))
        except BotoCoreError:
            return [DEFAULT_REGION]

    # -- opening -----------------------------------------------------------------------

    def writable(self, context: Context) -> bool:
        """The emulator (``local``, its stacks) and LocalStack take changes; AWS only with
        ``--write``; production and read-only profiles never, nor any context on the same
        endpoint with the same credentials as one of them (LocalStack's credentials are
        dummies: its endpoint is enough). The account check, which needs a call, is made by
        ``open``."""
        if context.read_only or context.production:
            return False
        if context.kind == "local":
            return True
        if context.kind == "aws" and not self.write:
            return False
        return self._twin_of_read_only(context) is None

    def _read_only_alone(self, context: Context) -> bool:
        return context.read_only or context.production or (context.kind == "aws" and not self.write)

    def _twin_of_read_only(self, context: Context) -> Context | None:
        """A read-only context this one reaches the same way (endpoint and credentials)."""
        for other in [self.localstack_context(), *self.aws_contexts()]:
            if other.name == context.name or not self._read_only_alone(other):
                continue
            if context.kind == "localstack" or other.kind == "localstack":
                if same_endpoint(context.endpoint_url, other.endpoint_url):
                    return other
                continue
            same_place = (not context.endpoint_url and not other.endpoint_url) or same_endpoint(
                context.endpoint_url, other.endpoint_url
            )
            key = static_access_key(context.profile)
            if same_place and key and key == static_access_key(other.profile):
                return other
        return None

    def protected_accounts(self) -> dict[str, ProfileSettings]:
        """Account ID -> settings: ``accounts`` in the config, and the account of each
        production or read-only profile (from the AWS config, else asked of STS)."""
        out = dict(self.config.accounts)
        for name, settings in self.config.profiles.items():
            if not (settings.production or settings.read_only):
                continue
            account = account_in_profile(self._profile_settings(name))
            if account is None:
                profile = next((c for c in self.aws_contexts() if c.profile == name), None)
                account = self.account_of(profile) if profile else None
            if account:
                known = out.get(account, ProfileSettings())
                out[account] = ProfileSettings(
                    known.production or settings.production, known.read_only or settings.read_only
                )
        return out

    def account_of(self, context: Context) -> str | None:
        """The AWS account ``context``'s credentials belong to (one STS call, cached)."""
        key = (context.kind, context.profile, context.endpoint_url)
        with self._accounts_lock:
            if key in self._accounts:
                return self._accounts[key]
        from ecsdev.sources.aws import boto3_factory, localstack_factory

        factory = (
            localstack_factory() if context.kind == "localstack" else boto3_factory(context.profile)
        )
        account = caller_account(factory, context.region)
        with self._accounts_lock:
            self._accounts[key] = account
        return account

    def guarded(self, context: Context) -> Context:
        """``context``, read-only (and production) when it reaches a protected account.
        Makes calls only when the context would be writable and some account is protected;
        an account that cannot be told is treated as protected."""
        if context.kind == "local" or not self.writable(context):
            return context
        protected = self.protected_accounts()
        if not protected:
            return context
        account = self.account_of(context)
        settings = protected.get(account or "") if account else ProfileSettings(read_only=True)
        if settings is None:
            return context
        return replace(
            context, read_only=True, production=context.production or settings.production
        )

    def open(self, context: Context, region: str | None = None) -> Source:
        """A source for ``context`` (in ``region`` when given). Creating one makes no call."""
        if context.kind == "local" and context.direct:
            if context.name not in self._locals:
                self.local_contexts()
            try:
                return self._locals[context.name]
            except KeyError:
                raise UsageError(f"local stack {context.short!r} is no longer running") from None
        from ecsdev.sources.aws import AwsSource

        if context.kind == "local":
            return self._open_endpoint(context, region)
        context = self.guarded(context)
        return AwsSource.for_context(
            context, region or context.region, writable=self.writable(context)
        )

    def _open_endpoint(self, context: Context, region: str | None) -> Source:
        """``local``: an AwsSource on the endpoint (started when none runs), with fake
        credentials; always writable, since it is the emulator."""
        from ecsdev.sources.aws import AwsSource
        from ecsdev.sources.aws_endpoint import endpoint_factory

        if self._local_endpoint is None:
            raise UsageError("this dashboard was started without the local endpoint")
        url = self._local_endpoint(start=True)
        if not url:
            raise UsageError("the local endpoint is not running", hint="start it: ecsdev serve -d")
        context = replace(context, endpoint_url=url)
        return AwsSource.for_context(
            context, region or context.region, writable=True, factory=endpoint_factory(url)
        )

    # -- internals ---------------------------------------------------------------------

    def _session(self, profile: str | None = None) -> botocore.session.Session:
        session = botocore.session.Session()
        if profile:
            session.set_config_variable("profile", profile)
        return session

    def _profiles(self) -> list[str]:
        try:
            return list(self._session().available_profiles)
        except BotoCoreError:
            return []

    def _profile_settings(self, profile: str) -> Mapping[str, object]:
        try:
            config = self._session().full_config.get("profiles", {}).get(profile, {})
        except BotoCoreError:
            return {}
        return config if isinstance(config, Mapping) else {}

    def _profile_region(self, profile: str) -> str | None:
        region = self._profile_settings(profile).get("region")
        return str(region) if region else None
