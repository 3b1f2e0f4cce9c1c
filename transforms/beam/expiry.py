"""Beam: when a keyed state's event-time expiry timer may really forget.

The unbounded job forgets an item id or a story key `ttl` after it was last seen, with a
watermark timer set to (poll tick + ttl). Poll ticks follow the wall clock, so on Flink and
Dataflow such a timer fires once the wall clock has passed it, and on a replay or a test
stream later still. The local runner (the FnApiRunner behind the embedded job server) at times
moves the watermark to the end of time between bundles of a running job and fires every timer
at once, 14 days early: forgetting then would write every item again as new. A timer due
after the wall clock's now is that jump, not an expiry: the state stays, and the next sighting
sets the timer again.
"""
from __future__ import annotations

import time

from apache_beam.metrics import Metrics
from apache_beam.utils.timestamp import Timestamp


def fired_early(due: Timestamp, now: float | None = None) -> bool:
    """True when an expiry timer due at `due` fires before the wall clock reached it."""
    return float(due) > (time.time() if now is None else now)


class ExpiryGuard:
    """Counts, per step, the timers kept from firing early (`<name>_expiries_early`)."""

    def __init__(self, name: str):
        self._early = Metrics.counter("newsbeam", f"{name}_expiries_early")

    def may_forget(self, due: Timestamp) -> bool:
        if fired_early(due):
            self._early.inc()
            return False
        return True
