"""Beam: each new item once and each edit once across the polls of an unbounded job, with the
last fingerprint of every item id in keyed state (the rule is feeds.identity.next_revision)."""
from __future__ import annotations

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder, TupleCoder, VarIntCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration

from newsbeam.transforms.beam.expiry import ExpiryGuard
from newsbeam.transforms.feeds.identity import DUPLICATE, NEW, next_revision

class _NumberRevisionsFn(beam.DoFn):
    """(id, item) -> the item with its `revision`, or nothing when it repeats the last one.

    Keyed state holds the (fingerprint, revision) last emitted for the id. An event-time timer
    forgets it `ttl_seconds` after the item was last seen, so state stays bounded by what the
    feeds carried during the TTL. Event time, not processing time: upstream of windowing an
    item's timestamp is the poll tick that found it, so event time here is polling time as the
    job saw it; it is deterministic (a replay forgets the same things) and TestStream drives it
    through the watermark, while processing-time timers are unevenly supported by test runners.
    """

    LAST = ReadModifyWriteStateSpec("last", TupleCoder((StrUtf8Coder(), VarIntCoder())))
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, ttl_seconds: float):
        self._ttl = Duration.of(ttl_seconds)
        self.new_items = Metrics.counter("newsbeam", "items_new")
        self.revisions = Metrics.counter("newsbeam", "items_revised")
        self.duplicates = Metrics.counter("newsbeam", "duplicates")
        self.forgotten = Metrics.counter("newsbeam", "items_forgotten")
        self.expiry = ExpiryGuard("items")

    def process(self, element, seen_at=beam.DoFn.TimestampParam,
                last=beam.DoFn.StateParam(LAST), expiry=beam.DoFn.TimerParam(EXPIRY)):
        _, item = element
        expiry.set(seen_at + self._ttl)  # seen again: the TTL counts from now
        sighting = next_revision(last.read(), item["fingerprint"])
        if sighting.kind == DUPLICATE:
            self.duplicates.inc()
            return
        (self.new_items if sighting.kind == NEW else self.revisions).inc()
        last.write((item["fingerprint"], sighting.revision))
        yield {**item, "revision": sighting.revision}

    @on_timer(EXPIRY)
    def forget(self, due=beam.DoFn.TimestampParam, last=beam.DoFn.StateParam(LAST)):
        if not self.expiry.may_forget(due):
            return
        last.clear()
        self.forgotten.inc()


class NumberRevisions(beam.PTransform):
    """Items from repeated polls -> each new item once (revision 1) and each edit once (n+1).

    Exact repeats are dropped and counted as `duplicates`. An item not seen for `ttl_seconds`
    is forgotten: if it shows up again it is emitted as new.
    """

    def __init__(self, ttl_seconds: float):
        super().__init__()
        self._ttl_seconds = ttl_seconds

    def expand(self, items):
        return (items
                | "KeyById" >> beam.Map(lambda item: (item["id"], item))
                .with_output_types(tuple[str, dict])
                | "DropRepeats" >> beam.ParDo(_NumberRevisionsFn(self._ttl_seconds)))
