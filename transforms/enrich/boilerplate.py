"""Markup to clean text, and the article separated from the aggregator boilerplate around it.

Feeds deliver an item's text as HTML or as plain text with the site's furniture still attached:
a credited source, a keyword line, "read also" teasers with a whole second article, lists of
similar headlines, share and follow prompts. Left in, they put another article's people and
another topic into the record. What is useful in them (the source, the keywords, the related
headlines, a wire story's dateline) is kept as metadata; everything removed is counted.

Text is handled as blocks, one per paragraph, list item or line: boilerplate is a property of
whole blocks, and the links inside a block tell apart the keywords of a tag line.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import regex

from newsbeam.transforms.enrich.arabic import normalise


@dataclass
class Block:
    """One paragraph-level piece of text and the texts of the links inside it."""
    text: str
    links: list[str] = field(default_factory=list)
    # Inside <aside>: beside the article, never part of it (a related-links box; the article
    # element an extractor hands over with a page's main text, for its source and keywords).
    aside: bool = False
    heading: bool = False  # an <h1>-<h6> of its own


@dataclass(frozen=True)
class Dateline:
    """Where and when a wire story was filed, and by whom: "TEHRAN, Aug. 11 (MNA) –"."""
    text: str  # as it stood at the start of the body, its dash included
    place: str | None = None  # "TEHRAN", "القاهرة"
    agency: str | None = None  # "MNA", "Reuters", "أ ش أ", "الحياة"
    date: str | None = None  # as written: "Aug. 11", "11 أغسطس"

    def as_dict(self) -> dict:
        return {"text": self.text, "place": self.place, "agency": self.agency, "date": self.date}


@dataclass
class Boilerplate:
    source_credit: str | None = None
    keywords: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    removed_chars: int = 0
    dateline: Dateline | None = None

    def as_dict(self) -> dict:
        return {"source_credit": self.source_credit, "keywords": list(self.keywords),
                "related": list(self.related), "removed_chars": self.removed_chars,
                "dateline": self.dateline.as_dict() if self.dateline else None}


# ---------------------------------------------------------------------------------------------
# Markup

_BLOCK_TAGS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "tr", "table", "blockquote", "section", "article", "header", "footer", "aside", "figure",
    "figcaption", "hr", "pre", "address", "main", "nav", "details", "summary",
})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Their content is never article text.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "svg", "form", "button",
                        "select", "textarea", "template", "object", "embed", "head", "title"})
_SPACE = regex.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
# An image or a table cell between words would otherwise glue them together.
_SPACED_TAGS = frozenset({"img", "td", "th"})
# Soft hyphens only mark where a word may break: left in, they split it for every search.
_SOFT_HYPHEN = "\u00ad"
_TAG = regex.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")


class _BlockCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._text: list[str] = []
        self._links: list[str] = []
        self._link_text: list[str] | None = None
        self._skip_depth = 0
        self._aside_depth = 0
        self._in_heading = False

    def _close_block(self):
        text = _SPACE.sub(" ", "".join(self._text)).strip()
        if text:
            self.blocks.append(Block(text, [t for t in self._links if t], self._aside_depth > 0,
                                     self._in_heading))
        self._text, self._links = [], []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self._close_block()
            if tag == "aside":
                self._aside_depth += 1
            elif tag in _HEADING_TAGS:
                self._in_heading = True
        elif tag == "a":
            self._link_text = []
        elif tag in _SPACED_TAGS:
            self._text.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self._close_block()
        elif tag in _SPACED_TAGS:
            self._text.append(" ")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self._close_block()
            if tag == "aside":
                self._aside_depth = max(0, self._aside_depth - 1)
            elif tag in _HEADING_TAGS:
                self._in_heading = False
        elif tag == "a" and self._link_text is not None:
            self._links.append(_SPACE.sub(" ", "".join(self._link_text)).strip())
            self._link_text = None

    def handle_data(self, data):
        if self._skip_depth:
            return
        data = data.replace(_SOFT_HYPHEN, "")
        self._text.append(data)
        if self._link_text is not None:
            self._link_text.append(data)

    def close(self):
        super().close()
        self._close_block()


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text))


def to_blocks(content: str) -> list[Block]:
    """Blocks of an item's content, HTML or plain text (one block per non-empty line)."""
    if looks_like_html(content):
        collector = _BlockCollector()
        collector.feed(content)
        collector.close()
        return collector.blocks
    blocks = []
    # Feeds that escape their text twice leave entities in what feedparser hands over.
    for line in html.unescape(content).replace(_SOFT_HYPHEN, "").splitlines():
        text = _SPACE.sub(" ", line).strip()
        if text:
            blocks.append(Block(text))
    return blocks


def html_to_text(content: str) -> str:
    """Text of HTML or plain text, one paragraph a line, whitespace collapsed, entities decoded."""
    return "\n".join(block.text for block in to_blocks(content))


# ---------------------------------------------------------------------------------------------
# Boilerplate

# Patterns are matched on the normalised (see enrich.arabic.normalise), lower-cased start of
# a block, so hamza, tanwin and ta marbuta variants of one phrase need one entry.
_BULLET = r"[\s\-–—•·*▪►»>|]*"
_SEP = r"\s*[:：\-–—]?\s*"


def _starts(*phrases: str) -> regex.Pattern:
    alternatives = "|".join(regex.escape(normalise(p.lower())).replace(r"\ ", r"\s+")
                            for p in phrases)
    return regex.compile(rf"^{_BULLET}(?:{alternatives})(?=$|[\s:：\-–—.،,!(])" + _SEP)


_SOURCE = _starts("المصدر", "مصدر الخبر", "source", "sources")
_KEYWORDS = _starts("كلمات دلالية", "الكلمات الدلالية", "كلمات مفتاحية", "الكلمات المفتاحية",
                    "الوسوم", "وسوم", "tags", "tagged", "keywords", "topics")
_READ_ALSO = _starts("اقرأ أيضا", "إقرأ أيضا", "اقرأ كذلك", "اقرأ المزيد", "اقرأ ايضا",
                     "شاهد أيضا", "طالع أيضا", "قد يهمك أيضا", "قد يهمك", "read also",
                     "also read", "read more", "see also", "related", "more on this story",
                     "more from",
                     # The other languages of newsbeam's feeds: French, German, Spanish,
                     # Portuguese, Italian.
                     "à lire aussi", "a lire aussi", "lire aussi", "voir aussi",
                     "lesen sie auch", "lesen sie mehr", "zum weiterlesen", "auch interessant",
                     "lea también", "lea más", "lee también", "lee más", "te puede interesar",
                     "le puede interesar", "leia também", "leia mais", "veja também",
                     "leggi anche")
_RELATED_LIST = _starts("مقالات مشابهة", "مقالات ذات صلة", "أخبار ذات صلة", "أخبار متعلقة",
                        "مواضيع ذات صلة", "موضوعات ذات صلة", "الأكثر قراءة", "أخبار مشابهة",
                        "related articles", "related stories", "related news", "related posts",
                        "similar articles", "you may also like", "recommended", "most read",
                        "more stories", "trending",
                        "sur le même sujet", "articles similaires", "les plus lus",
                        "mehr zum thema", "ähnliche artikel", "weitere artikel", "meistgelesen",
                        "noticias relacionadas", "artículos relacionados", "lo más leído",
                        "notícias relacionadas", "mais lidas", "articoli correlati")
# Prompts are whole blocks of their own; they may stand anywhere in an item.
_PROMPT = regex.compile(
    r"^" + _BULLET + r"(?:"
    r"تابعونا على|تابعوا|تابعنا على|شارك(?:وا)?(?: هذا| الخبر| المقال)|للمزيد من الاخبار|"
    r"اشترك(?:وا)? في|حمل(?:وا)? تطبيق|"
    r"follow us|share this|share on|click here|sign up for|subscribe to|"
    r"continue reading|read the full|read more (?:on|at)\b|the post .{1,300} appeared first on|"
    r"this article (?:was )?originally appeared|"
    r"(?:please )?like us on facebook"
    r")", regex.IGNORECASE)
# A headline: short, and not ending as a sentence does.
_MAX_HEADLINE_WORDS = 30
_SENTENCE_END = regex.compile(r"[.!؟?…]\W*$")
_TRAILING_PUNCT = regex.compile(r"[\s.,،:;؛\-–—|]+$")
_KEYWORD_SEPARATORS = regex.compile(r"\s*[,،;؛|/#]\s*|\s{2,}|\t")
_BULLET_PREFIX = regex.compile("^" + _BULLET)
# WordPress appends this to the last paragraph itself, not as a block of its own.
_APPEARED_FIRST = regex.compile(r"\s*The post .{1,300}? appeared first on [^.]{1,100}\.?\s*$")


# Datelines and wire credits: where, when and by whom a story was filed, at the start of its
# text. They are metadata, not article text: left in, "TEHRAN, Aug. 11 (MNA) –" opening every
# item of a feed made Tehran and MNA its most named entities.
_DASH = r"[\-–—‒]+"
_EN_MONTH = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
             r"|January|February|March|April|June|July|August|September|October|November|December")
_EN_DATE = (rf"(?:(?:{_EN_MONTH})\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+(?:{_EN_MONTH})(?:\s+\d{{4}})?"
            r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)")
# An agency in brackets: a name of one to four words, or an abbreviation ("dpa", "AP"). After
# a place not in capitals, only an abbreviation in capitals or a wire service's name: "Ted Cruz
# (R-Texas) —" opens a sentence, not a dateline.
_EN_AGENCY = r"\((?P<agency>[A-Z][A-Za-z&.\-]*(?:\s[A-Z][A-Za-z&.\-]*){0,3}|[a-z]{2,4})\)"
_EN_WIRE_AGENCY = (r"\((?P<agency>[A-Z]{2,6}|Reuters|Xinhua|Bernama|Anadolu|Kyodo|Yonhap|Interfax"
                   r"|Sputnik|Tass|dpa|Efe|Prensa Latina)\)")
# A place in capitals ("TEHRAN", "NEW YORK", "ST. LOUIS", "ORLANDO, Fla.", "KOCHI, India").
_EN_CAPITAL_PLACE = r"[A-Z][A-Z.'’\-]+(?:\s[A-Z][A-Z.'’\-]+){0,3}(?:,\s[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)?"
_EN_PLACE = r"[A-Z][a-zA-Z.'’\-]+(?:\s[A-Z][a-zA-Z.'’\-]+){0,3}"
_AR_WORDS = r"\p{Arabic}+(?:\s(?!في\s)\p{Arabic}+){0,2}"
_AR_DATE = r"[0-9٠-٩]{1,2}\s+\p{Arabic}+(?:\s*/\s*\p{Arabic}+)?(?:\s+[0-9٠-٩]{4})?"
# An Arabic agency between brackets, guillemets or slashes: (أ ش أ), «الحياة», /وام/. (The
# regex module lets alternatives share a group's name.)
_AR_AGENCY = r"(?:\((?P<agency>[^()\n]{1,30})\)|«(?P<agency>[^«»\n]{1,30})»|/\s*(?P<agency>[^/\n]{1,30}?)\s*/)"
_DATELINES = tuple(regex.compile(pattern) for pattern in (
    # TEHRAN, Aug. 11 (MNA) –   LONDON (Reuters) -   WASHINGTON —   KOCHI, India, June 12 -
    rf"^(?P<place>{_EN_CAPITAL_PLACE})(?:,\s*(?P<date>{_EN_DATE}))?(?:\s*{_EN_AGENCY})?"
    rf"\s*{_DASH}\s+",
    # Tehran, Aug. 11 (MNA) –   London (Reuters) -   (the agency makes it a dateline)
    rf"^(?P<place>{_EN_PLACE})(?:,\s*(?P<date>{_EN_DATE}))?\s*{_EN_WIRE_AGENCY}\s*{_DASH}\s+",
    # (AFP) —
    rf"^{_EN_AGENCY}\s*{_DASH}\s+",
    # القاهرة - (أ ش أ) -   بيروت - «الحياة» -   دبي (وام) -   أبوظبي في 11 أغسطس / وام /
    rf"^(?P<place>{_AR_WORDS})\s*(?:[،,]\s*)?(?:{_DASH}\s*)?(?:(?:في\s+)?(?P<date>{_AR_DATE})\s*)?{_AR_AGENCY}"
    rf"\s*(?:{_DASH}|:)?\s*",
    # (وام) -   «الحياة» -
    rf"^{_AR_AGENCY}\s*(?:{_DASH}|:)?\s*",
))
# Kickers in capitals that head a story without being a place ("BREAKING —").
_NOT_PLACES = frozenset(("BREAKING", "UPDATE", "UPDATED", "EXCLUSIVE", "WATCH", "LIVE",
                         "ANALYSIS", "OPINION", "EDITORIAL", "CORRECTION", "VIDEO", "PHOTOS",
                         "REVIEW", "COMMENT", "FACT CHECK", "URGENT", "NEW", "FIRST"))
_MIN_WORDS_AFTER_DATELINE = 3  # a "dateline" with little after it is a line of text


def split_dateline(text: str) -> tuple[Dateline | None, str]:
    """(the dateline or wire credit that opens `text`, the text after it), or (None, text).

    The one rule for datelines: a place in capitals and a dash ("WASHINGTON —"), or a place
    (any case, or Arabic words), an optional date and an agency in brackets before a dash
    ("London (Reuters) -", "TEHRAN, Aug. 11 (MNA) –", "القاهرة - (أ ش أ) -", "بيروت - «الحياة»
    -"), or an agency alone ("(AFP) —", "(وام)")."""
    for pattern in _DATELINES:
        match = pattern.match(text)
        if match is None:
            continue
        groups = match.groupdict()
        place = (groups.get("place") or "").strip() or None
        agency = (groups.get("agency") or "").strip() or None
        if place is not None and (place.split(",")[0].strip() in _NOT_PLACES
                                  or len(place.split()[0]) < 3):
            continue  # a kicker ("BREAKING —"), or two capitals ("US - China talks")
        rest = text[match.end():]
        if len(rest.split()) < _MIN_WORDS_AFTER_DATELINE:
            continue
        date = (groups.get("date") or "").strip() or None
        return Dateline(text[:match.end()].strip(), place, agency, date), rest
    return None, text


# Markers are short phrases at the start of a block; only this much of a block is normalised
# to look for them (the per-paragraph cost of every item).
_MARKER_HEAD_CHARS = 80


def _key(text: str) -> str:
    return normalise(text.lower())


def _after_marker(pattern: regex.Pattern, block: Block, head: str) -> str | None:
    """The text after the marker when `block` starts with it, else None.

    `head` is the block's first characters as _key gives them, worked out once per block.
    A marker heads a short line ("Source: Reuters"); a sentence that merely begins with the same
    word ("Sources said the talks...") is article text.
    """
    match = pattern.match(head)
    if match is None:
        return None
    # Normalising keeps letters one for one except removed marks, so map the end back by
    # counting the kept characters of the original.
    rest = _original_tail(block.text, match.end())
    return rest if _is_headline(rest) else None


def _original_tail(original: str, normalised_end: int) -> str:
    kept = 0
    for index, char in enumerate(original):
        if kept >= normalised_end:
            return original[index:].strip()
        if _key(char):
            kept += 1
    return ""


def _is_headline(text: str) -> bool:
    return len(text.split()) <= _MAX_HEADLINE_WORDS and not _SENTENCE_END.search(text)


def _clean_headline(text: str) -> str:
    return _TRAILING_PUNCT.sub("", _BULLET_PREFIX.sub("", text)).strip()


def _keywords(block: Block, rest: str) -> list[str]:
    # Tag lines are usually one link per keyword; without links, trust explicit separators,
    # and without those the words themselves (a phrase boundary cannot be recovered).
    links = [_clean_headline(link) for link in block.links if link.strip()]
    if links:
        return [link for link in links if link]
    parts = _KEYWORD_SEPARATORS.split(rest) if _KEYWORD_SEPARATORS.search(rest) else rest.split()
    return [p for p in (_clean_headline(part) for part in parts) if p]


def strip_boilerplate(blocks: list[Block]) -> tuple[str, Boilerplate]:
    """Split blocks into the article body and the boilerplate that follows or interrupts it.

    Blocks beside the article (`Block.aside`) are read on their own, for their source,
    keywords and headlines only: they are never body, and not counted as removed.
    """
    body, meta = _strip_article([block for block in blocks if not block.aside])
    beside = [block for block in blocks if block.aside]
    if beside:
        _, aside_meta = _strip_article(beside)
        meta.source_credit = meta.source_credit or aside_meta.source_credit
        meta.keywords.extend(k for k in aside_meta.keywords if k not in meta.keywords)
        meta.related.extend(r for r in aside_meta.related if r not in meta.related)
    return body, meta


def _strip_article(blocks: list[Block]) -> tuple[str, Boilerplate]:
    """The article body of a run of blocks and the metadata of its boilerplate.

    The body ends at the first source line, keyword line or similar-articles heading after
    some article text (one above the article is only metadata; a heading with no list after
    it is cut alone): what comes after is the aggregator's tail, mined for its source,
    keywords and headlines. A "read also" heading ends the body too, unless it is an inline
    teaser: its headline on the same line (cut wherever it stands), or on the next line in
    the first half of the item (both lines cut) when the marker is not a heading element of
    its own (<h3>Read also</h3> heads a box with another article). Prompts to share or follow
    go wherever they are.
    """
    meta = Boilerplate()
    body: list[str] = []
    total_chars = sum(len(block.text) for block in blocks)
    body_chars = 0
    in_tail = False
    expect_headline = False  # the block after a bare read-also heading is its headline
    in_related_list = False
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        text = block.text

        if _PROMPT.match(text):
            meta.removed_chars += len(text)
            continue
        trailer = _APPEARED_FIRST.search(text)
        if trailer:
            meta.removed_chars += len(trailer.group())
            text = text[:trailer.start()]

        head = _key(block.text[:_MARKER_HEAD_CHARS])
        source = _after_marker(_SOURCE, block, head)
        keywords = _after_marker(_KEYWORDS, block, head) if source is None else None
        # List headings first: "related" alone is a read-also marker, "related articles" a list.
        related_list = (_after_marker(_RELATED_LIST, block, head)
                        if source is None and keywords is None else None)
        read_also = (_after_marker(_READ_ALSO, block, head)
                     if source is None and keywords is None and related_list is None else None)

        if source is not None and (source or block.links):
            meta.source_credit = meta.source_credit or _clean_headline(
                block.links[0] if block.links else source)
            # Some sites credit the source above the article: the tail starts after the body.
            in_tail = in_tail or bool(body)
        elif keywords is not None and (keywords or block.links):
            meta.keywords.extend(k for k in _keywords(block, keywords) if k not in meta.keywords)
            in_tail = in_tail or bool(body)
        elif read_also is not None:
            inline = _clean_headline(read_also)
            if inline:
                meta.related.append(inline)
            else:
                expect_headline = True
            early = body_chars < (total_chars - body_chars)
            next_is_last_headline = (
                not inline and index < len(blocks) and _is_headline(blocks[index].text))
            # A heading of its own heads a box: what follows it is another article's.
            box = block.heading and not inline
            if not in_tail and (inline or (early and next_is_last_headline and not box)):
                # An inline teaser in the middle of the article: cut it, keep reading the body.
                if not inline:
                    meta.related.append(_clean_headline(blocks[index].text))
                    meta.removed_chars += len(blocks[index].text)
                    index += 1
                    expect_headline = False
            else:
                in_tail = True
            in_related_list = False
        elif related_list is not None:
            if related_list:
                meta.related.append(_clean_headline(related_list))
            # A list heading straight before a paragraph of text stands alone: its list was
            # left out (an extractor drops link lists), and the article goes on.
            list_follows = index >= len(blocks) or _is_headline(blocks[index].text)
            if in_tail or list_follows:
                in_tail = True
                in_related_list = True
        elif in_tail:
            if (expect_headline or in_related_list) and _is_headline(text):
                headline = _clean_headline(text)
                if headline and headline not in meta.related:
                    meta.related.append(headline)
            elif in_related_list and not _is_headline(text):
                in_related_list = False
            expect_headline = False
        else:
            if not body and meta.dateline is None:
                meta.dateline, rest = split_dateline(text)
                if meta.dateline is not None:
                    meta.removed_chars += len(text) - len(rest)
                    text = rest
            body.append(text)
            body_chars += len(text)
            continue
        meta.removed_chars += len(text)
    return "\n".join(body), meta


# "Headline - CNET", "Headline | The Guardian": the site's own name after a separator.
_TITLE_CREDIT = regex.compile(r"\s+[|\-–—]\s+([^|\-–—]{2,40})$")
# A host's first label that names no site: www.cnet.com is cnet.
_NO_SITE_LABEL = regex.compile(r"www\d?|m|amp")
_NOT_LETTERS = regex.compile(r"[^\p{L}\p{N}]+")


def split_title_credit(title: str, link: str | None) -> tuple[str, str | None]:
    """(the title without the site's own name at its end, that name), or (title, None).

    A title's last part after " - ", " | " or " — " is the site's credit when, spaces and
    punctuation left out, it is the name in the item link's host or starts it ("… - CNET" on
    cnet.com, "… | The Guardian" on theguardian.com, "… - Al Jazeera English" on
    aljazeera.com). Any other last part ("| Nick Tedeschi", "- Roadshow") is title text."""
    match = _TITLE_CREDIT.search(title)
    if match is None:
        return title, None
    credit = match.group(1).strip()
    name = _NOT_LETTERS.sub("", credit).lower()
    if len(name) < 2 or not any((name == label or name.startswith(label)
                                 or label.startswith(name) and len(name) >= 4)
                                for label in _site_labels(link)):
        return title, None
    head = title[:match.start()].rstrip()
    return (head, credit) if head else (title, None)


def _site_labels(link: str | None) -> list[str]:
    """The labels of a link's host that may name its site, letters and digits only
    (www.theguardian.com: theguardian; the top-level domain and short labels left out)."""
    try:
        host = urlsplit((link or "").strip()).hostname or ""
    except ValueError:
        return []
    labels = host.split(".")[:-1]
    if labels and _NO_SITE_LABEL.fullmatch(labels[0]):
        labels = labels[1:]
    return [label for label in (_NOT_LETTERS.sub("", part) for part in labels)
            if len(label) >= 3]


def clean_item(record: dict) -> dict:
    """The record with `title` and `body` as clean text and `boilerplate` filled.

    Reads `content` (HTML or text, as the feed gave it); the raw content is not kept in the
    record, only what came of it. When the content is the item's article page, the feed's own
    text (`feed_content`) is cleaned the same way into `summary`.
    """
    out = dict(record)
    content = out.pop("content", None) or ""
    if not isinstance(content, str):
        raise TypeError(f"item content must be text, got {type(content).__name__}")
    feed_content = out.pop("feed_content", None)
    if feed_content is not None:
        out["summary"] = strip_boilerplate(to_blocks(feed_content))[0]
    title, title_credit = split_title_credit(
        html_to_text(out.get("title") or "").replace("\n", " "), out.get("link"))
    out["title"] = title
    body, meta = strip_boilerplate(to_blocks(content))
    meta.source_credit = meta.source_credit or title_credit
    if not body and out["title"]:
        # Some feeds carry nothing but a title and a tracking pixel: the title is the text.
        body = out["title"]
        out["content_source"] = "title"
    out["body"] = body
    out["boilerplate"] = meta.as_dict()
    return out
