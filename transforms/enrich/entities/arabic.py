"""The Arabic entity tagger: people, organisations, places and dates in Arabic news text.

Two conditional random fields (trained with python-crfsuite, decoded by crf_decoding.py) read
features of each token:
- the names model tags PERS, ORG, LOC and MISC in IOB2, trained on ANERcorp; MISC is learnt
  (it keeps those words out of the other types) but not reported;
- the dates model tags DATE, trained on Wojood; it runs only on sentences with a date cue.

A token's features come from its normalised form, its reading without proclitics, affixes,
shape, and four word tables built from news text and gazetteers (training/entities/arabic.py): word
counts, word2vec cluster ids, gazetteer tags and how often a word was a name token.

Arabic glues conjunctions and prepositions to names (وأرمينيا, بواشنطن, للأمم) while some names
start with the same letters (واشنطن, وليد, فرنسا): `name_start` chooses the reading.

Everything is read from models/ar_* on the first call of arabic_tagger(), once per process.
"""
from __future__ import annotations

import gzip
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import regex

from newsbeam.transforms.enrich.arabic import normalise, proclitic_splits, strip_article
from newsbeam.transforms.enrich.entities.crf import bio_spans
from newsbeam.transforms.enrich.entities.crf_decoding import CrfWeights, WordScores, decode
from newsbeam.transforms.loading import loaded_once

MODELS = Path(__file__).parent / "models"
WORD_COUNTS = "ar_word_counts.tsv.gz"
WORD_CLUSTERS = "ar_word_clusters.tsv.gz"
GAZETTEER = "ar_gazetteer.tsv.gz"
ENTITY_WORD_COUNTS = "ar_entity_word_counts.tsv.gz"
NAMES_MODEL = "ar_names.crfsuite"
DATES_MODEL = "ar_dates.crfsuite"

# The names model's labels (ANERcorp's) and the types the tagger reports; MISC is not reported.
KINDS = {"PERS": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION"}

_ARABIC = regex.compile(r"\p{Script=Arabic}")
_LATIN = regex.compile(r"\p{Script=Latin}")
_DIGITS = regex.compile(r"^[0-9٠-٩]+$")
_HAS_DIGIT = regex.compile(r"[0-9٠-٩]")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_PUNCTUATION_CLASS = {"(": "(", ")": ")", "/": "/", "-": "-", "،": ",", ",": ",", ".": ".",
                      ":": ":", '"': "q", "«": "q", "»": "q", "؛": ";", ";": ";", "؟": "?",
                      "?": "?", "!": "!"}
# Per-word cache entries: when tagging, a word's summed weights in the names and dates
# models (about 550 bytes); when training, its attribute strings (about 3 KB). Emptied past
# this, so that a stream of new words keeps a worker's tagging caches under about 40 MB. The
# development captures' 1,369 items have 13,000 distinct words a language, so their rerun
# never empties them.
CACHE_LIMIT = 50_000


# --- Word tables --------------------------------------------------------------------------------

def read_table(path: Path) -> list[list[str]]:
    """Rows of a gzipped tab-separated table."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: Arabic entity model file missing; rebuild the models with "
            "newsbeam.training.entities.arabic.train")
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return [line.split("\t") for line in text.split("\n") if line]


@dataclass(frozen=True)
class WordTables:
    """What is known about words from outside the labelled sentences. Keys are normalise()d."""
    counts: dict[str, int]  # occurrences in unlabelled news text, when at least 2
    clusters: dict[str, tuple[str, ...]]  # cluster ids at 64, 256 and 1024 clusters
    gazetteer: dict[str, tuple[str, ...]]  # tags: LOC, CTRY, CITY, ORG, PER, GIV, TTL, ...
    entity_counts: dict[str, int]  # times seen as a name token in the labelled data

    @classmethod
    def load(cls, folder: Path) -> WordTables:
        return cls(
            counts={word: int(count) for word, count in read_table(folder / WORD_COUNTS)},
            clusters={row[0]: tuple(row[1:]) for row in read_table(folder / WORD_CLUSTERS)},
            gazetteer={word: tuple(tags.split(","))
                       for word, tags in read_table(folder / GAZETTEER)},
            entity_counts={word: int(count)
                           for word, count in read_table(folder / ENTITY_WORD_COUNTS)})


# --- Date vocabulary ----------------------------------------------------------------------------
# The dates model's word classes. They are features of a trained model: a change here needs a
# retraining (dates.py reads a found date's value with its own tables).

def _normalised(words: str) -> frozenset[str]:
    return frozenset(normalise(word) for word in words.split())


_DATE_WORD_CLASSES = {
    "MG": _normalised("يناير فبراير مارس أبريل ابريل إبريل مايو يونيو يونيه يوليو يوليه أغسطس "
                      "اغسطس أغسطوس سبتمبر أكتوبر اكتوبر نوفمبر ديسمبر"),  # Gregorian months
    "MM": _normalised("جانفي فيفري أفريل ماي جوان جويلية أوت"),  # Maghreb month names
    "ML": _normalised("كانون شباط آذار اذار نيسان أيار ايار حزيران تموز آب أيلول ايلول "
                      "تشرين"),  # Levantine month names
    "MH": _normalised("محرم صفر ربيع جمادى جمادي رجب شعبان رمضان شوال القعدة الحجة"),  # Hijri
    "DAY": _normalised("الأحد الاحد الاثنين الإثنين الثلاثاء الأربعاء الاربعاء الخميس الجمعة "
                       "السبت أحد اثنين ثلاثاء أربعاء خميس جمعة سبت"),
    "UNIT": _normalised(
        "عام العام عاما عامي أعوام الأعوام سنة السنة سنوات السنوات سنتين شهر الشهر أشهر الأشهر "
        "شهور الشهور يوم اليوم أيام الأيام يومين أسبوع الأسبوع أسابيع أسبوعين قرن القرن القرون "
        "عقد العقد عقود فترة منتصف مطلع أواخر أوائل بداية نهاية ليلة صباح مساء فجر ظهر الموسم "
        "موسم الفترة عهد العهد حقبة الحقبة أسبوعيا يوميا شهريا سنويا بكرا بكره عشية"),
    "RDAY": _normalised("أمس امس الأمس البارحة غدا غداً اليوم الليلة بكرا بكره"),
    "RADJ": _normalised("الماضي الماضية المقبل المقبلة القادم القادمة الحالي الحالية الجاري "
                        "الجارية المنصرم المنصرمة الفائت الأخير الأخيرة السابق السابقة التالي"),
    "ORD": _normalised("الأول الثاني الثالث الرابع الخامس العشرين عشر الأولى الثانية"),
    "DEC": _normalised("العشرينات الستينات الخمسينات الثمانينات التسعينات السبعينات الأربعينات "
                       "الثلاثينات"),
    "ERA": _normalised("هجري هجرية ميلادي ميلادية هـ م ق"),
    "PREP": _normalised("بتاريخ تاريخ حتى منذ خلال حوالي نحو"),
}
# A word in two classes takes the first ("اليوم" is a unit before it is a relative day).
_DATE_CLASS_OF = {word: kind for kind, words in reversed(_DATE_WORD_CLASSES.items())
                  for word in words}
# Words after which a glued و ف ب ل is split off for the class ("وأمس", "لشهر").
_DATE_CUE_WORDS = frozenset().union(*(_DATE_WORD_CLASSES[k] for k in (
    "MG", "MM", "ML", "MH", "DAY", "UNIT"))) | _normalised(
    "أمس امس الأمس البارحة غدا اليوم الماضي الماضية المقبل المقبلة القادم القادمة الحالي "
    "الحالية الجاري الجارية المنصرم الفائت هجري ميلادي بتاريخ تاريخ العشرينات الستينات "
    "الخمسينات الثمانينات التسعينات السبعينات الأربعينات الثلاثينات")
# Words that may open a date span without a date class of their own (Wojood's gold starts
# "قبل عامين", "منذ ثلاثة أشهر", "نصف قرن", "لمدة عامين").
_DATE_OPENERS = _normalised("قبل بعد منذ خلال نصف مدة من حتى إلى الى بين هذا هذه عدة ثلاث ثلاثة "
                            "اربع أربع أربعة خمس خمسة سن")
_NUMBER_DATE = regex.compile(r"^\d{1,4}[/.\-]\d{1,2}([/.\-]\d{1,4})?$")
# A date pattern over the token classes (DN day number, M* month, YR year, DAY weekday, UNIT
# عام/سنة..., NDATE 12/3/2020): its tokens are a feature of the dates model.
_DATE_CLASS_PATTERN = regex.compile(
    r"(?:(?:DAY )?(?:DN |DN / |DN - )?(?:M[GMLH] )+(?:/ M[GMLH] |\( M[GMLH] \) )?(?:, )?"
    r"(?:UNIT )?(?:\( )?YR(?: \))?"
    r"|DN M[GMLH]|(?:DN / ){1,2}(?:\( )?(?:YR|DN)|NDATE|UNIT (?:\( )?YR(?: \))?"
    r"|DAY(?: DN M[GMLH])?)")
# Day and month, or month and year, in any of the month names: a date without doubt.
_CALENDAR_DATE = regex.compile(
    r"(?<![A-Z])(?:DN )?(?:M[GML] )+(?:/ M[GML] |\( M[GML] \) )?(?:, )?YR(?![A-Z])"
    r"|(?<![A-Z])DN (?:M[GML] )*M[GML](?![A-Z])")
# A whole numeric date the tokeniser kept as one token ("12/3/2006"). Wojood's gold tokens split
# them, so the dates model rarely saw one: such a token is a date when the model leaves it.
_NUMERIC_DATE_TOKEN = regex.compile(
    r"^(?:[0-3]?\d[/.\-][01]?\d[/.\-](?:1[89]|20)\d\d"
    r"|(?:1[89]|20)\d\d[/.\-][01]?\d[/.\-][0-3]?\d)$")


# --- Features -----------------------------------------------------------------------------------

# Gazetteer tags that vouch for a reading in name_start. The Wikidata name words (WDG, WDS) are
# left out: they hold short forms that collide with ordinary words (ادي) and cost accuracy.
_NAME_TAGS = frozenset(("LOC", "ORG", "PER", "CTRY", "CITY", "GIV", "PNM", "LOC_B", "ORG_B",
                        "PER_B", "CITY_B", "CTRY_B", "LOC_A", "ORG_A", "CITY_A", "CTRY_A"))
# Hunspell's ordinary-word marks help name_start (فادي is no ف + أدى) but gave no gain as
# features of the names model, so it does not see them.
_NAME_START_ONLY_TAGS = frozenset(("LEX", "LEXs", "~LEX", "~LEXs"))
_NOUN_SUFFIXES = ("ات", "ون", "ين", "ان", "يه", "ه", "ي", "ها", "هم", "نا")
_NISBA_ENDINGS = ("ي", "يه", "يين", "يون")
_NAME_CONTEXT = (-2, -1, 1, 2)
_DATE_CONTEXT = (-3, -2, -1, 1, 2, 3)
TITLE_WINDOW = 4  # a title word (الرئيس, وزير) this many tokens back or nearer introduces a name


def _shape(token: str) -> str:
    if _DIGITS.match(token):
        return "D%d" % min(len(token), 5)
    if _HAS_DIGIT.search(token):
        return "Dx"
    if _ARABIC.search(token):
        return "A"
    if _LATIN.search(token):
        return "L"
    return "P"


def _frequency_bucket(count: int) -> int:
    return 0 if count <= 0 else min(12, int(math.log2(count)) + 1)


def _remember(cache: dict, key, value):
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


@dataclass(frozen=True)
class _NameWord:
    own: tuple[str, ...]  # the token's own attributes
    context: dict[int, tuple[str, ...]]  # what it gives a neighbour at each offset
    is_title: bool


@dataclass(frozen=True)
class _DateWord:
    own: tuple[str, ...]
    context: dict[int, tuple[str, ...]]
    date_class: str  # "" when the word says nothing about dates


class _ScoredName(NamedTuple):
    """What tagging keeps of a word for the names model: its attributes are in its row."""
    row: int  # in name_scores (-1 without a model)
    is_title: bool


class _ScoredDate(NamedTuple):
    row: int  # in date_scores (-1 without a model)
    date_class: str


class ArabicFeatures:
    """CRF attributes of the tokens of a sentence, for both models. Everything that depends on
    a token's text alone is computed once per distinct token and cached: news repeats its words,
    and a new word costs tens of microseconds.

    With the trained models, unknown attributes are dropped once per word (they cannot change
    a model's output) and each word's weights are summed once, for name_rows() and
    date_rows(). Training reads the attributes themselves: name_features(), date_features()."""

    def __init__(self, tables: WordTables, names_model: CrfWeights | None = None,
                 dates_model: CrfWeights | None = None):
        self.tables = tables
        self.name_attributes = names_model.attributes if names_model else None
        self.date_attributes = dates_model.attributes if dates_model else None
        self.name_scores = WordScores(names_model, len(_NAME_CONTEXT) + 1) \
            if names_model else None
        self.date_scores = WordScores(dates_model, len(_DATE_CONTEXT) + 1) \
            if dates_model else None
        self._name_starts: dict[str, int] = {}
        # per token: its attributes (what training reads), and its rows (what tagging reads)
        self._name_words: dict[str, _NameWord] = {}
        self._date_words: dict[str, _DateWord] = {}
        self._scored_names: dict[str, _ScoredName] = {}
        self._scored_dates: dict[str, _ScoredDate] = {}

    def start_document(self) -> None:
        """Empty the scored word caches when full; only between documents, so that a
        document's rows stay valid while it is tagged."""
        if len(self._scored_names) >= CACHE_LIMIT or len(self._scored_dates) >= CACHE_LIMIT:
            self._scored_names.clear()
            self._scored_dates.clear()
            for scores in (self.name_scores, self.date_scores):
                if scores is not None:
                    scores.clear()

    def _scored_name(self, token: str) -> _ScoredName:
        found = self._scored_names.get(token)
        if found is None:
            word = self._name_word(token)
            found = self._scored_names[token] = _ScoredName(
                _scored(self.name_scores, word.own, word.context), word.is_title)
        return found

    def scored_date(self, token: str) -> _ScoredDate:
        """A token's row for the dates model and its date class."""
        found = self._scored_dates.get(token)
        if found is None:
            word = self._date_word(token)
            found = self._scored_dates[token] = _ScoredDate(
                _scored(self.date_scores, word.own, word.context), word.date_class)
        return found

    # --- where a name starts inside its first token ---------------------------------------

    def name_start(self, token: str) -> int:
        """Proclitic characters (و ف ب ل ك, stacked; لل is ل + ال) to leave out of a name's
        first token: وأرمينيا 1, بواشنطن 1, والكرملين 1, للأمم 2, واشنطن وليد فرنسا 0."""
        found = self._name_starts.get(token)
        if found is None:
            found = _remember(self._name_starts, token,
                              self._choose_reading(token, self._readings(token))[0])
        return found

    @staticmethod
    def _readings(token: str) -> list[tuple[int, str]]:
        return [(offset, normalise(stem)) for offset, stem in proclitic_splits(token)]

    def _choose_reading(self, token: str, readings: list[tuple[int, str]]) -> tuple[int, str]:
        """The most plausible (offset, normalised stem); the literal reading comes first, so a
        tie keeps the whole token."""
        best = readings[0]
        if len(readings) > 1:
            best_score = None
            for offset, stem in readings:
                score = self._reading_score(offset, stem, token)
                if best_score is None or score > best_score:
                    best, best_score = (offset, stem), score
        return best

    def _reading_score(self, offset: int, stem: str, token: str) -> float:
        """How plausible it is that `stem` is the name in `token`: its frequency in news text,
        how often it was a name token in the labelled data, and the name lists. The weights
        were chosen by 2-fold cross-validation on ANERcorp name starts."""
        if offset and len(stem) < 3:
            return -1e9  # a 2-letter remainder (بان -> ان) is nearly always a false split
        tables = self.tables
        tags = tables.gazetteer.get(stem, ())
        entity_count = tables.entity_counts.get(stem, 0)
        score = math.log1p(tables.counts.get(stem, 0)) + 2.0 * math.log1p(entity_count)
        named = any(tag in _NAME_TAGS for tag in tags)
        if named:
            score += 2.0
        if "STP" in tags:
            score -= 4.0
        if ("LEX" in tags or "STP" in tags) and not named and not entity_count:
            score -= 2.0  # an ordinary word (فادي -> ف + أدى) is an unlikely name inside a name
        if offset and token[0] == "و":
            score += 0.3  # with no evidence either way, a leading و is the conjunction (22 of 24)
        return score

    # --- names model ----------------------------------------------------------------------

    def name_features(self, tokens: list[str]) -> list[list[str]]:
        cache = self._name_words
        words = [cache.get(token) or _remember(cache, token, self._name_word(token))
                 for token in tokens]
        last = len(tokens) - 1
        features = []
        for index, (word, extras) in enumerate(zip(words, _name_sentence_attributes(words))):
            attributes = list(word.own) + extras
            for offset in _NAME_CONTEXT:
                neighbour = index + offset
                if 0 <= neighbour <= last:
                    attributes.extend(words[neighbour].context[offset])
            features.append(attributes)
        return features

    def name_rows(self, tokens: list[str]) -> tuple[list[int], list[list[str]]]:
        """name_features() for decode(): each token's row in name_scores, and its attributes
        that come from the sentence rather than the word."""
        cache = self._scored_names
        words = [cache.get(token) or self._scored_name(token) for token in tokens]
        return [word.row for word in words], _name_sentence_attributes(words)

    def _name_word(self, token: str) -> _NameWord:
        tables = self.tables
        word = normalise(token)
        shape = _shape(token)
        own = ["w=" + word, "sh=" + shape]
        tags: set[str] = set()
        stem = word
        clusters: tuple[str, ...] = ()
        if shape == "A":
            readings = self._readings(token)
            offset, stem = self._choose_reading(token, readings)
            _remember(self._name_starts, token, offset)
            proclitic = normalise(token[:offset]) if offset else ""
            core = strip_article(stem)
            own.append("s=" + stem)
            own.append("pf=" + proclitic + ("+ال" if core != stem else ""))
            if core != stem:
                own.append("c=" + core)
            own.extend(("x1=" + core[-1:], "x2=" + core[-2:], "x3=" + core[-3:],
                        "x4=" + core[-4:], "b1=" + core[:1], "b2=" + core[:2], "b3=" + core[:3],
                        "b4=" + core[:4], "ln=%d" % min(len(core), 9)))
            if core != stem and core.endswith(_NISBA_ENDINGS):
                own.append("nisba")
            own.append("fq=%d" % _frequency_bucket(tables.counts.get(stem, 0)))
            own.append("fw=%d" % _frequency_bucket(tables.counts.get(word, 0)))
            for key in (word, stem, core):
                tags.update(tables.gazetteer.get(key, ()))
            if "LEX" not in tags:
                for suffix in _NOUN_SUFFIXES:  # an ordinary noun with a plural or pronoun ending
                    if core.endswith(suffix) and len(core) - len(suffix) >= 2 and \
                            "LEX" in tables.gazetteer.get(core[:-len(suffix)], ()):
                        tags.add("LEXs")
                        break
            # the other readings may also be gazetteer words (بحلب: ب + حلب, or بحلب itself)
            for _offset, other in readings[1:]:
                tags.update("~" + tag for tag in tables.gazetteer.get(other, ()))
            clusters = tables.clusters.get(stem) or tables.clusters.get(word) \
                or tables.clusters.get(core) or ()
            own.extend("k%d=%s" % (level, cluster) for level, cluster in enumerate(clusters))
            if not clusters:
                own.append("k=none")
        else:
            if shape == "P":
                own.append("pc=" + _PUNCTUATION_CLASS.get(token, "o"))
            elif shape.startswith("D"):
                stem = word.translate(_ARABIC_DIGITS)
            tags.update(tables.gazetteer.get(word, ()))
        tags -= _NAME_START_ONLY_TAGS
        sorted_tags = sorted(tags)
        own.extend("g=" + tag for tag in sorted_tags)
        # a neighbour sees the stem, the two coarser cluster levels and the direct gazetteer tags
        shared = ["s=" + stem] + ["k%d=%s" % (level, cluster)
                                  for level, cluster in enumerate(clusters[:2])] \
            + ["g=" + tag for tag in sorted_tags if not tag.startswith("~")]
        own, context = _with_context(own, shared, _NAME_CONTEXT, self.name_attributes)
        return _NameWord(own, context, "TTL" in tags)

    # --- dates model ----------------------------------------------------------------------

    def date_features(self, tokens: list[str]) -> list[list[str]] | None:
        """Attributes for the dates model, or None when no token can be part of a date (no
        number, month, weekday, time unit or relative time word): such a sentence has none."""
        cache = self._date_words
        words = [cache.get(token) or _remember(cache, token, self._date_word(token))
                 for token in tokens]
        if not any(word.date_class for word in words):
            return None
        last = len(tokens) - 1
        known = self.date_attributes
        features = []
        for index, (word, (before, after)) in enumerate(
                zip(words, _date_sentence_attributes(tokens, words))):
            attributes = list(word.own) + before
            for offset in _DATE_CONTEXT:
                neighbour = index + offset
                if 0 <= neighbour <= last:
                    attributes.extend(words[neighbour].context[offset])
                elif offset in (-1, 1):
                    attributes.append("%+dBOUND" % offset)
            attributes += after
            if known is not None:
                attributes = [attribute for attribute in attributes if attribute in known]
            features.append(attributes)
        return features

    def date_rows(self, tokens: list[str]) -> tuple[list[int], list[list[str]]] | None:
        """date_features() for decode(), or None as there: each token's row in date_scores,
        and its attributes that come from the sentence rather than the word."""
        cache = self._scored_dates
        words = [cache.get(token) or self.scored_date(token) for token in tokens]
        if not any(word.date_class for word in words):
            return None
        last = len(tokens) - 1
        extras = []
        for index, (before, after) in enumerate(_date_sentence_attributes(tokens, words)):
            attributes = before + after
            if index == 0:
                attributes.append("-1BOUND")
            if index == last:
                attributes.append("+1BOUND")
            extras.append(attributes)
        return [word.row for word in words], extras

    def calendar_dates(self, tokens: list[str]) -> list[tuple[int, int]]:
        """(first, last) of each day-and-month or month-and-year the word classes spell out
        ("9 نوفمبر 2020", "جانفي 2011"). The dates model learnt from Wojood, where Maghreb
        month names are rare; a calendar date is a date whatever the model says."""
        classes = [self.scored_date(token).date_class
                   or _PUNCTUATION_CLASS.get(token, "") or "x" for token in tokens]
        starts, position = [], 0
        for date_class in classes:
            starts.append(position)
            position += len(date_class) + 1
        spans = []
        for match in _CALENDAR_DATE.finditer(" ".join(classes)):
            inside = [index for index, start in enumerate(starts)
                      if match.start() <= start < match.end()]
            spans.append((inside[0], inside[-1]))
        return spans

    def _date_word(self, token: str) -> _DateWord:
        word = normalise(token)
        shape = _shape(token)
        own = ["w=" + word, "sh=" + shape]
        bare = word
        if shape == "A" and len(word) > 2 and word[0] in "وفبل" and word not in _DATE_CUE_WORDS \
                and word[1:] in _DATE_CUE_WORDS:
            bare = word[1:]
            own.append("pf=" + word[0])
        date_class = _DATE_CLASS_OF.get(bare, "")
        if not date_class and shape.startswith("D"):
            digits = word.translate(_ARABIC_DIGITS)
            if _DIGITS.match(token):
                value = int(digits)
                date_class = "YR" if len(digits) == 4 and 1000 <= value <= 2100 else \
                    "DN" if 1 <= value <= 31 else "NUM"
            elif _NUMBER_DATE.match(digits):
                date_class = "NDATE"
            else:
                date_class = "DX"
        if date_class:
            own.append("dc=" + date_class)
        if shape == "A":
            core = strip_article(bare)
            own.extend(("x2=" + core[-2:], "x3=" + core[-3:], "b2=" + bare[:2]))
        elif shape == "P":
            own.append("pc=" + _PUNCTUATION_CLASS.get(token, "o"))
        shared = ["w=" + word] + (["dc=" + date_class] if date_class else [])
        own, context = _with_context(own, shared, _DATE_CONTEXT, self.date_attributes)
        return _DateWord(own, context, date_class)


def _scored(scores: WordScores | None, own: tuple[str, ...],
            context: dict[int, tuple[str, ...]]) -> int:
    """The row of a new word in `scores` (-1 without a model)."""
    if scores is None:
        return -1
    scores.add((own, *context.values()))
    return scores.count - 1


def _name_sentence_attributes(words: list[_NameWord] | list[_ScoredName]) -> list[list[str]]:
    """Per token, the names model's attributes that come from its sentence: a title word
    shortly before it, the sentence's first and last token."""
    out = []
    last = len(words) - 1
    last_title = -99
    for index, word in enumerate(words):
        attributes = []
        if 1 < index - last_title <= TITLE_WINDOW:
            attributes.append("ttl<=4")
        if word.is_title:
            last_title = index
        if index == 0:
            attributes.append("BOS")
        if index == last:
            attributes.append("EOS")
        out.append(attributes)
    return out


def _date_sentence_attributes(tokens: list[str], words: list[_DateWord] | list[_ScoredDate]
                              ) -> list[tuple[list[str], list[str]]]:
    """Per token, the dates model's attributes from its sentence (but the sentence bounds), as
    (those date_features() puts before the neighbours' attributes, those it puts after): its
    place in a date pattern, parentheses around a date, and the word classes either side."""
    last = len(tokens) - 1
    classes = [word.date_class or _PUNCTUATION_CLASS.get(token, "")
               for word, token in zip(words, tokens)]
    marks = _date_pattern_marks(classes)
    out = []
    open_parenthesis = -99
    for index, word in enumerate(words):
        before = [marks[index]] if marks[index] else []
        token = tokens[index]
        if token == "(":
            open_parenthesis = index
            if ")" in tokens[index + 1:index + 8]:
                before.append("par:closes")
        elif token == ")" and 0 < index - open_parenthesis <= 7:
            before.append("par:opened")
            if any(words[inside].date_class in ("YR", "DN", "NDATE")
                   for inside in range(open_parenthesis + 1, index)):
                before.append("par:date")
        after = []
        if index > 0:
            after.append("c-=" + words[index - 1].date_class + "|" + word.date_class)
        if index < last:
            after.append("c+=" + word.date_class + "|" + words[index + 1].date_class)
        out.append((before, after))
    return out


def _date_pattern_marks(classes: list[str]) -> list[str]:
    """"rxB"/"rxI" for the tokens inside a date pattern over the token classes, else ""."""
    starts, position = [], 0
    for date_class in classes:
        starts.append(position)
        position += len(date_class or "x") + 1
    joined = " ".join(date_class or "x" for date_class in classes)
    marks = [""] * len(classes)
    for match in _DATE_CLASS_PATTERN.finditer(joined):
        first = True
        for index, start in enumerate(starts):
            if match.start() <= start < match.end():
                marks[index] = "rxB" if first else "rxI"
                first = False
    return marks


def _with_context(own: list[str], shared: list[str], offsets: tuple[int, ...],
                  known: frozenset[str] | None) -> tuple[tuple[str, ...], dict]:
    """A word's own attributes, and what it shows its neighbour at each offset ("-1s=...");
    with `known`, only the attributes the model has weights for."""
    context = {offset: tuple("%+d" % offset + attribute for attribute in shared)
               for offset in offsets}
    if known is not None:
        own = [attribute for attribute in own if attribute in known]
        context = {offset: tuple(a for a in attributes if a in known)
                   for offset, attributes in context.items()}
    return tuple(own), context


# --- The tagger ---------------------------------------------------------------------------------

Entity = tuple[int, int, str, int]  # first token, last token, kind, proclitic characters to skip


class ArabicTagger:
    """Both CRFs and the word tables of one models folder."""

    def __init__(self, folder: Path = MODELS):
        self.features = ArabicFeatures(WordTables.load(folder), CrfWeights(folder / NAMES_MODEL),
                                       CrfWeights(folder / DATES_MODEL))
        # the per-word caches and scores are shared by the threads of a worker
        self._lock = threading.Lock()

    def name_start(self, token: str) -> int:
        return self.features.name_start(token)

    def gazetteer_tags(self, token: str) -> set[str]:
        """The word lists' tags of `token`, normalised, with and without its article: LEX a
        dictionary word, STP a stop word, GIV a given name, LOC a place..."""
        word = normalise(token)
        gazetteer = self.features.tables.gazetteer
        return set(gazetteer.get(word, ())) | set(gazetteer.get(strip_article(word), ()))

    def is_ordinary_word(self, token: str) -> bool:
        """Whether `token`, with or without its article, is a dictionary word or a stop word as
        well as whatever else it may be (مسقط, أن, البيان are also place names somewhere)."""
        tags = self.gazetteer_tags(token)
        return "LEX" in tags or "STP" in tags

    def is_name_word(self, token: str) -> bool:
        """Whether `token`, after any proclitic, is a word of people's names in the name lists
        (a given name, a listed person's name word): محمد, حسني, but not زعيمه or الفرعونية."""
        return any(self.gazetteer_tags(stem) & _PERSON_NAME_TAGS
                   for _, stem in proclitic_splits(token))

    def tag(self, sentences: list[list[str]]) -> list[list[Entity]]:
        """Per sentence (a list of token texts), its entities in order: (first token, last
        token, kind, characters of proclitic to leave out of the first token). Kinds are
        PERSON, ORGANIZATION, LOCATION and DATE; a date never overlaps a name."""
        if not isinstance(sentences, (list, tuple)) or not all(
                isinstance(sentence, (list, tuple))
                and all(type(token) is str for token in sentence) for sentence in sentences):
            raise TypeError("ArabicTagger.tag takes a list of sentences, each a list of token "
                            "strings")
        sentences = [list(sentence) for sentence in sentences]
        features = self.features
        with self._lock:
            features.start_document()
            name_tags = _decode_sentences(features.name_scores, _NAME_CONTEXT,
                                          [features.name_rows(tokens) for tokens in sentences])
            date_tags = _decode_sentences(features.date_scores, _DATE_CONTEXT,
                                          [features.date_rows(tokens) for tokens in sentences])
            return [self._entities(tokens, names, dates)
                    for tokens, names, dates in zip(sentences, name_tags, date_tags)]

    def _date_start(self, tokens: list[str], first: int, last: int) -> int:
        """A date's first token, past words the model ran into its front that say nothing of
        time ("بتعاملات الأسبوع الماضي": trading of last week). Words that open a span of time
        (قبل, منذ, خلال, نصف, ...) stay."""
        features = self.features
        while first < last:
            token = tokens[first]
            if features.scored_date(token).date_class or not token[:1].isalpha() or any(
                    normalise(stem) in _DATE_OPENERS for _, stem in proclitic_splits(token)):
                break
            first += 1
        return first

    def _entities(self, tokens: list[str], name_tags: list[str],
                  date_tags: list[str] | None) -> list[Entity]:
        """The entities of a sentence from its labels (date_tags None: no date cue)."""
        features = self.features
        entities = []
        named = set()
        for first, last, label in bio_spans(name_tags):
            kind = KINDS.get(label)
            if kind is not None:
                entities.append((first, last, kind, features.name_start(tokens[first])))
                named.update(range(first, last + 1))
        for first, last in _government_bodies(tokens, named):
            entities.append((first, last, "ORGANIZATION", features.name_start(tokens[first])))
            named.update(range(first, last + 1))
        if date_tags is not None:
            dates = bio_spans(date_tags)
            in_date = {index for first, last, _ in dates for index in range(first, last + 1)}
            dates += [(index, index, "DATE") for index, token in enumerate(tokens)
                      if index not in in_date
                      and _NUMERIC_DATE_TOKEN.match(token.translate(_ARABIC_DIGITS))]
            dates += [(first, last, "DATE") for first, last in features.calendar_dates(tokens)
                      if in_date.isdisjoint(range(first, last + 1))]
            for first, last, _ in dates:
                first = self._date_start(tokens, first, last)
                if named.isdisjoint(range(first, last + 1)):
                    entities.append((first, last, "DATE", 0))
        entities.sort()
        return entities


def _decode_sentences(scores: WordScores,
                      offsets: tuple[int, ...],
                      sentences: list[tuple[list[int], list[list[str]]] | None]
                      ) -> list[list[str] | None]:
    """decode() over the sentences of a document at once: each sentence as (rows, extras),
    or None for a sentence the model has nothing to read in (its labels: None)."""
    rows: list[int] = []
    starts = [0]
    extras: list[list[str]] = []
    for sentence in sentences:
        if sentence is not None:
            rows += sentence[0]
            extras += sentence[1]
            starts.append(len(rows))
    decoded = iter(decode(scores, rows, starts, offsets, extras))
    return [None if sentence is None else next(decoded) for sentence in sentences]


# Gazetteer tags of words that are parts of people's names: given names, the Ayaspell list of
# people, listed people's name words.
_PERSON_NAME_TAGS = frozenset(("GIV", "GIV?", "PNM", "PER", "PER_B", "PER_I"))


# ANERcorp, which the names model learnt from, leaves ministries, authorities and courts
# untagged (وزارة is O in all 43 of its cases), while readers and the other gold sets (Wojood,
# CoNLL's "Ministry of Defence") count them as organisations: such a head followed by definite
# words is one.
_GOVERNMENT_HEADS = frozenset(normalise(word) for word in ("وزارة", "هيئة", "محكمة", "مديرية"))
_MAX_COMPLEMENT = 3  # وزارة الدفاع الأذرية, هيئة الرقابة المالية الوطنية


@lru_cache(maxsize=100_000)
def _is_government_head(token: str) -> bool:
    return any(normalise(stem) in _GOVERNMENT_HEADS for _, stem in proclitic_splits(token))


def _government_bodies(tokens: list[str], taken: set[int]) -> list[tuple[int, int]]:
    """(first, last) of each untagged "ministry of X" phrase: a government head (after any
    proclitic, "ووزارة") and the definite words that complete it."""
    bodies = []
    index = 0
    while index < len(tokens):
        if index in taken or not _is_government_head(tokens[index]):
            index += 1
            continue
        last = index
        while last + 1 < len(tokens) and last + 1 not in taken and last - index < _MAX_COMPLEMENT \
                and tokens[last + 1].startswith("ال") and len(tokens[last + 1]) > 3:
            last += 1
        if last > index:
            bodies.append((index, last))
        index = last + 1
    return bodies


@loaded_once
def arabic_tagger() -> ArabicTagger:
    """The tagger of the shipped models, loaded on the first call, once per process."""
    return ArabicTagger()
