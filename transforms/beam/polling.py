"""The Beam side of polling: a clock of ticks -> feed bodies, with each feed's state in Beam.

Every tick is fanned out to every feed; a stateful DoFn keyed by feed keeps that feed's
FeedPollState (validators, schedule, failures, redirect) and the hash of its last body in Beam
keyed state, so a runner (Flink, Dataflow) checkpoints them with the rest of the job and
restores them after a failure. What a poll gives is decided by feeds.triage.triage, the
same rule follow mode applies; fetching goes through the worker's one shared HttpClient.
"""
from __future__ import annotations

import functools
import time
from typing import Callable

import apache_beam as beam
from apache_beam.coders import StrUtf8Coder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from newsbeam.transforms.feeds.triage import (
    DEAD_LETTER, FAILING, NOT_MODIFIED, UNCHANGED, safe_poll, triage)
from newsbeam.transforms.beam.coders import JsonCoder
from newsbeam.transforms.feeds.http import HttpSettings, shared_client
from newsbeam.transforms.feeds.poll import FeedPollState, PollResult, initial_state, poll_feed

POLL_FAILED = "poll_failed"

PollFn = Callable[..., PollResult]


class _PollFeedFn(beam.DoFn):
    """(feed, tick) -> (feed, body, fetched_millis) when the feed is due and has new bytes.

    Failures go to POLL_FAILED as dead letters, once when a feed starts failing and again
    only when its error changes; every failed poll is counted either way.
    """

    POLL_STATE = ReadModifyWriteStateSpec("poll_state", JsonCoder())
    # Hash of the last body passed on: a server that ignores conditional GET and sends the
    # same bytes again costs no parsing downstream.
    LAST_BODY = ReadModifyWriteStateSpec("last_body", StrUtf8Coder())

    def __init__(self, poll_fn: PollFn | None, interval: float, clock: Callable[[], float],
                 settings: HttpSettings, first_poll_spread: float):
        self._poll_fn = poll_fn
        self._interval = interval
        self._clock = clock
        self._settings = settings
        self._spread = first_poll_spread
        self.polls = Metrics.counter("newsbeam", "feeds_polled")
        self.not_due = Metrics.counter("newsbeam", "feeds_not_due")
        self.not_modified = Metrics.counter("newsbeam", "feeds_not_modified")
        self.unchanged = Metrics.counter("newsbeam", "feeds_unchanged")
        self.failures = Metrics.counter("newsbeam", "feed_poll_failures")
        self.reported = Metrics.counter("newsbeam", "feed_failures_reported")

    def setup(self):
        # One session and one set of per-host caps for every poll this worker makes.
        self._poll = self._poll_fn or functools.partial(
            poll_feed, client=shared_client(self._settings))

    def process(self, element, tick=beam.DoFn.TimestampParam,
                poll_state=beam.DoFn.StateParam(POLL_STATE),
                last_body=beam.DoFn.StateParam(LAST_BODY)):
        feed, _ = element
        # The tick's time keeps runs with a test clock deterministic; the wall clock wins when
        # ticks are backlogged, so a job catching up does not poll a feed once per old tick.
        tick_seconds = tick.micros / 1e6
        now = max(tick_seconds, self._clock())
        stored = poll_state.read()
        if stored:
            state = FeedPollState.from_dict(stored)
        else:  # never polled: first due somewhere in the `spread` seconds after this tick
            state = initial_state(feed, tick_seconds, self._spread)
            poll_state.write(state.as_dict())
        if now < state.next_due:
            self.not_due.inc()
            return
        result = safe_poll(self._poll, state, interval=self._interval, now=now)
        poll_state.write(result.state.as_dict())
        self.polls.inc()
        outcome = triage(state, result, last_body.read())
        if outcome.failed:
            self.failures.inc()
        if outcome.kind == DEAD_LETTER:
            self.reported.inc()
            yield beam.pvalue.TaggedOutput(POLL_FAILED, outcome.dead_letter)
        elif outcome.kind == NOT_MODIFIED:
            self.not_modified.inc()
        elif outcome.kind == UNCHANGED:
            self.unchanged.inc()
        elif outcome.kind != FAILING:
            last_body.write(outcome.body_hash)
            yield feed, outcome.body, result.fetched_millis


class PollFeeds(beam.PTransform):
    """Ticks -> (feed, body, fetched_millis) for every feed with new content; and dead letters.

    Returns (bodies, dead_letters). Each tick asks every feed; a feed is fetched only when its
    own schedule (interval, Cache-Control, <ttl>, Retry-After, backoff) says it is due. A feed
    never polled is first due at a point spread over `first_poll_spread` seconds (from its
    name), so a job that starts does not hit every feed at once. Outputs keep the tick's
    timestamp. `poll_fn(state, interval=, now=)` replaces the HTTP poll in tests.
    """

    def __init__(self, feeds: list[str], interval: float, poll_fn: PollFn | None = None,
                 clock: Callable[[], float] = time.time,
                 settings: HttpSettings = HttpSettings(), first_poll_spread: float = 0.0):
        super().__init__()
        self._feeds = list(feeds)
        self._interval = interval
        self._poll_fn = poll_fn
        self._clock = clock
        self._settings = settings
        self._spread = first_poll_spread

    def expand(self, ticks):
        feeds = self._feeds
        # Keyed by feed; the typed key gives state a deterministic coder. The tick's time
        # travels as the element timestamp, so the value is empty.
        polled = (ticks
                  | "EveryFeed" >> beam.FlatMap(lambda _tick: [(feed, "") for feed in feeds])
                  .with_output_types(tuple[str, str])
                  | "PollWhenDue" >> beam.ParDo(
                      _PollFeedFn(self._poll_fn, self._interval, self._clock, self._settings,
                                  self._spread))
                  .with_outputs(POLL_FAILED, main="bodies"))
        return polled.bodies, polled[POLL_FAILED]
