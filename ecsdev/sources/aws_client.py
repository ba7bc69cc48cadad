"""boto3 plumbing shared by the AWS source: clients, retries, concurrency, errors, counting.

One place decides how ecsdev talks to AWS: clients are created lazily per (service,
region) and shared between threads (boto3 clients are thread-safe, sessions are not, so
clients are built under a lock); botocore's standard retry mode backs off exponentially
with jitter on throttling; batches run concurrently on a small pool; and every botocore
exception becomes an ``AwsAccessError`` that names the API call and suggests the next
step, so no traceback reaches the dashboard. Each API call is counted (a ``before-call``
hook), which the benchmark and the tests use to hold the source to the fewest calls.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, TypeVar, cast

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from ecsdev.sources.views import SourceInfo
from emulator.errors import AwsAccessError

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client
    from mypy_boto3_ecs.client import ECSClient
    from mypy_boto3_elbv2.client import ElasticLoadBalancingv2Client
    from mypy_boto3_logs.client import CloudWatchLogsClient

T = TypeVar("T")

ClientFactory = Callable[[str, str | None, Config], Any]
"""(service, region, config) -> a boto3 client."""

MAX_ATTEMPTS = 8
"""Attempts per call (standard mode: exponential back-off with jitter, up to 20 s)."""

_EXPIRED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "RequestExpired",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
}


def client_config(max_pool: int = 32, max_attempts: int = MAX_ATTEMPTS) -> Config:
    return Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=max_pool,
        connect_timeout=5,
        read_timeout=30,
        user_agent_extra="ecsdev-dashboard",
    )


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class AwsBase:
    """Clients and call discipline; the AWS source's mixins build on it."""

    def __init__(
        self,
        info: SourceInfo,
        factory: ClientFactory,
        *,
        workers: int = 8,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._info = info
        self._factory = factory
        self._config = client_config(max(workers * 2, 10), max_attempts)
        self._clients: dict[tuple[str, str | None], Any] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ecsdev-aws")
        self._count_lock = threading.Lock()
        self.api_calls: Counter[str] = Counter()
        """Calls made, by ``service:Operation`` (retries of one call count once)."""

    @property
    def info(self) -> SourceInfo:
        return self._info

    # -- clients -----------------------------------------------------------------------

    def _client(self, service: str, region: str | None = None) -> Any:
        key = (service, region or self._info.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                with self._aws(f"{service}: create client"):
                    client = self._factory(service, key[1], self._config)
                client.meta.events.register("before-call", self._count_call)
                self._clients[key] = client
            return client

    @property
    def ecs(self) -> ECSClient:
        return cast("ECSClient", self._client("ecs"))

    @property
    def ec2(self) -> EC2Client:
        return cast("EC2Client", self._client("ec2"))

    @property
    def elbv2(self) -> ElasticLoadBalancingv2Client:
        return cast("ElasticLoadBalancingv2Client", self._client("elbv2"))

    def logs(self, region: str | None = None) -> CloudWatchLogsClient:
        return cast("CloudWatchLogsClient", self._client("logs", region))

    def _count_call(self, model: Any = None, **_: Any) -> None:
        if model is None:
            return
        name = f"{model.service_model.service_name}:{model.name}"
        with self._count_lock:
            self.api_calls[name] += 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for client in self._clients.values():
                with suppress(Exception):  # closing is best effort
                    client.close()
            self._clients.clear()

    # -- errors ------------------------------------------------------------------------

    @contextmanager
    def _aws(self, call: str) -> Iterator[None]:
        """Translate any botocore failure inside the block into ``AwsAccessError``."""
        try:
            yield
        except ClientError as e:
            err = e.response.get("Error", {})
            code = str(err.get("Code", "Error"))
            message = str(err.get("Message", "")) or code
            raise AwsAccessError(
                f"{call} failed: {message} ({code})", hint=self._hint(code, call)
            ) from e
        except EndpointConnectionError as e:
            where = self._info.endpoint_url or f"AWS in {self._info.region}"
            hint = {
                "localstack": "is LocalStack running? Its address comes from LOCALSTACK_HOST"
                " / AWS_ENDPOINT_URL",
                "local": "is the ecsdev endpoint running? Start it: ecsdev serve -d",
            }.get(self._info.kind, "check the network, the region and AWS_ENDPOINT_URL")
            raise AwsAccessError(f"{call} failed: nothing answers at {where}", hint=hint) from e
        except NoCredentialsError as e:
            raise AwsAccessError(
                f"{call} failed: no AWS credentials for {self._who()}",
                hint=f"run `aws configure` or `aws sso login{self._profile_flag()}`, or set AWS_PROFILE",
            ) from e
        except ProfileNotFound as e:
            raise AwsAccessError(
                f"{call} failed: profile {self._info.profile!r} is not in your AWS config",
                hint="list profiles with `aws configure list-profiles`",
            ) from e
        except NoRegionError as e:
            raise AwsAccessError(
                f"{call} failed: no region", hint="pass --region or set AWS_REGION"
            ) from e
        except BotoCoreError as e:
            raise AwsAccessError(f"{call} failed: {e}", hint=self._hint("", call)) from e

    def _who(self) -> str:
        return f"profile {self._info.profile!r}" if self._info.profile else self._info.name

    def _profile_flag(self) -> str:
        return f" --profile {self._info.profile}" if self._info.profile else ""

    def _hint(self, code: str, call: str) -> str:
        if code in _EXPIRED or "SSO" in code or "Token" in code:
            return f"credentials for {self._who()} are expired or invalid: run `aws sso login{self._profile_flag()}`"
        if code in _DENIED:
            return f"{self._who()} is not allowed to call {call.split(' ')[0]}"
        if code in _THROTTLED:
            return "AWS kept throttling after retries; raise the refresh interval (--refresh)"
        return ""

    # -- concurrency -------------------------------------------------------------------

    def _as_completed(self, pages: Iterable[Sequence[Callable[[], T]]]) -> Iterator[T]:
        """Run jobs on the pool as ``pages`` produces them and yield results as they
        finish, without waiting for the last page. Pending jobs are cancelled when the
        consumer stops early (the screen was left)."""
        pending: set[Future[T]] = set()
        try:
            for jobs in pages:
                pending.update(self._pool.submit(job) for job in jobs)
                for f in [f for f in pending if f.done()]:
                    pending.discard(f)
                    yield f.result()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    pending.discard(f)
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()
