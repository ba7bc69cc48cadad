"""A secure listener's certificate list beyond its default one (SNI): Add-, Describe- and
RemoveListenerCertificates.

Why this exists: Terraform's ``aws_lb_listener_certificate`` and scripts that serve several
domains on one HTTPS listener make these calls; left to the embedded moto backend, which does
not know ecsdev's listeners, they answered ``ListenerNotFound``. The list is kept beside the
listener (its default certificate stays the listener's own, as DescribeListeners shows it).
Locally HTTPS listeners are served without TLS, so no certificate is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulator.endpoint import elbv2_common as C
from emulator.endpoint.api import ApiError, Request, validation_error
from emulator.endpoint.elbv2_records import Listener


@dataclass(frozen=True, slots=True)
class ListenerCertificates:
    """The certificates added to a listener, by listener ARN, in the order they came."""

    listener_arn: str
    arns: tuple[str, ...] = ()


def _given(req: Request) -> list[str]:
    arns = [str(c.get("CertificateArn", "")) for c in req.params.get("Certificates") or ()]
    if not arns or not all(arns):
        raise validation_error("A certificate ARN must be specified")
    return arns


def _secure(lis: Listener) -> None:
    if lis.protocol not in ("HTTPS", "TLS"):
        raise validation_error(
            f"Certificates are supported only on secure listeners, not {lis.protocol}"
        )


def _listed(lis: Listener, extra: ListenerCertificates | None) -> list[dict[str, Any]]:
    default = [{"CertificateArn": c, "IsDefault": True} for c in lis.certificates[:1]]
    added = [{"CertificateArn": c, "IsDefault": False} for c in (extra.arns if extra else ())]
    return default + added


def add_listener_certificates(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    arns = _given(req)
    with ctx.resources.transaction() as tx:
        lis = C.listener(tx, req.region, str(req.params.get("ListenerArn", "")))
        _secure(lis)
        held = tx.get(ListenerCertificates, req.region, lis.arn) or ListenerCertificates(lis.arn)
        new = [a for a in dict.fromkeys(arns) if a not in held.arns and a not in lis.certificates]
        held = ListenerCertificates(lis.arn, (*held.arns, *new))
        tx.put(held, req.region, lis.arn)
    return {"Certificates": [{"CertificateArn": a, "IsDefault": False} for a in arns]}


def describe_listener_certificates(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    lis = C.listener(C.view(ctx, req), req.region, str(req.params.get("ListenerArn", "")))
    listed = _listed(lis, ctx.resources.get(ListenerCertificates, req.region, lis.arn))
    return C.paged("Certificates", listed, req.params)


def remove_listener_certificates(ctx: C.Elbv2Context, req: Request) -> dict[str, Any]:
    arns = _given(req)
    with ctx.resources.transaction() as tx:
        lis = C.listener(tx, req.region, str(req.params.get("ListenerArn", "")))
        if any(a in lis.certificates[:1] for a in arns):
            raise ApiError(
                "OperationNotPermitted",
                "The default certificate of a listener cannot be removed; "
                "change it with ModifyListener",
            )
        held = tx.get(ListenerCertificates, req.region, lis.arn)
        if held is not None:
            left = tuple(a for a in held.arns if a not in arns)
            tx.put(ListenerCertificates(lis.arn, left), req.region, lis.arn)
    return {}


OPERATIONS = {
    "AddListenerCertificates": add_listener_certificates,
    "DescribeListenerCertificates": describe_listener_certificates,
    "RemoveListenerCertificates": remove_listener_certificates,
}

__all__ = ["OPERATIONS", "ListenerCertificates"]
