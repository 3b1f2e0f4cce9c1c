"""The entity development set of real feed items: titles and teasers labelled by hand.

`feed_items_dev.jsonl` (beside this module) holds, per item, the capture file under the
development data, the item's key (its guid, else its link), its language and its gold entities
(`field` title or teaser, `start`, `end`, `text`, `type`, `canonical`): never the item's texts,
which belong to their publishers. `load` rebuilds each title and teaser from the captures in
`../shared/data/feeds/real` with the rules the annotator used, and checks every span's text.

Field rules (as annotated):
- title: the entry's title; when feedparser marks it HTML, each tag becomes a space and
  entities are unescaped; then whitespace is collapsed and stripped;
- teaser: the entry's summary, each tag a space, entities unescaped, whitespace (NBSP too)
  collapsed and stripped, then cut to at most 400 characters at the last space at or before
  index 400.

201 items (111 English from 9 feeds of 2016, 90 Arabic from one BBC Arabic podcast feed of
2024-25), 1,090 entities; the annotation rules are summarised in docs/models.md.
"""
from __future__ import annotations

import calendar
import html
import json
from dataclasses import dataclass
from pathlib import Path

import regex

KEYS_FILE = Path(__file__).with_name("feed_items_dev.jsonl")
TEASER_CHARS = 400
FIELDS = ("title", "teaser")
TYPES = ("PERSON", "ORGANIZATION", "LOCATION", "DATE")

_TAG = regex.compile(r"<[^>]*>")
_SPACE = regex.compile(r"\s+")


@dataclass(frozen=True)
class GoldEntity:
    field: str  # "title" or "teaser"
    start: int
    end: int
    text: str
    type: str
    canonical: str | None  # the English Wikipedia title, ISO 8601 for dates; None: unknown


@dataclass(frozen=True)
class FeedItem:
    source: str
    key: str
    language: str
    title: str
    teaser: str
    published: int | None  # epoch milliseconds, when the feed gives a date
    entities: tuple[GoldEntity, ...]
    link: str | None = None


def collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def strip_html(text: str) -> str:
    return collapse(html.unescape(_TAG.sub(" ", text)))


def cut_words(text: str, limit: int = TEASER_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return (text[:cut] if cut > 0 else text[:limit]).rstrip()


def entry_fields(entry) -> tuple[str, str]:
    """(title, teaser) of a feedparser entry, by the annotation's rules."""
    title = entry.get("title", "") or ""
    detail = entry.get("title_detail") or {}
    title = strip_html(title) if "html" in (detail.get("type") or "") else collapse(title)
    return title, cut_words(strip_html(entry.get("summary", "") or ""))


def _published(entry) -> int | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return calendar.timegm(parsed) * 1000 if parsed else None


def _entries(path: Path) -> dict:
    import feedparser

    entries = {}
    for entry in feedparser.parse(str(path)).entries:
        key = entry.get("id") or entry.get("link")
        if key is not None and key not in entries:
            entries[key] = entry
    return entries


def data_folder(data: Path) -> Path:
    """The development data folder that holds feeds/real, from itself or a folder inside it."""
    for candidate in (data, *data.parents):
        if (candidate / "feeds" / "real").is_dir():
            return candidate
    raise ValueError(f"{data}: no feeds/real captures here (expected the development data, "
                     "../shared/data)")


def load(data: Path, keys_file: Path = KEYS_FILE) -> list[FeedItem]:
    """The items with their title and teaser rebuilt from the captures; a ValueError when a
    capture lacks an item or a span's text differs from the rebuilt field."""
    data = data_folder(Path(data))
    entries_of: dict[str, dict] = {}
    items = []
    for line in keys_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        source = row["source"]
        if source not in entries_of:
            entries_of[source] = _entries(data / source)
        entry = entries_of[source].get(row["key"])
        if entry is None:
            raise ValueError(f"{source}: item not found: {row['key']}")
        title, teaser = entry_fields(entry)
        fields = {"title": title, "teaser": teaser}
        gold = []
        for entity in row["entities"]:
            if fields[entity["field"]][entity["start"]:entity["end"]] != entity["text"]:
                raise ValueError(f"{source} {row['key']}: {entity['field']} "
                                 f"{entity['start']}:{entity['end']} is not {entity['text']!r}")
            if entity["type"] not in TYPES:
                raise ValueError(f"{source} {row['key']}: type {entity['type']!r}")
            gold.append(GoldEntity(entity["field"], entity["start"], entity["end"],
                                   entity["text"], entity["type"], entity["canonical"]))
        items.append(FeedItem(source, row["key"], row["language"], title, teaser,
                              _published(entry), tuple(gold), entry.get("link")))
    return items
