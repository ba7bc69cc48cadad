"""Typed model of layouts and task definitions, with validation that lists every problem."""
