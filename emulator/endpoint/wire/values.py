"""Scalars on the wire: timestamps, booleans, numbers and blobs, both directions.

Why this exists: the JSON and XML protocols differ only in how a few scalar types are
written (epoch seconds vs ISO 8601, ``true`` vs JSON true); one place keeps those rules, and
the strict mode that checks every response against its shape (``ECSDEV_ENDPOINT_STRICT=1``).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import Any

from botocore.model import Shape

from emulator.errors import EcsdevError


class ShapeMismatch(EcsdevError):
    """A handler's answer does not fit the operation's output shape (strict mode: HTTP 500)."""


class BadInput(EcsdevError):
    """A request value cannot be read as its shape's type; becomes the validation error."""


def strict() -> bool:
    return os.environ.get("ECSDEV_ENDPOINT_STRICT", "").lower() in ("1", "true", "yes")


def to_datetime(value: Any) -> dt.datetime:
    """A timestamp from a handler or a request: datetime, epoch number or ISO 8601 text."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(float(value), dt.UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        except ValueError:
            pass
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise BadInput(f"'{value}' is not a timestamp") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise BadInput(f"{value!r} is not a timestamp")


def iso8601(value: Any) -> str:
    """``2026-12-06T02:15:21.123Z``, as AWS's XML protocols write timestamps."""
    d = to_datetime(value).astimezone(dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def epoch(value: Any) -> float:
    """Epoch seconds (fraction kept), as AWS's JSON protocols write timestamps."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return to_datetime(value).timestamp()


def timestamp_out(value: Any, shape: Shape, default: str) -> Any:
    """A timestamp as the shape's ``timestampFormat`` (else the protocol's ``default``) says."""
    fmt = shape.serialization.get("timestampFormat", default)
    if fmt == "unixTimestamp":
        return epoch(value)
    if fmt == "rfc822":
        return to_datetime(value).strftime("%a, %d %b %Y %H:%M:%S GMT")
    return iso8601(value)


def blob_out(value: Any) -> str:
    data = value.encode() if isinstance(value, str) else bytes(value)
    return base64.b64encode(data).decode("ascii")


def blob_in(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise BadInput(f"'{text}' is not base64") from None


def scalar_from_text(text: str, shape: Shape) -> Any:
    """A query-protocol form value as its shape's Python type."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        raise BadInput(f"'{text}' is not a number") from None
    if kind == "boolean":
        low = text.lower()
        if low not in ("true", "false"):
            raise BadInput(f"'{text}' is not a boolean")
        return low == "true"
    if kind == "timestamp":
        return to_datetime(text)
    if kind == "blob":
        return blob_in(text)
    return text


def check_members(value: dict[str, Any], shape: Any, path: str) -> None:
    """Strict mode: a structure has only its shape's members and all its required ones."""
    if not strict():
        return
    unknown = sorted(set(value) - set(shape.members))
    if unknown:
        raise ShapeMismatch(f"{path}: unknown member(s) {unknown} for {shape.name}")
    missing = [m for m in shape.required_members if value.get(m) is None]
    if missing:
        raise ShapeMismatch(f"{path}: missing required member(s) {missing} of {shape.name}")


def check_scalar(value: Any, shape: Shape, path: str) -> None:
    """Strict mode: a scalar has its shape's Python type. Enums are not checked: AWS itself
    sends values outside them (EC2's internet gateway attachments say ``available``)."""
    if not strict():
        return
    kind = shape.type_name
    if kind == "boolean":
        ok = isinstance(value, bool)
    elif kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("float", "double"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "string":
        ok = isinstance(value, str)
    else:
        ok = True
    if not ok:
        raise ShapeMismatch(f"{path}: {value!r} is not a {kind}")
