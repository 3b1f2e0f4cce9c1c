"""Feed bytes to feed items: decoding, then the lxml fast path or feedparser.

Which feeds to read is feeds.sources; fetching them is feeds.http.
"""
from __future__ import annotations

import calendar

import charset_normalizer
import feedparser
import regex

from newsbeam.transforms.feeds.fast_path import NotOnFastPath, parse_entries
from newsbeam.transforms.feeds.identity import fingerprint, item_id

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
    """Items of a feed document as partial records (`content` still raw), or FeedParseError.

    Well-formed RSS and Atom take the lxml fast path (feeds.fast_path), which gives the
    same records as feedparser; whatever it declines, feedparser parses.
    """
    data = decode_feed(data)
    try:
        return fast_records(feed_url, data, fetched_millis)
    except NotOnFastPath:
        return feedparser_records(feed_url, data, fetched_millis)


def fast_records(feed_url: str, decoded: bytes, fetched_millis: int) -> list[dict]:
    """parse_feed's records through the fast path, or NotOnFastPath. `decoded` is from
    decode_feed."""
    entries, feed_tags = parse_entries(decoded)
    return _records(feed_url, entries, feed_tags, fetched_millis)


def feedparser_records(feed_url: str, decoded: bytes, fetched_millis: int) -> list[dict]:
    """parse_feed's records through feedparser. `decoded` is from decode_feed."""
    parsed = feedparser.parse(decoded, sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries", [])
    if not entries:
        if parsed.get("bozo"):
            raise FeedParseError(f"not a readable feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version") and not parsed.get("feed"):
            raise FeedParseError("not a feed: no RSS or Atom root element")
        return []
    return _records(feed_url, entries, parsed.get("feed", {}).get("tags", []), fetched_millis)


def _records(feed_url: str, entries: list, feed_tags: list, fetched_millis: int) -> list[dict]:
    """Entries shaped like feedparser's (its own, or the fast path's plain dicts) to records."""
    feed_categories = [t.get("term") for t in feed_tags if t.get("term")]
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
