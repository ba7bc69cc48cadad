"""What an automatic refresh of a long list asks for: the rows on screen every tick, the rest
a few at a time, the list itself once per round.

Redescribing 2,000 services every 5 seconds cost ~20 requests a second and most of a core
while nobody was looking at 1,970 of them. A ``Sweep`` decides, per tick, which services to
describe: the rows in view and the row either side, then a few from a round-robin over
the rest, enough to fill the last DescribeServices call (10 services a call). When the round
has covered every row, the next tick re-lists the services instead (new ones join, deleted
ones leave). So a tick costs what is on screen (4 calls for a 32-row view: under a call a
second at the default 5 s), and a round of a 2,000-service cluster takes about half an
hour, so new services appear within a round; ``r`` reloads everything at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

BATCH = 10
"""Services per DescribeServices call (the API maximum)."""


@dataclass(frozen=True, slots=True)
class Tick:
    describe: tuple[str, ...]
    """Row keys (service ARNs) to describe now, those in view first."""
    relist: bool = False
    """List the services (the round is over) instead of describing the rest."""


class Sweep:
    """The round-robin position over rows that are not in view."""

    def __init__(self, at_least: int = 5) -> None:
        self.at_least = at_least
        """Rows from the rest described per tick, at least (the last call is filled up)."""
        self._position = 0
        self._covered = 0

    def tick(self, order: Sequence[str], top: int, height: int) -> Tick:
        """The services to describe on this tick, given the rows' order and the view."""
        if not order:
            return Tick((), relist=True)
        n = len(order)
        top = max(0, min(top, n - 1))
        window = list(order[max(0, top - 1) : top + max(1, height) + 1])  # view + neighbours
        if self._covered >= n:
            self._covered = 0
            return Tick(tuple(window), relist=True)
        budget = -(-(len(window) + self.at_least) // BATCH) * BATCH  # whole calls
        seen = set(window)
        rest: list[str] = []
        steps = 0
        while len(window) + len(rest) < budget and steps < n:
            key = order[self._position % n]
            self._position = (self._position + 1) % n
            steps += 1
            if key not in seen:
                rest.append(key)
        self._covered += max(steps, 1)
        return Tick((*window, *rest))
