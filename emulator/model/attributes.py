"""ELBv2 attributes by their AWS names (``routing.http.xff_header_processing.mode``,
``deregistration_delay.timeout_seconds``): which keys exist and which values they take.

Layouts give load-balancer and target-group attributes exactly as ``aws elbv2
modify-*-attributes`` does, so a typo in a key must be caught here, with the nearest real key,
instead of being passed to the ALB stand-in and silently ignored.
"""

from __future__ import annotations

from typing import Any

from emulator.model.report import Reporter
from emulator.model.shapes import did_you_mean
from emulator.model.yamlsource import PathT

BOOL = ("true", "false")

LOAD_BALANCER_ATTRIBUTES: dict[str, tuple[str, ...] | tuple[int, int] | None] = {
    "access_logs.s3.enabled": BOOL,
    "access_logs.s3.bucket": None,
    "access_logs.s3.prefix": None,
    "connection_logs.s3.enabled": BOOL,
    "connection_logs.s3.bucket": None,
    "connection_logs.s3.prefix": None,
    "health_check_logs.s3.enabled": BOOL,
    "health_check_logs.s3.bucket": None,
    "health_check_logs.s3.prefix": None,
    "client_keep_alive.seconds": (60, 604800),
    "deletion_protection.enabled": BOOL,
    "idle_timeout.timeout_seconds": (1, 4000),
    "ipv6.deny_all_igw_traffic": BOOL,
    "load_balancing.cross_zone.enabled": BOOL,
    "routing.http.desync_mitigation_mode": ("monitor", "defensive", "strictest"),
    "routing.http.drop_invalid_header_fields.enabled": BOOL,
    "routing.http.preserve_host_header.enabled": BOOL,
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": BOOL,
    "routing.http.xff_client_port.enabled": BOOL,
    "routing.http.xff_header_processing.mode": ("append", "preserve", "remove"),
    "routing.http2.enabled": BOOL,
    "waf.fail_open.enabled": BOOL,
    "zonal_shift.config.enabled": BOOL,
}
# Header-modification attributes form an open family under this prefix.
LOAD_BALANCER_PREFIXES = ("routing.http.response.",)

TARGET_GROUP_ATTRIBUTES: dict[str, tuple[str, ...] | tuple[int, int] | None] = {
    "deregistration_delay.timeout_seconds": (0, 3600),
    "stickiness.enabled": BOOL,
    "stickiness.type": ("lb_cookie", "app_cookie"),
    "stickiness.lb_cookie.duration_seconds": (1, 604800),
    "stickiness.app_cookie.cookie_name": None,
    "stickiness.app_cookie.duration_seconds": (1, 604800),
    "slow_start.duration_seconds": (0, 900),
    "load_balancing.algorithm.type": (
        "round_robin",
        "least_outstanding_requests",
        "weighted_random",
    ),
    "load_balancing.algorithm.anomaly_mitigation": ("on", "off"),
    "load_balancing.cross_zone.enabled": ("true", "false", "use_load_balancer_configuration"),
    "target_group_health.dns_failover.minimum_healthy_targets.count": None,
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": None,
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": None,
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": None,
    "lambda.multi_value_headers.enabled": BOOL,
}


def check_attributes(kind: str, attrs: Any, rep: Reporter, path: PathT) -> None:
    """Check a cleaned ``attributes`` map of a ``kind`` ("load balancer" or "target group")."""
    if not isinstance(attrs, dict):
        return
    known = LOAD_BALANCER_ATTRIBUTES if kind == "load balancer" else TARGET_GROUP_ATTRIBUTES
    prefixes = LOAD_BALANCER_PREFIXES if kind == "load balancer" else ()
    for key, value in attrs.items():
        sub = path + (key,)
        if key not in known:
            if not key.startswith(prefixes):
                near = did_you_mean(key, list(known))
                rep.error(sub, f"unknown {kind} attribute{near}")
            continue
        allowed = known[key]
        if allowed is None:
            continue
        if isinstance(allowed[0], int):
            lo, hi = int(allowed[0]), int(allowed[1])
            if not value.isdigit() or not lo <= int(value) <= hi:
                rep.error(sub, f"{value!r} is not a number of seconds in {lo}-{hi}")
            elif key == "slow_start.duration_seconds" and 0 < int(value) < 30:
                rep.error(sub, f"{value} is not 0 (off) or 30-900")
        elif value not in allowed:
            near = did_you_mean(value, [str(a) for a in allowed])
            rep.error(sub, f"{value!r} is not one of: {', '.join(str(a) for a in allowed)}{near}")
