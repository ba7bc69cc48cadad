"""The routing table: every registered module loads, and names only operations that exist in
botocore's model of its service (a typo would silently send the call to moto)."""

from __future__ import annotations

from emulator.endpoint.api import ServiceHandlers
from emulator.endpoint.registry import (
    HANDLER_MODULES,
    EndpointContext,
    routing_table,
    unknown_operations,
)
from emulator.events import Collector


def test_registered_modules_load_and_name_real_operations() -> None:
    sink = Collector()
    table = routing_table(EndpointContext(sink=sink))
    assert sink.messages("error") == []
    assert sink.messages("warning") == []
    assert "sts" in table
    for service, handlers in table.items():
        assert service in HANDLER_MODULES
        assert unknown_operations(service, handlers) == []


def test_a_missing_module_is_skipped_and_a_typo_reported() -> None:
    sink = Collector()
    table = routing_table(
        EndpointContext(sink=sink),
        modules={"ecs": "emulator.endpoint.not_written_yet", "logs": "emulator.endpoint.sts"},
        extra={"elbv2": ServiceHandlers("elbv2", {"DescribeLoadBalancer": lambda r: {}})},
    )
    assert sorted(table) == ["elbv2", "logs"]
    assert sink.messages("error") == []
    assert sorted(sink.messages("warning")) == [
        "elbv2 handlers name operations its model does not have: ['DescribeLoadBalancer']",
        "logs handlers name operations its model does not have: ['GetCallerIdentity']",
    ]
