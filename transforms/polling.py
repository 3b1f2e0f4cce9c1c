"""The Beam side of polling: a clock of ticks -> feed bodies, with each feed's state in Beam.

Every tick is fanned out to every feed; a stateful DoFn keyed by feed keeps that feed's
FeedPollState (validators, schedule, failures, redirect) in Beam keyed state, so a runner
(Flink, Dataflow) checkpoints it with the rest of the job and restores it after a failure.
"""
from __future__ import annotations

import json
import time
from typing import Callable

import apache_beam as beam
from apache_beam.coders import Coder, StrUtf8Coder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from transforms.dead_letters import dead_letter
from transforms.fetch import FeedPollState, PollResult, body_hash, poll_feed

POLL_FAILED = "poll_failed"

PollFn = Callable[..., PollResult]


class JsonCoder(Coder):
    """JSON for state cells: readable, and unlike pickle it survives changes to the classes."""

    def encode(self, value) -> bytes:
        return json.dumps(value, sort_keys=True).encode("utf-8")

    def decode(self, encoded: bytes):
        return json.loads(encoded.decode("utf-8"))

    def is_deterministic(self) -> bool:
        return True


class _PollFeedFn(beam.DoFn):
    """(feed, tick) -> (feed, body, fetched_millis) when the feed is due and has new bytes.

    Failures go to POLL_FAILED as dead letters, once when a feed starts failing and again
    only when its error changes; every failed poll is counted either way.
    """

    POLL_STATE = ReadModifyWriteStateSpec("poll_state", JsonCoder())
    # The error last reported as a dead letter; cleared by a successful poll.
    REPORTED_ERROR = ReadModifyWriteStateSpec("reported_error", StrUtf8Coder())
    # Hash of the last body passed on: a server that ignores conditional GET and sends the
    # same bytes again costs no parsing downstream.
    LAST_BODY = ReadModifyWriteStateSpec("last_body", StrUtf8Coder())

    def __init__(self, poll_fn: PollFn, interval: float, clock: Callable[[], float]):
        self._poll_fn = poll_fn
        self._interval = interval
        self._clock = clock
        self.polls = Metrics.counter("newsbeam", "feeds_polled")
        self.not_due = Metrics.counter("newsbeam", "feeds_not_due")
        self.not_modified = Metrics.counter("newsbeam", "feeds_not_modified")
        self.unchanged = Metrics.counter("newsbeam", "feeds_unchanged")
        self.failures = Metrics.counter("newsbeam", "feed_poll_failures")
        self.reported = Metrics.counter("newsbeam", "feed_failures_reported")

    def process(self, element, tick=beam.DoFn.TimestampParam,
                poll_state=beam.DoFn.StateParam(POLL_STATE),
                reported_error=beam.DoFn.StateParam(REPORTED_ERROR),
                last_body=beam.DoFn.StateParam(LAST_BODY)):
        feed, _ = element
        stored = poll_state.read()
        state = FeedPollState.from_dict(stored) if stored else FeedPollState(feed=feed)
        # The tick's time keeps runs with a test clock deterministic; the wall clock wins when
        # ticks are backlogged, so a job catching up does not poll a feed once per old tick.
        now = max(tick.micros / 1e6, self._clock())
        if now < state.next_due:
            self.not_due.inc()
            return
        result = self._poll_fn(state, interval=self._interval, now=now)
        poll_state.write(result.state.as_dict())
        self.polls.inc()
        if result.error is not None:
            self.failures.inc()
            if result.error != reported_error.read():
                reported_error.write(result.error)
                self.reported.inc()
                letter = dead_letter(feed, "read", result.error, b"", result.fetched_millis)
                yield beam.pvalue.TaggedOutput(POLL_FAILED, letter)
            return
        reported_error.clear()
        if result.body is None:
            self.not_modified.inc()
            return
        digest = body_hash(result.body)
        if digest == last_body.read():
            self.unchanged.inc()
            return
        last_body.write(digest)
        yield feed, result.body, result.fetched_millis


class PollFeeds(beam.PTransform):
    """Ticks -> (feed, body, fetched_millis) for every feed with new content; and dead letters.

    Returns (bodies, dead_letters). Each tick asks every feed; a feed is fetched only when its
    own schedule (interval, Cache-Control, <ttl>, Retry-After, backoff) says it is due.
    Outputs keep the tick's timestamp.
    """

    def __init__(self, feeds: list[str], interval: float, poll_fn: PollFn = poll_feed,
                 clock: Callable[[], float] = time.time):
        super().__init__()
        self._feeds = list(feeds)
        self._interval = interval
        self._poll_fn = poll_fn
        self._clock = clock

    def expand(self, ticks):
        feeds = self._feeds
        # Keyed by feed; the typed key gives state a deterministic coder. The tick's time
        # travels as the element timestamp, so the value is empty.
        polled = (ticks
                  | "EveryFeed" >> beam.FlatMap(lambda _tick: [(feed, "") for feed in feeds])
                  .with_output_types(tuple[str, str])
                  | "PollWhenDue" >> beam.ParDo(
                      _PollFeedFn(self._poll_fn, self._interval, self._clock))
                  .with_outputs(POLL_FAILED, main="bodies"))
        return polled.bodies, polled[POLL_FAILED]
