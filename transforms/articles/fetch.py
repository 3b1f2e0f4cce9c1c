"""Fetching an item's article page, politely and safely, and making it the item's text.

A page is fetched through the process's HttpClient: the same User-Agent, per-host cap and
address guard as feeds (a host is one host whether it serves feeds or pages). On top:
robots.txt per host (cached; a missing one allows), an optional delay between requests to one
host, HTML or XHTML only, a size cap. Whatever goes wrong with a page costs the item nothing
but its article: the item keeps the feed's text and says why (`article.error`, starting with a
reason: robots, refused, timeout, http, not_html, too_large, unreachable, nothing_extracted).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from protego import Protego

from newsbeam.transforms.articles.extract import NotHtmlError, extract_article
from newsbeam.transforms.feeds.http import (FetchError, HttpClient, HttpSettings, host_of, is_url,
                                            shared_client)

MAX_PAGE_BYTES = 5 * 1024 * 1024
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
HTML_TYPES = ("text/html", "application/xhtml+xml")
ROBOTS_TTL_SECONDS = 3600.0
# robots.txt that could not be read because of the server (5xx) or the network: every page of
# the host is disallowed until a retry this much later (RFC 9309, 2.3.1.3).
ROBOTS_RETRY_SECONDS = 600.0
ROBOTS_MAX_BYTES = 512 * 1024
# The token robots.txt groups are matched against.
ROBOTS_AGENT = "newsbeam"


@dataclass
class Page:
    """What fetching an article page gave: its bytes, or why not."""
    url: str  # the link asked for
    final_url: str | None = None  # after redirects
    status: int | None = None
    body: bytes | None = None
    charset: str | None = None  # from the Content-Type header
    error: str | None = None  # "<reason>: <detail>" when there is no page to read


class RobotsCache:
    """robots.txt per host, kept `ttl` seconds; thread-safe. A missing file (4xx) allows
    everything; a server error or an unreachable host disallows everything for a while."""

    def __init__(self, client: HttpClient, ttl: float = ROBOTS_TTL_SECONDS):
        self._client = client
        self._ttl = ttl
        self._lock = threading.Lock()
        self._rules: dict[str, tuple[float, Protego | None, str | None]] = {}
        self._loading: dict[str, threading.Lock] = {}  # one per origin

    def refusal(self, url: str) -> str | None:
        """Why robots.txt forbids fetching `url`, or None when it allows it."""
        parts = urlsplit(url)
        origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        with self._lock:
            loading = self._loading.setdefault(origin, threading.Lock())
        with loading:  # pages of one host asked for at once read its robots.txt once
            cached = self._rules.get(origin)
            if cached is None or cached[0] < time.monotonic():
                cached = self._rules[origin] = self._load(origin)
        _, rules, unreadable = cached
        if unreadable:
            return unreadable
        if rules is not None and not rules.can_fetch(url, ROBOTS_AGENT):
            return f"robots: {origin}/robots.txt disallows it"
        return None

    def _load(self, origin: str) -> tuple[float, Protego | None, str | None]:
        robots = f"{origin}/robots.txt"
        try:
            result = self._client.get(robots, max_bytes=ROBOTS_MAX_BYTES)
        except FetchError as error:
            if "refused:" in str(error):  # the host is refused, its pages with it
                return time.monotonic() + self._ttl, None, f"refused: {error}"
            return (time.monotonic() + ROBOTS_RETRY_SECONDS, None,
                    f"robots: {robots} could not be read ({error})")
        if result.status >= 500:
            return (time.monotonic() + ROBOTS_RETRY_SECONDS, None,
                    f"robots: {robots} could not be read (HTTP {result.status})")
        if result.status >= 400:
            return time.monotonic() + self._ttl, None, None  # none: everything allowed
        text = result.body.decode("utf-8", errors="replace")
        return time.monotonic() + self._ttl, Protego.parse(text), None


class HostPacing:
    """At least `delay` seconds between the starts of two requests to one host (per process)."""

    def __init__(self, delay: float):
        self._delay = delay
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str | None) -> None:
        if not self._delay or host is None:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self._delay
        if start > now:
            time.sleep(start - now)


@dataclass
class PageFetcher:
    """Fetches article pages through `client`, within these limits."""
    client: HttpClient
    per_host_delay: float = 0.0
    max_bytes: int = MAX_PAGE_BYTES
    robots: RobotsCache = field(init=False)
    pacing: HostPacing = field(init=False)

    def __post_init__(self):
        self.robots = RobotsCache(self.client)
        self.pacing = HostPacing(self.per_host_delay)

    def fetch(self, url: str) -> Page:
        """The page at `url`, or a Page with the reason it could not be had; never raises for
        a problem with the page."""
        if not is_url(url):
            return Page(url, error=f"refused: {url} is not an http(s) address")
        refusal = self.robots.refusal(url)
        if refusal:
            return Page(url, error=refusal)
        self.pacing.wait(host_of(url))
        try:
            result = self.client.get(url, headers={"Accept": PAGE_ACCEPT},
                                     max_bytes=self.max_bytes)
        except FetchError as error:
            return Page(url, error=_reason(str(error)))
        page = Page(url, final_url=result.url, status=result.status)
        if result.status >= 400:
            page.error = f"http: HTTP {result.status} {result.reason}".rstrip()
            return page
        media_type, charset = _content_type(result.headers.get("Content-Type", ""))
        if media_type and media_type not in HTML_TYPES:
            page.error = f"not_html: {media_type}"
            return page
        page.body, page.charset = result.body, charset
        return page


def _content_type(value: str) -> tuple[str | None, str | None]:
    media_type, *params = [part.strip() for part in value.split(";")]
    charset = next((param.split("=", 1)[1].strip('"\' ') for param in params
                    if param.lower().startswith("charset=")), None)
    return (media_type.lower() or None), charset


def _reason(error: str) -> str:
    """A FetchError's message as "<reason>: <message>"."""
    if "refused:" in error:
        return f"refused: {error}"
    if "timed out" in error or "no complete response" in error:
        return f"timeout: {error}"
    if "larger than" in error:
        return f"too_large: {error}"
    return f"unreachable: {error}"


# An article shorter than this, and than the feed's own text, is no article: a paywall stub,
# a consent wall, a page of links.
MIN_ARTICLE_CHARS = 200


def with_article(item: dict, page: Page) -> dict:
    """`item` with what its page gave: when the page has an article, its main text becomes
    the item's content (the feed's text moves to `feed_content`) and `content_source` is
    "article"; always, `article` says what the page said of itself, or why there is none."""
    article = {"url": page.final_url or page.url, "status": page.status, "error": page.error,
               "canonical_url": None, "title": None, "authors": [], "published": None,
               "language": None, "site_name": None, "image": None}
    out = {**item, "article": article}
    if page.body is None:
        return out
    try:
        extracted = extract_article(page.body, page.final_url or page.url, page.charset)
    except NotHtmlError as error:
        article["error"] = f"not_html: {error}"
        return out
    article.update(canonical_url=extracted.canonical_url, title=extracted.title,
                   authors=list(extracted.authors), published=extracted.published,
                   language=extracted.language, site_name=extracted.site_name,
                   image=extracted.image)
    feed_text = item.get("content") or ""
    if not extracted.text or (len(extracted.text) < MIN_ARTICLE_CHARS
                              and len(extracted.text) < len(feed_text)):
        article["error"] = (f"nothing_extracted: the page's text ({len(extracted.text)} "
                            f"characters) is shorter than the feed's")
        return out
    out.update(content=extracted.content, feed_content=feed_text, content_source="article")
    return out


_fetchers_lock = threading.Lock()
_fetchers: dict[tuple[HttpSettings, float], PageFetcher] = {}


def shared_page_fetcher(settings: HttpSettings, per_host_delay: float) -> PageFetcher:
    """The process's PageFetcher for `settings`, over `shared_client(settings)` (one robots
    cache and one pacing per process), as feeds/http.py shares its client and pool."""
    client = shared_client(settings)
    with _fetchers_lock:
        key = (settings, per_host_delay)
        if key not in _fetchers:
            _fetchers[key] = PageFetcher(client, per_host_delay)
        return _fetchers[key]


def has_page(item: dict) -> bool:
    """Whether an item has a web link to fetch its article from."""
    return is_url(item.get("link") or "")
