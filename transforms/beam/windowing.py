"""Event-time windows for the unbounded job: items by when they were published.

Upstream of these transforms an element's timestamp is the poll tick that produced it. Items
are moved to their publication time; dead letters stay at their tick (when they failed).
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.transforms import trigger, window
from apache_beam.utils.timestamp import Duration, Timestamp


class _TimestampByPublishedFn(beam.DoFn):
    """Stamps an item with `published` (or `fetched` when the feed gave no date).

    Two guards keep every item writable:
    - a date after the poll that found the item is a publisher's clock or time-zone error;
      it is capped at the poll, or the item would wait for a watermark that may never come;
    - an item whose window closed more than `allowed_lateness` before the poll would be
      dropped by the runner without a trace; it is kept in the window of the poll that found
      it instead (its folder still follows `published`) and counted as `items_past_lateness`.
    The watermark at the write never passes the poll's time before the item gets there, so
    what passes the second guard is never dropped for lateness.
    """

    def __init__(self, window_seconds: float, allowed_lateness_seconds: float):
        self._windows = window.FixedWindows(window_seconds)
        self._lateness = Duration.of(allowed_lateness_seconds)
        self.past_lateness = Metrics.counter("newsbeam", "items_past_lateness")

    def process(self, record, polled_at=beam.DoFn.TimestampParam):
        millis = record["published"] if record.get("published") is not None else record["fetched"]
        event_time = min(Timestamp.of(millis / 1000), polled_at)
        [target] = self._windows.assign(window.WindowFn.AssignContext(event_time))
        if target.end + self._lateness <= polled_at:
            self.past_lateness.inc()
            event_time = polled_at
        yield window.TimestampedValue(record, event_time)


class WindowByPublished(beam.PTransform):
    """NewsItem records -> fixed event-time windows on `published`, late data included.

    Fires once when the watermark passes a window's end and again for every late arrival
    within `allowed_lateness_seconds`; panes are DISCARDING, so each firing carries only
    what is new and is written to files of its own (see output.files).
    """

    def __init__(self, window_seconds: float, allowed_lateness_seconds: float):
        super().__init__()
        self._window_seconds = window_seconds
        self._lateness = allowed_lateness_seconds

    def expand(self, records):
        return (records
                | "StampPublished" >> beam.ParDo(
                    _TimestampByPublishedFn(self._window_seconds, self._lateness))
                | "Window" >> beam.WindowInto(
                    window.FixedWindows(self._window_seconds),
                    trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
                    accumulation_mode=trigger.AccumulationMode.DISCARDING,
                    allowed_lateness=Duration.of(self._lateness)))


class WindowByArrival(beam.PTransform):
    """Dead letters -> fixed windows on the time of the poll whose input failed.

    That time never lies behind the watermark, so the default trigger writes each dead letter
    once, on time.
    """

    def __init__(self, window_seconds: float):
        super().__init__()
        self._window_seconds = window_seconds

    def expand(self, dead_letters):
        return dead_letters | "Window" >> beam.WindowInto(window.FixedWindows(self._window_seconds))
