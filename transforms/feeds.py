"""Feed sources to feed items: expanding folders, OPML and lists; decoding; parsing.

Plain functions first (expand_sources, decode_feed, parse_feed), then the Beam transforms.
"""
from __future__ import annotations

import calendar
import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from xml.etree import ElementTree

import apache_beam as beam
import charset_normalizer
import feedparser
import regex
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from transforms.dead_letters import dead_letter
from transforms.dedup import fingerprint
from transforms.fetch import FetchError, is_url, make_session, read_feed_bytes

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".feed")
OPML_SUFFIXES = (".opml",)
LIST_SUFFIXES = (".txt", ".list")


class SourceError(Exception):
    """A --feeds argument that names nothing readable; the message says which and why."""


@dataclass(frozen=True)
class SourceProblem:
    source: str
    error: str


# ---------------------------------------------------------------------------------------------
# Sources

def _match_files(pattern: str) -> list[str]:
    try:
        [result] = FileSystems.match([pattern])
    except Exception:  # Beam wraps "nothing matched" and I/O errors alike in BeamIOError
        return []
    return sorted(meta.path for meta in result.metadata_list)


def _is_directory(path: str) -> bool:
    if "://" not in path:
        return os.path.isdir(path)
    return bool(_match_files(FileSystems.join(path, "*"))) and not FileSystems.exists(path)


def _read_text(path: str) -> str:
    with FileSystems.open(path) as handle:
        return handle.read().decode("utf-8-sig", errors="replace")


def opml_feed_urls(text: str) -> list[str]:
    """The feed addresses of an OPML document (`xmlUrl` of every outline, nested or not)."""
    root = ElementTree.fromstring(text.encode("utf-8"))
    return [outline.attrib["xmlUrl"].strip() for outline in root.iter("outline")
            if outline.attrib.get("xmlUrl", "").strip()]


def list_feed_sources(text: str) -> list[str]:
    """Sources listed one a line; blank lines and '#' comments are skipped."""
    lines = (line.split("#", 1)[0].strip() if not line.lstrip().startswith("http")
             else line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _looks_like_opml(path: str, text: str) -> bool:
    return path.lower().endswith(OPML_SUFFIXES) or regex.match(r"\s*(<\?xml[^>]*>\s*)?<opml\b", text) is not None


def expand_sources(sources: list[str]) -> tuple[list[str], list[SourceProblem]]:
    """Feed addresses (URLs and file paths) named by --feeds, and the arguments that failed.

    A folder gives its feed files (recursively not: one level, by suffix), an OPML file its
    outlines' xmlUrl, a .txt/.list file its lines (each expanded in turn), a URL itself.
    Unreachable URLs are only found when fetched; here only local names are checked.
    """
    feeds: list[str] = []
    problems: list[SourceProblem] = []
    seen: set[str] = set()

    def add(feed: str):
        if "://" not in feed:
            # Item ids derive from the feed's name: "feeds/a.xml" and "./feeds/a.xml" run from
            # the same folder must be one feed.
            feed = os.path.abspath(feed)
        if feed not in seen:
            seen.add(feed)
            feeds.append(feed)

    def expand(source: str, depth: int):
        if depth > 3:
            problems.append(SourceProblem(source, "lists nested too deeply"))
            return
        if is_url(source):
            add(source)
            return
        if _is_directory(source):
            found = [path for path in _match_files(FileSystems.join(source, "*"))
                     if path.lower().endswith(FEED_SUFFIXES + OPML_SUFFIXES)]
            if not found:
                problems.append(SourceProblem(source, "folder holds no feed files (*.xml, *.rss, *.atom, *.rdf, *.opml)"))
            for path in found:
                expand(path, depth + 1)
            return
        if any(char in source for char in "*?["):
            matched = _match_files(source)
            if not matched:
                problems.append(SourceProblem(source, "no file matches"))
            for path in matched:
                expand(path, depth + 1)
            return
        if not FileSystems.exists(source):
            problems.append(SourceProblem(source, "no such file or folder"))
            return
        lower = source.lower()
        if lower.endswith(FEED_SUFFIXES):
            add(source)
            return
        try:
            text = _read_text(source)
        except OSError as error:
            problems.append(SourceProblem(source, f"cannot read ({error})"))
            return
        if _looks_like_opml(source, text):
            try:
                urls = opml_feed_urls(text)
            except ElementTree.ParseError as error:
                problems.append(SourceProblem(source, f"not valid OPML ({error})"))
                return
            if not urls:
                problems.append(SourceProblem(source, "OPML lists no feed (no outline with xmlUrl)"))
            for url in urls:
                expand(url, depth + 1)
        elif lower.endswith(LIST_SUFFIXES):
            base = os.path.dirname(source)
            for line in list_feed_sources(text):
                expand(line if is_url(line) or os.path.isabs(line) or "://" in line
                       else os.path.join(base, line), depth + 1)
        else:
            add(source)  # any other file is taken as a feed; the parser will say if it is not

    for source in sources:
        expand(source, 0)
    return feeds, problems


# ---------------------------------------------------------------------------------------------
# Decoding and parsing

_XML_DECLARATION = regex.compile(rb"^\s*<\?xml[^>]*?\?>", regex.IGNORECASE)
_DECLARED_ENCODING = regex.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {b"utf-8", b"utf8"}


def decode_feed(data: bytes) -> bytes:
    """Feed bytes that feedparser will decode right.

    Arabic sites often serve Windows-1256 while declaring UTF-8 (or nothing); feedparser then
    falls back to Windows-1252 and produces mojibake. When bytes that claim UTF-8 are not
    UTF-8, detect the real encoding and hand feedparser UTF-8 with a matching declaration.
    Other declared encodings (ISO-8859-1, ...) are left to feedparser, which honours them.
    """
    head = data[:512]
    declaration = _XML_DECLARATION.match(head)
    declared = _DECLARED_ENCODING.search(declaration.group(0)) if declaration else None
    if declared and declared.group(1).lower() not in _UTF8_NAMES:
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    candidates = sorted(charset_normalizer.from_bytes(data),
                        key=lambda match: (round(match.chaos, 2), _web_rank(match.encoding)))
    if not candidates:
        return data
    text = str(candidates[0])
    if declaration:
        text = _XML_DECLARATION.sub(b"", text.encode("utf-8"), count=1).decode("utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>' + text.lstrip("\ufeff").encode("utf-8")


# Several single-byte code pages decode Latin text equally cleanly; between equals, take the one
# news sites actually use.
_WEB_ENCODINGS = ("cp1252", "latin_1", "cp1256", "iso8859_6", "cp1251", "iso8859_15", "cp1250",
                  "iso8859_2", "cp1254", "iso8859_9", "cp1253", "cp1255", "koi8_r")


def _web_rank(encoding: str) -> int:
    return _WEB_ENCODINGS.index(encoding) if encoding in _WEB_ENCODINGS else len(_WEB_ENCODINGS)


class FeedParseError(Exception):
    """A document that is not a feed, or is too broken to give any item."""


def _millis(struct) -> int | None:
    if not struct:
        return None
    try:
        return calendar.timegm(struct) * 1000
    except (TypeError, ValueError, OverflowError):
        return None


def item_id(feed_url: str, guid: str | None, link: str | None, title: str,
            published: int | None) -> str:
    """Stable across runs and machines: the feed plus the item's most durable key."""
    key = guid or link or f"{title}\x1f{published}"
    return hashlib.sha256(f"{feed_url}\x1f{key}".encode("utf-8")).hexdigest()[:32]


def _content(entry) -> tuple[str, str]:
    """The fullest text the feed gives for an entry, and which field it came from."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    summary = entry.get("summary", "") or ""
    if contents and len(max(contents, key=len)) >= len(summary):
        return max(contents, key=len), "content"
    if summary:
        return summary, "description"
    return "", "title"


def parse_feed(feed_url: str, data: bytes, fetched_millis: int) -> list[dict]:
    """Items of a feed document as partial records (`content` still raw), or FeedParseError."""
    parsed = feedparser.parse(decode_feed(data), sanitize_html=False,
                              resolve_relative_uris=False)
    entries = parsed.get("entries", [])
    if not entries:
        if parsed.get("bozo"):
            raise FeedParseError(f"not a readable feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version") and not parsed.get("feed"):
            raise FeedParseError("not a feed: no RSS or Atom root element")
        return []
    feed_categories = [t.get("term") for t in parsed.get("feed", {}).get("tags", []) if t.get("term")]
    items = []
    for entry in entries:
        content, content_source = _content(entry)
        # Plain dict lookups: feedparser's own .get maps a missing published date to the
        # updated one with a deprecation warning; the fallback is made explicit here.
        published = _millis(dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed"))
        guid = entry.get("id") or None
        link = entry.get("link") or None
        title = entry.get("title", "") or ""
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        categories = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
        items.append({
            "id": item_id(feed_url, guid, link, title, published),
            "feed_url": feed_url,
            "guid": guid,
            "link": link,
            "title": title,
            "content": content or title,
            "content_source": content_source,
            "published": published,
            "fetched": fetched_millis,
            "authors": authors,
            "feed_categories": categories or feed_categories,
            "fingerprint": fingerprint(title, content),
        })
    return items


# ---------------------------------------------------------------------------------------------
# Beam

READ_FAILED = "read_failed"
PARSE_FAILED = "parse_failed"


# Feeds fetched at once by one worker: reading is waiting on servers, not computing, so one
# dead server must not hold up the rest of the list.
FETCH_CONCURRENCY = 32


class _ReadFeedsFn(beam.DoFn):
    """A batch of sources -> (source, bytes, fetched_millis) each, or a dead letter."""

    def __init__(self, concurrency: int = FETCH_CONCURRENCY):
        self._concurrency = concurrency
        self.feeds_read = Metrics.counter("newsbeam", "feeds_read")
        self.read_failures = Metrics.counter("newsbeam", "feeds_unreadable")

    def setup(self):
        self._pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="newsbeam-read")
        self._session = make_session(self._concurrency)

    def teardown(self):
        self._pool.shutdown(wait=False)
        self._session.close()

    def _read(self, source: str):
        try:
            return source, read_feed_bytes(source, self._session), int(time.time() * 1000)
        except FetchError as error:
            return source, error, int(time.time() * 1000)

    def process(self, sources: list[str]):
        for source, result, fetched in self._pool.map(self._read, sources):
            if isinstance(result, FetchError):
                self.read_failures.inc()
                yield beam.pvalue.TaggedOutput(
                    READ_FAILED, dead_letter(source, "read", str(result), b"", fetched))
            else:
                self.feeds_read.inc()
                yield source, result.body, fetched


class _ParseFeedFn(beam.DoFn):
    def __init__(self):
        self.items_read = Metrics.counter("newsbeam", "items_read")
        self.parse_failures = Metrics.counter("newsbeam", "feeds_unparseable")
        self.empty_feeds = Metrics.counter("newsbeam", "feeds_empty")

    def process(self, element):
        feed_url, data, fetched = element
        try:
            items = parse_feed(feed_url, data, fetched)
        except Exception as error:  # a hostile document must not stop the run
            self.parse_failures.inc()
            yield beam.pvalue.TaggedOutput(
                PARSE_FAILED, dead_letter(feed_url, "parse", f"{type(error).__name__}: {error}", data))
            return
        if not items:
            self.empty_feeds.inc()
        for item in items:
            self.items_read.inc()
            yield item


class ParseFeeds(beam.PTransform):
    """(feed, bytes, fetched_millis) -> partial item records, and dead letters for bad feeds.

    Returns (items, dead_letters). Reshuffles before parsing so that parsing, the slowest
    step, spreads over workers instead of staying with whichever worker read the feed, and
    after it so that one big feed's items do too. Shared by the batch and unbounded jobs.
    """

    def expand(self, bodies):
        parsed = (bodies
                  | "SpreadFeeds" >> beam.Reshuffle()
                  | "Parse" >> beam.ParDo(_ParseFeedFn()).with_outputs(PARSE_FAILED, main="items"))
        items = parsed.items | "SpreadItems" >> beam.Reshuffle()
        return items, parsed[PARSE_FAILED]


class ReadFeeds(beam.PTransform):
    """Feed addresses -> partial item records, and dead letters for feeds that failed.

    Returns (items, dead_letters).
    """

    def expand(self, sources):
        fetched = (sources
                   | "Batch" >> beam.BatchElements(min_batch_size=FETCH_CONCURRENCY,
                                                   max_batch_size=FETCH_CONCURRENCY)
                   | "Fetch" >> beam.ParDo(_ReadFeedsFn()).with_outputs(READ_FAILED, main="feeds"))
        items, parse_dead = fetched.feeds | "ParseFeeds" >> ParseFeeds()
        dead = (fetched[READ_FAILED], parse_dead) | "FeedDeadLetters" >> beam.Flatten()
        return items, dead
