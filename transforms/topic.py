"""Topic of a news item (politics, sport or other) from weighted cue lexicons.

Explainable by construction: every decision comes with the cue words and phrases that drove it.
The lexicons (lexicons/topic_<lang>.tsv) give each cue a label and a weight; an item's evidence
for a label is the sum of the weights of its cues, with title cues counting more than body cues
and repeats of a body cue giving diminishing returns. "other" has its own cues (economy,
technology, culture, ...) plus a fixed prior, so weak or absent evidence gives "other".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

from transforms.arabic import enclitic_stems, normalise, proclitic_splits, strip_article
from transforms.dead_letters import ApplyStage
from transforms.language import text_field

LABELS = ("politics", "sport", "other")
OTHER = "other"
LEXICON_DIR = Path(__file__).parent / "lexicons"

# The topic of a news article is set by its opening; reading further costs time and mostly adds
# passing mentions (a politician at a match, a minister opening a festival).
BODY_HEAD_CHARS = 3000
# A headline is written to say what the article is about: one title cue is worth this many
# body occurrences.
TITLE_WEIGHT = 2.0
# Evidence "other" has before any cue: a topic must beat it, so one weak cue is not enough.
OTHER_PRIOR = 1.0
OTHER_PRIOR_PER_LOG_LENGTH = 1.0
# Softmax temperature turning evidence into confidence (larger = less sure). Chosen so that
# confidence roughly matches accuracy on the development sets (benchmarks/evaluate_topic.py).
TEMPERATURE = 2.0
MAX_CUES = 8

_EN_WORD = regex.compile(r"[\p{L}\p{N}]+")
_EN_POSSESSIVE = regex.compile(r"['’]s\b")
# Marks included: Arabic diacritics are combining marks inside a word, removed by normalise().
_AR_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")


@dataclass(frozen=True)
class Topic:
    label: str  # "politics" | "sport" | "other"
    confidence: float  # 0..1: how sure
    cues: tuple[str, ...]  # the words/phrases that drove the decision, strongest first


@dataclass(frozen=True)
class _Cue:
    text: str  # as written in the lexicon: what the user sees in `cues`
    label: str
    weight: float


def _english_key(token: str) -> str:
    """Lower case with a simple plural folded ("elections" = "election", "policies" = "policy").

    Not a stemmer: only enough that the lexicon lists one form of a noun. Words ending in
    -ss/-us/-is keep their s (boss, bus, crisis).
    """
    token = token.lower()
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _english_tokens(text: str) -> list[str]:
    return [_english_key(t) for t in _EN_WORD.findall(_EN_POSSESSIVE.sub("", text))]


class _Lexicon:
    """Cues of one language, indexed by their first token for longest-match scanning."""

    def __init__(self, path: Path, language: str):
        self.language = language
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        self.cues: list[_Cue] = []
        self._vocabulary: set[str] = set()
        seen: dict[tuple[str, ...], str] = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            label, text, weight = line.split("\t")
            if label not in LABELS:
                raise ValueError(f"{path.name}:{number}: unknown label {label!r}")
            keys = self._cue_keys(text)
            if keys in seen:
                # Two lines for one key (e.g. "player" and "players" after plural folding)
                # would count the same evidence twice or for two labels: keep lexicons clean.
                raise ValueError(f"{path.name}:{number}: {text!r} repeats {seen[keys]!r}")
            seen[keys] = text
            self._vocabulary.update(keys)
            self._by_first.setdefault(keys[0], []).append((keys, len(self.cues)))
            self.cues.append(_Cue(text, label, float(weight)))
        if language == "ar":
            self._check_no_clitic_cues(path)
        for entries in self._by_first.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        # Per-process memo of token -> key: news vocabulary is Zipfian, so most tokens of an
        # article have been seen before and the clitic analysis runs once per distinct word.
        self._arabic_key = lru_cache(maxsize=200_000)(self._arabic_key_uncached)

    def _cue_keys(self, text: str) -> tuple[str, ...]:
        if self.language == "ar":
            return tuple(strip_article(normalise(t)) for t in _AR_WORD.findall(text))
        return tuple(_english_tokens(text))

    def _check_no_clitic_cues(self, path: Path) -> None:
        # A cue word written with a proclitic ("لكرة") would become the key of that text token
        # and hide its stem ("كرة") from every other cue: cue words must be bare.
        for word in self._vocabulary:
            for _, stem in proclitic_splits(word)[1:]:
                if strip_article(stem) in self._vocabulary:
                    raise ValueError(f"{path.name}: cue word {word!r} is a proclitic + {stem!r}")

    def _arabic_key_uncached(self, token: str) -> str:
        # Normalised here, per distinct word, rather than over the whole text: with the memo
        # this is several times cheaper. Readings in order of likelihood (the word itself
        # before a clitic split, so وليد is not و + ليد, then without a pronoun suffix); the
        # first reading the lexicon knows is the key. Unknown words keep their article-less
        # form: they can match nothing anyway.
        token = normalise(token)
        splits = proclitic_splits(token)
        for _, stem in splits:
            key = strip_article(stem)
            if key in self._vocabulary:
                return key
        for _, stem in splits:
            for bare in enclitic_stems(stem):
                key = strip_article(normalise(bare))
                if key in self._vocabulary:
                    return key
        return strip_article(token)

    def tokens(self, text: str) -> list[str]:
        if self.language == "ar":
            return [self._arabic_key(t) for t in _AR_WORD.findall(text)]
        return _english_tokens(text)

    def matches(self, tokens: list[str]) -> dict[int, int]:
        """Cue index -> count, scanning left to right and taking the longest cue at each point.

        A matched phrase consumes its tokens, which is what keeps "الجيش" of the club
        "طلائع الجيش" out of politics and "league" of "arab league" out of sport.
        """
        counts: dict[int, int] = {}
        i, n = 0, len(tokens)
        while i < n:
            step = 1
            for keys, index in self._by_first.get(tokens[i], ()):
                if tuple(tokens[i:i + len(keys)]) == keys:
                    counts[index] = counts.get(index, 0) + 1
                    step = len(keys)
                    break
            i += step
        return counts


_LEXICONS = {lang: _Lexicon(LEXICON_DIR / f"topic_{lang}.tsv", lang) for lang in ("ar", "en")}
_ARABIC_LETTER = regex.compile(r"\p{Script=Arabic}")


def _lexicon_for(language: str, text: str) -> _Lexicon | None:
    if language in _LEXICONS:
        return _LEXICONS[language]
    if language == "und":
        # Undetermined is mostly a short title: the script still tells which lexicon applies.
        return _LEXICONS["ar" if _ARABIC_LETTER.search(text) else "en"]
    return None


def score_topic(title: str, body: str, language: str) -> Topic:
    """The topic of an item from its title and body; `language` is an ISO 639-1 code or "und".

    Languages without a lexicon get "other" with confidence 0: no evidence either way.
    """
    lexicon = _lexicon_for(language, title or body)
    if lexicon is None:
        return Topic(OTHER, 0.0, ())
    if body.strip() == title.strip():
        # Title-only items carry the title again as their body: count it once.
        body = ""
    title_tokens = lexicon.tokens(title)
    body_tokens = lexicon.tokens(body[:BODY_HEAD_CHARS])
    n_tokens = len(title_tokens) + len(body_tokens)
    title_counts = lexicon.matches(title_tokens)
    body_counts = lexicon.matches(body_tokens)

    contributions: dict[int, float] = {}
    for index in title_counts.keys() | body_counts.keys():
        body_count = body_counts.get(index, 0)
        strength = (TITLE_WEIGHT if index in title_counts else 0.0) + (
            1.0 + math.log(body_count) if body_count else 0.0)
        contributions[index] = lexicon.cues[index].weight * strength

    evidence = dict.fromkeys(LABELS, 0.0)
    for index, value in contributions.items():
        evidence[lexicon.cues[index].label] += value
    # Longer texts gather passing mentions of a topic: the bar for leaving "other" rises with
    # the length of the text read (slowly: the evidence of a real topic grows faster).
    evidence[OTHER] += OTHER_PRIOR + OTHER_PRIOR_PER_LOG_LENGTH * math.log1p(n_tokens / 50)

    label = max(LABELS, key=evidence.__getitem__)
    top = evidence[label]
    confidence = 1.0 / sum(math.exp((value - top) / TEMPERATURE) for value in evidence.values())
    ranked = sorted((i for i in contributions if lexicon.cues[i].label == label),
                    key=lambda i: -contributions[i])
    return Topic(label, round(confidence, 4), tuple(lexicon.cues[i].text for i in ranked[:MAX_CUES]))


def add_topic(record: dict) -> dict:
    """Copy of `record` with `topic` = {"label", "confidence", "cues"} from title and body."""
    title = text_field(record, "title")
    body = text_field(record, "body")
    language = record.get("language") or "und"
    topic = score_topic(title, body, language)
    out = dict(record)
    out["topic"] = {"label": topic.label, "confidence": topic.confidence, "cues": list(topic.cues)}
    return out


class DetectTopic(ApplyStage):
    """records -> (records with `topic`, dead letters for records whose text is not text)."""

    def __init__(self):
        super().__init__("topic", add_topic)
