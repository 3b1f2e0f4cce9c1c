"""Labelled topic data: gold files read into items with newsbeam's labels (politics, sport,
other). One copy for training (train.py) and evaluation (evaluation.py).

Formats (`data_format`; guessed from the file name and its first record when not given):
- "ag": AG News CSV, no header, rows "class","title","description" with classes 1 World,
  2 Sports, 3 Business, 4 Sci/Tech. World -> politics, Sports -> sport, Business and Sci/Tech
  -> other. World is international news, mostly but not only politics (disasters, crime), so
  politics recall measured on it is bounded by that label. Language: English.
- "ant": ANT corpus JSON lines, one article an object with "cat" (or "folder"), "title",
  "text" and "time". politic -> politics, sport -> sport, economy, culture, technology,
  society, diverse -> other. internationalNews and localNews are mixed sections (wars and
  elections beside crime; ministries and strikes beside weather): read, but not labelled.
  Language: Arabic.
- "jsonl": one object a line: {"label": "politics"|"sport"|"other", "title": ..., "body": ...,
  "language": ...}; title, body and language may be missing or null.
- "tsv": one item a line, label<TAB>title<TAB>body, optionally <TAB>language; a first line
  "label<TAB>title<TAB>body..." is a header.
- "huffpost", "masakhane", "hespress", "sanad": the modern corpora of the shared data
  (topic/<corpus>/*.jsonl: title, text, label, ...), mapped by the tables below; a section
  mapped to None is mixed (read, not labelled). Keys are 0-based line numbers.
- "modern": the project's modern development set (modern_dev_labels.jsonl beside this module:
  keys and hand labels, no text), rebuilt from the shared data (modern_dev_items).
An item's language is the `language` argument when given, else the record's own, else the
set's (AG: en, ANT: ar), else its script's: "ar" for Arabic script, otherwise "en" (give
--language fr for a French set).
"""
from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from newsbeam.transforms.enrich.arabic import ARABIC_LETTER
from newsbeam.transforms.enrich.language import text_field
from newsbeam.transforms.enrich.topic.lexicon import LABELS

AG_SECTIONS = {"1": "World", "2": "Sports", "3": "Business", "4": "SciTech"}
AG_LABELS = {"World": "politics", "Sports": "sport", "Business": "other", "SciTech": "other"}
ANT_LABELS = {"politic": "politics", "sport": "sport", "economy": "other", "culture": "other",
              "technology": "other", "society": "other", "diverse": "other"}
ANT_MIXED = ("internationalNews", "localNews")
# The modern corpora. None: a mixed section, read but not labelled (its items may be used for
# training where the first-pass model is confident, see train.py). The hand-labelled sample
# in /work/scratch/topic_dev (REPORT.md) decided which are mixed: HuffPost WORLD NEWS 8/12
# politics, U.S. NEWS 11/12 other; Hespress societe 3/10 and economie 4/10 politics.
HUFFPOST_LABELS = {"POLITICS": "politics", "SPORTS": "sport", "WORLD NEWS": None,
                   "WORLDPOST": None, "THE WORLDPOST": None, "U.S. NEWS": None}
# Everything else of HuffPost is other; these sections also carry political items (satire,
# press stories, civil-rights politics), so training keeps only their items that are not
# confidently politics (train.py).
HUFFPOST_SOFT_OTHER = ("COMEDY", "MEDIA", "BLACK VOICES", "QUEER VOICES", "LATINO VOICES",
                       "WOMEN", "IMPACT", "CRIME", "ENVIRONMENT", "GREEN", "EDUCATION",
                       "RELIGION", "BUSINESS", "MONEY")
MASAKHANE_LABELS = {"politics": "politics", "sports": "sport", "business": "other",
                    "entertainment": "other", "health": "other", "technology": "other"}
MASAKHANE_SOFT_OTHER = ("business", "health", "technology")
HESPRESS_LABELS = {"politique": "politics", "sport": "sport", "faits-divers": "other",
                   "regions": "other", "societe": None, "economie": None}
HESPRESS_SOFT_OTHER = ("regions",)
SANAD_LABELS = {"Politics": "politics", "Sports": "sport", "Culture": "other",
                "Finance": "other", "Technology": "other", "Medical": "other",
                "Religion": "other"}
SANAD_SOFT_OTHER = ("Medical", "Religion")
CORPORA = {
    # format: (file under topic/, language, label table, sections of soft "other")
    "huffpost": ("huffpost_news_category/huffpost_news_category_partial.jsonl", "en",
                 HUFFPOST_LABELS, HUFFPOST_SOFT_OTHER),
    "masakhane": ("masakhanews_eng/masakhanews_eng.jsonl", "en", MASAKHANE_LABELS,
                  MASAKHANE_SOFT_OTHER),
    "hespress": ("hespress/hespress_stories.jsonl", "ar", HESPRESS_LABELS, HESPRESS_SOFT_OTHER),
    "sanad": ("sanad_alkhaleej/sanad_alkhaleej_sample.jsonl", "ar", SANAD_LABELS,
              SANAD_SOFT_OTHER),
}
FORMATS = ("ag", "ant", "jsonl", "tsv", *CORPORA, "modern")
MODERN_DEV_LABELS = Path(__file__).with_name("modern_dev_labels.jsonl")


@dataclass(frozen=True)
class Item:
    language: str
    title: str
    body: str
    label: str | None  # politics | sport | other; None: a mixed section, not scored
    section: str = ""  # the class as the set publishes it (World, politic, ...), if any
    published: str = ""  # publication time as the set gives it, if any
    key: str = ""  # the set's own id of the item, if any
    link: str = ""  # the item's address (a record's `link`), if the set gives it
    categories: tuple[str, ...] = ()  # the feed's categories (a record's `feed_categories`)
    source: str = ""  # the file the item comes from, relative to the data folder
    corpus: str = ""  # the training set it comes from (ag, ant or a key of CORPORA), if one


def ag_text(text: str) -> str:
    # AG News escapes newlines as a backslash + "n", uses "\" for some line breaks and keeps
    # HTML entities without their "&" (" #39;s", "quot;"): undo what a feed would not carry.
    text = text.replace("\\n", "\n").replace("\\", " ")
    return text.replace(" #39;", "'").replace("#39;", "'").replace("quot;", '"')


def guess_format(path: Path) -> str:
    """The format of a gold file from its name and, for JSON lines, its first record."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "ag"
    if suffix == ".tsv":
        return "tsv"
    if suffix in (".jsonl", ".json"):
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "{}")
        try:
            record = json.loads(first)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:1: not JSON ({error})") from None
        return "ant" if isinstance(record, dict) and ("cat" in record or "folder" in record) \
            else "jsonl"
    raise ValueError(f"{path}: cannot tell its format; give one of {', '.join(FORMATS)}")


def read_gold(path: Path, data_format: str | None = None,
              language: str | None = None) -> list[Item]:
    """The items of one gold file (see the module docstring for the formats)."""
    data_format = data_format or guess_format(path)
    if data_format == "modern":
        return modern_dev_items(path, language=language)
    if data_format in CORPORA:
        return read_corpus(path, data_format)
    readers = {"ag": _read_ag, "ant": _read_ant, "jsonl": _read_jsonl, "tsv": _read_tsv}
    if data_format not in readers:
        raise ValueError(f"unknown topic data format {data_format!r}: "
                         f"one of {', '.join(FORMATS)}")
    with path.open(encoding="utf-8", newline="") as handle:
        return readers[data_format](path, handle, language)


def _language(given: str | None, own: str | None, title: str, body: str) -> str:
    if given:
        return given
    if own:
        return own
    return "ar" if ARABIC_LETTER.search(title or body) else "en"


def _read_ag(path, handle, language):
    items = []
    for number, row in enumerate(csv.reader(handle), 1):
        if len(row) != 3 or row[0] not in AG_SECTIONS:
            raise ValueError(f"{path}:{number}: expected \"class\",\"title\",\"description\" "
                             f"with class 1-4, got {row[:3]!r}")
        section = AG_SECTIONS[row[0]]
        items.append(Item(language or "en", ag_text(row[1]), ag_text(row[2]),
                          AG_LABELS[section], section, key=str(number)))
    return items


def _json_lines(path, handle):
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error})") from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number}: expected a JSON object")
        yield number, record


def _text(path, number, record, name):
    try:
        return text_field(record, name)
    except TypeError as error:  # a gold file's fault: say where
        raise ValueError(f"{path}:{number}: {error}") from None


def _read_ant(path, handle, language):
    items = []
    for number, record in _json_lines(path, handle):
        section = record.get("cat") or record.get("folder")  # one politic file has no <CAT>
        if section not in ANT_LABELS and section not in ANT_MIXED:
            raise ValueError(f"{path}:{number}: unknown ANT category {section!r}")
        items.append(Item(language or "ar", _text(path, number, record, "title"),
                          _text(path, number, record, "text"), ANT_LABELS.get(section),
                          section, _text(path, number, record, "time"),
                          _text(path, number, record, "docno") or str(number)))
    return items


def _check_label(path, number, label):
    if label not in LABELS:
        raise ValueError(f"{path}:{number}: label must be one of {', '.join(LABELS)}, "
                         f"got {label!r}")
    return label


def _read_jsonl(path, handle, language):
    items = []
    for number, record in _json_lines(path, handle):
        label = _check_label(path, number, record.get("label"))
        title = _text(path, number, record, "title")
        body = _text(path, number, record, "body")
        own = _text(path, number, record, "language")
        items.append(Item(_language(language, own, title, body), title, body, label,
                          key=str(record.get("id", number))))
    return items


def _read_tsv(path, handle, language):
    items = []
    for number, line in enumerate(handle, 1):
        line = line.rstrip("\r\n")
        if not line.strip() or (number == 1 and line.startswith("label\t")):
            continue
        fields = line.split("\t")
        if len(fields) not in (3, 4):
            raise ValueError(f"{path}:{number}: expected label<TAB>title<TAB>body"
                             f"[<TAB>language], got {len(fields)} fields")
        label = _check_label(path, number, fields[0])
        title, body = fields[1], fields[2]
        own = fields[3] if len(fields) == 4 else None
        items.append(Item(_language(language, own, title, body), title, body, label,
                          key=str(number)))
    return items


def development_sets(data: Path) -> tuple[Path, Path]:
    """(AG News CSV, ANT JSON lines) under `data`: the shared data folder or its topic/."""
    for root in (data / "topic", data):
        ag, ant = root / "ag_news" / "test.csv", root / "ant_v1.1" / "ant_v1.1.jsonl"
        if ag.is_file() and ant.is_file():
            return ag, ant
    raise ValueError(f"{data}: no topic development data (expected [topic/]ag_news/test.csv "
                     "and [topic/]ant_v1.1/ant_v1.1.jsonl)")


# ---------------------------------------------------------------- the modern corpora


def corpus_path(data: Path, corpus: str) -> Path:
    """The file of a modern corpus under `data` (the shared data folder or its topic/)."""
    relative = CORPORA[corpus][0]
    for root in (data / "topic", data):
        if (root / relative).is_file():
            return root / relative
    raise ValueError(f"{data}: no {corpus} corpus (expected [topic/]{relative})")


def read_corpus(path: Path, corpus: str) -> list[Item]:
    """The items of a modern corpus file, with newsbeam's labels (None: a mixed section)."""
    _, language, labels, _ = CORPORA[corpus]
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, record in _json_lines(path, handle):
            section = record.get("label")
            if section not in labels and corpus != "huffpost":
                raise ValueError(f"{path}:{number}: unknown {corpus} category {section!r}")
            label = labels.get(section, "other")
            items.append(Item(language, _text(path, number, record, "title"),
                              _text(path, number, record, "text"), label, section,
                              str(record.get("date") or ""), str(number - 1),
                              link=str(record.get("url") or ""),
                              source="topic/" + CORPORA[corpus][0], corpus=corpus))
    return items


# ---------------------------------------------------------------- the modern development set
#
# 484 items (342 English, 142 Arabic) of 2016-2025 news: feed captures (feeds/real) and
# samples of the modern corpora, labelled by hand by the project's rule (docs/models.md). The
# repository holds only their keys and labels (modern_dev_labels.jsonl); the texts are rebuilt
# from the shared data by the rules they were labelled with: a feed item is its title and
# its summary cut at 300 characters; a corpus item its title and the head of its text (HuffPost
# 300 characters, MasakhaNEWS and Hespress 200, SANAD 250 and no title).

_FEED_TEASER_CHARS = 300
_MODERN_CORPUS_RULES = {
    # source: (format, teaser characters, has a title)
    "topic/" + CORPORA["huffpost"][0]: ("huffpost", 300, True),
    "topic/" + CORPORA["masakhane"][0]: ("masakhane", 200, True),
    "topic/" + CORPORA["hespress"][0]: ("hespress", 200, True),
    "topic/" + CORPORA["sanad"][0]: ("sanad", 250, False),
}
_TAG = re.compile(r"<[^>]+>")


def clean_text(text: str | None) -> str:
    """HTML tags -> a space, entities unescaped, white space collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", text or "")).split())


def cut_text(text: str, chars: int) -> str:
    """`text` cut at its last space at or before `chars` (hard cut if there is none)."""
    if len(text) <= chars:
        return text
    end = text.rfind(" ", 0, chars + 1)
    return text[:end if end > 0 else chars].rstrip()


def shared_data_root(data: Path) -> Path:
    """The shared data folder (holding topic/ and feeds/) from it or from its topic/."""
    data = Path(data)
    if (data / "topic").is_dir() or (data / "feeds").is_dir():
        return data
    if data.name == "topic" and (data.parent / "feeds").is_dir():
        return data.parent
    raise ValueError(f"{data}: not the shared data folder (no topic/ or feeds/ in it)")


def _feed_entries(path: Path) -> dict[str, Item]:
    import feedparser

    parsed = feedparser.parse(str(path))
    entries: dict[str, Item] = {}
    for entry in parsed.entries:
        key = entry.get("id") or entry.get("link")
        if not key or key in entries:
            continue
        tags = tuple(t.get("term") for t in entry.get("tags", []) if t.get("term"))
        entries[key] = Item("", clean_text(entry.get("title")),
                            cut_text(clean_text(entry.get("summary")), _FEED_TEASER_CHARS),
                            None, key=key, link=entry.get("link") or "", categories=tags)
    return entries


def _corpus_entries(path: Path, source: str) -> dict[str, tuple[Item, str | None]]:
    corpus, chars, has_title = _MODERN_CORPUS_RULES[source]
    entries = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            title = clean_text(record.get("title")) if has_title else ""
            entries[str(number)] = (Item("", title, cut_text(clean_text(record.get("text")),
                                                             chars), None,
                                         record.get("label") or "", key=str(number),
                                         link=str(record.get("url") or "")),
                                    record.get("id"))
    return entries


def modern_dev_items(data: Path, labels_path: Path | None = None,
                     language: str | None = None) -> list[Item]:
    """The modern development set rebuilt from the shared data folder `data` (or its topic/):
    one Item per line of `labels_path` (default: modern_dev_labels.jsonl), in its order.
    `language`, when given, keeps only that language's items."""
    root = shared_data_root(data)
    labels_path = labels_path or MODERN_DEV_LABELS
    sources: dict[str, dict] = {}
    items = []
    with labels_path.open(encoding="utf-8") as handle:
        for number, entry in _json_lines(labels_path, handle):
            source = entry["source"]
            if source not in sources:
                path = root / source
                if not path.is_file():
                    raise ValueError(f"{labels_path}:{number}: {path} is missing")
                sources[source] = _feed_entries(path) if source.startswith("feeds/") else \
                    _corpus_entries(path, source)
            found = sources[source].get(entry["key"])
            if found is None:
                raise ValueError(f"{labels_path}:{number}: no item {entry['key']!r} in {source}")
            if isinstance(found, tuple):
                found, source_id = found
                if entry.get("source_id") is not None and source_id != entry["source_id"]:
                    raise ValueError(f"{labels_path}:{number}: item {entry['key']!r} of {source} "
                                     f"is {source_id!r}, not {entry['source_id']!r}")
            label = _check_label(labels_path, number, entry["label"])
            if language and entry["language"] != language:
                continue
            items.append(Item(entry["language"], found.title, found.body, label,
                              entry.get("corpus_category") or "", key=entry["key"],
                              link=found.link, categories=found.categories, source=source))
    return items


def modern_dev_keys(labels_path: Path | None = None) -> frozenset[tuple[str, str]]:
    """(source, key) of every modern development item: never trained on."""
    labels_path = labels_path or MODERN_DEV_LABELS
    with labels_path.open(encoding="utf-8") as handle:
        return frozenset((entry["source"], entry["key"])
                         for _, entry in _json_lines(labels_path, handle))
