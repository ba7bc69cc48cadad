"""The stack's event log (emulator.store): its order is its time order, even when two writers
(two launch threads, the controller and the CLI) stamp their events and then insert them in
the other order."""

from __future__ import annotations

from emulator.events import Event
from emulator.store import Store


def test_an_event_stamped_before_the_last_recorded_one_is_not_timed_before_it() -> None:
    first, second = Store("events-order"), Store("events-order")  # two processes' handles
    try:
        late = Event("task b provisioning", at=1000.000297)  # stamped second, written first
        early = Event("task a provisioning", at=1000.000158)
        first.add_event(late)
        second.add_event(early)
        first.add_event(Event("task a pending", at=1001.0))
        got = [(e.message, e.at) for _, e in second.events()]
        assert got == [
            ("task b provisioning", 1000.000297),
            ("task a provisioning", 1000.000297),
            ("task a pending", 1001.0),
        ]
    finally:
        first.purge()
        first.close()
        second.close()
