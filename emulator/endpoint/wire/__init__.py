"""The wire layer: AWS's protocols, driven by botocore's service models.

Why this exists: it is the only place where AWS JSON and XML are read and written. The server
calls ``parse`` (request -> operation and input members, validated against the model),
``reply`` (a handler's dict -> the protocol's body, checked against the output shape when
``ECSDEV_ENDPOINT_STRICT=1``) and ``error_reply`` (an ``ApiError`` -> the protocol's error
envelope and status). Protocols: ``json`` (awsJson1_0/1_1: ECS, Logs), ``query`` (awsQuery:
ELBv2, STS, IAM) and ``ec2``.
"""

from emulator.endpoint.wire.models import operation_model, protocol, service_model
from emulator.endpoint.wire.protocols import (
    PROTOCOLS,
    Call,
    Reply,
    error_reply,
    form_pairs,
    parse,
    reply,
    wire_error,
)
from emulator.endpoint.wire.values import ShapeMismatch, strict

__all__ = [
    "PROTOCOLS",
    "Call",
    "Reply",
    "ShapeMismatch",
    "error_reply",
    "form_pairs",
    "operation_model",
    "parse",
    "protocol",
    "reply",
    "service_model",
    "strict",
    "wire_error",
]
