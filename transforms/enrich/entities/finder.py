"""Named entities of a text: people, organisations, places and dates, with offsets and one
canonical value per real-world entity.

Trained sequence taggers decide what is a name (english.py, arabic.py), corrected where a
multi-word name of the canonical table appears (known.py); this module turns their token spans
into entities: offsets into the text as given (an Arabic proclitic is left out of the
span, never cut out of the text), a canonical value for each (canonical.py: the English name of
a known entity, else a transliteration key; dates.py: the ISO 8601 date), and one canonical value
for a person named in full once and by surname later.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import regex

from newsbeam.transforms.enrich.arabic import normalise
from newsbeam.transforms.enrich.entities import french
from newsbeam.transforms.enrich.entities.known import known_names, merge
from newsbeam.transforms.enrich.entities.canonical import canonical_entity, gazetteer
from newsbeam.transforms.enrich.entities.dates import date_value, find_dates
from newsbeam.transforms.enrich.entities.ordinary import looks_like_a_name
from newsbeam.transforms.enrich.entities.tokens import Token, sentences, tokenise

PERSON, ORGANIZATION, LOCATION, DATE = "PERSON", "ORGANIZATION", "LOCATION", "DATE"

_ARABIC_LETTER = regex.compile(r"\p{Script=Arabic}")
_LATIN_LETTER = regex.compile(r"\p{Script=Latin}")
_SEPARATORS = frozenset((",", "،", ";", "؛", ":", "&", "–", "—", "-", "/"))
# Latin-script languages whose capitalisation marks names as English does: the English tagger
# reads them (with their own elision and date words for French). German capitalises every noun,
# so it is not among them.
_READ_AS_ENGLISH = frozenset(("en", "fr", "es", "pt", "it", "nl", "ca", "ro", "id", "ms"))


@dataclass(frozen=True)
class Entity:
    text: str  # exactly body[start:end]
    type: str  # PERSON, ORGANIZATION, LOCATION or DATE
    start: int
    end: int
    canonical: str  # English name, "~KEY" for unknown names, ISO 8601 for dates


def tagging_language(text: str, language: str) -> str | None:
    """Which tagger reads `text`: "ar", "en" or "fr" (the English tagger with French tokens and
    dates), or None. An undetermined language is settled by script; other scripts get nothing
    rather than guesses."""
    if language == "ar":
        return "ar"
    if language == "fr":
        return "fr"
    if language in _READ_AS_ENGLISH:
        return "en"
    if language == "und":
        arabic = len(_ARABIC_LETTER.findall(text))
        latin = len(_LATIN_LETTER.findall(text))
        if arabic > latin:
            return "ar"
        if latin:
            return "en"
    return None


def find_entities(text: str, language: str, published: int | None = None) -> list[Entity]:
    """Entities in `text`, in order of position. `language` is an ISO 639-1 code or "und";
    `published` (epoch milliseconds) resolves relative dates ("yesterday", "اليوم الثلاثاء")."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    reading = tagging_language(text, language) if text.strip() else None
    if reading is None:
        return []
    tokens = tokenise(text, reading)
    groups = sentences(text, tokens)
    words = [[token.text for token in group] for group in groups]
    if reading == "ar":
        from newsbeam.transforms.enrich.entities.arabic import arabic_tagger

        tagger = arabic_tagger()
        tagged = tagger.tag(words)
    else:
        from newsbeam.transforms.enrich.entities.english import english_tagger

        tagged = [[(first, last, kind, 0) for first, last, kind in spans]
                  for spans in english_tagger().tag(words)]
    known = known_names()
    latin = reading != "ar"
    entities = []
    for group, sentence, spans in zip(groups, words, tagged):
        spans = merge(spans, known.find(sentence, latin_case=latin, french=reading == "fr"),
                      sentence, latin, None if latin else tagger.is_name_word)
        claimed = {index for first, last, _, _ in spans for index in range(first, last + 1)}
        if latin:
            spans = sorted(spans + known.find_single(sentence, claimed))
        else:
            spans = sorted(spans + known.find_arabic_places(sentence, claimed,
                                                            tagger.is_ordinary_word))
        if reading == "fr":
            entities += _french_entities(text, group, sentence, spans)
            continue
        if reading == "ar":
            spans = _split_run_together(text, group, spans)
        for first, last, kind, skip in spans:
            # A span never starts or ends with a separator ("آذار/مارس،", "Withnail &"); a
            # full stop may end an abbreviation ("Fla."), brackets may close a date
            # ("عام (1976)").
            while first < last and group[last].text in _SEPARATORS:
                last -= 1
            while first < last and group[first].text in _SEPARATORS:
                first, skip = first + 1, 0
            if group[first].text in _SEPARATORS:
                continue
            start, end = group[first].start + skip, group[last].end
            entities.append(_entity(text, start, end, kind, reading, published))
    listed = gazetteer().values
    entities = [entity for entity in entities if entity.type == DATE
                or entity.canonical in listed
                or looks_like_a_name(entity.text, entity.type, language)]
    if reading != "ar":
        # The English tagger was trained on data without dates: dates come from patterns.
        entities += _pattern_dates(text, entities, reading, published)
    entities.sort(key=lambda entity: (entity.start, entity.end))
    return _surnames_share_canonical(entities, reading)


def _entity(text: str, start: int, end: int, kind: str, language: str,
            published: int | None) -> Entity:
    surface = text[start:end]
    if kind == DATE:
        canonical = date_value(surface, language, published) or _date_key(surface)
    else:
        kind, canonical = canonical_entity(surface, kind, language)
    return Entity(surface, kind, start, end, canonical)


def _french_entities(text: str, group: list[Token], sentence: list[str],
                     spans: list[tuple[int, int, str, int]]) -> list[Entity]:
    """French through the English tagger: spans cut to name words (french.py), widened to a
    listed name with lower-case words ("Union européenne"), each kind checked against the
    listed names (the tagger's kinds are least sure here), and listed names it missed added."""
    listed, unlisted = [], []
    for first, last, kind, _ in spans:
        while first <= last and sentence[first].lower() in french.ARTICLES:
            first += 1  # "La Banque mondiale": the article is no part of the name
        if first > last:
            continue
        # A listed name keeps its lower-case words ("Organisation mondiale de la santé").
        listed_kind = _listed_kind(text[group[first].start:group[last].end], kind)
        if listed_kind:
            listed.append((first, last, listed_kind))
        else:
            unlisted.append((first, last, kind))
    parts = listed + [piece for first, last, kind in french.name_spans(sentence, unlisted)
                      for piece in _listed_pieces(text, group, first, last, kind)]
    claimed = {index for first, last, _ in parts for index in range(first, last + 1)}
    found = []
    for first, last, kind in parts:
        for wide_first, wide_last in french.widenings(sentence, first, last):
            wide_kind = _listed_kind(text[group[wide_first].start:group[wide_last].end])
            if wide_kind is not None:
                first, last, kind = wide_first, wide_last, wide_kind
                claimed.update(range(first, last + 1))
                break
        surface = text[group[first].start:group[last].end]
        kind, canonical = canonical_entity(surface, _listed_kind(surface, kind) or kind, "fr")
        found.append(Entity(surface, kind, group[first].start, group[last].end, canonical))
    for first, last in french.unclaimed_runs(sentence, claimed):
        surface = text[group[first].start:group[last].end]
        kind = _listed_kind(surface)
        if kind is not None:
            kind, canonical = canonical_entity(surface, kind, "fr")
            found.append(Entity(surface, kind, group[first].start, group[last].end, canonical))
    return found


def _split_run_together(text: str, group: list[Token],
                        spans: list[tuple[int, int, str, int]]) -> list[tuple[int, int, str, int]]:
    """An Arabic name the table does not list that is two listed names side by side is those
    two: Arabic runs a verb's subject and object together without punctuation ("بوتين باكو",
    "بدر عبد العاطي أيمن الصفدي"). One of the two must be a person or an organisation: two
    places side by side are more often one name whose words are also towns somewhere ("فيردر
    بريمن", "روي ماكاي"). Not for Latin script, where capitals and punctuation part names, and
    a person's names are often places' too ("Ariel Cruz", "Lindsay Davenport")."""
    def listed(start: int, end: int, offset: int = 0) -> str | None:
        return _listed_kind(text[group[start].start + offset:group[end].end], None, "ar")

    split = []
    for first, last, kind, skip in spans:
        if kind != DATE and first < last and listed(first, last, skip) is None:
            for cut in range(first, last):
                head, tail = listed(first, cut, skip), listed(cut + 1, last)
                if head and tail and {head, tail} != {LOCATION}:
                    split += [(first, cut, head, skip), (cut + 1, last, tail, 0)]
                    break
            else:
                split.append((first, last, kind, skip))
            continue
        split.append((first, last, kind, skip))
    return split


def _listed_pieces(text: str, group: list[Token], first: int, last: int,
                   kind: str) -> list[tuple[int, int, str]]:
    """A span that is not a listed name but starts or ends with one is two names run together
    ("Hamas Abdel Latif al-Qanou", "État Marco Rubio"): the listed name and the rest. A single
    unlisted word before a listed name is dropped (a capitalised common noun such as "État");
    a single unlisted word after one keeps the span whole ("Claudio Descalzi" is one person,
    though a town is called Cláudio)."""
    def listed(start: int, end: int) -> str | None:
        return _listed_kind(text[group[start].start:group[end].end])

    def listed_piece(start: int, end: int) -> str | None:
        # A one-word place beside another name word is more often a first name or a surname
        # ("Raúl Castro", "Florence Parly") than a place run into a name.
        piece_kind = listed(start, end)
        return None if piece_kind == LOCATION and start == end else piece_kind

    if first == last or listed(first, last):
        return [(first, last, kind)]
    for cut in range(last - 1, first - 1, -1):
        head_kind = listed_piece(first, cut)
        if head_kind:
            if last == cut + 1 and not listed(last, last):
                break
            return [(first, cut, head_kind), (cut + 1, last, kind)]
    for cut in range(first + 1, last + 1):
        tail_kind = listed_piece(cut, last)
        if tail_kind:
            rest = [(first, cut - 1, kind)] if cut - 1 > first or listed(first, first) else []
            return rest + [(cut, last, tail_kind)]
    return [(first, last, kind)]


@lru_cache(maxsize=100_000)
def _listed_kind(surface: str, kind: str | None = None, language: str = "fr") -> str | None:
    """The kind under which the canonical table lists a name: `kind` if it lists it so, else
    the first other kind that does, else None. Cached: news repeats its names."""
    table = gazetteer()
    for candidate in ((kind,) if kind else ()) + (PERSON, LOCATION, ORGANIZATION):
        if table.listed(surface, (candidate,), language) is not None:
            return candidate
    return None


def _date_key(surface: str) -> str:
    # A date with no calendar value ("القرن العشرين", "last week" without a publication date)
    # keeps its words, normalised, so that one expression is counted once.
    return " ".join(normalise(surface).lower().split())


def _pattern_dates(text: str, found: list[Entity], language: str,
                   published: int | None) -> list[Entity]:
    taken = [(entity.start, entity.end) for entity in found]
    dates = []
    for start, end in find_dates(text, language):
        if not any(start < other_end and other_start < end for other_start, other_end in taken):
            dates.append(_entity(text, start, end, DATE, language, published))
    return dates


def _surnames_share_canonical(entities: list[Entity], language: str) -> list[Entity]:
    """A person named in full and elsewhere by surname alone ("Dmitry Peskov" ... "Peskov") is
    one person: the surname mention takes the full name's canonical value when its own is not
    the table's (a key, or the surname as written)."""
    full_names: dict[str, str] = {}
    for entity in entities:
        words = entity.text.split()
        if entity.type == PERSON and len(words) >= 2:
            full_names.setdefault(_surname_key(words[-1], language), entity.canonical)
    if not full_names:
        return entities
    listed = gazetteer().values
    linked = []
    for entity in entities:
        if entity.type == PERSON and " " not in entity.text.strip() \
                and entity.canonical not in listed:
            full = full_names.get(_surname_key(entity.text, language))
            if full is not None:
                entity = Entity(entity.text, entity.type, entity.start, entity.end, full)
        linked.append(entity)
    return linked


def _surname_key(word: str, language: str) -> str:
    return normalise(word) if language == "ar" else word.casefold()
