"""When to poll a feed next, and what to remember about it between polls (no Beam graph).

`poll_feed` is the one polling step of follow mode and the streaming job: one conditional GET
per call (through feeds.http), returning the bytes (if new) and the next state to keep.
The server (Cache-Control max-age, Retry-After) and the feed (<ttl>) can only lengthen the
interval; failures back off exponentially; permanent redirects are remembered.
"""
from __future__ import annotations

import email.utils
import re
import time
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import timezone

from newsbeam.transforms.feeds.http import (
    FetchError, FetchResult, HttpClient, http_error, is_url, read_path, shared_client)

MAX_BACKOFF_S = 6 * 3600.0

_PERMANENT_REDIRECTS = frozenset({301, 308})
_THROTTLED = frozenset({429, 503})
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_TTL = re.compile(rb"<ttl>\s*(\d+)\s*</ttl>", re.IGNORECASE)
# RSS puts <ttl> among the channel elements, which come before the items in practice.
_TTL_HEAD_BYTES = 64 * 1024


@dataclass
class FeedPollState:
    """Everything about one feed that must survive restarts; plain data."""
    feed: str  # identity as configured (URL or path); never changes, item ids derive from it
    location: str | None = None  # the target of a permanent redirect; None = fetch `feed`
    etag: str | None = None
    last_modified: str | None = None
    next_due: float = 0.0  # epoch seconds; poll when now >= next_due
    failures: int = 0  # consecutive, for backoff
    last_status: int | None = None
    last_error: str | None = None  # the error of the last poll, None after a success
    feed_ttl: float = 0.0  # the feed's <ttl> in seconds, kept because a 304 has no body
    # Epoch seconds of the last poll that got the feed (a 2xx or a 304); None before the first,
    # and in states saved before it was kept. `newsbeam report` shows it per feed.
    last_success: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> FeedPollState:
        # Unknown keys are dropped so that state saved by a newer version still loads.
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in d.items() if key in names})

    @property
    def source(self) -> str:
        """What a poll fetches: the feed, or where it permanently moved."""
        return self.location or self.feed


@dataclass
class PollResult:
    state: FeedPollState  # the new state to persist
    body: bytes | None  # new feed bytes (HTTP 2xx or a file); None on 304 or error
    status: int | None  # HTTP status, 200 for files, None when there was no response
    error: str | None  # one line naming the feed and the reason, when the poll failed
    fetched_millis: int


def first_poll_offset(feed: str, spread: float) -> float:
    """Seconds after start-up of a feed's first poll: spread evenly over `spread` seconds.

    Derived from the feed's name (a CRC, not hash() or random), so it is the same in every run
    and worker: a restart does not bunch the feeds up again, and tests can rely on it.
    """
    return spread * (zlib.crc32(feed.encode("utf-8")) / 2**32)


def initial_state(feed: str, started: float, spread: float = 0.0) -> FeedPollState:
    """The state of a feed never polled: due `first_poll_offset` after `started`."""
    return FeedPollState(feed=feed, next_due=started + first_poll_offset(feed, spread))


def poll_feed(state: FeedPollState, *, interval: float, now: float | None = None,
              client: HttpClient | None = None, connect_timeout: float | None = None,
              total_timeout: float | None = None, max_bytes: int | None = None,
              max_backoff: float = MAX_BACKOFF_S) -> PollResult:
    """Poll one feed once, whatever its next_due; never raises for a problem with the feed.

    Fetches through `client` (default: the process's shared client) within its limits, or the
    ones given here. The next poll is due no sooner than `interval` seconds from `now`: later
    when the server (Cache-Control max-age, Retry-After) or the feed (<ttl>) asks for it, up to
    `max_backoff`, and exponentially later (also up to `max_backoff`) after consecutive failures.
    """
    now = time.time() if now is None else now
    client = client or shared_client()
    source = state.source
    try:
        if is_url(source):
            result = client.get(source, headers=_conditional_headers(state),
                                connect_timeout=connect_timeout, total_timeout=total_timeout,
                                max_bytes=max_bytes)
        else:
            result = read_path(source, client.settings.max_bytes if max_bytes is None
                               else max_bytes)
    except FetchError as error:
        delay = _backoff(state, interval, max_backoff)
        return failed_poll(state, now, delay, None, _naming_feed(state, str(error)))
    if result.status == 304 or 200 <= result.status < 300:
        return _succeeded(state, result, now, interval, max_backoff)
    return _http_failed(state, result, source, now, interval, max_backoff)


def _conditional_headers(state: FeedPollState) -> dict[str, str]:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _succeeded(state: FeedPollState, result: FetchResult, now: float, interval: float,
               max_backoff: float) -> PollResult:
    fresh = result.status != 304
    # A 304 may repeat the validators or leave them out; a 200 without them has none.
    etag = result.headers.get("ETag") if fresh else result.headers.get("ETag", state.etag)
    last_modified = (result.headers.get("Last-Modified") if fresh
                     else result.headers.get("Last-Modified", state.last_modified))
    feed_ttl = _feed_ttl(result.body) if fresh else state.feed_ttl
    lower_bound = min(max(_max_age(result.headers), feed_ttl), max_backoff)
    new_state = replace(state, location=_location_after(state, result), etag=etag,
                        last_modified=last_modified, next_due=now + max(interval, lower_bound),
                        failures=0, last_status=result.status, last_error=None, feed_ttl=feed_ttl,
                        last_success=now)
    return PollResult(new_state, result.body if fresh else None, result.status, None,
                      _millis(now))


def _http_failed(state: FeedPollState, result: FetchResult, source: str, now: float,
                 interval: float, max_backoff: float) -> PollResult:
    error = http_error(source, result)
    if result.status == 410:
        delay = max(interval, max_backoff)
    elif result.status in _THROTTLED:
        retry_after = min(_retry_after(result.headers.get("Retry-After"), now), max_backoff)
        delay = max(_backoff(state, interval, max_backoff), retry_after)
        error += f" (retry after {retry_after:g} s)" if retry_after else ""
    else:
        delay = _backoff(state, interval, max_backoff)
    return failed_poll(state, now, delay, result.status, _naming_feed(state, error))


def failed_poll(state: FeedPollState, now: float, delay: float, status: int | None,
                error: str) -> PollResult:
    """The result of a poll that failed with `error`: next try after `delay` seconds."""
    new_state = replace(state, next_due=now + delay, failures=state.failures + 1,
                        last_status=status, last_error=error)
    return PollResult(new_state, None, status, error, _millis(now))


def backoff(state: FeedPollState, interval: float, max_backoff: float = MAX_BACKOFF_S) -> float:
    """Seconds until the next poll of a feed that failed once more than `state.failures`."""
    return _backoff(state, interval, max_backoff)


def _backoff(state: FeedPollState, interval: float, max_backoff: float) -> float:
    """interval * 2**failures for this failure, plus up to 10% so dead feeds drift apart.

    The jitter comes from a CRC of the feed rather than hash() or random, so it is the same on
    every run and in every worker, and tests can rely on it.
    """
    failures = min(state.failures + 1, 32)  # past this the cap applies anyway; avoids overflow
    jitter = 1 + zlib.crc32(state.feed.encode()) / 2**32 / 10
    return max(interval, min(max_backoff, interval * 2.0 ** failures * jitter))


def _naming_feed(state: FeedPollState, error: str) -> str:
    return f"{error} (feed {state.feed})" if state.location else error


def _location_after(state: FeedPollState, result: FetchResult) -> str | None:
    if not result.redirects or not set(result.redirects) <= _PERMANENT_REDIRECTS:
        return state.location
    return None if result.url == state.feed else result.url


def _max_age(headers: Mapping[str, str]) -> float:
    match = _MAX_AGE.search(headers.get("Cache-Control", ""))
    return float(match.group(1)) if match else 0.0


def _feed_ttl(body: bytes) -> float:
    match = _TTL.search(body, 0, _TTL_HEAD_BYTES)
    return float(match.group(1)) * 60 if match else 0.0


def _retry_after(value: str | None, now: float) -> float:
    """Seconds to wait from `now`, given Retry-After as seconds or an HTTP-date; 0 if unusable."""
    value = (value or "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def _millis(seconds: float) -> int:
    return int(seconds * 1000)
