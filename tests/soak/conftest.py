"""Fixtures the soak tests share with the endpoint's tests (``own_endpoint``: an endpoint of
the test's own, to kill and restart)."""

from tests.endpoint.conftest import own_endpoint

__all__ = ["own_endpoint"]
