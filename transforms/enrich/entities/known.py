"""Names of several words that the canonical table knows, found in a sentence, and how they
correct the tagger's spans.

A tagger trained on 1996 Reuters or 2007 Arabic news has never seen most of today's names; the
table of canonical names (canonical.py) knows the people, organisations and places most in the
news in Arabic, English and French. Where a multi-word name of the table appears in a sentence,
it is one entity even if the tagger cut it short ("كيم جونغ" of كيم جونغ أون), ran two names
together ("محمد بن سلمان سيرجي لافروف"), or missed it. A single listed word is added only where
the tagger found nothing, only for people and organisations, and only in Latin script, where a
capital marks a name ("Erdogan", "WHO"); Arabic single words are too often ordinary ones (فتح,
لولا, الشرع).
"""
from __future__ import annotations

from typing import Callable

from newsbeam.transforms.enrich.arabic import proclitic_splits
from newsbeam.transforms.enrich.entities.canonical import (
    ARABIC_LETTER, LOCATION, ORGANIZATION, PERSON, fold, gazetteer, is_title)
from newsbeam.transforms.loading import loaded_once

Span = tuple[int, int, str, int]  # first token, last token, kind, proclitic characters to skip
MAX_WORDS = 6
_CACHE_LIMIT = 200_000


class KnownNames:
    """The multi-word forms of the canonical table, indexed by their first folded word."""

    def __init__(self, names: dict[str, dict[str, str]]):
        self._kinds: dict[str, str] = {}
        self._lengths: dict[str, tuple[int, ...]] = {}
        lengths: dict[str, set[int]] = {}
        for kind in (PERSON, ORGANIZATION, LOCATION):
            for form in names[kind]:
                if ":" in form[:4]:  # forms that hold in one language only
                    continue
                words = form.split(" ")
                if 2 <= len(words) <= MAX_WORDS:
                    # A form of two kinds (a person named like a place) is left to the tagger.
                    self._kinds[form] = kind if self._kinds.get(form, kind) == kind else ""
                    lengths.setdefault(words[0], set()).add(len(words))
        self._lengths = {word: tuple(sorted(found, reverse=True))
                         for word, found in lengths.items()}
        self._single_words = {form: kind for kind in (PERSON, ORGANIZATION)
                              for form in names[kind]
                              if " " not in form and ":" not in form[:4]
                              and not ARABIC_LETTER.search(form)}
        self._arabic_places = frozenset(form for form in names[LOCATION]
                                        if " " not in form and ":" not in form[:4]
                                        and ARABIC_LETTER.search(form)
                                        and form not in names[PERSON]
                                        and form not in names[ORGANIZATION])
        self._folded: dict[str, tuple[tuple[int, str], ...]] = {}
        self._openers: dict[str, tuple] = {}

    def _readings(self, token: str, first: bool) -> tuple[tuple[int, str], ...]:
        """(proclitic characters, folded word) readings of a token; an Arabic first word may
        carry a proclitic ("وكيم", "لحلف")."""
        key = (token, first)
        found = self._folded.get(key)
        if found is None:
            readings = [(0, fold(token))]
            if first and ARABIC_LETTER.search(token):
                readings += [(offset, fold(stem)) for offset, stem in proclitic_splits(token)[1:]]
            found = tuple(readings)
            if len(self._folded) >= _CACHE_LIMIT:
                self._folded.clear()
            self._folded[key] = found
        return found

    def find(self, tokens: list[str], latin_case: bool, french: bool = False) -> list[Span]:
        """Known multi-word names in a sentence, longest first, not overlapping. With
        `latin_case`, a match must begin and end with a capitalised word (or the sentence is
        in capitals), so that "new york" in running text is not New York; in French, which
        capitalises only the first word of a name ("Banque mondiale", "Organisation mondiale
        de la santé"), it must begin with one."""
        spans = []
        # Most tokens open no known name: only those that do are tried (in Latin script, only
        # capitalised ones).
        openers = self._openers
        heads = [openers.get(token) if not latin_case or _capitalised(token) else ()
                 for token in tokens]
        index = 0
        while index < len(tokens):
            if heads[index] == ():
                index += 1
                continue
            match = self._match_at(tokens, index, latin_case, french)
            if match is None:
                index += 1
                continue
            first, last, kind, skip = match
            # A title the table lists with a name ("الأمير محمد بن سلمان") is not part of it.
            while first < last and is_title(tokens[first]):
                first, skip = first + 1, 0
            spans.append((first, last, kind, skip))
            index = last + 1
        return spans

    def _heads(self, token: str) -> tuple[tuple[int, list[str], tuple[int, ...]], ...]:
        """The readings of `token` that can open a known name: (proclitic characters, folded
        words, name lengths in words). Most tokens have none; memoised."""
        found = self._openers.get(token)
        if found is None:
            found = []
            for skip, head in self._readings(token, True):
                words = head.split(" ")
                lengths = self._lengths.get(words[0])
                if lengths:
                    found.append((skip, words, lengths))
            found = tuple(found)
            if len(self._openers) >= _CACHE_LIMIT:
                self._openers.clear()
            self._openers[token] = found
        return found

    def _match_at(self, tokens: list[str], index: int, latin_case: bool,
                  french: bool) -> Span | None:
        """The known name that begins at tokens[index] (a capitalised token, with
        `latin_case`), or None."""
        for skip, head_words, lengths in self._heads(tokens[index]):
            # Folded words, token by token: a token may fold to several ("Etats-Unis").
            words = list(head_words)
            ends = [(index, len(words))]  # (last token, words so far)
            last = index + 1
            while last < len(tokens) and len(words) < lengths[0]:
                words += self._readings(tokens[last], False)[0][1].split(" ")
                ends.append((last, len(words)))
                last += 1
            for last, count in reversed(ends):
                if count < 2 or count not in lengths:
                    continue
                if latin_case and not (french or _capitalised(tokens[last])):
                    continue
                kind = self._kinds.get(" ".join(words[:count]))
                if kind:
                    return index, last, kind, skip
        return None


    def find_single(self, tokens: list[str], claimed: set[int]) -> list[Span]:
        """Listed one-word people and organisations among the unclaimed capitalised tokens of
        a Latin-script sentence: a word of four letters or fewer must be in capitals ("WHO",
        not "Who"), a longer one capitalised or in capitals ("Erdogan", "ASEAN"). Nothing in a
        sentence written in capitals, where every word is."""
        if all(not token[:1].isalpha() or token.isupper() for token in tokens):
            return []
        spans = []
        for index, token in enumerate(tokens):
            if index in claimed or not token[:1].isupper():
                continue
            kind = self._single_words.get(self._readings(token, False)[0][1])
            if kind is None:
                continue
            if token.isupper() or len(token) > 4:
                spans.append((index, index, kind, 0))
        return spans


    def find_arabic_places(self, tokens: list[str], claimed: set[int],
                           is_ordinary_word: Callable[[str], bool]) -> list[Span]:
        """Listed one-word places the Arabic tagger left, where a locative word stands right
        before them ("في نيامي", "إلى جوبا", "العاصمة كوناكري"), unless the word is also an
        ordinary one (GeoNames lists places called أن, بيان and مسقط)."""
        spans = []
        for index in range(1, len(tokens)):
            if index in claimed or index - 1 in claimed:
                continue
            if self._readings(tokens[index - 1], False)[0][1] not in _LOCATIVE_WORDS:
                continue
            if self._readings(tokens[index], False)[0][1] in self._arabic_places \
                    and not is_ordinary_word(tokens[index]):
                spans.append((index, index, LOCATION, 0))
        return spans


# Arabic nouns that name the kind of a named thing ahead of its name, folded.
_KIND_NOUNS = frozenset(fold(word) for word in (
    "حركة", "جماعة", "قطاع", "دولة", "وكالة", "مدينة", "إقليم", "ولاية", "محافظة", "منطقة",
    "جزيرة", "صحيفة", "شركة", "حزب"))

# Words after which a place name comes: prepositions of place and motion, and nouns that
# introduce a place by its kind. Folded (canonical.fold) forms.
_LOCATIVE_WORDS = frozenset(fold(word) for word in (
    "في", "إلى", "الى", "من", "عاصمة", "العاصمة", "مدينة", "المدينة", "بمدينة", "منتجع",
    "ميناء", "بلدة", "قرب", "بالقرب"))


def _capitalised(token: str) -> bool:
    return token[:1].isupper()


def merge(tagged: list[Span], known: list[Span], tokens: list[str],
          latin: bool = False,
          is_name_word: Callable[[str], bool] | None = None) -> list[Span]:
    """The tagger's spans corrected by the known names of the same sentence.

    - A known name the tagger missed is added; one the tagger found with another kind gets the
      known kind ("George W. Bush" is a person), except that a place the tagger read as an
      organisation stays one (a club named after its city in a results line, "NEW YORK 5
      Boston 3"; the canonical value is the place's either way).
    - A tagger span that holds one known name and more stays as the tagger drew it: a longer
      name ("New York Stock Exchange", "محمد حسني مبارك"). One that holds two known names is
      names run together ("World Health Organization Director-General Tedros Adhanom
      Ghebreyesus"): the known names win. In Latin script, a single word the tagger ran into
      the front of a known person is a title, not name ("État Marco Rubio"): it is dropped.
      In Arabic, so are one or two words before a known person that are no name words
      (`is_name_word`: "زعيمه عبد الله أوجلان", "الفرعونية نفرتيتي"); a given name before
      one stays ("محمد حسني مبارك").
    - A tagger span that is part of a known name ("كيم جونغ" of كيم جونغ أون) or overlaps one
      partly gives way to the known name (a part outside it keeps its own span)...
    - ...except in Arabic, where a known name that only adds a noun of kind before the
      tagger's span ("حركة حماس", "قطاع غزة" where the tagger found حماس, غزة) leaves the span
      as the tagger drew it, as Arabic news corpora annotate it. "جنوب السودان" is another
      place and wins.
    """
    def holds(span: Span, name: Span) -> bool:
        return span[0] <= name[0] and span[1] >= name[1]

    held = {span: sum(holds(span, name) for name in known) for span in tagged}
    spans = list(tagged)
    for first, last, kind, skip in known:
        overlapping = [span for span in spans if not (span[1] < first or span[0] > last)]
        holder = next((span for span in overlapping if holds(span, (first, last))), None)
        if holder is not None and (holder[0], holder[1]) == (first, last):
            if holder[2] != kind and not (holder[2] == ORGANIZATION and kind == LOCATION):
                spans[spans.index(holder)] = (first, last, kind, skip)
            continue
        if holder is not None and held.get(holder, 0) == 1:
            if latin and kind == PERSON and holder[2] == PERSON and holder[0] == first - 1:
                spans[spans.index(holder)] = (first, holder[1], PERSON, skip)
            elif not latin and is_name_word is not None and kind == PERSON \
                    and holder[2] == PERSON and 0 < first - holder[0] <= 2 \
                    and not any(is_name_word(word) for word in tokens[holder[0]:first]):
                spans[spans.index(holder)] = (first, holder[1], PERSON, skip)
            continue
        if not latin and overlapping and all(span[0] > first for span in overlapping) \
                and all(fold(word) in _KIND_NOUNS
                        for word in tokens[first:min(span[0] for span in overlapping)]):
            continue
        kept = [span for span in spans if span not in overlapping]
        kept += [(span[0], first - 1, span[2], span[3]) for span in overlapping
                 if span[0] < first]
        kept += [(last + 1, span[1], span[2], 0) for span in overlapping if span[1] > last]
        kept.append((first, last, kind, skip))
        spans = kept
    return sorted(spans)


@loaded_once
def known_names() -> KnownNames:
    """The index of the shipped table, built on first use, once per process."""
    return KnownNames(gazetteer().names)
