"""The Application Load Balancer stand-in: ALB semantics as pure code, and their compilation
to an nginx configuration.

Why a package of its own: the ALB is the part of AWS that local set-ups get most wrong (path
routing, proxy headers, target health), so its behaviour is written once, in plain Python
(``rules``, ``headers``, ``health``), and the nginx compiler (``nginx``) is tested against
that reference. The pure core touches neither Docker nor the network (``health.probe``
aside); ``proxy`` and ``targets`` run it in the stack.

Modules:
    rules    listener rules: matching, weighted forward, redirect URLs, rewrite transforms
    headers  what the ALB and CloudFront add to requests, and the standard translation
    health   the target health state machine and the HTTP probe
    nginx    the deterministic nginx.conf compiler (with nginx_text, nginx_rules,
             nginx_routes, nginx_headers and pages as its parts; check for validation)
    spec     the ALB part of a layout as the store keeps it; target group ARNs
    registry registered targets: registration, draining, ECS's event texts (pure)
    proxy    the nginx container of a load balancer: networks, ports, checked reloads
    targets  the controller extension: register, probe, drain, keep nginx in step
    endpoints where the listeners and CDN stand-ins are reached (``ecsdev up``)
"""

from __future__ import annotations

from emulator.errors import EcsdevError


class AlbError(EcsdevError):
    """The ALB stand-in cannot do what a rule, header setting or target group asks."""


class UnsafeValueError(AlbError):
    """A value cannot be written into the nginx configuration safely (a control character
    in a header value, a character nginx cannot carry in a URI, ...). The loader should
    have refused it; this is the compiler's own last line of defence."""

    exit_code = 2


def not_served(target_group: str, version: str) -> str:
    """Why requests to ``target_group`` fail here when its protocol version is one the
    stand-in does not speak (AWS's HTTP2 and GRPC): said where such a group is created."""
    return (
        f"target group {target_group}: protocol version {version} is not served locally: the "
        "load balancer stand-in forwards and health-checks over HTTP/1.1, so HTTP/2 and gRPC "
        "targets answer errors or show unhealthy"
    )


__all__ = ["AlbError", "UnsafeValueError", "not_served"]
