"""A fast path for well-formed RSS 2.0/0.9x, RSS 1.0 (RDF) and Atom 1.0 feeds, with lxml.

feedparser is exact but slow; lxml parses the same documents many times faster. This module
gives, for the entries of a document, exactly what feedparser's strict (SAX) parser gives for
every key newsbeam reads (title, link, id, summary, content, published_parsed, updated_parsed,
author, authors, tags; and the feed's tags), as plain dicts shaped like feedparser's, so
feeds.parse maps both to records with the same code.

It does so by replaying feedparser's own rules (its element names, namespace table, text
clean-up, summary/content choice, author and tag handling), element by element, for a
whitelist of elements. Whatever it is not certain to reproduce raises NotOnFastPath and the
caller falls back to feedparser: any XML error, a DOCTYPE or entity declaration, an encoding
feedparser flags, xml:base, markup inside a field, base64 content, namespaces whose prefixes
feedparser would read differently, elements whose feedparser handlers it does not replay, or no
items at all. tests/feeds/test_fast_path.py checks it against feedparser on feedparser's own test
suite and on real captures.

Hostile input: lxml never expands entities or loads DTDs and never touches the network here, and
documents with a DOCTYPE go to feedparser anyway; huge_tree=False keeps libxml2's limits on text
node size and depth.
"""
from __future__ import annotations

import re
import threading

import feedparser.api
from feedparser.datetimes import _parse_date
from feedparser.encodings import convert_to_utf8
from feedparser.mixin import _cp1252, _FeedParserMixin
from feedparser.urls import _urljoin
from lxml import etree


class NotOnFastPath(Exception):
    """The fast path cannot vouch for this document: parse it with feedparser."""


# feedparser's namespace table (URI, lowercased, -> the prefix its handlers are named with).
_CANONICAL_PREFIXES = {uri.lower(): prefix for uri, prefix in _FeedParserMixin.namespaces.items()}
_CANONICAL_PREFIX_NAMES = {prefix.lower() for prefix in _CANONICAL_PREFIXES.values() if prefix}
# Every element name feedparser has a handler for; an element with a handler that is not replayed
# here sends the document to feedparser.
_HANDLED_BY_FEEDPARSER = frozenset(
    {name[len("_start_"):].lower() for name in dir(feedparser.api.StrictFeedParser)
     if name.startswith("_start_")}
    | {name[len("_end_"):].lower() for name in dir(feedparser.api.StrictFeedParser)
       if name.startswith("_end_")})
_HTML_TYPES = _FeedParserMixin.html_types
_map_content_type = _FeedParserMixin.map_content_type

_ATOM = "{http://www.w3.org/2005/Atom}feed"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_ROOTS = {"rss", _ATOM, _RDF}

# feedparser element names (prefix_localname, lowercased) of the fields newsbeam reads.
_ENTRY_CONTAINERS = {"item", "entry"}
_TITLES = {"title", "dc_title"}
_GUIDS = {"guid", "id"}
_DESCRIPTIONS = {"description", "dc_description", "media_description"}  # _start_description
_SUMMARIES = {"summary", "itunes_summary"}  # feedparser's _start_summary
# Content elements and the content type feedparser assumes when there is no type attribute.
_CONTENTS = {"content_encoded": "text/html", "fullitem": "text/html", "content": "text/plain"}
_PUBLISHED = {"pubdate", "published", "issued", "dcterms_issued"}
_UPDATED = {"updated", "modified", "lastbuilddate", "dc_date", "dcterms_modified"}
_AUTHORS = {"author", "dc_creator", "dc_author", "itunes_author", "managingeditor"}
_AUTHOR_PARTS = {"name": "name", "email": "email", "uri": "href", "url": "href",
                 "homepage": "href"}
_CATEGORIES = {"category", "dc_subject", "keywords"}
# Handlers that only fill keys newsbeam never reads; safe inside an entry when text-only...
_HARMLESS_TEXT = {"subtitle", "itunes_subtitle", "rights", "copyright", "dc_rights", "language",
                  "dc_language", "created", "dcterms_created", "expirationdate",
                  "itunes_explicit", "itunes_block", "source"}
# ... or with children, as long as the children are harmless too.
_HARMLESS_CONTAINERS = {"enclosure", "media_content", "media_group", "media_thumbnail",
                        "media_credit", "media_rating", "media_restriction", "media_license",
                        "media_player", "itunes_image"}
# Keys newsbeam reads: an element without a handler is stored under its own name, so one of
# these names would overwrite a field.
_ENTRY_KEYS = {"title", "link", "id", "summary", "content", "published_parsed",
               "updated_parsed", "author", "authors", "tags"}
# Elements that change what entries get when they sit anywhere but where this module expects.
_NOT_NESTED = (_ENTRY_CONTAINERS | {"channel"} | _CATEGORIES | set(_CONTENTS) | _SUMMARIES
               | _DESCRIPTIONS | {"itunes_category", "itunes_keywords", "media_category",
                                  "media_keywords", "tags"})

_DECLARATIONS = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# xml:base (or a bare base attribute, any case: feedparser lowercases attribute names) changes
# how feedparser resolves links and ids.
_BASE_ATTRIBUTES = etree.XPath('//@*[translate(local-name(), "BASE", "base") = "base"]')
# Prefixed namespace declarations; the default namespace never names an element in feedparser.
_NAMESPACE_DECLARATION = re.compile(rb"""xmlns:([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# feedparser's _urljoin with no base URI changes only this: slashes after 'scheme://'.
_EXTRA_SLASHES = re.compile(r"^[A-Za-z][A-Za-z0-9+-.]*:///")
_EMAIL = re.compile(r"""(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?""")  # noqa: E501 (feedparser's own)
_ENTITY_LIKE = re.compile(r"&([A-Za-z0-9_]+);")
_C1_CONTROLS = re.compile("[\x80-\x9f]")  # the keys of feedparser's _cp1252

_parsers = threading.local()  # lxml parser objects must not be shared between threads


def _xml_parser() -> etree.XMLParser:
    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return parser


def parse_entries(data: bytes) -> tuple[list[dict], list[dict]]:
    """(entries, feed tags) of a feed document, as feedparser would give them, or NotOnFastPath.

    `data` is what feeds.parse.decode_feed returns.
    """
    result = {}
    utf8 = convert_to_utf8({}, data, result)  # feedparser's own decoding, so text matches
    if result.get("bozo") or not result.get("encoding"):
        raise NotOnFastPath("feedparser flags the encoding")
    if _DECLARATIONS.search(utf8):
        raise NotOnFastPath("DOCTYPE or entity declaration")
    names = _ElementNames(utf8)
    try:
        root = etree.fromstring(utf8, _xml_parser())
    except etree.LxmlError as error:
        raise NotOnFastPath(f"not well-formed: {error}") from None
    if root.getroottree().docinfo.xml_version != "1.0" or root.tag not in _ROOTS:
        raise NotOnFastPath(f"root element {root.tag!r}")
    if _BASE_ATTRIBUTES(root):
        raise NotOnFastPath("xml:base")
    feed = _Feed()
    _walk_feed(root, names, feed, top_level=True)
    if not feed.entries:
        raise NotOnFastPath("no items: feedparser decides between an empty feed and an error")
    return feed.entries, feed.tags


class _ElementNames:
    """feedparser's name for an element: '<prefix>_<localname>' as its handlers are named.

    feedparser names an element by its namespace's prefix in its own table, or else by the
    first prefix the document declared for that namespace, or else by the local name alone.
    Declarations that would make feedparser map a prefix to another namespace are declined.
    """

    def __init__(self, utf8: bytes):
        prefixes_of_unknown: dict[str, str] = {}
        uri_of_prefix: dict[str, str] = {}
        for match in _NAMESPACE_DECLARATION.finditer(utf8):
            prefix = match.group(1).decode("utf-8")
            uri = (match.group(2) if match.group(2) is not None else match.group(3)).decode("utf-8")
            if "&" in uri or uri_of_prefix.setdefault(prefix, uri) != uri:
                raise NotOnFastPath("a namespace prefix declared twice or with a reference")
            canonical = _CANONICAL_PREFIXES.get(uri.lower())
            if canonical is None:
                if prefixes_of_unknown.setdefault(uri, prefix) != prefix:
                    raise NotOnFastPath(f"namespace {uri} declared with two prefixes")
            elif prefix.lower() != canonical.lower() and (
                    prefix.lower() in _CANONICAL_PREFIX_NAMES):
                raise NotOnFastPath(f"prefix {prefix} declared for {uri}")
        self._prefixes_of_unknown = prefixes_of_unknown
        self._names: dict[str, str] = {}

    def __call__(self, element) -> str:
        tag = element.tag
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = self._name(tag)
        return name

    def _name(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag.lower()
        uri, local = tag[1:].split("}", 1)
        lower_uri = uri.lower()
        if "backend.userland.com/rss" in lower_uri:
            lower_uri = "http://backend.userland.com/rss"
        prefix = _CANONICAL_PREFIXES.get(lower_uri)
        if prefix is None:
            prefix = self._prefixes_of_unknown.get(uri, "")
        return f"{prefix}_{local}".lower() if prefix else local.lower()


class _Feed:
    def __init__(self):
        self.entries: list[dict] = []
        self.tags: list[dict] = []
        # feedparser's parser-wide state that outlives an element: whether the feed level has a
        # summary, and hasContent, which a feed-level element can set and the next entry sees.
        self.has_summary = False
        self.has_content = False


def _children(element):
    """Child elements; comments and processing instructions mean nothing to feedparser."""
    return [child for child in element if isinstance(child.tag, str)]


def _walk_feed(container, names: _ElementNames, feed: _Feed, top_level: bool) -> None:
    if _attributes(container, names).keys() & {"href", "lastmod"}:
        raise NotOnFastPath("CDF attributes")  # feedparser turns them into a link or a date
    for element in _children(container):
        name = names(element)
        if name in _ENTRY_CONTAINERS:
            feed.entries.append(_entry(element, names, feed))
            feed.has_content = False  # feedparser's _end_item
        elif name == "channel" and top_level:
            _walk_feed(element, names, feed, top_level=False)
        else:
            _feed_element(element, name, names, feed)


def _feed_element(element, name: str, names: _ElementNames, feed: _Feed) -> None:
    """A feed-level element: its tags, and the summary/content state the next entry inherits."""
    if name in _CATEGORIES:
        _category(element, feed.tags, names)
    elif name == "itunes_category":
        _itunes_category(element, feed.tags, names)
    elif name in _DESCRIPTIONS or name in _SUMMARIES:
        _text(element)  # markup inside would switch feedparser into inline-content mode
        if feed.has_summary and not feed.has_content:
            feed.has_content = True  # feedparser reads it as content and keeps hasContent set
        elif name in _SUMMARIES:
            feed.has_summary = True  # a feed-level description is stored as the subtitle
    elif name in _NOT_NESTED:
        raise NotOnFastPath(f"feed-level {name}")
    else:
        # image and textinput hold their own title, link and description
        allowed = _DESCRIPTIONS if name in ("image", "textinput") else set()
        for descendant in element.iterdescendants():
            if isinstance(descendant.tag, str) and names(descendant) in _NOT_NESTED - allowed:
                raise NotOnFastPath(f"{names(descendant)} inside feed-level {name}")


def _entry(item, names: _ElementNames, feed: _Feed) -> dict:
    """One item or entry, replaying feedparser's handlers in document order."""
    attributes = _attributes(item, names)
    if attributes.keys() & {"href", "lastmod"}:
        raise NotOnFastPath("CDF attributes on an item")
    entry: dict = {}
    if attributes.get("rdf:about"):
        entry["id"] = attributes["rdf:about"]
    state = _EntryState(feed.has_content)
    titles = 0
    for element in _children(item):
        name = names(element)
        if name in _TITLES:
            titles += 1
            if titles > 1:  # feedparser keeps one by depth rules not replayed here
                raise NotOnFastPath("two titles in an item")
            entry["title"] = _popped(_content_text(element, names, "text/plain"), "title")
        elif name == "link":
            _link(element, names, entry)
        elif name in _GUIDS:
            is_link = _attributes(element, names).get("ispermalink", "true") == "true"
            value = _popped(_text(element), "id", is_link)
            entry["id"] = value
            if is_link:  # a permalink guid is the link unless a link came first
                entry.setdefault("link", value)
        elif name in _DESCRIPTIONS or name in _SUMMARIES:
            _summary(element, name, names, entry, state, depth=1)
        elif name in _CONTENTS:
            state.has_content = True
            _add_content(entry, element, names, _CONTENTS[name])
        elif name in _PUBLISHED:
            entry["published"] = _popped(_text(element), "published")
            entry["published_parsed"] = _parse_date(entry["published"])
        elif name in _UPDATED:
            entry["updated"] = _popped(_text(element), "updated")
            entry["updated_parsed"] = _parse_date(entry["updated"])
        elif name in _AUTHORS:
            _author(element, names, entry)
        elif name in _CATEGORIES:
            _category(element, entry.setdefault("tags", []), names)
        elif name == "itunes_category":
            _itunes_category(element, entry.setdefault("tags", []), names)
        elif name in _HARMLESS_TEXT:
            _text(element)
        elif name in _HARMLESS_CONTAINERS or (
                name not in _HANDLED_BY_FEEDPARSER and name not in _ENTRY_KEYS):
            _harmless_subtree(element, names, entry, state, depth=1)
        else:
            raise NotOnFastPath(f"{name} in an item")
    return entry


class _EntryState:
    """feedparser's state inside one entry beyond the entry's keys."""

    def __init__(self, has_content: bool):
        self.has_content = has_content  # feedparser's hasContent
        # The depth of the element that stored the summary (feedparser's property_depth_map):
        # a deeper one, like a media:description inside media:content, does not replace it.
        self.summary_depth: int | None = None


def _summary(element, name: str, names: _ElementNames, entry: dict, state: _EntryState,
             depth: int) -> None:
    """feedparser's _start_description/_start_summary: once the entry has a summary and no
    content yet, the next summary-like element is content."""
    if "summary" in entry and not state.has_content:
        state.has_content = True
        _add_content(entry, element, names, "text/plain")
        return
    default_type = "text/html" if name in _DESCRIPTIONS else "text/plain"
    value = _popped(_content_text(element, names, default_type), name)
    if state.summary_depth is None or depth <= state.summary_depth:
        entry["summary"] = value
        state.summary_depth = depth


def _harmless_subtree(element, names: _ElementNames, entry: dict, state: _EntryState,
                      depth: int) -> None:
    """The children of an element that touches no field, which must not either, except a
    media:description, which feedparser reads as a description wherever it is."""
    for child in _children(element):
        name = names(child)
        if name == "media_description":
            _summary(child, name, names, entry, state, depth + 1)
        elif name in _HARMLESS_CONTAINERS or (
                name not in _HANDLED_BY_FEEDPARSER and name not in _ENTRY_KEYS):
            _harmless_subtree(child, names, entry, state, depth + 1)
        else:
            raise NotOnFastPath(f"{name} nested in an item")


def _attributes(element, names: _ElementNames) -> dict:
    """Attributes as feedparser's handlers see them: names lowercased, namespaced ones under
    feedparser's prefix (or bare, for namespaces it does not know), rel and type lowercased."""
    attributes = {}
    for key, value in element.items():
        if key.startswith("{"):
            uri, local = key[1:].split("}", 1)
            prefix = _CANONICAL_PREFIXES.get(uri.lower(), "")
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        attributes[key] = value.lower() if key in ("rel", "type") else value
    return attributes


def _text(element) -> str:
    """The text of an element that has no children; markup inside declines the document."""
    if len(element):
        raise NotOnFastPath("markup inside a text field")
    return element.text or ""


def _content_text(element, names: _ElementNames, default_type: str) -> str:
    """The text of a title, summary or content element, where feedparser would take it as is:
    plain text or escaped HTML, not inline XHTML and not base64."""
    attributes = _attributes(element, names)
    content_type = _map_content_type(attributes.get("type", default_type))
    if attributes.get("mode") or content_type not in ("text/plain", "text/html"):
        raise NotOnFastPath(f"content of type {content_type!r}")
    return _text(element)


def _popped(text: str, element: str, guid_is_link: bool = False) -> str:
    """feedparser's clean-up of a text element (mixin.pop), for the elements replayed here."""
    output = text.strip()
    if element in ("link", "id", "href") and (element != "id" or guid_is_link) and (
            _EXTRA_SLASHES.match(output)):
        output = _urljoin("", output)
    if output.isascii():  # both repairs below leave ASCII as it is; skip their cost
        return output
    # feedparser's repair of UTF-8 that was decoded as ISO-8859-1 somewhere upstream
    try:
        output = output.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    # feedparser maps C1 controls to the Windows-1252 letters they stand for; translate() is
    # slow on long text, so only when there is one
    return output.translate(_cp1252) if _C1_CONTROLS.search(output) else output


def _add_content(entry: dict, element, names: _ElementNames, default_type: str) -> None:
    attributes = _attributes(element, names)
    content_type = _map_content_type(attributes.get("type", default_type))
    value = _popped(_content_text(element, names, default_type), "content")
    entry.setdefault("content", []).append({"value": value})
    if content_type in {"text/plain"} | _HTML_TYPES:
        entry.setdefault("summary", value)  # feedparser's _end_content


def _link(element, names: _ElementNames, entry: dict) -> None:
    """feedparser's _start_link/_end_link: an href link counts if it is an alternate HTML one
    (the last such wins); a text link always counts."""
    attributes = _attributes(element, names)
    attributes.setdefault("rel", "alternate")
    attributes.setdefault("type", "application/atom+xml" if attributes["rel"] == "self"
                          else "text/html")
    href = attributes.get("url", attributes.get("uri", attributes.get("href")))
    if href:
        attributes.pop("url", None)
        attributes.pop("uri", None)
        attributes["href"] = href
    if "href" in attributes:
        _text(element)
        if (attributes["rel"] == "alternate"
                and _map_content_type(attributes["type"]) in _HTML_TYPES):
            href = attributes["href"]
            entry["link"] = _urljoin("", href) if _EXTRA_SLASHES.match(href) else href
        return
    # feedparser undoes what it takes for broken query strings: '&amp;' and '&name;'
    output = _popped(_text(element), "link").replace("&amp;", "&")
    entry["link"] = _ENTITY_LIKE.sub(r"&\g<1>", output)


def _author(element, names: _ElementNames, entry: dict) -> None:
    """feedparser's _start_author/_end_author, with Atom-style name/email/uri children."""
    entry.setdefault("authors", []).append({})
    text = element.text or ""
    for child in element:
        if not isinstance(child.tag, str) or names(child) not in _AUTHOR_PARTS:
            raise NotOnFastPath("unexpected markup in an author")
        key = _AUTHOR_PARTS[names(child)]
        value = _text(child).strip()
        if key == "href":  # pushed as text that expects cleaning, like a link
            value = _popped(_text(child), "href")
        _save_author(entry, key, value)
        text += child.tail or ""
    entry["author"] = _popped(text, "author")
    _sync_author_detail(entry)


def _save_author(entry: dict, key: str, value: str) -> None:
    entry.setdefault("author_detail", {})[key] = value
    _sync_author_detail(entry)
    entry.setdefault("authors", [{}])
    entry["authors"][-1][key] = value


def _sync_author_detail(entry: dict) -> None:
    """feedparser's _sync_author_detail, on a plain dict."""
    detail = entry.get("authors", [{}])[-1]
    if detail:
        name, email = detail.get("name"), detail.get("email")
        if name and email:
            entry["author"] = f"{name} ({email})"
        elif name:
            entry["author"] = name
        elif email:
            entry["author"] = email
        return
    author, email = entry.get("author"), None
    if not author:
        return
    match = _EMAIL.search(author)
    if match:
        email = match.group(0)
        author = author.replace(email, "").replace("()", "").replace("<>", "")
        author = author.replace("&lt;&gt;", "").strip()
        if author and author[0] == "(":
            author = author[1:]
        if author and author[-1] == ")":
            author = author[:-1]
        author = author.strip()
    if author or email:
        entry.setdefault("author_detail", detail)
    if author:
        detail["name"] = author
    if email:
        detail["email"] = email


def _add_tag(tags: list[dict], term, scheme, label) -> None:
    if not term and not scheme and not label:
        return
    tag = {"term": term, "scheme": scheme, "label": label}
    if tag not in tags:
        tags.append(tag)


def _category(element, tags: list[dict], names: _ElementNames) -> None:
    """feedparser's _start_category/_end_category: attributes first, then the text, which
    fills the term of the tag just added when it has none."""
    attributes = _attributes(element, names)
    _add_tag(tags, attributes.get("term"), attributes.get("scheme", attributes.get("domain")),
             attributes.get("label"))
    _end_category(_popped(_text(element), "category"), tags)


def _end_category(value: str, tags: list[dict]) -> None:
    if not value:
        return
    if tags and not tags[-1]["term"]:
        tags[-1]["term"] = value
    else:
        _add_tag(tags, value, None, None)


def _itunes_category(element, tags: list[dict], names: _ElementNames) -> None:
    """iTunes categories nest; each adds its text attribute under the iTunes scheme."""
    _add_tag(tags, _attributes(element, names).get("text"), "http://www.itunes.com/", None)
    text = element.text or ""
    for child in element:
        if not isinstance(child.tag, str) or names(child) != "itunes_category":
            raise NotOnFastPath("unexpected markup in an iTunes category")
        _itunes_category(child, tags, names)
        text += child.tail or ""
    _end_category(_popped(text, "category"), tags)
