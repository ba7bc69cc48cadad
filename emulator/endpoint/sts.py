"""STS as ecsdev answers it: who the caller is.

Why this exists: Terraform's AWS provider, CDK and many scripts call ``GetCallerIdentity``
first, to learn the account. Every caller is the account's root (any credentials are
accepted). Other STS operations (``AssumeRole`` ...) are not handled here and go to the
embedded moto backend, which issues well-formed temporary credentials.
"""

from __future__ import annotations

from typing import Any

from emulator.endpoint.api import Request, ServiceHandlers


def get_caller_identity(req: Request) -> dict[str, Any]:
    return {
        "UserId": req.account_id,
        "Account": req.account_id,
        "Arn": f"arn:aws:iam::{req.account_id}:root",
    }


def handlers(_ctx: object) -> ServiceHandlers:
    return ServiceHandlers("sts", {"GetCallerIdentity": get_caller_identity})
