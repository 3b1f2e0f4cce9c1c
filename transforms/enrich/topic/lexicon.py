"""Cue lexicons: the word keys of a text and the weighted cues they match.

Explainable by construction: the lexicons (transforms/lexicons/topic_<lang>.tsv) give each cue
word or phrase a label and a weight; an item's evidence for a label is the sum of the weights of
its cues, with title cues counting more than body cues and repeats of a body cue giving
diminishing returns. "other" has its own cues (economy, technology, culture, ...) plus a prior
that grows slowly with the length of the text, so weak or absent evidence gives "other".

Word keys are what both the lexicon and the trained model (model.py) read:
- English: lower case, simple plurals folded ("elections" = "election"), possessive 's dropped.
- French: lower case, accents and ligatures folded ("élections" = "election", "œuvre" =
  "oeuvre"), plurals in -s/-x and -aux folded ("électoraux" = "electoral"); elided articles
  (l', d', qu') are words of their own, so "l'Assemblée" reads "l", "assemblee".
- Arabic: spelling variants folded (enrich.arabic.normalise), the article removed, and
  proclitics (و ف ب ل ك) and pronoun suffixes removed where the lexicon knows the stem.

Evidence is a complex number: real part = politics minus other, imaginary part = sport minus
other ("other" is the zero reference), so adding a cue is one complex addition.
"""
from __future__ import annotations

import hashlib
import math
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from itertools import chain, compress, count
from pathlib import Path
from typing import Callable

import regex

from newsbeam.transforms.enrich import LEXICON_DIR
from newsbeam.transforms.enrich.arabic import (
    enclitic_stems, normalise, proclitic_splits, strip_article, strip_diacritics)

LABELS = ("politics", "sport", "other")


def table_rows(path: Path):
    """(line number, its tab-separated fields, the line) of each row of a word table: blank
    lines and # comments are skipped."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            yield number, line.split("\t"), line


# Known actors (people, parties, parliaments, armies, clubs) in the three languages: read as
# cues by every language's lexicon (CueLexicon._actor_entries).
ACTORS_PATH = LEXICON_DIR / "topic_actors.tsv"
OTHER = "other"
LANGUAGES = ("ar", "en", "fr")

# The topic of a news article is set by its opening; reading further costs time and mostly adds
# passing mentions (a politician at a match, a minister opening a festival).
BODY_HEAD_CHARS = 3000
# A headline is written to say what the article is about: one title cue is worth this many
# body occurrences.
TITLE_WEIGHT = 2.0
# Evidence "other" has before any cue: a topic must beat it, so one weak cue is not enough.
# Longer texts gather passing mentions of a topic, so the bar rises (slowly) with length.
OTHER_PRIOR = 1.0
OTHER_PRIOR_PER_LOG_LENGTH = 1.0

# A label's evidence as a complex score against "other".
DIRECTION = {"politics": 1 + 0j, "sport": 1j, "other": -1 - 1j}

_LATIN_WORD = regex.compile(r"[\p{L}\p{N}]+")
_EN_POSSESSIVE = regex.compile(r"['’]s\b")
# Marks included: Arabic diacritics and decomposed French accents are combining marks inside a
# word, folded by the key functions.
_WORD_WITH_MARKS = regex.compile(r"[\p{L}\p{M}\p{N}]+")
_COMBINING_MARK = regex.compile(r"\p{M}")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})

# Per-process memos are emptied between two items once past this many entries, so that a
# long-running worker reading an endless stream of new words stays within memory (about
# 100-200 MB at the cap). Never within an item: its words must stay one object each.
CACHE_LIMIT = 500_000


class Memo(dict):
    """key -> function(key), computed on first use and kept."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, key):
        value = self[key] = self.function(key)
        return value


def without_accents(text: str) -> str:
    """`text` decomposed, its combining marks left out: "Mbappé" -> "Mbappe"."""
    return _COMBINING_MARK.sub("", unicodedata.normalize("NFD", text))


def english_key(token: str) -> str:
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


def french_key(token: str) -> str:
    """Lower case, accents folded, a plural folded ("élections" = "election", "jeux" = "jeu",
    "électoraux" = "electoral"). Feminine forms are listed as words of their own."""
    token = without_accents(token.lower().translate(_LIGATURES))
    if len(token) > 4 and token.endswith("aux"):
        return token[:-3] + "al"
    if len(token) > 3 and token.endswith(("s", "x")) and not token.endswith("ss"):
        return token[:-1]
    return token


@dataclass(frozen=True)
class Cue:
    text: str  # as written in the lexicon: what the user sees in `cues`
    label: str
    weight: float


class Word:
    """A word key of one language: one object per key, so that sets, dicts and phrase
    comparisons use identity (no string hashing or comparing in the per-item work), and
    carrying what the shipped model says about it (set once, when the word is first met)."""

    __slots__ = ("key", "shown", "vector", "salient", "alone")

    def __init__(self, key: str, shown: str):
        self.key = key  # the lookup key (folded, clitics removed)
        self.shown = shown  # how to show it as a cue: the first spelling met
        self.vector = 0j  # the model's evidence (politics + sport j against other)
        self.salient = False  # strong enough to be among an item's cues
        # The words of a chunk that is this word alone: one tuple per word (allocated beside
        # it) rather than one per spelling of the chunk, which keeps the chunk memo's values
        # few and close to their words in memory.
        self.alone = (self,)

    def __repr__(self) -> str:
        return f"Word({self.key!r})"


class CueLexicon:
    """The cues of one language, indexed by their first word key for longest-match scanning,
    and the tokeniser that turns text into word keys."""

    def __init__(self, path: Path, language: str, actors_path: Path | None = None):
        self.language = language
        self.cues: list[Cue] = []
        self.vocabulary: set[str] = set()
        self._key_of = {"ar": self._arabic_key, "en": english_key, "fr": french_key}[language]
        # key -> its Word; the cue words stay when the memos are emptied (see _trim).
        self._words: dict[str, Word] = {}
        self._model_fill: Callable[[Word], None] | None = None
        self._lock = threading.Lock()
        seen: dict[tuple[str, ...], str] = {}
        entries: list[tuple[tuple[str, ...], Cue]] = []
        for number, fields, line in table_rows(path):
            if len(fields) != 3 or fields[0] not in LABELS:
                raise ValueError(f"{path.name}:{number}: expected label<TAB>cue<TAB>weight "
                                 f"with a label of {LABELS}, got {line!r}")
            label, text, weight = fields
            keys = self._cue_keys(text)
            if keys in seen:
                # Two lines for one key (e.g. "player" and "players" after plural folding)
                # would count the same evidence twice or for two labels: keep lexicons clean.
                raise ValueError(f"{path.name}:{number}: {text!r} repeats {seen[keys]!r}")
            seen[keys] = text
            entries.append((keys, Cue(text, label, float(weight))))
        if actors_path is not None:
            entries.extend(self._actor_entries(actors_path, seen))
        by_first: dict[Word, list[tuple[tuple[Word, ...], int]]] = {}
        for keys, cue in entries:
            self.vocabulary.update(keys)
            words = tuple(self._word(key, key) for key in keys)
            by_first.setdefault(words[0], []).append((words, len(self.cues)))
            self.cues.append(cue)
        if language == "ar":
            self._check_no_clitic_cues(path)
        # The scan's index: one-word cues are counted in C (a Counter over a filter), and
        # only the positions where a phrase can start are visited in Python.
        self.single_cue: dict[Word, int] = {}
        self.phrases: dict[Word, list[tuple[list[Word], int, int]]] = {}
        for first, entries in by_first.items():
            for words, index in sorted(entries, key=lambda entry: -len(entry[0])):
                if len(words) == 1:
                    self.single_cue[first] = index
                else:
                    self.phrases.setdefault(first, []).append((list(words[1:]), index,
                                                               len(words)))
        # weight * direction of each cue: its evidence at strength 1.
        self.cue_values = [cue.weight * DIRECTION[cue.label] for cue in self.cues]
        self._cue_words = dict(self._words)
        # Text is split on white space and each chunk is mapped once per process to its
        # words: the tokeniser never crosses white space, so this gives the words of the whole
        # text at the cost of one dict hit per chunk (news vocabulary is Zipfian).
        self._chunks = Memo(self._chunk_words)
        self._tokens: dict[str, Word] = {}

    def _actor_entries(self, path: Path, seen: dict[tuple[str, ...], str]
                       ) -> list[tuple[tuple[str, ...], Cue]]:
        """The cues of this language's column of the actors table (topic_actors.tsv): forms
        that are already cues of the lexicon keep the lexicon's cue, and a form of two actors
        with different labels is left out."""
        column = {"en": 2, "fr": 3, "ar": 4}[self.language]
        vocabulary = {key for keys in seen for key in keys}
        found: dict[tuple[str, ...], Cue | None] = {}
        for number, fields, line in table_rows(path):
            fields = (fields + [""] * 5)[:5]
            if fields[0] not in LABELS or not fields[1]:
                raise ValueError(f"{path.name}:{number}: expected label<TAB>weight<TAB>English"
                                 f"<TAB>French<TAB>Arabic forms, got {line!r}")
            forms = fields[column] or (fields[2] if self.language == "fr" else "")
            forms = [f.strip() for f in forms.split("|") if f.strip()]
            if self.language == "en":
                # English keys keep accents, and English copy often drops them (Mbappe).
                forms += [f for f in map(without_accents, forms) if f not in forms]
            for form in forms:
                keys = self._cue_keys(form)
                if self.language == "ar":
                    # Cue words are written without proclitics (the text side strips them):
                    # "الاتحاد الدولي لكرة القدم" is read as "... كرة القدم".
                    keys = tuple(self._bare(key, vocabulary) for key in keys)
                if not keys or keys in seen:
                    continue
                earlier = found.get(keys, False)
                if earlier is False:
                    found[keys] = Cue(form, fields[0], float(fields[1]))
                elif earlier is not None and earlier.label != fields[0]:
                    found[keys] = None  # two actors, two labels: say nothing
        kept = {keys: cue for keys, cue in found.items() if cue is not None}
        if self.language == "ar":
            # No cue word may be a proclitic + another cue word (_check_no_clitic_cues): an
            # actor form that would make one is left out ("بان" of بان كي مون beside "ان").
            actor_words = {key for keys in kept for key in keys} - vocabulary
            words = vocabulary | actor_words
            clashing = set()
            for word in words:
                for _, stem in proclitic_splits(word)[1:]:
                    stem = strip_article(stem)
                    if stem in words:
                        clashing.update(w for w in (word, stem) if w in actor_words)
            kept = {keys: cue for keys, cue in kept.items() if not clashing.intersection(keys)}
        return list(kept.items())

    @staticmethod
    def _bare(key: str, vocabulary: set[str]) -> str:
        for _, stem in proclitic_splits(key)[1:]:
            if strip_article(stem) in vocabulary:
                return strip_article(stem)
        return key

    def _cue_keys(self, text: str) -> tuple[str, ...]:
        if self.language == "ar":
            return tuple(strip_article(normalise(t)) for t in _WORD_WITH_MARKS.findall(text))
        return tuple(map(self._key_of, self._tokens_of(text)))

    def _tokens_of(self, text: str) -> list[str]:
        if self.language == "en":
            return _LATIN_WORD.findall(_EN_POSSESSIVE.sub("", text))
        return _WORD_WITH_MARKS.findall(text)

    def _word(self, key: str, token: str) -> Word:
        word = self._words.get(key)
        if word is None:
            # Beam runs bundles on several threads of a worker: one Word per key, published
            # with its model part set.
            with self._lock:
                word = self._words.get(key)
                if word is None:
                    word = Word(key, self._shown(token, key))
                    if self._model_fill is not None:
                        self._model_fill(word)
                    self._words[key] = word
        return word

    def attach(self, model_fill: Callable[[Word], None]) -> None:
        """Has `model_fill` set the model's part of every word, now and when first met."""
        with self._lock:
            self._model_fill = model_fill
            for word in self._words.values():
                model_fill(word)

    def _shown(self, token: str, key: str) -> str:
        if self.language != "ar":
            return token.lower()
        plain = strip_diacritics(token)
        # normalise() folds letters one to one, so the key's letters are the tail of the plain
        # token unless a pronoun suffix was removed.
        return plain[-len(key):] if normalise(plain).endswith(key) else key

    def _check_no_clitic_cues(self, path: Path) -> None:
        # A cue word written with a proclitic ("لكرة") would become the key of that text token
        # and hide its stem ("كرة") from every other cue: cue words must be bare.
        for word in self.vocabulary:
            for _, stem in proclitic_splits(word)[1:]:
                if strip_article(stem) in self.vocabulary:
                    raise ValueError(f"{path.name}: cue word {word!r} is a proclitic + {stem!r}")

    def _arabic_key(self, token: str) -> str:
        # Readings in order of likelihood (the word itself before a clitic split, so وليد is
        # not و + ليد, then without a pronoun suffix); the first reading the lexicon knows is
        # the key. Unknown words keep their article-less form.
        token = normalise(token)
        splits = proclitic_splits(token)
        for _, stem in splits:
            key = strip_article(stem)
            if key in self.vocabulary:
                return key
        for _, stem in splits:
            for bare in enclitic_stems(stem):
                key = strip_article(normalise(bare))
                if key in self.vocabulary:
                    return key
        return strip_article(token)

    def _chunk_words(self, chunk: str) -> tuple[Word, ...]:
        words = tuple(map(self._token_word, self._tokens_of(chunk)))
        return words[0].alone if len(words) == 1 else words

    def _token_word(self, token: str) -> Word:
        word = self._tokens.get(token)
        if word is None:
            word = self._tokens[token] = self._word(self._key_of(token), token)
        return word

    def words(self, text: str) -> list[Word]:
        """The words of `text`, in order."""
        self._trim()
        return list(chain.from_iterable(map(self._chunks.__getitem__, text.split())))

    def item_words(self, title: str, body: str) -> tuple[list[Word], list[Word]]:
        """The words of an item's title and body: one object per word across both."""
        self._trim()
        chunk_words = self._chunks.__getitem__
        return (list(chain.from_iterable(map(chunk_words, title.split()))),
                list(chain.from_iterable(map(chunk_words, body.split()))))

    def _trim(self) -> None:
        # Between two items only (see CACHE_LIMIT); the cue words that the index holds stay.
        if len(self._chunks) > CACHE_LIMIT:
            with self._lock:
                self._chunks.clear()
                self._tokens.clear()
                self._words = dict(self._cue_words)

    def matches(self, words: list[Word]) -> dict[int, int]:
        """Cue index -> count, scanning left to right and taking the longest cue at each point.

        A matched phrase consumes its words, which is what keeps "الجيش" of the club
        "طلائع الجيش" out of politics and "league" of "arab league" out of sport.
        """
        single_cue = self.single_cue
        singles = Counter(filter(single_cue.__contains__, words))
        counts: dict[int, int] = {}
        free = 0
        phrases = self.phrases
        for i in compress(count(), map(phrases.__contains__, words)):
            if i < free:
                continue  # inside a phrase matched before
            for rest, index, n in phrases[words[i]]:
                if words[i + 1:i + n] == rest:
                    counts[index] = counts.get(index, 0) + 1
                    for word in words[i:i + n]:
                        if word in singles:
                            singles[word] -= 1  # consumed by the phrase
                    free = i + n
                    break
        for word, n in singles.items():
            if n:
                counts[single_cue[word]] = n
        return counts

    def evidence(self, title_words: list[Word], body_words: list[Word]
                 ) -> tuple[complex, dict[int, complex]]:
        """(evidence against "other", {cue index: its contribution}) of an item's words."""
        title_counts = self.matches(title_words)
        body_counts = self.matches(body_words)
        contributions = {}
        total = 0j
        cue_values = self.cue_values
        for index in title_counts.keys() | body_counts.keys():
            body_count = body_counts.get(index, 0)
            strength = (TITLE_WEIGHT if index in title_counts else 0.0) + (
                1.0 + math.log(body_count) if body_count else 0.0)
            value = cue_values[index] * strength
            contributions[index] = value
            total += value
        n_words = len(title_words) + len(body_words)
        prior = OTHER_PRIOR + OTHER_PRIOR_PER_LOG_LENGTH * math.log1p(n_words / 50)
        return total - prior * (1 + 1j), contributions

    def fingerprint_lines(self) -> list[str]:
        """The cues as the model depends on them (label, word keys, weight), without comments
        or layout: a changed comment does not force retraining, a changed cue does."""
        return [f"{self.language}\t{cue.label}\t{' '.join(self._cue_keys(cue.text))}\t{cue.weight}"
                for cue in self.cues]


_LEXICONS: dict[str, CueLexicon] = {}
_LOADING = threading.Lock()


def lexicon(language: str) -> CueLexicon:
    """The cue lexicon of `language` (one of LANGUAGES), read once per process."""
    found = _LEXICONS.get(language)
    if found is None:
        with _LOADING:  # one copy even when several threads ask first
            found = _LEXICONS.get(language)
            if found is None:
                found = _LEXICONS[language] = CueLexicon(LEXICON_DIR / f"topic_{language}.tsv",
                                                         language, ACTORS_PATH)
    return found


def lexicon_fingerprint(languages: tuple[str, ...]) -> str:
    """Hash of the cues of `languages`: a trained model's word keys and features depend on them
    (words of the lexicon have no model features; Arabic keys depend on its vocabulary)."""
    digest = hashlib.sha256()
    for language in languages:
        digest.update("\n".join(lexicon(language).fingerprint_lines()).encode("utf-8"))
    return digest.hexdigest()[:16]
