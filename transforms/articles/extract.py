"""An article page's bytes to its main text and metadata (`extract_article`).

trafilatura finds the main text; the metadata comes from the page's own head (Open Graph,
canonical link, JSON-LD). `Article.content` is what newsbeam's boilerplate step reads, as it
reads a feed item's content.
"""
from __future__ import annotations

import codecs
import email.utils
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin

import charset_normalizer
import lxml.etree
import lxml.html
from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.htmlprocessing import convert_to_html
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

# Only this much of a page is parsed. News pages are well under 2 MB, their article text in
# the first few hundred KB; a bigger page is mostly inline scripts and data, and parsing and
# extracting grow with its size (a 20 MB page would take seconds).
MAX_HTML_BYTES = 4 * 1024 * 1024
# A source or keyword line is a label and a few links: short.
MAX_LINK_LINE_CHARS = 300
_LINK_LINES = lxml.etree.XPath(
    f".//*[a and string-length(normalize-space()) <= {MAX_LINK_LINE_CHARS}]")


class NotHtmlError(ValueError):
    """The input is not an HTML page: binary (an image, a PDF, compressed bytes), or text
    without a single tag."""


@dataclass
class Article:
    """An article page's main text and metadata; None where the page does not say."""
    text: str = ""  # the main text, one paragraph a line; "" when the page has none
    html: str = ""  # the main text as simple HTML (p, h1-h6, ul/li, table, blockquote)
    # The short lines with links of the page's article element, which the main text leaves
    # out: the source line and the keyword links among them.
    context_html: str = ""
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: int | None = None  # epoch milliseconds, UTC, as a feed item's `published`
    language: str | None = None  # primary subtag of <html lang>, lower case: "ar", "en"
    site_name: str | None = None
    canonical_url: str | None = None
    image: str | None = None

    @property
    def content(self) -> str:
        """The item content for the boilerplate step: the main text, then the article's link
        lines inside <aside>, which the step mines for metadata and never keeps as body."""
        if not self.context_html:
            return self.html
        return f"{self.html}<aside>{self.context_html}</aside>"


# Settings as measured on the development sets (benchmarks/article_extraction.py, F1 of the
# body after the boilerplate step; trafilatura pages / Zyte pages):
# - fast: no second opinion from readability and jusText. With it F1 was +0.006 / -0.003,
#   and 10-30% slower, about as slow as trafilatura's defaults.
# - neither favor_precision (-0.009 / -0.020: recall drops) nor favor_recall (-0.004 / +0.001).
# - no comments (never article text); tables kept (results, figures); no deduplication (it
#   remembers earlier pages, so a page's text would depend on what the worker read before).
_EXTRACTOR = Extractor(output_format="python", fast=True, comments=False, tables=True)
_PARSER = lxml.html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True)


def extract_article(html: bytes | str, url: str | None = None,
                    charset: str | None = None) -> Article:
    """The main text and metadata of an article page.

    `html` is the page as fetched (bytes, decoded here) or as text; only its first
    MAX_HTML_BYTES are read. `charset` is the HTTP Content-Type header's, if any (see
    decode_html). An empty page, or one without article text, gives an Article with empty
    text; input that is not HTML (binary, or text without a tag) raises NotHtmlError, input
    that is neither bytes nor str TypeError.
    """
    if isinstance(html, bytes):
        text = decode_html(html[:MAX_HTML_BYTES], charset)
    elif isinstance(html, str):
        text = html[:MAX_HTML_BYTES]
    else:
        raise TypeError(f"page must be bytes or str, got {type(html).__name__}")
    if text.strip() and not _MARKUP.search(text, 0, _MARKUP_SEARCH_CHARS):
        raise NotHtmlError("no markup: text, JSON or the like, not an HTML page")
    tree = parse_html(text)
    if tree is None:
        return Article()
    article = read_metadata(tree, url)
    # One paragraph each: inline lines (a <span> byline) would otherwise run together.
    article.context_html = "".join(
        f"<p>{lxml.html.tostring(line, encoding='unicode', with_tail=False)}</p>"
        for line in _link_lines(_article_element(tree)))
    # trafilatura works on its own copy of the tree, so the metadata and the article element
    # read above come from the page as it was.
    document = bare_extraction(tree, options=_EXTRACTOR)
    if document is None or not document.text:
        return article
    body, text = document.body, document.text
    # The record carries the title on its own; a body that repeats it counts it twice.
    if article.title and len(body) and _same_words("".join(body[0].itertext()), article.title):
        body.remove(body[0])
        text = xmltotxt(body, include_formatting=False)
    # Composed characters, as trafilatura's own output: pages mix the two forms, and text
    # searched for (a name, a snippet) is typed composed.
    article.text = unicodedata.normalize("NFC", text)
    if article.text:
        article.html = unicodedata.normalize("NFC", lxml.html.tostring(
            convert_to_html(body)[0], encoding="unicode"))
    return article


def _same_words(text: str, other: str) -> bool:
    return " ".join(text.split()).casefold() == " ".join(other.split()).casefold()


# ---------------------------------------------------------------------------------------------
# Decoding and parsing

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
                           re.IGNORECASE)
# As browsers do (WHATWG Encoding): pages labelled Latin-1 or ASCII are windows-1252.
_WINDOWS_1252_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii",
                        "ascii", "iso_8859-1", "cp819", "ibm819"}
_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04",
                      b"\x1f\x8b", b"RIFF", b"\x00\x00\x01\x00", b"BM")
_DETECTION_SAMPLE_BYTES = 64 * 1024
# An HTML page has a tag (<html>, <!DOCTYPE>, <p>) near its start.
_MARKUP = re.compile(r"<[A-Za-z!?/]")
_MARKUP_SEARCH_CHARS = 64 * 1024


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Page bytes as text, the encoding decided in this order: a byte order mark; UTF-8 when
    the bytes are UTF-8 (plain ASCII included), even against the HTTP header's or the
    page's own charset (a server or a template that kept its old declaration after the site
    moved to UTF-8 is common, and valid UTF-8 is never an accident of another encoding); the
    HTTP header's charset (when the bytes decode in it); the <meta> charset; detection.
    Raises NotHtmlError for binary data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    if data.startswith(_BINARY_SIGNATURES) or b"\x00" in data[:1024]:
        raise NotHtmlError("binary data, not a markup document")
    text = _as_utf8(data)  # ASCII bytes too: they read the same in any charset a page declares
    declared = _codec(charset) if charset and text is None else None
    if declared:
        text = _decode_declared(data, declared)
    if text is None:
        meta = _META_CHARSET.search(data[:4096])
        declared = _codec(meta.group(1).decode("ascii")) if meta else None
        # A <meta> cannot declare UTF-16: the bytes that carry it are ASCII-compatible.
        if declared and not declared.startswith("utf-16"):
            text = _decode_declared(data, declared)
    if text is None:
        best = charset_normalizer.from_bytes(data[:_DETECTION_SAMPLE_BYTES]).best()
        text = data.decode(best.encoding if best else "utf-8", errors="replace")
    return text


def _codec(label: str) -> str | None:
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decode_declared(data: bytes, encoding: str) -> str | None:
    if encoding == "utf-8":
        return _as_utf8(data)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


# Pages assembled from several sources carry a few bytes of another encoding among their UTF-8
# (a Latin-1 "ä" in a snippet); text in another encoding read as UTF-8 fails at nearly every
# non-ASCII character, and its bytes seldom form a valid UTF-8 sequence.
_MIN_UTF8_CHARS_PER_STRAY_BYTE = 10


def _as_utf8(data: bytes) -> str | None:
    """`data` decoded as UTF-8 when it is UTF-8: valid, or valid but for a character cut off
    at the end (a capped page) or for a few stray bytes (replaced); else None."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 3 and error.end == len(data):
            return data[:error.start].decode("utf-8")
    text = data.decode("utf-8", errors="replace")
    stray = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    return text if non_ascii - stray >= _MIN_UTF8_CHARS_PER_STRAY_BYTE * stray else None


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """The document tree of a page's text, or None when it holds no markup at all."""
    # NUL characters end libxml2's input early; they are never text.
    data = text.replace("\x00", "").encode("utf-8", "surrogatepass")
    try:
        return lxml.html.document_fromstring(data, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Metadata

_PUBLISHED_KEYS = ("article:published_time", "og:article:published_time", "datepublished",
                   "article.published", "publishdate", "publish-date", "pubdate",
                   "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued",
                   "dcterms.created", "dc.date", "date")
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator",
                "dcterms.creator", "byl")
_IMAGE_KEYS = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image",
               "twitter:image:src")
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:[,،;|/]|\band\b|&)\s*", re.IGNORECASE)
# A name: at most 60 characters, no digits or arrows ("View all posts by ... →" is a link).
_NAME = re.compile(r"^[^\d→»|<>@]{2,60}$")
_BYLINE_PREFIX = re.compile(r"^\s*(?:by|von|par|por|كتب|بقلم)\s*[:：]?\s+", re.IGNORECASE)
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "blogposting", "backgroundnewsarticle", "report",
                  "socialmediaposting", "liveblogposting"}


def read_metadata(tree: lxml.html.HtmlElement, url: str | None = None) -> Article:
    """An Article with the page's metadata (no text) from its <meta> and <link> tags and its
    JSON-LD; relative URLs resolved against `url`."""
    metas = _meta_tags(tree)
    links = _link_tags(tree)
    linked = _linked_data(tree)
    page_url = metas.get("og:url") or url
    canonical = links.get("canonical") or metas.get("og:url")
    image = next((metas[key] for key in _IMAGE_KEYS if key in metas), links.get("image_src"))
    article = Article(
        title=_title(tree, metas),
        # JSON-LD names people; a <meta name="author"> is as often the publisher.
        authors=(_json_ld_authors(linked.get("author"))
                 or next((names for key in _AUTHOR_KEYS if key in metas
                          if (names := _names(metas[key]))), [])
                 or _names(", ".join(_byline_names(tree)))),
        published=next((millis for key in _PUBLISHED_KEYS if key in metas
                        if (millis := parse_date(metas[key])) is not None),
                       parse_date(_json_ld_text(linked.get("datePublished")))),
        language=_language(tree, metas),
        site_name=metas.get("og:site_name"),
        canonical_url=urljoin(url or "", canonical) if canonical else None,
        image=urljoin(page_url or "", image) if image else None,
    )
    if article.published is None:
        # htmldate (trafilatura's date finder) also reads the URL, <time> and <abbr> elements
        # and date patterns in the text. It copies the tree, so it runs only for pages without
        # a date in their head or JSON-LD: 146 of the 240 trafilatura pages. With it the day
        # is right on 134 of the 169 pages with a known date (88 with <time> elements instead),
        # and all metadata takes about 2 ms a page (trafilatura's extract_metadata, fast: 12 ms).
        article.published = parse_date(find_date(
            tree, extensive_search=False, original_date=True, url=article.canonical_url or url))
    return article


def _meta_tags(tree) -> dict[str, str]:
    """First content of each <meta> property or name, the key lower-cased."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") \
            or meta.get("http-equiv")
        content = (meta.get("content") or "").strip()
        if key and content:
            found.setdefault(key.strip().lower(), content)
    return found


def _link_tags(tree) -> dict[str, str]:
    """First href of each <link rel> token."""
    found: dict[str, str] = {}
    for link in tree.iter("link"):
        href = (link.get("href") or "").strip()
        if href:
            for rel in (link.get("rel") or "").lower().split():
                found.setdefault(rel, href)
    return found


def _title(tree, metas: dict[str, str]) -> str | None:
    title = metas.get("og:title") or metas.get("twitter:title")
    if not title:
        headings = tree.xpath("//h1")
        title = headings[0].text_content() if len(headings) == 1 else tree.findtext(".//title")
    title = " ".join((title or "").split())
    return title or None


def _language(tree, metas: dict[str, str]) -> str | None:
    tag = tree.get("lang") or tree.get("xml:lang") or metas.get("og:locale") \
        or metas.get("content-language") or ""
    primary = re.split(r"[-_,;\s]", tag.strip(), maxsplit=1)[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _names(value: str) -> list[str]:
    """Author names in a byline or author field; none from a profile URL, which stands in for
    a name in article:author."""
    if "://" in value or value.strip().startswith("www."):
        return []
    names: list[str] = []
    for part in _AUTHOR_SEPARATORS.split(_BYLINE_PREFIX.sub("", " ".join(value.split()))):
        name = part.strip(" .:-")
        if _NAME.match(name) and name not in names:
            names.append(name)
    return names


def _byline_names(tree) -> list[str]:
    """The texts of the page's author elements (rel=author links, itemprop=author)."""
    names = []
    for element in tree.xpath('//*[@rel="author" or @itemprop="author"]'):
        name = element.find('.//*[@itemprop="name"]')
        element = name if name is not None else element
        names.append(element.get("content") or element.text_content())
    return names


def parse_date(value: str | None) -> int | None:
    """Epoch milliseconds of an ISO 8601 or RFC 2822 date (UTC when it names no zone)."""
    if not value:
        return None
    value = value.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _linked_data(tree) -> dict:
    """The page's JSON-LD article object (NewsArticle, BlogPosting, ...), else {}."""
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):  # broken, or nested beyond Python's stack
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                kinds = node.get("@type")
                kinds = kinds if isinstance(kinds, list) else [kinds]
                if any(isinstance(kind, str) and kind.lower() in _ARTICLE_TYPES
                       for kind in kinds):
                    return node
                stack.extend(value for value in node.values() if isinstance(value, (list, dict)))
    return {}


def _json_ld_text(value) -> str | None:
    return value if isinstance(value, str) else None


def _json_ld_authors(value) -> list[str]:
    people = value if isinstance(value, list) else [value]
    names = []
    for person in people:
        name = person.get("name") if isinstance(person, dict) else person
        if isinstance(name, str):
            names.extend(n for n in _names(name) if n not in names)
    return names


def _article_element(tree) -> lxml.html.HtmlElement | None:
    """The element that holds the article: its articleBody, else the <article> with the most
    text; None when the page marks neither."""
    candidates = tree.xpath('//*[@itemprop="articleBody"]') or tree.xpath("//article")
    if not candidates:
        return None
    return max(candidates, key=lambda element: len(element.text_content()))


def _link_lines(element) -> list:
    """The outermost short elements with links inside `element` (none when it is None)."""
    if element is None:
        return []
    lines: list = []
    chosen: set = set()
    for line in _LINK_LINES(element):
        if not any(ancestor in chosen for ancestor in line.iterancestors()):
            lines.append(line)
            chosen.add(line)
    return lines
