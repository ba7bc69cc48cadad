"""What an operation handler sees, raises and returns.

Why this exists: handlers are written against this small contract and never see HTTP, XML or
JSON. The wire layer (``emulator.endpoint.wire``) parses a request into a ``Request`` whose
``params`` follow the operation's input shape in botocore's model, and serializes the dict a
handler returns (the output shape's members, with Python values: ``str``, ``int``, ``float``,
``bool``, ``datetime`` or epoch ``float`` for timestamps, lists and dicts) into the protocol's
body. An ``ApiError`` becomes AWS's error envelope for that protocol.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emulator.arns import Account
from emulator.errors import EcsdevError

DEFAULT_ACCOUNT = "000000000000"


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed API call."""

    service: str
    """botocore's service name: ``ecs``, ``elbv2``, ``logs``, ``ec2``, ``sts`` ..."""
    operation: str
    """The operation's name in the model, e.g. ``CreateCluster``."""
    params: Mapping[str, Any]
    """The input, by the input shape's member names (timestamps as ``datetime``)."""
    region: str = "us-east-1"
    """From the request's credential scope (``Authorization`` header), else the default."""
    account_id: str = DEFAULT_ACCOUNT
    access_key: str = ""
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def account(self) -> Account:
        return Account(self.region, self.account_id)


class ApiError(EcsdevError):
    """An error as AWS sends it: ``code`` (``ClusterNotFoundException``), ``message``, the
    HTTP status, and whether the caller (``Sender``) or the service is at fault."""

    def __init__(self, code: str, message: str, status: int = 400, sender: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.sender = sender


class UnknownOperation(EcsdevError):
    """ecsdev does not implement this operation; the server hands it to the fallback."""


Handler = Callable[[Request], dict[str, Any]]
"""An operation: takes the parsed request, returns the output shape's members."""


class ServiceHandlers:
    """The operations one service implements, by operation name.

    ``owns`` (set by a service that keeps resources) names a resource of ecsdev's own that a
    request refers to. A change that ecsdev does not implement and that refers to one is
    refused with ``unsupported_code``, saying so: the fallback does not know ecsdev's
    resources and would answer that they do not exist."""

    READS = ("Describe", "List", "Get")

    def __init__(self, service: str, handlers: Mapping[str, Handler] | None = None) -> None:
        self.service = service
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.owns: Callable[[Request], str | None] | None = None
        self.unsupported_code = "UnsupportedOperation"

    def add(self, operation: str, handler: Handler) -> None:
        self.handlers[operation] = handler

    def __call__(self, req: Request) -> dict[str, Any]:
        handler = self.handlers.get(req.operation)
        if handler is not None:
            return handler(req)
        if self.owns is not None and not req.operation.startswith(self.READS):
            ref = self.owns(req)
            if ref is not None:
                raise ApiError(
                    self.unsupported_code,
                    f"{self.service}.{req.operation} is not emulated by ecsdev for its own "
                    f"resources, and {ref} is one of them",
                )
        raise UnknownOperation(f"{self.service}.{req.operation} is not emulated by ecsdev")


def validation_error(message: str) -> ApiError:
    """The query protocols' (ELBv2, STS) error for input that breaks the model."""
    return ApiError("ValidationError", message)


def invalid_parameter(message: str) -> ApiError:
    """ECS's error for input that breaks the model or its rules."""
    return ApiError("InvalidParameterException", message)


def client_error(message: str) -> ApiError:
    """ECS's ``ClientException`` (e.g. an unknown task definition)."""
    return ApiError("ClientException", message)
