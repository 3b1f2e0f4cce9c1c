"""Fetching feed bytes over HTTP(S) or from any Beam filesystem, within limits (no Beam graph).

feedparser can fetch URLs itself but has no timeout and no size limit, so one dead or endless
server would stall a worker forever; fetching is done here instead:

- every response has a deadline (connect timeout, then a total time for the whole transfer,
  redirects included) and a size cap, so a server that hangs, trickles bytes or redirects in
  a loop costs one bounded wait and an error;
- each process has one `HttpClient` per settings (`shared_client`): one requests session whose
  connection pools are shared by every thread, the User-Agent, and a cap on concurrent requests
  per host (`HostSlots`), so 500 feeds on one site are never 64 parallel requests to it;
- `FetchPool` runs fetches on a fixed number of threads and hands a thread only to a fetch whose
  host has a free slot: a busy or hung host never holds threads that other hosts could use.

The batch job, follow mode and the streaming job all fetch through these. The poll schedule
(conditional GET, backoff, what to keep per feed) is feeds.poll.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from newsbeam.transforms.feeds.guard import AddressRefused, GuardedAdapter, check_url
from newsbeam.transforms.filesystems import filesystems, unusable_local_path

VERSION = "0.1"
USER_AGENT = (f"newsbeam/{VERSION} (news feed reader; polls politely, honours ETag, "
              f"Last-Modified and Retry-After; +https://github.com/newsbeam/newsbeam)")
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"
CONNECT_TIMEOUT_S = 10.0
TOTAL_TIMEOUT_S = 30.0
MAX_FEED_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
PER_HOST_CONCURRENCY = 2
FETCH_CONCURRENCY = 64
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


@dataclass(frozen=True)
class HttpSettings:
    """How one process fetches: picklable, so Beam ships it to workers with the DoFns."""
    user_agent: str = USER_AGENT
    per_host: int = PER_HOST_CONCURRENCY  # concurrent requests to one host
    concurrency: int = FETCH_CONCURRENCY  # fetch threads of a FetchPool
    connect_timeout: float = CONNECT_TIMEOUT_S
    total_timeout: float = TOTAL_TIMEOUT_S
    max_bytes: int = MAX_FEED_BYTES
    # Loopback, private, link-local and reserved addresses are refused unless this is set
    # (feeds.guard).
    allow_private_addresses: bool = False

    def __post_init__(self):
        if self.per_host < 1 or self.concurrency < 1:
            raise ValueError("fetch concurrency and per-host concurrency must be at least 1")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def host_of(source: str) -> str | None:
    """The host whose concurrency cap a fetch of `source` counts against; None for files."""
    if not is_url(source):
        return None
    try:
        return (urlsplit(source).hostname or "").lower() or None
    except ValueError:
        return None


def make_session(pool_size: int, pools: int | None = None,
                 allow_private: bool = False) -> requests.Session:
    """A session whose connection pools let `pool_size` threads fetch from one host at once
    and keep the connections of `pools` hosts alive (least recently used beyond that close);
    unless `allow_private`, it connects to public addresses only (feeds.guard).

    requests' default keeps 10 connections per host and 10 host pools; more threads than that
    open throwaway connections ("Connection pool is full") and keep-alive is lost.
    """
    session = requests.Session()
    adapter = (HTTPAdapter if allow_private else GuardedAdapter)(
        pool_connections=max(pools or pool_size, 10), pool_maxsize=max(pool_size, 1))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# ---------------------------------------------------------------------------------------------
# Per-host caps

class HostSlots:
    """At most `per_host` concurrent requests to one host, counted across the whole process.

    A slot is taken either blocking (`hold`, for a caller that has nothing better to do) or
    without waiting (`try_acquire`, for a scheduler that would rather run another host's fetch)
    and then handed to the thread that does the request (`adopted`). A thread that holds a slot
    for a host does not take a second one for the same host.
    """

    def __init__(self, per_host: int):
        self.per_host = per_host
        self._active: dict[str, int] = {}
        self._cond = threading.Condition()
        self._held = threading.local()
        self._listeners: list[Callable[[str], None]] = []

    def _hosts_held(self) -> set[str]:
        if not hasattr(self._held, "hosts"):
            self._held.hosts = set()
        return self._held.hosts

    def try_acquire(self, host: str | None) -> bool:
        if host is None:
            return True
        with self._cond:
            if self._active.get(host, 0) >= self.per_host:
                return False
            self._take(host)
            return True

    def acquire(self, host: str | None) -> None:
        if host is None:
            return
        with self._cond:
            while self._active.get(host, 0) >= self.per_host:
                self._cond.wait()
            self._take(host)

    def _take(self, host: str) -> None:
        self._active[host] = self._active.get(host, 0) + 1

    def release(self, host: str | None) -> None:
        if host is None:
            return
        with self._cond:
            left = self._active[host] - 1
            if left:
                self._active[host] = left
            else:
                del self._active[host]
            self._cond.notify_all()
        for listener in list(self._listeners):
            listener(host)

    def on_release(self, listener: Callable[[str], None]) -> None:
        """Calls `listener(host)` (outside any lock) whenever a slot of `host` is released."""
        self._listeners.append(listener)

    @contextlib.contextmanager
    def hold(self, host: str | None):
        """A slot for `host` for the duration of the block (waiting for one if needed)."""
        held = self._hosts_held()
        if host is None or host in held:
            yield
            return
        self.acquire(host)
        held.add(host)
        try:
            yield
        finally:
            held.discard(host)
            self.release(host)

    @contextlib.contextmanager
    def adopted(self, host: str | None):
        """Marks a slot taken with try_acquire as this thread's; releases it at the end."""
        held = self._hosts_held()
        if host is not None:
            held.add(host)
        try:
            yield
        finally:
            if host is not None:
                held.discard(host)
            self.release(host)


# ---------------------------------------------------------------------------------------------
# Requests

def http_get(url: str, *, session: requests.Session | None = None,
             headers: dict[str, str] | None = None, user_agent: str = USER_AGENT,
             connect_timeout: float = CONNECT_TIMEOUT_S, total_timeout: float = TOTAL_TIMEOUT_S,
             max_bytes: int = MAX_FEED_BYTES, max_redirects: int = MAX_REDIRECTS,
             allow_private: bool = False) -> FetchResult:
    """GET `url`, following redirects, within the limits; any HTTP status comes back as a result.

    Raises FetchError only when there is no complete response: timeouts, refused connections,
    bodies over `max_bytes` or still arriving at the deadline, redirect loops, a redirect to
    anything but http(s), an address the guard refuses. The socket timeout is what remains of
    `total_timeout` when a request starts, so a server that goes silent late can hold a call
    for up to twice `total_timeout`. `session` (default: a new one) decides which addresses
    may be connected to; `allow_private` lifts the check of proxied requests.
    """
    request_headers = {"User-Agent": user_agent, "Accept": ACCEPT, **(headers or {})}
    deadline = time.monotonic() + total_timeout
    try:
        with (contextlib.nullcontext(session) if session
              else make_session(1, allow_private=allow_private)) as http:
            return _get_following_redirects(http, url, request_headers, deadline, connect_timeout,
                                            total_timeout, max_bytes, max_redirects,
                                            allow_private)
    except AddressRefused as error:
        raise FetchError(f"{url}: refused: {error}") from None
    except (requests.exceptions.Timeout, urllib3.exceptions.ReadTimeoutError):
        raise FetchError(f"{url}: timed out") from None
    except requests.exceptions.ConnectionError as error:
        refused = _refusal(error)
        if refused:
            raise FetchError(f"{url}: refused: {refused}") from None
        raise FetchError(f"{url}: cannot connect ({_root_cause(error)})") from None
    except requests.exceptions.RequestException as error:
        raise FetchError(f"{url}: {_root_cause(error)}") from None
    except urllib3.exceptions.HTTPError as error:  # raw reads raise urllib3's own errors
        raise FetchError(f"{url}: broken response ({_root_cause(error)})") from None


def _send(http: requests.Session, url: str, headers: dict[str, str], timeout) -> requests.Response:
    try:
        return http.get(url, headers=headers, stream=True, allow_redirects=False, timeout=timeout)
    except requests.exceptions.ConnectionError as error:
        # A shared session keeps a bounded number of host pools; one evicted just as this
        # thread took it is closed under it (psf/requests#1871). Another attempt gets a new one.
        if error.args and isinstance(error.args[0], urllib3.exceptions.ClosedPoolError):
            return http.get(url, headers=headers, stream=True, allow_redirects=False,
                            timeout=timeout)
        raise


def _get_following_redirects(http: requests.Session, url: str, headers: dict[str, str],
                             deadline: float, connect_timeout: float, total_timeout: float,
                             max_bytes: int, max_redirects: int,
                             allow_private: bool) -> FetchResult:
    # Followed here rather than by requests, which reads each redirect's body without a deadline
    # and keeps going for 30 hops; here every hop shares the one deadline, and every hop's
    # address is checked.
    current, redirects, seen = url, [], {url}
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"{url}: no complete response within {total_timeout:g} s")
        if not is_url(current):
            raise FetchError(f"{url}: refused: a redirect to {current}, not an http(s) address")
        if not allow_private and _proxy_for(http, current):
            check_url(current)
        response = _send(http, current, headers, (min(connect_timeout, remaining), remaining))
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


def _proxy_for(http: requests.Session, url: str) -> str | None:
    """The proxy a request to `url` goes through (the session's, or the environment's)."""
    proxies = http.merge_environment_settings(url, {}, None, None, None)["proxies"]
    return requests.utils.select_proxy(url, proxies)


def _refusal(error: BaseException) -> str | None:
    """The guard's message, when an error comes from a refused address."""
    while error is not None:
        if isinstance(error, AddressRefused):
            return str(error)
        error = error.__cause__ or (error.args[0] if error.args and
                                    isinstance(error.args[0], BaseException) else None)
    return None


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


def _raise_for_status(url: str, result: FetchResult) -> FetchResult:
    if result.status >= 400:
        raise FetchError(http_error(url, result))
    return result


def http_error(url: str, result: FetchResult) -> str:
    return f"{url}: HTTP {result.status} {result.reason}".rstrip()


def _root_cause(error: BaseException) -> str:
    while error.__cause__ is not None or (error.args and isinstance(error.args[0], BaseException)):
        error = error.__cause__ or error.args[0]
    return str(error).split("\n")[0][:200] or type(error).__name__


def read_path(path: str, max_bytes: int = MAX_FEED_BYTES) -> FetchResult:
    """Bytes of a file on any Beam filesystem (local, gs://, s3://, ...), or raise FetchError.
    A local path must be a regular file (checked again here: it may have changed since the
    sources were listed)."""
    if "://" not in path:
        unusable = unusable_local_path(path)
        if unusable or os.path.isdir(path):
            raise FetchError(f"{path}: {unusable or 'a folder, not a file'}")
    try:
        with filesystems().open(path) as handle:
            body = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FetchError(f"{path}: no such file") from None
    except (OSError, IOError, ValueError) as error:
        raise FetchError(f"{path}: cannot read ({_root_cause(error)})") from None
    if len(body) > max_bytes:
        raise FetchError(f"{path}: file larger than {max_bytes} bytes")
    return FetchResult(url=path, status=200, body=body)


class HttpClient:
    """One process's way to the network: a shared session, the User-Agent, per-host caps.

    `get` is safe to call from any number of threads; each call holds one of its host's slots
    for the whole request (redirects included), waiting for one when the host is at its cap.
    """

    def __init__(self, settings: HttpSettings = HttpSettings()):
        self.settings = settings
        self.slots = HostSlots(settings.per_host)
        # Pools for this many hosts stay open (keep-alive); idle sockets stay bounded by it
        # times the per-host cap.
        self.session = make_session(settings.per_host, pools=max(2 * settings.concurrency, 64),
                                    allow_private=settings.allow_private_addresses)

    def get(self, url: str, headers: dict[str, str] | None = None, *,
            connect_timeout: float | None = None, total_timeout: float | None = None,
            max_bytes: int | None = None) -> FetchResult:
        """GET within the client's limits (or the ones given); any HTTP status is a result."""
        s = self.settings
        with self.slots.hold(host_of(url)):
            return http_get(
                url, session=self.session, headers=headers, user_agent=s.user_agent,
                connect_timeout=s.connect_timeout if connect_timeout is None else connect_timeout,
                total_timeout=s.total_timeout if total_timeout is None else total_timeout,
                max_bytes=s.max_bytes if max_bytes is None else max_bytes,
                allow_private=s.allow_private_addresses)

    def read(self, source: str) -> FetchResult:
        """The bytes of a feed (URL or path), or FetchError; HTTP errors are errors here."""
        if not is_url(source):
            return read_path(source, self.settings.max_bytes)
        return _raise_for_status(source, self.get(source))

    def close(self) -> None:
        self.session.close()


# ---------------------------------------------------------------------------------------------
# A pool of fetch threads that respects the per-host caps

class FetchPool:
    """Runs `fn(*args)` for each submitted source on at most `concurrency` threads.

    A task starts only when its host (`host_of(source)`) has a free slot in the client's
    HostSlots, and keeps the slot while it runs, so the client's `get` inside it does not wait
    again. Hosts take turns; a host at its cap waits without holding a thread. Threads are
    daemons: a process that stops does not wait for a fetch stuck on a silent server.
    """

    def __init__(self, client: HttpClient, concurrency: int | None = None):
        self.client = client
        self._concurrency = concurrency or client.settings.concurrency
        self._lock = threading.Lock()
        self._has_task = threading.Condition(self._lock)
        self._waiting: dict[str | None, deque] = {}  # host -> tasks not started
        self._ready: OrderedDict[str | None, None] = OrderedDict()  # hosts that may start one
        self._tasks: deque = deque()  # started (slot taken), waiting for a thread
        self._running = 0  # tasks started and not finished
        self._idle = 0
        self._threads = 0
        self._closed = False
        client.slots.on_release(self._host_released)

    def submit(self, source: str, fn: Callable, *args) -> Future:
        future: Future = Future()
        host = host_of(source)
        with self._lock:
            if self._closed:
                raise RuntimeError("the fetch pool is closed")
            self._waiting.setdefault(host, deque()).append((future, fn, args))
            self._ready[host] = None
            self._dispatch()
        return future

    def _host_released(self, host: str) -> None:
        with self._lock:
            if host in self._waiting:
                self._ready[host] = None
                self._dispatch()

    def _dispatch(self) -> None:
        """Under the lock: starts waiting tasks while threads and host slots allow, one host
        after another (round robin)."""
        while self._running < self._concurrency and self._ready:
            host = next(iter(self._ready))
            if not self.client.slots.try_acquire(host):
                del self._ready[host]  # back in turn when one of its requests ends
                continue
            queue = self._waiting[host]
            task = queue.popleft()
            if queue:
                self._ready.move_to_end(host)
            else:
                del self._waiting[host]
                del self._ready[host]
            self._running += 1
            self._tasks.append((host, *task))
            if self._idle:
                self._has_task.notify()
            elif self._threads < self._concurrency:
                self._threads += 1
                threading.Thread(target=self._work, name="newsbeam-fetch", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._tasks and not self._closed:
                    self._idle += 1
                    self._has_task.wait()
                    self._idle -= 1
                if not self._tasks:
                    self._threads -= 1
                    return
                host, future, fn, args = self._tasks.popleft()
            if not future.set_running_or_notify_cancel():  # cancelled while it waited
                self._finished(host)
                continue
            try:
                with self.client.slots.adopted(host):  # released when the fetch ends
                    result = fn(*args)
            except BaseException as error:  # noqa: BLE001 (handed to whoever waits on it)
                self._finished(None)
                future.set_exception(error)
            else:
                self._finished(None)
                future.set_result(result)

    def _finished(self, release_host) -> None:
        if release_host is not None:
            self.client.slots.release(release_host)
        with self._lock:
            self._running -= 1
            self._dispatch()

    def close(self) -> None:
        """Cancels what has not started; running fetches end on their own (daemon threads)."""
        with self._lock:
            self._closed = True
            for queue in self._waiting.values():
                for future, _, _ in queue:
                    future.cancel()
            for _, future, _, _ in self._tasks:
                future.cancel()
            self._waiting.clear()
            self._ready.clear()
            self._has_task.notify_all()


_shared_lock = threading.Lock()
_shared_clients: dict[HttpSettings, HttpClient] = {}
_shared_pools: dict[HttpSettings, FetchPool] = {}


def shared_client(settings: HttpSettings = HttpSettings()) -> HttpClient:
    """The process's HttpClient for `settings` (one session and one set of host caps)."""
    with _shared_lock:
        if settings not in _shared_clients:
            _shared_clients[settings] = HttpClient(settings)
        return _shared_clients[settings]


def shared_pool(settings: HttpSettings = HttpSettings()) -> FetchPool:
    """The process's FetchPool for `settings`, over `shared_client(settings)`."""
    client = shared_client(settings)
    with _shared_lock:
        if settings not in _shared_pools:
            _shared_pools[settings] = FetchPool(client)
        return _shared_pools[settings]
