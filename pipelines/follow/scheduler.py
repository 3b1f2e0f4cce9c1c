"""Who is due: each feed's poll state, handing due feeds to the fetch pool, and the polls that
have finished and wait to be written.

Fetches run continuously on the pool's threads (one HTTP session, per-host caps): a feed that
hangs, trickles bytes or redirects in a loop holds one thread until its deadline, nothing
else. A feed is in flight from the moment it is submitted until its poll is committed (or
given back after a failed cycle), so it is never polled twice at once.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import deque
from typing import Callable

from newsbeam.transforms.feeds.http import FetchPool, HttpClient
from newsbeam.transforms.feeds.poll import FeedPollState, PollResult
from newsbeam.transforms.feeds.triage import safe_poll

# The scheduler looks for due feeds at least this often.
SCHEDULE_TICK_SECONDS = 1.0

Finished = tuple[FeedPollState, PollResult]  # the state a poll started from, and its result


class Scheduler:
    def __init__(self, states: dict[str, FeedPollState], client: HttpClient, pool: FetchPool,
                 poll_fn: Callable[..., PollResult], interval: float, max_outstanding: int):
        self._client = client
        self._pool = pool
        self._poll_fn = poll_fn
        self._interval = interval
        # Polls finished but not written are kept in memory: bounded, so a cold start over
        # many feeds does not hold every body at once.
        self._max_outstanding = max_outstanding
        # Guards everything below; the fetch threads report to it, the scheduler thread and
        # the cycle read it.
        self._cond = threading.Condition(threading.RLock())
        self._states = states
        self._in_flight: set[str] = set()  # submitted and not committed yet
        self._unfinished = 0  # submitted and not finished
        self._finished: deque[Finished] = deque()

    def _poll(self, state: FeedPollState, now: float) -> PollResult:
        return safe_poll(self._poll_fn, state, interval=self._interval, now=now,
                         client=self._client)

    def submit_due(self, now: float, skip: set[str] | None = None) -> int:
        """Hands every feed due at `now`, not in flight and not in `skip` to the fetch pool
        (adding it to `skip`); returns how many."""
        submitted = 0
        with self._cond:
            for feed, state in self._states.items():
                if len(self._in_flight) >= self._max_outstanding:
                    break
                if state.next_due > now or feed in self._in_flight or (skip and feed in skip):
                    continue
                if skip is not None:
                    skip.add(feed)
                self._in_flight.add(feed)
                self._unfinished += 1
                future = self._pool.submit(state.source, self._poll, state, now)
                future.add_done_callback(functools.partial(self._poll_finished, state))
                submitted += 1
        return submitted

    def _poll_finished(self, before: FeedPollState, future) -> None:
        with self._cond:
            self._unfinished -= 1
            if future.cancelled() or future.exception() is not None:
                self._in_flight.discard(before.feed)  # due again; polled again later
            else:
                self._finished.append((before, future.result()))
            self._cond.notify_all()

    def next_due(self) -> float:
        """When the next feed not in flight falls due (epoch seconds)."""
        with self._cond:
            return min((s.next_due for f, s in self._states.items() if f not in self._in_flight),
                       default=time.time() + self._interval)

    def take_finished(self, limit: int, deadline: float | None) -> list[Finished]:
        """Up to `limit` finished polls: waits until there are `limit`, or until `deadline`
        (monotonic seconds) passes; without a deadline, until no poll is unfinished."""
        with self._cond:
            while len(self._finished) < limit:
                if deadline is None:
                    if not self._unfinished:
                        break
                    self._cond.wait()
                else:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                    self._cond.wait(timeout)
            return [self._finished.popleft() for _ in range(min(limit, len(self._finished)))]

    def pending(self, deadline: float | None) -> tuple[bool, int]:
        """(whether a cycle has more to take before `deadline`, polls still running)."""
        with self._cond:
            more = bool(self._finished) or (deadline is None and self._unfinished > 0)
            return more, self._unfinished

    def wait_for_polls(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for a finished poll; whether there is one."""
        with self._cond:
            if not self._finished:
                self._cond.wait(timeout)
            return bool(self._finished)

    def committed(self, results: list[PollResult]) -> None:
        """The polls' new states are stored: remember them, and the feeds are no longer in
        flight."""
        with self._cond:
            for result in results:
                self._states[result.state.feed] = result.state
                self._in_flight.discard(result.state.feed)

    def given_back(self, feeds: list[str]) -> None:
        """The polls of `feeds` were not committed: they are due again and polled again."""
        with self._cond:
            self._in_flight.difference_update(feeds)

    def run(self, stop: threading.Event) -> None:
        """The scheduler thread: hands feeds to the fetch pool as they fall due."""
        while not stop.is_set():
            try:
                self.submit_due(time.time())
            except RuntimeError:  # the pool was closed: following is over
                return
            stop.wait(min(SCHEDULE_TICK_SECONDS, max(0.05, self.next_due() - time.time())))
