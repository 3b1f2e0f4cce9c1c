"""Reading a feed's bytes over HTTP(S) or from any Beam filesystem, with limits (no Beam graph).

feedparser can fetch URLs itself but has no timeout and no size limit, so one dead or endless
server would stall a worker forever; fetching is done here instead.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import requests
from apache_beam.io.filesystems import FileSystems

USER_AGENT = "newsbeam/0.1 (+https://github.com/newsbeam/newsbeam)"
CONNECT_TIMEOUT_S = 10.0
TOTAL_TIMEOUT_S = 30.0
MAX_FEED_BYTES = 20 * 1024 * 1024
_READ_SIZE = 64 * 1024


class FetchError(Exception):
    """A feed could not be read; the message names it and says why, in one line."""


@dataclass
class FetchResult:
    url: str  # after redirects
    status: int  # HTTP status, or 200 for a file
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def fetch_url(url: str, *, session: requests.Session | None = None,
              headers: dict[str, str] | None = None,
              connect_timeout: float = CONNECT_TIMEOUT_S, total_timeout: float = TOTAL_TIMEOUT_S,
              max_bytes: int = MAX_FEED_BYTES) -> FetchResult:
    """GET `url` within `total_timeout` seconds and `max_bytes` bytes, or raise FetchError.

    requests' own timeout bounds each socket read, not the whole transfer, so a server that
    trickles bytes forever is cut off here by the deadline. A 304 comes back as a result
    with an empty body: it is an answer to conditional headers, not an error.
    """
    session = session or requests.Session()
    request_headers = {"User-Agent": USER_AGENT,
                       "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"}
    request_headers.update(headers or {})
    deadline = time.monotonic() + total_timeout
    try:
        with session.get(url, headers=request_headers, stream=True,
                         timeout=(connect_timeout, total_timeout)) as response:
            chunks, size = [], 0
            while True:
                # read1 returns what has arrived (decompressed), so the deadline is checked
                # even while a server trickles a few bytes at a time; iter_content would block
                # until a whole chunk or the end of a body that has no length.
                chunk = response.raw.read1(_READ_SIZE, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: response larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: no complete response within {total_timeout:g} s")
                chunks.append(chunk)
            if response.status_code >= 400:
                raise FetchError(f"{url}: HTTP {response.status_code} {response.reason}")
            return FetchResult(url=response.url, status=response.status_code,
                               body=b"".join(chunks), headers=dict(response.headers))
    except requests.exceptions.Timeout:
        raise FetchError(f"{url}: timed out") from None
    except requests.exceptions.ConnectionError as error:
        raise FetchError(f"{url}: cannot connect ({_root_cause(error)})") from None
    except requests.exceptions.RequestException as error:
        raise FetchError(f"{url}: {_root_cause(error)}") from None


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


def read_feed_bytes(source: str) -> FetchResult:
    return fetch_url(source) if is_url(source) else read_path(source)
