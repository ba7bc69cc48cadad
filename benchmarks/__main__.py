"""``make bench``: every benchmark section, each with its baseline measured in the same run.
``python -m benchmarks [SECTION ...]`` runs some: tasks, services, alb, dashboard, endpoint, secrets, agent."""

from __future__ import annotations

import importlib
import sys

SECTIONS = [
    "tasks",
    "services",
    "alb",
    "listener",
    "dashboard",
    "endpoint",
    "cfn",
    "secrets",
    "agent",
]


def main(argv: list[str]) -> int:
    wanted = argv or SECTIONS
    for name in wanted:
        try:
            mod = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"benchmarks.{name}":
                print(f"\n== {name}: no benchmark yet")
                continue
            raise
        mod.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
