"""Pagination as the AWS APIs do it: ``maxResults``/``nextToken`` (ECS, Logs) and
``PageSize``/``Marker`` (ELBv2), with opaque tokens that a client hands back unchanged.

Why this exists: every List/Describe call pages the same way; a token that does not come from
us is ECS's ``InvalidParameterException`` (or the caller's own error), never a traceback.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TypeVar

from emulator.endpoint.api import ApiError

T = TypeVar("T")


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"ecsdev:{offset}".encode()).decode()


def decode_token(token: str | None, error_code: str = "InvalidParameterException") -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        prefix, _, offset = text.partition(":")
        if prefix != "ecsdev" or not offset.isdigit():
            raise ValueError(token)
        return int(offset)
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(error_code, "Invalid token: the nextToken is not one this API gave.") from e


def page(
    items: Sequence[T],
    token: str | None,
    size: int | None,
    default: int = 100,
    limit: int = 100,
    error_code: str = "InvalidParameterException",
) -> tuple[list[T], str | None]:
    """One page of ``items`` from ``token``, and the token of the next page (or None)."""
    if size is not None and not 1 <= size <= limit:
        raise ApiError(error_code, f"maxResults must be between 1 and {limit}.")
    start = decode_token(token, error_code)
    n = size or default
    chunk = list(items[start : start + n])
    nxt = encode_token(start + n) if start + n < len(items) else None
    return chunk, nxt
