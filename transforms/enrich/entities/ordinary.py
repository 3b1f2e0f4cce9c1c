"""Whether a name the taggers found looks like a name: the check that keeps common words
("club", "happy", "Sky") and nationality and faith words ("British", "الشيعة") out of the
entities when the canonical table does not know them.

The table `models/ordinary_words.tsv.gz` (built by training/entities/ordinary_words.py from
wordfreq's frequencies and arwikicats' nationalities) gives, per English or Arabic word, how
common it is (Zipf frequency) and whether it is a nationality or faith word. Loaded once per
process, on first use.
"""
from __future__ import annotations

import gzip
from pathlib import Path

from newsbeam.transforms.enrich.arabic import normalise, strip_article
from newsbeam.transforms.loading import loaded_once

TABLE_PATH = Path(__file__).with_name("models") / "ordinary_words.tsv.gz"
# A word this common (Zipf 4: once in 10,000 words of running text, as "club", "union",
# "sky") is an ordinary word before it is a name, unless the text or the lists say otherwise.
COMMON_ZIPF = 4.0


def table_key(word: str, language: str) -> str:
    """A word's key in the table: normalised Arabic, other languages in lower case. The
    builder (training/entities/ordinary_words.py) and the lookups below both use it, so the
    keys written are the keys looked up."""
    return normalise(word) if language == "ar" else word.lower()


class OrdinaryWords:
    def __init__(self, zipf: dict[tuple[str, str], float], nationality: frozenset):
        self.zipf = zipf
        self.nationality = nationality

    @classmethod
    def load(cls, path: Path = TABLE_PATH) -> "OrdinaryWords":
        zipf, nationality = {}, set()
        for line in gzip.decompress(path.read_bytes()).decode("utf-8").split("\n"):
            if not line or line.startswith("#"):
                continue
            language, word, frequency, is_nationality = line.split("\t")
            if frequency != "0":
                zipf[(language, word)] = int(frequency) / 10
            if is_nationality == "1":
                nationality.add((language, word))
        return cls(zipf, frozenset(nationality))

    def forms(self, word: str, language: str) -> tuple[str, ...]:
        key = table_key(word, language)
        if language == "ar":
            return (key, strip_article(key))
        return (key,)

    def is_nationality(self, word: str, language: str) -> bool:
        """A demonym or a faith or people word: "British", "Iraqis", "الشيعة", "البريطاني"."""
        return any((language, form) in self.nationality for form in self.forms(word, language))

    def frequency(self, word: str, language: str) -> float:
        """The word's Zipf frequency in running text (its most common form), 0 when rare."""
        return max(self.zipf.get((language, form), 0.0) for form in self.forms(word, language))


@loaded_once
def ordinary_words() -> OrdinaryWords:
    """The shipped table, loaded on first use, once per process."""
    return OrdinaryWords.load()


_PUNCTUATION = "\"'’“”«».,:;!?()[]"


def looks_like_a_name(text: str, kind: str, language: str) -> bool:
    """Whether `text`, a name of type `kind` that the canonical table does not know, found in
    English or Arabic text, looks like a name rather than ordinary words:
    - not when all its words are nationality or faith words ("British", "American Muslim",
      "الشيعة");
    - a single common word (Zipf 4 or more) is a name when the canonical table lists it, as
      any kind ("Nice", "Reading", "سول"); otherwise
      - not an English word, capitalised but not in capitals, that running text mostly
        writes in lower case (the English word table's casing prior: "Sky", "Court");
      - not an Arabic place or organisation that is a dictionary word (Ayaspell) and a
        function or stop word of the Arabic lexicons, and no given name (نادي "club", الشعب
        "the people", الجيش "the army"). Arabic people are not judged so: صالح, الحريري and
        الحسن are dictionary words too, and so are many places in the news.
    Other languages, and anything else, pass."""
    if language not in ("en", "ar"):
        return True
    table = ordinary_words()
    words = [word.strip(_PUNCTUATION) for word in text.split()]
    words = [word for word in words if word]
    if not words or all(table.is_nationality(word, language) for word in words):
        return not words
    if len(words) != 1:
        return True
    word = words[0]
    if table.frequency(word, language) < COMMON_ZIPF:
        return True
    from newsbeam.transforms.enrich.entities.canonical import (
        LOCATION, ORGANIZATION, PERSON, gazetteer)

    if gazetteer().listed(word, (PERSON, LOCATION, ORGANIZATION), language) is not None:
        return True
    if language == "en":
        from newsbeam.transforms.enrich.entities.english import (
            english_tagger, written_in_lower_case)

        if word.isupper() or not word[:1].isupper():
            return True
        return not written_in_lower_case(word, english_tagger().features.words)
    if kind not in (LOCATION, ORGANIZATION):
        return True
    from newsbeam.transforms.enrich.entities.arabic import arabic_tagger

    tags = arabic_tagger().gazetteer_tags(word)
    return not {"LEX", "STP"} <= tags or "GIV" in tags
