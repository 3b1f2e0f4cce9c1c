"""Feed bytes to feed items: decoding, then the lxml fast path or feedparser.

Which feeds to read is feeds.sources; fetching them is feeds.http.
"""
from __future__ import annotations

import calendar
import html.entities

import charset_normalizer
import feedparser
import regex
from feedparser.encodings import convert_to_utf8

from newsbeam.transforms.feeds.fast_path import NotOnFastPath, parse_entries
from newsbeam.transforms.feeds.identity import fingerprint, item_id
from newsbeam.transforms.output.dead_letters import dead_letter

_XML_DECLARATION = regex.compile(rb"^\s*<\?xml[^>]*?\?>", regex.IGNORECASE)
_DECLARED_ENCODING = regex.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {b"utf-8", b"utf8"}
_UTF8_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'
# Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"))
# How "<?" starts in UTF-32 and UTF-16 without a byte order mark.
_WIDE_STARTS = {b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00<\x00?", b"<\x00?\x00"}
# A well-formed UTF-8 sequence of two to four bytes.
_UTF8_SEQUENCE = regex.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")
_HIGH_BYTE = regex.compile(rb"[\x80-\xff]")
# Invalid UTF-8 that is at most this share of a document's well-formed UTF-8 sequences is a few
# damaged bytes, not another encoding.
_DAMAGED_SHARE = 0.1
# Characters XML 1.0 forbids: a parser stops at the first one, so they are dropped, as browsers
# drop them from what they show.
_XML_FORBIDDEN = regex.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHARACTER_REFERENCE = regex.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_NAMED_REFERENCE = regex.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_NAMED = {b"amp", b"lt", b"gt", b"quot", b"apos"}


def decode_feed(data: bytes) -> tuple[bytes, int]:
    """(UTF-8 feed bytes that feedparser and lxml read right, the invalid bytes replaced).

    Like a browser: a byte order mark decides (UTF-8, -16, -32); a declared encoding other than
    UTF-8 is left to feedparser, which honours it; UTF-8 with a few damaged bytes keeps its
    encoding, each damaged byte becoming U+FFFD. Bytes that claim UTF-8 (or nothing) but are
    mostly another encoding (Arabic sites serve Windows-1256 declared as UTF-8) are detected
    and converted. Then characters XML forbids are dropped, character references to them
    become U+FFFD, and HTML's named entities (undefined in XML) become numeric references, so
    that one bad character costs at most itself, never the feed.
    """
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            text = data[len(mark):].decode(encoding, errors="replace")
            return _well_formed(_utf8_document(text.encode("utf-8"))), text.count("\ufffd")
    head = data[:512]
    declaration = _XML_DECLARATION.match(head)
    declared = _DECLARED_ENCODING.search(declaration.group(0)) if declaration else None
    if (declared and declared.group(1).lower() not in _UTF8_NAMES) or data[:4] in _WIDE_STARTS:
        # Another declared encoding, or UTF-16/32 without a mark (found as XML's appendix F
        # finds it): converted as feedparser converts it.
        return _well_formed(convert_to_utf8({}, data, {})), 0
    try:
        data.decode("utf-8")
        return _well_formed(data), 0
    except UnicodeDecodeError:
        pass
    sequences = _UTF8_SEQUENCE.findall(data)
    damaged = len(_HIGH_BYTE.findall(data)) - sum(len(seq) for seq in sequences)
    if sequences and damaged <= _DAMAGED_SHARE * len(sequences):
        return _well_formed(data.decode("utf-8", errors="replace").encode("utf-8")), damaged
    candidates = sorted(charset_normalizer.from_bytes(data),
                        key=lambda match: (round(match.chaos, 2), _web_rank(match.encoding)))
    if not candidates:
        return _well_formed(data), 0
    return _well_formed(_utf8_document(str(candidates[0]).lstrip("\ufeff").encode("utf-8"))), 0


def _utf8_document(utf8: bytes) -> bytes:
    """UTF-8 bytes of a document with its declaration saying so."""
    if _XML_DECLARATION.match(utf8[:512]):
        utf8 = _XML_DECLARATION.sub(b"", utf8, count=1)
    return _UTF8_DECLARATION + utf8


def _well_formed(data: bytes) -> bytes:
    if b"&" not in data:
        return _XML_FORBIDDEN.sub(b"", data)
    data = _XML_FORBIDDEN.sub(b"", data)
    data = _CHARACTER_REFERENCE.sub(_allowed_reference, data)
    return _NAMED_REFERENCE.sub(_numeric_reference, data)


def _allowed_reference(match) -> bytes:
    digits = match.group(1) or match.group(2)
    if len(digits) > 8:
        return b"&#xFFFD;"
    code = int(digits, 16) if match.group(1) else int(digits)
    allowed = (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
               or 0x10000 <= code <= 0x10FFFF)
    return match.group(0) if allowed else b"&#xFFFD;"


def _numeric_reference(match) -> bytes:
    name = match.group(1)
    if name in _XML_NAMED:
        return match.group(0)
    character = html.entities.html5.get(name.decode("ascii") + ";")
    return f"&#{ord(character)};".encode() if character and len(character) == 1 else \
        match.group(0)


# Several single-byte code pages decode Latin text equally cleanly; between equals, take the one
# news sites actually use.
_WEB_ENCODINGS = ("cp1252", "latin_1", "cp1256", "iso8859_6", "cp1251", "iso8859_15", "cp1250",
                  "iso8859_2", "cp1254", "iso8859_9", "cp1253", "cp1255", "koi8_r")


def _web_rank(encoding: str) -> int:
    return _WEB_ENCODINGS.index(encoding) if encoding in _WEB_ENCODINGS else len(_WEB_ENCODINGS)


class FeedParseError(Exception):
    """A document that is not a feed, or is too broken to give any item."""


class FeedItems(list):
    """The items of one feed document (a list of partial records), with what parsing set
    aside: `dead_letters` for items with nothing in them, and `stats`: the invalid bytes
    replaced and the entries that repeated an item id."""

    def __init__(self, items=(), dead_letters=(), bytes_replaced: int = 0, repeats: int = 0):
        super().__init__(items)
        self.dead_letters = list(dead_letters)
        self.stats = {"bytes_replaced": bytes_replaced, "item_repeats": repeats}


def _content(entry) -> tuple[str, str]:
    """The fullest text the feed gives for an entry, and which field it came from."""
    contents = [c.get("value", "") for c in entry.get("content", []) if c.get("value")]
    summary = entry.get("summary", "") or ""
    if contents and len(max(contents, key=len)) >= len(summary):
        return max(contents, key=len), "content"
    if summary:
        return summary, "description"
    return "", "title"


def parse_feed(feed_url: str, data: bytes, fetched_millis: int) -> FeedItems:
    """Items of a feed document as partial records (`content` still raw), or FeedParseError.

    Well-formed RSS and Atom take the lxml fast path (feeds.fast_path), which gives the
    same records as feedparser; whatever it declines, feedparser parses.
    """
    data, replaced = decode_feed(data)
    try:
        items = fast_records(feed_url, data, fetched_millis)
    except NotOnFastPath:
        items = feedparser_records(feed_url, data, fetched_millis)
    items.stats["bytes_replaced"] = replaced
    return items


def fast_records(feed_url: str, decoded: bytes, fetched_millis: int) -> FeedItems:
    """parse_feed's records through the fast path, or NotOnFastPath. `decoded` is from
    decode_feed."""
    entries, feed_tags = parse_entries(decoded)
    return _records(feed_url, entries, feed_tags, fetched_millis)


def feedparser_records(feed_url: str, decoded: bytes, fetched_millis: int) -> FeedItems:
    """parse_feed's records through feedparser. `decoded` is from decode_feed."""
    parsed = feedparser.parse(decoded, sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries", [])
    if not entries:
        if parsed.get("bozo"):
            raise FeedParseError(f"not a readable feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version"):  # an HTML page served in a feed's place, say
            raise FeedParseError("not a feed: no RSS or Atom root element")
        return FeedItems()
    return _records(feed_url, entries, parsed.get("feed", {}).get("tags", []), fetched_millis)


# An item's text is kept up to this many characters: enough for any article, and a hostile 5 MB
# body costs what a long article does.
MAX_CONTENT_CHARS = 500_000
# C0 control characters but tab, line feed and carriage return, and DEL: never text.
_CONTROL = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# C1 control characters are Windows-1252's punctuation read as ISO-8859-1 (“ ” – € ...): read
# as browsers read ISO-8859-1; the five code points that Windows-1252 leaves empty go.
_C1_AS_WINDOWS_1252 = str.maketrans(
    {chr(code): bytes([code]).decode("cp1252", "ignore") or None for code in range(0x80, 0xA0)})


def _text(value) -> str:
    return _CONTROL.sub("", value).translate(_C1_AS_WINDOWS_1252) if value else ""


def _records(feed_url: str, entries: list, feed_tags: list, fetched_millis: int) -> FeedItems:
    """Entries shaped like feedparser's (its own, or the fast path's plain dicts) to records:
    the first entry of each item id (later ones are counted as repeats), and a dead letter for
    each item with no title, link or text."""
    feed_categories = [_text(t.get("term")) for t in feed_tags if t.get("term")]
    items, dead, seen, repeats = [], [], set(), 0
    for entry in entries:
        content, content_source = _content(entry)
        content = _text(content[:MAX_CONTENT_CHARS])
        # Plain dict lookups: feedparser's own .get maps a missing published date to the
        # updated one with a deprecation warning; the fallback is made explicit here.
        raw_date = dict.get(entry, "published") or dict.get(entry, "updated") or None
        published = valid_date(raw_date, dict.get(entry, "published_parsed")
                               or dict.get(entry, "updated_parsed"))
        guid = _text(entry.get("id")) or None
        link = _text(entry.get("link")) or None
        title = _text(entry.get("title"))
        identity = item_id(feed_url, guid, link, title, published)
        if identity in seen:
            repeats += 1
            continue
        seen.add(identity)
        if not (title.strip() or link or content.strip()):
            dead.append(dead_letter(feed_url, "item", "empty item: no title, link or text",
                                    guid or "", at_millis=fetched_millis))
            continue
        authors = [_text(a.get("name")) for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [_text(entry["author"])]
        categories = [_text(t.get("term")) for t in entry.get("tags", []) if t.get("term")]
        items.append({
            "id": identity,
            "feed_url": feed_url,
            "guid": guid,
            "link": link,
            "title": title,
            "content": content or title,
            "content_source": content_source,
            "published": published,
            # the feed's own date, when it gave one that is not a date
            "published_raw": (_text(raw_date)[:200] or None) if published is None else None,
            "fetched": fetched_millis,
            "authors": authors,
            "feed_categories": categories or feed_categories,
            "fingerprint": fingerprint(title, content),
        })
    return FeedItems(items, dead, repeats=repeats)


# Dates with their fields written out: the fields must exist on a calendar, whatever a lenient
# parser made of them (feedparser rolls "2024-13-45" over into 2025 and reads "10000-01-01" as
# 2010).
_ISO_DATE = regex.compile(r"^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})"
                          r"(?::(\d{1,2}))?)?")
_RFC822_DATE = regex.compile(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{2,5})"
                             r"(?:\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


def valid_date(raw: str | None, parsed) -> int | None:
    """Epoch millis of a feed date, or None when it is missing or impossible."""
    if not parsed:
        return None
    fields = _written_fields(raw or "")
    if fields is not None and not _on_the_calendar(*fields):
        return None
    year, month, day, hour, minute, second = tuple(parsed)[:6]
    if not _on_the_calendar(year, month, day, hour, minute, second):
        return None
    try:
        return calendar.timegm(parsed) * 1000
    except (TypeError, ValueError, OverflowError):
        return None


def _written_fields(raw: str) -> tuple[int, ...] | None:
    match = _ISO_DATE.match(raw)
    if match:
        return tuple(int(group or 0) for group in match.groups())
    match = _RFC822_DATE.search(raw)
    if match and match.group(2).lower() in _MONTHS:
        day, _, year, hour, minute, second = match.groups()
        year = int(year) + (2000 if len(year) == 2 and int(year) < 50 else
                            1900 if len(year) == 2 else 0)
        return (year, _MONTHS[match.group(2).lower()], int(day), int(hour or 0),
                int(minute or 0), int(second or 0))
    return None


def _on_the_calendar(year, month, day, hour, minute, second) -> bool:
    return (1 <= year <= 9999 and 1 <= month <= 12
            and 1 <= day <= calendar.monthrange(year, month)[1]
            and 0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 61)
