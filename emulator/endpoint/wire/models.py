"""botocore's service models, loaded once per process, and what the wire layer asks of them.

Why this exists: every protocol decision (which operation a ``X-Amz-Target`` names, how a
member is called on the wire, which code an error shape has, which error a model violation
is) comes from botocore's models, so ecsdev speaks exactly what the SDKs expect. Loading a
model costs milliseconds; this module caches each one for the life of the process.
"""

from __future__ import annotations

import functools
import threading

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

_lock = threading.Lock()
_session: botocore.session.Session | None = None

VALIDATION_ERROR_CODE = {
    # What each service answers for input that breaks its model. Query services (ELBv2, STS,
    # IAM) say ValidationError; EC2 says InvalidParameterValue/MissingParameter (see
    # ``validation``); ECS and CloudWatch Logs say InvalidParameterException.
    "ecs": "InvalidParameterException",
    "logs": "InvalidParameterException",
}
"""Services not listed use their protocol's default (``protocol_validation_code``)."""


def _botocore() -> botocore.session.Session:
    global _session
    with _lock:
        if _session is None:
            _session = botocore.session.get_session()
        return _session


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The model of ``service`` (botocore's name: ``ecs``, ``elbv2``, ``ec2`` ...)."""
    with _lock:
        session = _session
    return (session or _botocore()).get_service_model(service)


def available_services() -> list[str]:
    return list(_botocore().get_available_services())


@functools.cache
def operation_model(service: str, operation: str) -> OperationModel | None:
    """The operation, or None when the model has no such operation."""
    model = service_model(service)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


def protocol(service: str) -> str:
    """``json``, ``query``, ``ec2`` (``rest-json``/``rest-xml`` go to the fallback)."""
    return str(service_model(service).protocol)


def protocol_validation_code(service: str) -> str:
    if service in VALIDATION_ERROR_CODE:
        return VALIDATION_ERROR_CODE[service]
    proto = protocol(service)
    if proto == "ec2":
        return "InvalidParameterValue"
    if proto == "query":
        return "ValidationError"
    return "ValidationException"


@functools.cache
def error_codes(service: str) -> dict[str, tuple[str, int]]:
    """Error shape name -> (wire code, HTTP status), e.g. ``TargetGroupNotFoundException`` ->
    (``TargetGroupNotFound``, 400): query services send the ``awsQueryError`` code."""
    out: dict[str, tuple[str, int]] = {}
    for shape in service_model(service).error_shapes:
        err = shape.metadata.get("error") or {}
        out[shape.name] = (str(err.get("code", shape.name)), int(err.get("httpStatusCode", 400)))
    return out


def wire_name(shape: Shape, default: str) -> str:
    """A member's name on the wire in XML and query bodies (``locationName``)."""
    return str(shape.serialization.get("name", default))


def xml_namespace(service: str) -> str:
    ns = str(service_model(service).metadata.get("xmlNamespace", ""))
    if ns and not ns.endswith("/"):
        ns += "/"  # EC2's model omits the slash that AWS sends
    return ns


@functools.cache
def target_prefix(service: str) -> str | None:
    value = service_model(service).metadata.get("targetPrefix")
    return str(value) if value else None
