"""Rule-based named entities (PERSON, ORGANIZATION, LOCATION, DATE) for Arabic and English news.

Gazetteers find the names news repeats; titles, given names and organisation heads or suffixes
find the ones no list can hold. Offsets always point into the original body: Arabic clitics are
split off by moving the span start, never by rewriting the text.

Passes run from most to least reliable and each claims its tokens, so a later guess can never
overwrite an earlier certainty: dates, organisation and people gazetteers, organisation patterns,
place gazetteer, title-triggered people, given-name people, then repeated surnames.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import regex

from transforms.arabic import is_arabic, normalise, proclitic_splits, strip_diacritics
from transforms.dead_letters import ApplyStage

PERSON, ORGANIZATION, LOCATION, DATE = "PERSON", "ORGANIZATION", "LOCATION", "DATE"

_LEXICONS = Path(__file__).with_name("lexicons")


@dataclass(frozen=True)
class Entity:
    text: str
    type: str
    start: int
    end: int
    canonical: str


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str


def _lines(name: str) -> list[str]:
    with open(_LEXICONS / name, encoding="utf-8") as handle:
        return [line.strip() for line in handle
                if line.strip() and not line.lstrip().startswith("#")]


# --- Tokens -------------------------------------------------------------------------------------

# Letters with their combining marks, digits; hyphens and apostrophes inside a word keep
# "Nagorno-Karabakh" and "O'Brien" whole. Dotted acronyms ("U.S.") are one token.
_TOKEN = regex.compile(
    r"(?:\p{Lu}\.){2,}|[\p{L}\p{M}\p{N}]+(?:['’\-][\p{L}\p{M}\p{N}]+)*")
_POSSESSIVE = ("'s", "’s")


def _tokenise(text: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        word = match.group()
        # "Putin's": the name ends before the possessive.
        if word.endswith(_POSSESSIVE) and len(word) > 3:
            end -= 2
            word = word[:-2]
        tokens.append(_Token(start, end, word))
    return tokens


def _gap(text: str, left: _Token, right: _Token) -> str:
    """What separates two tokens, whitespace aside; a line break is never nothing (a name
    does not run on into the next paragraph or credit line)."""
    gap = text[left.end:right.start]
    return "\n" if "\n" in gap else gap.strip()


# --- Dates --------------------------------------------------------------------------------------

_AR_DIGIT = r"[0-9٠-٩]"
_AR_MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "ابريل", "إبريل", "مايو", "يونيو", "يونيه", "يوليو",
    "يوليه", "أغسطس", "اغسطس", "سبتمبر", "أكتوبر", "اكتوبر", "نوفمبر", "ديسمبر",
    "كانون الثاني", "كانون الأول", "كانون الاول", "شباط", "آذار", "اذار", "نيسان", "أيار",
    "ايار", "حزيران", "تموز", "آب", "أيلول", "ايلول", "تشرين الأول", "تشرين الاول",
    "تشرين الثاني",
)
_AR_DAYS = ("الأحد", "الاحد", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الاربعاء",
            "الخميس", "الجمعة", "السبت")
_AR_MONTH = "(?:" + "|".join(sorted(_AR_MONTHS, key=len, reverse=True)) + ")"
# "شباط/ فبراير" and "شباط (فبراير)": Levantine and Egyptian names of one month side by side.
_AR_MONTH_PAIR = rf"{_AR_MONTH}(?:\s*[/(]\s*{_AR_MONTH}\s*\)?)?"
_AR_DAY = "(?:(?:يوم\\s+)?(?:" + "|".join(_AR_DAYS) + "))"
_AR_YEAR = rf"{_AR_DIGIT}{{4}}"
# A bare month name is too often a verb or a common word (مارس, آب), so it needs a number.
_AR_DATE = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}])(?:[وفبل]|ول|وب)?(?P<date>"
    rf"(?:{_AR_DAY}\s*[،,]?\s*)?{_AR_DIGIT}{{1,2}}\s+{_AR_MONTH_PAIR}(?:\s*[،,]?\s*(?:عام\s+|سنة\s+)?{_AR_YEAR})?"
    rf"|{_AR_MONTH_PAIR}\s*[،,]?\s*(?:عام\s+|سنة\s+)?{_AR_YEAR}"
    rf"|(?:ال)?(?:عام|سنة)\s+(?:\(\s*{_AR_YEAR}\s*\)|{_AR_YEAR})"
    rf"|{_AR_DAY}"
    rf")(?![\p{{L}}\p{{M}}\p{{N}}])")

_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_EN_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
                  "Nov", "Dec")
_EN_MONTH = "(?:" + "|".join(_EN_MONTHS) + "|(?:" + "|".join(_EN_MONTH_ABBR) + r")\.?)"
# "May" and "March" are everyday words, so alone they are not dates.
_EN_LONE_MONTH = "(?:" + "|".join(m for m in _EN_MONTHS if m not in ("May", "March")) + ")"
_EN_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_EN_DATE = regex.compile(
    rf"\b(?:"
    rf"(?:{_EN_DAY},?\s+)?{_EN_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|(?:{_EN_DAY},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_EN_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_EN_MONTH}\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|{_EN_DAY}|{_EN_LONE_MONTH}"
    rf")\b")
# Day/month/year; some wires put spaces around the slashes ("29 / 12 / 2011").
_NUMERIC_DATE = regex.compile(
    r"(?<![\d/.-])(?:[0-9٠-٩]{1,2}(?:[.-]|\s*/\s*)){2}[0-9٠-٩]{4}(?![\d/.-])")


def _dates(text: str, arabic: bool) -> Iterable[tuple[int, int]]:
    if arabic:
        for match in _AR_DATE.finditer(text):
            yield match.span("date")
    else:
        for match in _EN_DATE.finditer(text):
            yield match.span()
    for match in _NUMERIC_DATE.finditer(text):
        yield match.span()


# --- Span bookkeeping ---------------------------------------------------------------------------

class _Found:
    """Entities found so far, and which tokens they claim."""

    def __init__(self, text: str, tokens: list[_Token]):
        self.text = text
        self.tokens = tokens
        # The type of the entity claiming each token, or None.
        self.claimed: list[str | None] = [None] * len(tokens)
        # Tokens whose entity starts after a proclitic ("لأرمينيا").
        self.after_clitic: set[int] = set()
        self.entities: list[Entity] = []

    def free(self, first: int, last: int) -> bool:
        return not any(self.claimed[first:last + 1])

    def add(self, first: int, last: int, kind: str, canonical: str, skip: int = 0) -> None:
        """Tokens first..last; `skip` characters of the first token are a clitic, not the name."""
        start = self.tokens[first].start + skip
        end = self.tokens[last].end
        self.entities.append(Entity(self.text[start:end], kind, start, end, canonical))
        if skip:
            self.after_clitic.add(first)
        for index in range(first, last + 1):
            self.claimed[index] = kind

    def add_chars(self, start: int, end: int, kind: str, canonical: str) -> None:
        self.entities.append(Entity(self.text[start:end], kind, start, end, canonical))
        for index, token in enumerate(self.tokens):
            if token.start < end and token.end > start:
                self.claimed[index] = kind

    def sorted(self) -> list[Entity]:
        return sorted(self.entities, key=lambda entity: (entity.start, entity.end))


# --- Arabic -------------------------------------------------------------------------------------

def _variants(name: str) -> list[str]:
    return [variant.strip() for variant in name.split("|") if variant.strip()]


def _ar_key(phrase: str) -> tuple[str, ...]:
    return tuple(normalise(word) for word in phrase.split())


class _Gazetteer:
    """Multi-word names keyed by their first word; the longest match at a position wins."""

    def __init__(self):
        self._by_first: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}

    def add(self, key: tuple[str, ...], kind: str, canonical: str) -> None:
        entries = self._by_first.setdefault(key[0], [])
        if all(existing[0] != key for existing in entries):
            entries.append((key, kind, canonical))
            entries.sort(key=lambda entry: -len(entry[0]))

    def candidates(self, first_word: str) -> list[tuple[tuple[str, ...], str, str]]:
        return self._by_first.get(first_word, [])


_AR_ORGS = _Gazetteer()
_AR_PLACES = _Gazetteer()
_AR_GIVEN: set[str] = set()
_AR_GIVEN_AMBIGUOUS: set[str] = set()
for _line in _lines("entities_ar_given_names.txt"):
    (_AR_GIVEN_AMBIGUOUS if _line.endswith("?") else _AR_GIVEN).add(normalise(_line.rstrip("?")))
_AR_STOP = frozenset(strip_diacritics(word) for word in _lines("entities_ar_stopwords.txt"))
_AR_NISBA = frozenset(
    form for word in _lines("entities_ar_nisba.txt")
    for form in (normalise(word), normalise(word + "ة")))
_AR_TITLES: set[str] = set()
_AR_CONSTRUCT_TITLES: set[str] = set()
for _line in _lines("entities_ar_titles.txt"):
    (_AR_CONSTRUCT_TITLES if _line.endswith("+") else _AR_TITLES).add(normalise(_line.rstrip("+")))

for _line in _lines("entities_ar_organizations.txt"):
    _names = _variants(_line)
    for _name in _names:
        _AR_ORGS.add(_ar_key(_name), ORGANIZATION, normalise(_names[0]))
for _line in _lines("entities_ar_locations.txt"):
    _names = _variants(_line)
    for _name in _names:
        _AR_PLACES.add(_ar_key(_name), LOCATION, normalise(_names[0]))
for _line in _lines("entities_ar_people.txt"):
    _names = _variants(_line)
    _canonical = normalise(_names[0])
    for _name in _names:
        _AR_ORGS.add(_ar_key(_name), PERSON, _canonical)
    _full = _ar_key(_names[0])
    # A two-word name's surname alone still means the person ("قال بوتين"); longer names
    # list their short forms explicitly, because their last word is often a common one.
    if len(_full) == 2 and _full[1] not in _AR_GIVEN and _full[1] not in _AR_GIVEN_AMBIGUOUS:
        _AR_ORGS.add(_full[1:], PERSON, _canonical)

# Words that open an organisation name when a definite complement follows ("وزارة الدفاع").
_AR_ORG_HEADS = frozenset(normalise(word) for word in (
    "وزارة", "هيئة", "مجلس", "جامعة", "حزب", "منظمة", "اتحاد", "شركة", "وكالة", "محكمة",
    "مؤسسة", "جمعية", "لجنة", "نادي", "جبهة", "بنك", "مصرف", "مديرية", "بلدية", "مفوضية"))
# "وكالة أنباء الشرق الأوسط": a head may be followed by these before its complement.
_AR_ORG_LINKS = frozenset(normalise(word) for word in ("أنباء", "الأنباء", "شؤون", "الشؤون"))
_AR_NAME_LINKS = frozenset(normalise(word) for word in ("بن", "ابن", "بنت", "أبو", "أبي", "أم", "آل"))
_AR_COMPOUND_FIRST = frozenset(normalise(word) for word in ("عبد", "أبو", "ابو"))
# "المتحدث باسم الكرملين", "المبعوث الخاص لأرمينيا": what an office is of, before the name.
_AR_OF = frozenset(normalise(word) for word in ("باسم", "عن"))
_AR_DAY_WORDS = frozenset(normalise(day) for day in _AR_DAYS)
_AR_MONTH_WORDS = frozenset(normalise(word) for month in _AR_MONTHS for word in month.split())


@lru_cache(maxsize=200_000)
def _ar_info(word: str) -> tuple[bool, str, tuple[tuple[int, str], ...]]:
    """(is a stop word, normalised word, normalised clitic splits): cached, since news
    vocabulary repeats and this runs for every token. A stop word behind a clitic ("بأنه",
    "وعلى") is still a stop word."""
    splits = proclitic_splits(word)
    stop = not is_arabic(word) or any(strip_diacritics(stem) in _AR_STOP for _, stem in splits)
    return stop, normalise(word), tuple((offset, normalise(stem)) for offset, stem in splits)


class _Arabic:
    def __init__(self, text: str):
        self.found = _Found(text, _tokenise(text))
        self.tokens = self.found.tokens
        self.info = [_ar_info(token.text) for token in self.tokens]

    def run(self) -> list[Entity]:
        for start, end in _dates(self.found.text, arabic=True):
            self.found.add_chars(start, end, DATE, normalise(self.found.text[start:end]))
        self._gazetteer(_AR_ORGS)
        self._organisation_patterns()
        self._gazetteer(_AR_PLACES)
        self._titled_people()
        self._given_name_people()
        self._repeated_surnames()
        return self.found.sorted()

    # Token tests

    def _joined(self, left: int, right: int) -> bool:
        """Nothing but space between two tokens: a name never spans punctuation."""
        return _gap(self.found.text, self.tokens[left], self.tokens[right]) == ""

    def _norm(self, index: int) -> str:
        return self.info[index][1]

    def _splits(self, index: int) -> tuple[tuple[int, str], ...]:
        return self.info[index][2]

    def _is_stop(self, index: int) -> bool:
        stop, norm, _ = self.info[index]
        return stop or norm in _AR_DAY_WORDS or norm in _AR_MONTH_WORDS

    def _nameish(self, index: int, first: bool) -> bool:
        """Could this token be part of a person's name? Clitic-bearing definite words
        ("للشركة", "والحكومة") and conjunction-led words start a new phrase, not a name."""
        if index >= len(self.tokens) or self.found.claimed[index] or self._is_stop(index):
            return False
        norm = self._norm(index)
        if norm in _AR_NISBA or norm in _AR_TITLES or norm in _AR_CONSTRUCT_TITLES:
            return False
        if len(norm) < 2 or norm.startswith(("لل", "بال", "وال", "فال", "كال")):
            return False
        if norm.startswith("و") and not first and norm not in _AR_GIVEN:
            return False
        return True

    def _is_definite(self, index: int) -> bool:
        return index < len(self.tokens) and self._norm(index).startswith("ال") \
            and not self._is_stop(index) and not self.found.claimed[index]

    # Passes

    def _gazetteer(self, gazetteer: _Gazetteer) -> None:
        index = 0
        while index < len(self.tokens):
            match = self._match_at(gazetteer, index)
            if match is None:
                index += 1
                continue
            skip, length, kind, canonical = match
            self.found.add(index, index + length - 1, kind, canonical, skip)
            index += length

    def _match_at(self, gazetteer: _Gazetteer, index: int):
        best = None
        for skip, stem in self._splits(index):
            for key, kind, canonical in gazetteer.candidates(stem):
                last = index + len(key) - 1
                if last >= len(self.tokens) or not self.found.free(index, last):
                    continue
                if all(self._norm(index + k) == key[k] and self._joined(index + k - 1, index + k)
                       for k in range(1, len(key))):
                    if best is None or len(key) > best[1]:
                        best = (skip, len(key), kind, canonical)
                    break
        return best

    def _stem_in(self, index: int, words: frozenset[str] | set[str]) -> tuple[int, str] | None:
        for skip, stem in self._splits(index):
            if stem in words:
                return skip, stem
        return None

    def _organisation_patterns(self) -> None:
        for index in range(len(self.tokens)):
            if self.found.claimed[index]:
                continue
            head = self._stem_in(index, _AR_ORG_HEADS)
            if head is None:
                continue
            last = index
            if last + 1 < len(self.tokens) and self._norm(last + 1) in _AR_ORG_LINKS \
                    and self._joined(last, last + 1):
                last += 1
            complement = 0
            while complement < 3 and last + 1 < len(self.tokens) and self._joined(last, last + 1) \
                    and (self._is_definite(last + 1) or self._match_at(_AR_PLACES, last + 1)):
                last += 1
                complement += 1
            if complement:
                skip, stem = head
                words = [stem] + [self._norm(k) for k in range(index + 1, last + 1)]
                self.found.add(index, last, ORGANIZATION, " ".join(words), skip)

    def _title_end(self, index: int) -> int | None:
        """Index of the last token of a title phrase starting at `index`, or None."""
        if self._stem_in(index, _AR_TITLES):
            last = index
        elif self._stem_in(index, _AR_CONSTRUCT_TITLES):
            last = index
            while last + 1 < len(self.tokens) and self._joined(last, last + 1) \
                    and self._is_definite(last + 1) and self._norm(last + 1) not in _AR_NISBA \
                    and last - index < 3:
                last += 1
            if last == index:
                return None
        else:
            return None
        while last + 1 < len(self.tokens) and self._joined(last, last + 1):
            following = last + 1
            norm = self._norm(following)
            if norm in _AR_NISBA:
                last = following
            elif norm in _AR_OF and following + 1 < len(self.tokens):
                # "باسم الرئاسة", "باسم الكرملين": what follows is the office's complement.
                last = following + 1
            elif self.found.claimed[following] in (LOCATION, ORGANIZATION) \
                    and following in self.found.after_clitic:
                # "المبعوث الخاص لأرمينيا": a clitic-led place or body qualifies the office.
                last = following
            else:
                break
        return last

    def _name_from(self, first: int, limit: int = 3) -> int | None:
        """Last token of a person's name starting at `first`, or None if none starts there."""
        if not self._nameish(first, first=True):
            return None
        last, words = first, 1
        if self._norm(first) in _AR_COMPOUND_FIRST and first + 1 < len(self.tokens) \
                and self._joined(first, first + 1) and self._nameish(first + 1, first=False):
            last += 1
        while words < limit and last + 1 < len(self.tokens) and self._joined(last, last + 1):
            following = last + 1
            if self._norm(following) in _AR_NAME_LINKS and following + 1 < len(self.tokens) \
                    and self._joined(following, following + 1) \
                    and self._nameish(following + 1, first=False):
                last = following + 1
            elif self._nameish(following, first=False):
                last = following
                if self._norm(following) in _AR_COMPOUND_FIRST and following + 1 < len(self.tokens) \
                        and self._nameish(following + 1, first=False):
                    last += 1
            else:
                break
            words += 1
        return last

    def _add_person(self, first: int, last: int, skip: int = 0) -> None:
        words = [self._splits(first)[0][1] if skip == 0 else
                 next(stem for offset, stem in self._splits(first) if offset == skip)]
        words += [self._norm(k) for k in range(first + 1, last + 1)]
        self.found.add(first, last, PERSON, " ".join(words), skip)

    def _titled_people(self) -> None:
        index = 0
        while index < len(self.tokens):
            end = None if self.found.claimed[index] else self._title_end(index)
            if end is None or end + 1 >= len(self.tokens) or not self._joined(end, end + 1):
                index += 1
                continue
            first = end + 1
            last = self._name_from(first)
            # A definite word right after a construct title is its complement, not a name.
            if last is not None and not (self._norm(first).startswith("ال")
                                         and self._stem_in(index, _AR_CONSTRUCT_TITLES)):
                self._add_person(first, last)
                index = last + 1
            else:
                index = end + 1

    def _given_name_people(self) -> None:
        index = 0
        while index < len(self.tokens):
            if self.found.claimed[index] or self._is_stop(index):
                index += 1
                continue
            given = self._stem_in(index, _AR_GIVEN)
            ambiguous = given is None and self._stem_in(index, _AR_GIVEN_AMBIGUOUS)
            if given is None and not ambiguous:
                index += 1
                continue
            skip = (given or ambiguous)[0]
            nxt = index + 1
            if nxt < len(self.tokens) and self._joined(index, nxt) \
                    and self._nameish(nxt, first=False) and not self._norm(nxt).startswith("و") \
                    and (given is not None or self._norm(nxt) in _AR_GIVEN):
                last = self._name_from(nxt, limit=2)
                self._add_person(index, last, skip)
                index = last + 1
            else:
                index += 1

    def _repeated_surnames(self) -> None:
        """A name given in full once is later cut to its surname ("بوتين"): link the two."""
        surnames = {}
        for entity in self.found.entities:
            words = entity.canonical.split()
            if entity.type == PERSON and len(words) >= 2 and len(words[-1]) >= 3:
                surnames.setdefault(words[-1], entity.canonical)
        if not surnames:
            return
        for index in range(len(self.tokens)):
            if self.found.claimed[index]:
                continue
            hit = self._stem_in(index, surnames.keys())
            if hit is not None and not self._is_stop(index):
                self.found.add(index, index, PERSON, surnames[hit[1]], hit[0])


# --- English (and other Latin-script text) ------------------------------------------------------

def _en_lexicon(name: str) -> frozenset[str]:
    return frozenset(_lines(name))


_EN_GIVEN = _en_lexicon("entities_en_given_names.txt")
_EN_STOP = _en_lexicon("entities_en_stopwords.txt")
_EN_TITLES = frozenset(word.rstrip(".") for word in _lines("entities_en_titles.txt"))
_EN_ORG_SUFFIXES = frozenset(word.rstrip(".") for word in _lines("entities_en_org_suffixes.txt"))
_EN_GAZETTEER = _Gazetteer()
_EN_SURNAMES: dict[str, str] = {}
for _file, _kind in (("entities_en_organizations.txt", ORGANIZATION),
                     ("entities_en_locations.txt", LOCATION),
                     ("entities_en_people.txt", PERSON)):
    for _line in _lines(_file):
        _names = _variants(_line)
        for _name in _names:
            _EN_GAZETTEER.add(tuple(_tokenised.text for _tokenised in _tokenise(_name)),
                              _kind, _names[0])
        if _kind == PERSON:
            _EN_SURNAMES[_names[0].split()[-1]] = _names[0]
# Lower-case words allowed inside a capitalised name: "Bank of England", "Charles de Gaulle".
_EN_CONNECTORS = frozenset(("of", "de", "del", "della", "da", "di", "du", "van", "von", "der",
                            "den", "la", "le", "bin", "ibn", "al", "el", "&", "and", "the", "for"))
_EN_PLACE_CUES = frozenset(("in", "at", "near", "from", "In", "At", "Near", "From"))
_SENTENCE_END = regex.compile(r"[.!?:;\"“”'‘’(\[\n-]\s*$")


def _en_forms(word: str) -> tuple[str, ...]:
    """Spellings under which a gazetteer may list `word`: headlines write "LONDON" for London,
    but short all-caps words are acronyms and must match exactly ("US" is not "Us")."""
    if word.isupper() and len(word) >= 4 and word.isalpha():
        return (word, word.title())
    return (word,)


def _capitalised(word: str) -> bool:
    return word[:1].isupper() or word.startswith(("al-", "el-")) and word[3:4].isupper()


class _Latin:
    def __init__(self, text: str):
        self.found = _Found(text, _tokenise(text))
        self.tokens = self.found.tokens
        self._lower_words: set[str] | None = None

    def run(self) -> list[Entity]:
        text = self.found.text
        for start, end in _dates(text, arabic=False):
            self.found.add_chars(start, end, DATE, " ".join(text[start:end].split()))
        self._gazetteer()
        self._capitalised_runs()
        return self.found.sorted()

    def _joined(self, left: int, right: int) -> bool:
        return _gap(self.found.text, self.tokens[left], self.tokens[right]) == ""

    def _gazetteer(self) -> None:
        index = 0
        while index < len(self.tokens):
            best = None
            for form in _en_forms(self.tokens[index].text):
                for key, kind, canonical in _EN_GAZETTEER.candidates(form):
                    last = index + len(key) - 1
                    if last >= len(self.tokens) or not self.found.free(index, last):
                        continue
                    if all(key[k] in _en_forms(self.tokens[index + k].text)
                           and self._joined(index + k - 1, index + k) for k in range(1, len(key))):
                        if best is None or len(key) > best[0]:
                            best = (len(key), kind, canonical)
            if best is None:
                index += 1
                continue
            length, kind, canonical = best
            # "New York Times" is a paper, not a place: a capitalised word right after a place
            # name means the place is only the start of a longer name.
            after = index + length
            if kind == LOCATION and after < len(self.tokens) and self._joined(after - 1, after) \
                    and self.tokens[after].text.rstrip(".") in _EN_ORG_SUFFIXES:
                index += 1
                continue
            self.found.add(index, index + length - 1, kind, canonical)
            index += length

    def _sentence_initial(self, index: int) -> bool:
        before = self.found.text[:self.tokens[index].start][-3:]
        return index == 0 or bool(_SENTENCE_END.search(before))

    def _common_word(self, word: str) -> bool:
        """A capitalised word that also occurs in lower case in this text is a common word."""
        if self._lower_words is None:
            self._lower_words = {token.text for token in self.tokens if token.text[:1].islower()}
        return word.lower() in self._lower_words

    def _runs(self) -> Iterable[tuple[int, int]]:
        index, count = 0, len(self.tokens)
        while index < count:
            if self.found.claimed[index] or not _capitalised(self.tokens[index].text):
                index += 1
                continue
            last = index
            while last + 1 < count and self._joined(last, last + 1) \
                    and not self.found.claimed[last + 1]:
                following = self.tokens[last + 1].text
                if _capitalised(following):
                    last += 1
                elif following in _EN_CONNECTORS and following not in ("and", "the") \
                        and last + 2 < count and self._joined(last + 1, last + 2) \
                        and not self.found.claimed[last + 2] \
                        and _capitalised(self.tokens[last + 2].text):
                    last += 2
                else:
                    break
            yield index, last
            index = last + 1

    def _capitalised_runs(self) -> None:
        people: dict[str, str] = {}
        pending: list[tuple[int, int]] = []
        for first, last in list(self._runs()):
            titled = False
            while first <= last:
                word = self.tokens[first].text
                bare = word.rstrip(".")
                if bare in _EN_TITLES:
                    titled = True
                elif not (bare in _EN_STOP or word.title() in _EN_STOP
                          or (self._sentence_initial(first) and self._common_word(word))):
                    break
                first += 1
            # "Shares of Acme Inc": a sentence-initial word tied on by "of" is prose, unless it
            # is itself an organisation word ("Bank of England").
            if first < last and self._sentence_initial(first) \
                    and self.tokens[first + 1].text in _EN_CONNECTORS \
                    and self.tokens[first].text not in _EN_ORG_SUFFIXES:
                first += 2
            if first > last:
                continue
            if first > 0 and self.tokens[first - 1].text.rstrip(".") in _EN_TITLES \
                    and self._joined(first - 1, first):
                titled = True
            kind = self._type(first, last, titled)
            if kind is None:
                pending.append((first, last))
                continue
            canonical = self._canonical(first, last)
            self.found.add(first, last, kind, canonical)
            if kind == PERSON and last > first:
                people.setdefault(self.tokens[last].text, canonical)
        for first, last in pending:
            word = self.tokens[last].text
            surname = people.get(word) or _EN_SURNAMES.get(word)
            if first == last and surname:
                self.found.add(first, last, PERSON, surname)

    def _type(self, first: int, last: int, titled: bool) -> str | None:
        words = [token.text for token in self.tokens[first:last + 1]]
        if words[-1].rstrip(".") in _EN_ORG_SUFFIXES or (
                len(words) > 2 and words[0] in _EN_ORG_SUFFIXES and words[1] == "of"):
            return ORGANIZATION
        if titled or words[0] in _EN_GIVEN:
            return PERSON
        if all(word.isupper() for word in words):
            return None
        if first > 0 and self.tokens[first - 1].text in _EN_PLACE_CUES and len(words) <= 2:
            return LOCATION
        if 2 <= len(words) <= 3 and all(word[:1].isupper() and word[1:].islower()
                                         for word in words):
            return PERSON
        return None

    def _canonical(self, first: int, last: int) -> str:
        phrase = " ".join(self.found.text[self.tokens[first].start:self.tokens[last].end].split())
        return phrase.title() if phrase.isupper() else phrase


# --- Public API ---------------------------------------------------------------------------------

_LATIN_LETTER = regex.compile(r"\p{Script=Latin}")


def find_entities(text: str, language: str) -> list[Entity]:
    """Entities in `text`, in order of position. `language` is ISO 639-1; "und" or an unknown
    code is settled by script: Arabic script gets the Arabic rules, Latin script the English
    (capitalisation-based) ones, anything else gets nothing rather than guesses."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    if not text:
        return []
    if language == "ar":
        return _Arabic(text).run()
    if language == "en":
        return _Latin(text).run()
    arabic = len(regex.findall(r"\p{Script=Arabic}", text))
    latin = len(_LATIN_LETTER.findall(text))
    if arabic > latin:
        return _Arabic(text).run()
    if latin:
        return _Latin(text).run()
    return []


def add_entities(record: dict) -> dict:
    """A copy of `record` with "entities" found in its body."""
    enriched = dict(record)
    enriched["entities"] = [asdict(entity)
                            for entity in find_entities(record["body"], record.get("language") or "und")]
    return enriched


class ExtractEntities(ApplyStage):
    """records | ExtractEntities() -> (records with "entities", dead letters of stage "entities")."""

    def __init__(self):
        super().__init__("entities", add_entities)
