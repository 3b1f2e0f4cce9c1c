"""Reading a feed's bytes over HTTP(S) or from any Beam filesystem, with limits (no Beam graph).

feedparser can fetch URLs itself but has no timeout and no size limit, so one dead or endless
server would stall a worker forever; fetching is done here instead.

`poll_feed` is the Beam-free polling step shared by the local follow loop and the streaming
graph: one conditional GET per call, returning the bytes (if new) and the next state to keep.

Sessions and threads: `poll_feed` never changes a session's settings (only its cookie jar, which
locks), so threads polling different feeds can share one session from `make_session(pool_size)`
with pool_size >= their number. It keeps pools for that many hosts and evicts the least recently
used beyond; with thousands of hosts a thread can, rarely, take a pool just as it is evicted and
fail that poll with "Pool is closed" (psf/requests#1871), which is then retried with backoff like
any failure. Callers who want none of that keep one session per thread (threading.local).
"""
from __future__ import annotations

import contextlib
import email.utils
import hashlib
import re
import time
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import timezone
from urllib.parse import urljoin

import requests
import urllib3
from apache_beam.io.filesystems import FileSystems
from requests.adapters import HTTPAdapter

USER_AGENT = "newsbeam/0.1 (+https://github.com/newsbeam/newsbeam)"
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"
CONNECT_TIMEOUT_S = 10.0
TOTAL_TIMEOUT_S = 30.0
MAX_FEED_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
MAX_BACKOFF_S = 6 * 3600.0
_READ_SIZE = 64 * 1024


class FetchError(Exception):
    """A feed could not be read; the message names it and says why, in one line."""


@dataclass
class FetchResult:
    url: str  # after redirects
    status: int  # HTTP status, or 200 for a file
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # case-insensitive for HTTP
    reason: str = ""
    redirects: tuple[int, ...] = ()  # the status of each redirect followed, in order


def body_hash(body: bytes) -> str:
    """Identifies a response body: a server that ignores conditional GET and sends the same
    bytes again can be recognised without parsing them."""
    return hashlib.sha256(body).hexdigest()[:32]


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def make_session(pool_size: int) -> requests.Session:
    """A session whose connection pools let `pool_size` threads fetch at once.

    requests' default keeps 10 connections per host and 10 host pools; more threads than that
    open throwaway connections ("Connection pool is full") and keep-alive is lost.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=max(pool_size, 10), pool_maxsize=max(pool_size, 10))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def http_get(url: str, *, session: requests.Session | None = None,
             headers: dict[str, str] | None = None,
             connect_timeout: float = CONNECT_TIMEOUT_S, total_timeout: float = TOTAL_TIMEOUT_S,
             max_bytes: int = MAX_FEED_BYTES, max_redirects: int = MAX_REDIRECTS) -> FetchResult:
    """GET `url`, following redirects, within the limits; any HTTP status comes back as a result.

    Raises FetchError only when there is no complete response: timeouts, refused connections,
    bodies over `max_bytes` or still arriving at the deadline, redirect loops. The socket timeout
    is what remains of `total_timeout` when a request starts, so a server that goes silent late
    can hold a call for up to twice `total_timeout`.
    """
    request_headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, **(headers or {})}
    deadline = time.monotonic() + total_timeout
    try:
        with contextlib.nullcontext(session) if session else requests.Session() as http:
            return _get_following_redirects(http, url, request_headers, deadline, connect_timeout,
                                            total_timeout, max_bytes, max_redirects)
    except (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError):
        raise FetchError(f"{url}: timed out") from None
    except requests.exceptions.ConnectionError as error:
        raise FetchError(f"{url}: cannot connect ({_root_cause(error)})") from None
    except requests.exceptions.RequestException as error:
        raise FetchError(f"{url}: {_root_cause(error)}") from None
    except urllib3.exceptions.HTTPError as error:  # raw reads raise urllib3's own errors
        raise FetchError(f"{url}: broken response ({_root_cause(error)})") from None


def _get_following_redirects(http: requests.Session, url: str, headers: dict[str, str],
                             deadline: float, connect_timeout: float, total_timeout: float,
                             max_bytes: int, max_redirects: int) -> FetchResult:
    # Followed here rather than by requests, which reads each redirect's body without a deadline
    # and keeps going for 30 hops; here every hop shares the one deadline.
    current, redirects, seen = url, [], {url}
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{url}: no complete response within {total_timeout:g} s")
        response = http.get(current, headers=headers, stream=True, allow_redirects=False,
                            timeout=(min(connect_timeout, remaining), remaining))
        with response:
            target = http.get_redirect_target(response)
            if target is None:
                body = _read_body(response, url, deadline, total_timeout, max_bytes)
                return FetchResult(url=current, status=response.status_code, body=body,
                                   headers=response.headers, reason=response.reason or "",
                                   redirects=tuple(redirects))
        redirects.append(response.status_code)
        current = urljoin(current, target)
        if current in seen:
            raise FetchError(f"{url}: redirect loop at {current}")
        if len(redirects) > max_redirects:
            raise FetchError(f"{url}: more than {max_redirects} redirects")
        seen.add(current)


def _read_body(response: requests.Response, url: str, deadline: float, total_timeout: float,
               max_bytes: int) -> bytes:
    chunks, size = [], 0
    while True:
        # read1 returns what has arrived (decompressed), so the deadline is checked even while a
        # server trickles a few bytes at a time; iter_content would block until a whole chunk or
        # the end of a body that has no length.
        chunk = response.raw.read1(_READ_SIZE, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: response larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: no complete response within {total_timeout:g} s")
        chunks.append(chunk)


def fetch_url(url: str, *, session: requests.Session | None = None,
              headers: dict[str, str] | None = None,
              connect_timeout: float = CONNECT_TIMEOUT_S, total_timeout: float = TOTAL_TIMEOUT_S,
              max_bytes: int = MAX_FEED_BYTES) -> FetchResult:
    """GET `url` within `total_timeout` seconds and `max_bytes` bytes, or raise FetchError.

    requests' own timeout bounds each socket read, not the whole transfer, so a server that
    trickles bytes forever is cut off here by the deadline. A 304 comes back as a result
    with an empty body: it is an answer to conditional headers, not an error.
    """
    result = http_get(url, session=session, headers=headers, connect_timeout=connect_timeout,
                      total_timeout=total_timeout, max_bytes=max_bytes)
    if result.status >= 400:
        raise FetchError(_http_error(url, result))
    return result


def _http_error(url: str, result: FetchResult) -> str:
    return f"{url}: HTTP {result.status} {result.reason}".rstrip()


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None or (error.args and isinstance(error.args[0], BaseException)):
        error = error.__cause__ or error.args[0]
    return str(error).split("\n")[0][:200] or type(error).__name__


def read_path(path: str, max_bytes: int = MAX_FEED_BYTES) -> FetchResult:
    """Bytes of a file on any Beam filesystem (local, gs://, s3://, ...), or raise FetchError."""
    try:
        with FileSystems.open(path) as handle:
            body = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FetchError(f"{path}: no such file") from None
    except (OSError, IOError, ValueError) as error:
        raise FetchError(f"{path}: cannot read ({_root_cause(error)})") from None
    if len(body) > max_bytes:
        raise FetchError(f"{path}: file larger than {max_bytes} bytes")
    return FetchResult(url=path, status=200, body=body)


def read_feed_bytes(source: str, session: requests.Session | None = None) -> FetchResult:
    return fetch_url(source, session=session) if is_url(source) else read_path(source)


# ---------------------------------------------------------------------------------------------
# Polling

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
    last_error: str | None = None
    feed_ttl: float = 0.0  # the feed's <ttl> in seconds, kept because a 304 has no body

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping) -> FeedPollState:
        # Unknown keys are dropped so that state saved by a newer version still loads.
        names = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in d.items() if key in names})


@dataclass
class PollResult:
    state: FeedPollState  # the new state to persist
    body: bytes | None  # new feed bytes (HTTP 2xx or a file); None on 304 or error
    status: int | None  # HTTP status, 200 for files, None when there was no response
    error: str | None  # one line naming the feed and the reason, when the poll failed
    fetched_millis: int


def poll_feed(state: FeedPollState, *, interval: float, now: float | None = None,
              session: requests.Session | None = None,
              connect_timeout: float = CONNECT_TIMEOUT_S, total_timeout: float = TOTAL_TIMEOUT_S,
              max_bytes: int = MAX_FEED_BYTES, max_backoff: float = MAX_BACKOFF_S) -> PollResult:
    """Poll one feed once, whatever its next_due; never raises for a problem with the feed.

    The next poll is due no sooner than `interval` seconds from `now`: later when the server
    (Cache-Control max-age, Retry-After) or the feed (<ttl>) asks for it, up to `max_backoff`,
    and exponentially later (also up to `max_backoff`) after consecutive failures.
    """
    now = time.time() if now is None else now
    source = state.location or state.feed
    try:
        if is_url(source):
            result = http_get(source, session=session, headers=_conditional_headers(state),
                              connect_timeout=connect_timeout, total_timeout=total_timeout,
                              max_bytes=max_bytes)
        else:
            result = read_path(source, max_bytes)
    except FetchError as error:
        delay = _backoff(state, interval, max_backoff)
        return _failed(state, now, delay, None, _naming_feed(state, str(error)))
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
                        failures=0, last_status=result.status, last_error=None, feed_ttl=feed_ttl)
    return PollResult(new_state, result.body if fresh else None, result.status, None,
                      _millis(now))


def _http_failed(state: FeedPollState, result: FetchResult, source: str, now: float,
                 interval: float, max_backoff: float) -> PollResult:
    error = _http_error(source, result)
    if result.status == 410:
        delay = max(interval, max_backoff)
    elif result.status in _THROTTLED:
        retry_after = min(_retry_after(result.headers.get("Retry-After"), now), max_backoff)
        delay = max(_backoff(state, interval, max_backoff), retry_after)
        error += f" (retry after {retry_after:g} s)" if retry_after else ""
    else:
        delay = _backoff(state, interval, max_backoff)
    return _failed(state, now, delay, result.status, _naming_feed(state, error))


def _failed(state: FeedPollState, now: float, delay: float, status: int | None,
            error: str) -> PollResult:
    new_state = replace(state, next_due=now + delay, failures=state.failures + 1,
                        last_status=status, last_error=error)
    return PollResult(new_state, None, status, error, _millis(now))


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
