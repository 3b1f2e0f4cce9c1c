"""Evidence from where an item was published: the section path of its link (/sport/,
/football/, /politics/, /world/, /riyada/, رياضة, ...) and the feed's categories ("Football",
"World news", "سياسة").

A newsroom files its stories: a link under /sport/ or a feed category "Cricket" is strong
evidence of sport whatever the words of the teaser; /politics/ of politics; /business/,
/technology/, /culture/ of other; /world/ and "International" only a little of politics (world
sections also carry disasters, crime and culture). The words and their weights are in
lexicons/topic_sections.tsv (label<TAB>word<TAB>weight), on the scale of the final logits:
weight w adds w to the label's logit against "other" (for "other", w to other's against both),
so a weight of 3 turns even odds into about 20 to 1. Each label counts once, by its strongest
word, however many words of the link and categories name it.

Which words of a link are sections: the host's first label (sport.example.com) and the path
segments of at most three words (digits and file extensions left out); a longer segment is an
article's slug ("french-police-deporting-russia-fans"), whose words say nothing about the
section. Categories of at most three words count word by word ("Rugby union", "World news");
longer ones are headlines or tags.
"""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

import regex

from newsbeam.transforms.enrich import LEXICON_DIR
from newsbeam.transforms.enrich.arabic import ARABIC_LETTER, normalise, strip_article
from newsbeam.transforms.enrich.topic.lexicon import DIRECTION, table_rows, without_accents
from newsbeam.transforms.loading import loaded_once

SECTIONS_PATH = LEXICON_DIR / "topic_sections.tsv"
MAX_SECTION_WORDS = 3

_WORD = regex.compile(r"[\p{L}\p{M}]+[\p{L}\p{M}\p{N}]*|\p{N}+[\p{L}]+[\p{L}\p{N}]*")
_TRAILING_ID = regex.compile(r"[-_]?\d+$")
_EXTENSION = regex.compile(r"\.(html?|php|aspx?|ece|cms|shtml|jsp)$", regex.IGNORECASE)


def fold(word: str) -> str:
    """A section word as the table keys it: lower case, accents and Arabic spelling variants
    folded, the Arabic article removed."""
    if ARABIC_LETTER.search(word):
        return strip_article(normalise(word))
    return without_accents(word.lower())


def _words(text: str) -> list[str]:
    return [fold(w) for w in _WORD.findall(text) if not w.isdigit()]


def link_sections(link: str | None) -> list[tuple[str, str]]:
    """(folded word, as shown) of the section words of a link (module docstring)."""
    if not link:
        return []
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return []
    found = []
    host = (parts.hostname or "").split(".")
    if len(host) > 2:
        found.extend((w, f"{host[0]}.") for w in _words(host[0]))
    for segment in unquote(parts.path).split("/"):
        segment = _EXTENSION.sub("", segment)
        words = _words(segment)
        if 0 < len(words) <= MAX_SECTION_WORDS:
            shown = f"/{_TRAILING_ID.sub('', segment)}/"
            found.extend((w, shown) for w in words)
    return found


def category_sections(categories) -> list[tuple[str, str]]:
    """(folded word, as shown) of the words of the feed's short categories."""
    found = []
    for category in categories or ():
        if not isinstance(category, str):
            continue
        words = _words(category)
        if 0 < len(words) <= MAX_SECTION_WORDS:
            found.extend((w, category.strip()) for w in words)
    return found


class SectionTable:
    """Section word -> (label, weight), read from topic_sections.tsv."""

    def __init__(self, path=SECTIONS_PATH):
        self.entries: dict[str, tuple[str, float]] = {}
        for number, fields, line in table_rows(path):
            if len(fields) != 3 or fields[0] not in DIRECTION:
                raise ValueError(f"{path.name}:{number}: expected label<TAB>word<TAB>weight, "
                                 f"got {line!r}")
            key = fold(fields[1])
            if key in self.entries:
                raise ValueError(f"{path.name}:{number}: {fields[1]!r} is listed twice")
            self.entries[key] = (fields[0], float(fields[2]))

    def evidence(self, link: str | None, categories) -> tuple[complex, dict[str, tuple[str, float]]]:
        """(logit evidence against "other", {label: (the word as shown, weight)}) of an item's
        link and categories: each label by its strongest word."""
        best: dict[str, tuple[str, float]] = {}
        for key, shown in link_sections(link) + category_sections(categories):
            entry = self.entries.get(key)
            if entry is not None:
                label, weight = entry
                if label not in best or weight > best[label][1]:
                    best[label] = (shown, weight)
        total = sum((weight * DIRECTION[label] for label, (_, weight) in best.items()), 0j)
        return total, best


@loaded_once
def section_table() -> SectionTable:
    """The shipped section table, read on first use and kept for the process."""
    return SectionTable()
