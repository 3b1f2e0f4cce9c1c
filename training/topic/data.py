"""Labelled topic data: gold files read into items with newsbeam's labels (politics, sport,
other). One copy for training (training.py) and evaluation (evaluation.py).

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
An item's language is the `language` argument when given, else the record's own, else the
set's (AG: en, ANT: ar), else its script's: "ar" for Arabic script, otherwise "en" (give
--language fr for a French set).
"""
from __future__ import annotations

import csv
import json
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
FORMATS = ("ag", "ant", "jsonl", "tsv")


@dataclass(frozen=True)
class Item:
    language: str
    title: str
    body: str
    label: str | None  # politics | sport | other; None: a mixed section, not scored
    section: str = ""  # the class as the set publishes it (World, politic, ...), if any
    published: str = ""  # publication time as the set gives it, if any
    key: str = ""  # the set's own id of the item, if any


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
