"""The English entity tagger: people, organisations and places in English news text (and in
French and the other Latin-script languages finder.py hands it).

Two conditional random fields (trained with python-crfsuite, decoded by crf_decoding.py) tag
each sentence with PER, ORG, LOC and MISC in BIO; MISC is learnt (it keeps nationalities and
events out of the other types) but not reported. The first pass reads features of the words
of the sentence and of the document; the second pass reads the same features plus the labels
the first pass gave to the other occurrences of each word in the document ("Nice" tagged ORG
three times is ORG the fourth).

A token's features: the word, its shape and affixes, its neighbours, its word2vec cluster ids
and how often it is capitalised in running text (the word table), gazetteer marks for the
token runs that are place names or names seen in the training data (the gazetteer), and how the
same word is written elsewhere in the document. A sentence in capitals or in headline title
case gets casing-free features in place of the shape and capital flags, so that the tagger
reads "PUTIN ARRIVES IN KYIV" from the word table, the gazetteer and the document.

Everything is read from models/en_* on the first call of english_tagger(), once per process;
training/entities/english.py writes those files.
"""
from __future__ import annotations

import gzip
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from newsbeam.transforms.enrich.entities.crf import bio_spans
from newsbeam.transforms.enrich.entities.crf_decoding import CrfWeights, WordScores, decode
from newsbeam.transforms.loading import loaded_once

MODELS = Path(__file__).parent / "models"
WORD_TABLE = "en_words.tsv.gz"
GAZETTEER = "en_gazetteer.tsv.gz"
FIRST_PASS_MODEL = "en_names.crfsuite"
SECOND_PASS_MODEL = "en_names_pass2.crfsuite"

# The word table's cluster columns: k-means over word2vec vectors with this many clusters.
CLUSTER_COUNTS = (64, 256, 1024)
# Labels the models learn (CoNLL-2003's) and the kinds the tagger reports; MISC is not reported.
KINDS = {"PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION"}
# Per-word cache entries: when tagging, a word's summed weights in both models (720 bytes);
# when training, its attribute strings (about 1 KB). Emptied past this, so that a stream of
# new words keeps a worker's caches under about 50 MB (80 MB while the weights' array grows).
# The development captures' 1,369 items have 13,000 distinct words a language, so their rerun
# never empties them.
CACHE_LIMIT = 50_000

# Casing modes of a sentence.
NORMAL, CAPITALS, TITLE_CASE = 0, 1, 2
_SHAPE_PREFIX = {NORMAL: "sh=", CAPITALS: "ush=", TITLE_CASE: "tsh="}
_MODE_ATTRIBUTES = {NORMAL: (), CAPITALS: ("mU",), TITLE_CASE: ("mT",)}
# A capitalised function word is what tells a title-cased headline ("Putin Says Talks Will Go
# On") from a run of names ("Vladimir Putin, Xi Jinping").
_TITLE_CASE_FUNCTION_WORDS = frozenset(
    "a an the of to in on at for with by from and or as is are was be says said say will "
    "after over into about than new up out".split())
# After these a capital letter says nothing about the word: it opens a quotation or a clause.
# (A full stop always ends a sentence, so it never comes before a word of the same sentence.)
OPENERS = frozenset(('"', ":", "(", "'", "-", "--", "`", "``"))
_BEFORE_FIRST, _AFTER_LAST = ("BOS",), ("EOS",)
# Where the neighbour whose form 1, 2, 3, 4 of _word() a token reads is (form 0 is its own).
_FORM_OFFSETS = (-1, 1, -2, 2)


@lru_cache(maxsize=100_000)  # per word of every sentence, twice; news repeats its words
def norm_key(word: str) -> str:
    """The key of a word in the word table and the gazetteer: lower case, ’ as ', digits as 0."""
    key = word.lower().replace("’", "'")
    if any(ch.isdigit() for ch in key):
        key = "".join("0" if ch.isdigit() else ch for ch in key)
    return key


def word_shape(word: str) -> str:
    """Character classes with repeats collapsed: Putin -> Xx, U.S. -> X.X., 1996-08-22 -> d-d-d."""
    out = []
    last = ""
    for ch in word:
        if ch.isupper():
            c = "X"
        elif ch.islower():
            c = "x"
        elif ch.isdigit():
            c = "d"
        elif ch.isalpha():
            c = "a"
        else:
            c = ch
        if c != last:
            out.append(c)
            last = c
    return "".join(out)


# Headline style (Chicago, AP): content words capitalised, short function words not.
_HEADLINE_LOWER_WORDS = frozenset(
    "a an the of to in on at for with by from and or as vs via but nor is are was be up out "
    "into over than".split())
_LOWER_CASE_PRIORS = frozenset(("cp=l", "cp=L"))


def written_in_lower_case(word: str, words: WordTable) -> bool:
    """Whether running text mostly writes `word` in lower case, by the word table's casing
    prior ("Sky", "Court", "New"; not "Trump")."""
    _, prior = words.get(norm_key(word), ((), ()))
    return not _LOWER_CASE_PRIORS.isdisjoint(prior)


def sentence_mode(tokens: list[str], words: WordTable | None = None) -> int:
    """CAPITALS (no lower-case word and at least 6 capital letters), TITLE_CASE (at least 3
    words, all capitalised, one of them a function word) or NORMAL. With the word table, a
    headline that keeps its function words in lower case is TITLE_CASE too when two of its
    capitalised words are ones running text writes in lower case ("Barefoot Networks' New
    Chips Will Transform the Tech Industry"), not a run of names ("Donald Trump and Hillary
    Clinton")."""
    mode = _sentence_mode(tokens)
    if mode != NORMAL or words is None:
        return mode
    content = [token for token in tokens if token[0].isalpha()
               and token.lower() not in _HEADLINE_LOWER_WORDS]
    if len(content) < 3 or not all(token[0].isupper() for token in content):
        return NORMAL
    common = sum(1 for token in content
                 if not token.isupper() and written_in_lower_case(token, words))
    return TITLE_CASE if common >= 2 else NORMAL


def _sentence_mode(tokens: list[str]) -> int:
    capital_letters = 0
    words = 0
    all_capitals = True
    all_capitalised = True
    function_word_capitalised = False
    for token in tokens:
        if not token[0].isalpha():
            continue
        words += 1
        if token.isupper():
            capital_letters += len(token)
        else:
            all_capitals = False
        if token[0].islower():
            all_capitalised = False
        elif not token.isupper() and token.lower() in _TITLE_CASE_FUNCTION_WORDS:
            function_word_capitalised = True
    if words and all_capitals and capital_letters >= 6:
        return CAPITALS
    if words >= 3 and all_capitalised and function_word_capitalised:
        return TITLE_CASE
    return NORMAL


# --- Word table and gazetteer -------------------------------------------------------------------

def read_table(path: Path) -> list[list[str]]:
    """Rows of a gzipped tab-separated table."""
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: English entity model file missing; rebuild the models with "
            "newsbeam.training.entities.english.train")
    # one decompression and split: reading the gzip file line by line takes 5 times as long
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").split("\n")
    return [line.split("\t") for line in lines if line]


WordTable = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # key -> (clusters, casing prior)


def load_word_table(path: Path) -> WordTable:
    """Rows: key, a cluster id per CLUSTER_COUNTS (empty for words word2vec left out), casing
    prior (C, c, l, L from mostly capitalised to mostly lower case; empty when too rare)."""
    names = [f"k{count}=" for count in CLUSTER_COUNTS]
    table = {}
    for row in read_table(path):
        clusters = tuple(name + value for name, value in zip(names, row[1:]) if value)
        prior = ("cp=" + row[-1],) if row[-1] else ()
        table[row[0]] = (clusters, prior)
    return table


class Gazetteer:
    """Token sequences that are names (place lists, names seen in the training data), each with
    the lists it is in. A sequence is its tokens' norm_key()s joined by spaces."""

    def __init__(self, lists_of: dict[str, str]):
        """lists_of: sequence -> the names of its lists, sorted, joined by commas."""
        marks_of = {names: (tuple("g" + name + "B" for name in names.split(",")),
                            tuple("g" + name + "I" for name in names.split(",")))
                    for names in set(lists_of.values())}
        # sequence -> (marks of its first token, marks of the others)
        self._marks = {key: marks_of[names] for key, names in lists_of.items()}
        # first token -> lengths of the sequences it starts, longest first (the order of a
        # token's marks is the same on every run)
        self._lengths: dict[str, tuple[int, ...]] = dict.fromkeys(
            (key for key in lists_of if " " not in key), (1,))
        longer: dict[str, set[int]] = {}
        for key in lists_of:
            if " " in key:
                longer.setdefault(key.partition(" ")[0], set()).add(key.count(" ") + 1)
        for first, found in longer.items():
            self._lengths[first] = tuple(sorted(found, reverse=True)) + (
                (1,) if first in self._lengths else ())

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        return cls(dict(read_table(path)))

    def marks(self, tokens: list[str], mode: int) -> list[list[str]] | None:
        """Per token, "g<list>B" / "g<list>I" for each list entry the tokens spell; None when
        nothing matches. In normal text an entry must start and end with a capital."""
        marks = None
        keys = None
        count = len(tokens)
        for index, token in enumerate(tokens):
            if mode == NORMAL and not token[0].isupper():
                continue
            lengths = self._lengths.get(norm_key(token))
            if not lengths:
                continue
            if keys is None:
                keys = [norm_key(t) for t in tokens]
            for length in lengths:
                end = index + length
                if end > count:
                    continue
                found = self._marks.get(" ".join(keys[index:end]))
                if found is None or (mode == NORMAL and not tokens[end - 1][0].isupper()):
                    continue
                if marks is None:
                    marks = [[] for _ in range(count)]
                first, inside = found
                marks[index] += first
                for other in range(index + 1, end):
                    marks[other] += inside
        return marks


def lists_by_sequence(lists: dict[str, set[tuple[str, ...]]]) -> dict[str, str]:
    """{list name: token sequences} -> the Gazetteer's {sequence: its list names}."""
    lists_of: dict[str, str] = {}
    for name in sorted(lists):
        for key in lists[name]:
            joined = " ".join(key)
            lists_of[joined] = lists_of[joined] + "," + name if joined in lists_of else name
    return lists_of


# --- Features -----------------------------------------------------------------------------------

class EnglishFeatures:
    """CRF attributes of the tokens of a document. What depends on a word and the casing mode
    of its sentence alone is computed once and cached, already prefixed for the word itself and
    for its neighbours: news repeats its words.

    With `known` (the attributes the models have weights for), the others are dropped once per
    word: they cannot change the models' output."""

    def __init__(self, words: WordTable, gazetteer: Gazetteer,
                 known: frozenset[str] | None = None, models: Sequence[CrfWeights] = ()):
        self.words = words
        self.gazetteer = gazetteer
        self.known = known
        # (word, casing mode) -> its attributes per form (what training reads), or its row in
        # each model's scores (what tagging reads)
        self._cache: dict[tuple[str, int], tuple[tuple[str, ...], ...]] = {}
        self._rows: dict[tuple[str, int], int] = {}
        self.scores = [WordScores(model, len(_FORM_OFFSETS) + 1) for model in models]

    def _row(self, token: str, mode: int) -> int:
        row = self._rows.get((token, mode))
        if row is None:
            forms = self._word(token, mode)
            for scores in self.scores:
                scores.add(forms)
            row = self._rows[(token, mode)] = len(self._rows)
        return row

    def _word(self, word: str, mode: int) -> tuple[tuple[str, ...], ...]:
        """(own, as previous word, as next word, as second previous, as second next)."""
        low = word.lower()
        shape = _SHAPE_PREFIX[mode] + word_shape(word)
        own = ["w=" + low, shape]
        if len(low) > 3:
            own += ["p3=" + low[:3], "s3=" + low[-3:]]
            if len(low) > 4:
                own += ["p4=" + low[:4], "s4=" + low[-4:]]
        if mode == NORMAL:
            if word[0].isupper():
                own.append("cap")
            if word.isupper() and len(word) > 1:
                own.append("allcap")
        if len(word) == 1:
            own.append("len1")
        context = ["w=" + low, shape]
        entry = self.words.get(norm_key(word))
        if entry is None:
            own.append("nocl")
        else:
            clusters, prior = entry
            own += clusters + prior
            # a neighbour gives its two coarser cluster ids only (the recipe's choice: fewer
            # attributes for as good a model)
            context += clusters[:2] + prior
        forms = (own, ["-1" + a for a in context], ["+1" + a for a in context],
                 ["-2w=" + low], ["+2w=" + low])
        known = self.known
        if known is None:
            return tuple(tuple(form) for form in forms)
        return tuple(tuple(a for a in form if a in known) for form in forms)

    def document(self, sentences: list[list[str]]) -> list[list[list[str]]]:
        """Attributes of every token of one document, a list per token (fresh lists: the
        second pass extends them). What training reads; tagging reads the same attributes as
        document_rows()."""
        cache = self._cache
        if len(cache) > CACHE_LIMIT:
            cache.clear()
        modes = [sentence_mode(tokens, self.words) for tokens in sentences]
        seen_lower, seen_capitalised = document_casing(sentences, modes)
        out = []
        for tokens, mode in zip(sentences, modes):
            words = []
            for token in tokens:
                word = cache.get((token, mode))
                if word is None:
                    word = cache[(token, mode)] = self._word(token, mode)
                words.append(word)
            marks = self.gazetteer.marks(tokens, mode)
            count = len(tokens)
            sentence = []
            for index, token in enumerate(tokens):
                attributes = list(words[index][0])
                if index > 0:
                    attributes += words[index - 1][1]
                    if index > 1:
                        attributes += words[index - 2][3]
                else:
                    attributes += _BEFORE_FIRST
                if index + 1 < count:
                    attributes += words[index + 1][2]
                    if index + 2 < count:
                        attributes += words[index + 2][4]
                else:
                    attributes += _AFTER_LAST
                attributes += _sentence_attributes(token, mode, marks, index, seen_lower,
                                                   seen_capitalised)
                sentence.append(attributes)
            out.append(sentence)
        return out

    def document_rows(self, sentences: list[list[str]]) -> tuple[list[int], list[int],
                                                                  list[list[str]]]:
        """The attributes of document() for decode(): each token's word row in `scores`,
        the index of each sentence's first token (then the token count), and each token's
        attributes that do not come from a word alone (BOS, EOS and _sentence_attributes)."""
        if len(self._rows) > CACHE_LIMIT:  # between documents: a document's rows stay valid
            self._rows.clear()
            for scores in self.scores:
                scores.clear()
        modes = [sentence_mode(tokens, self.words) for tokens in sentences]
        seen_lower, seen_capitalised = document_casing(sentences, modes)
        rows: list[int] = []
        starts = [0]
        extras = []
        for tokens, mode in zip(sentences, modes):
            # (row 0 is falsy and goes the long way round: _row finds it again)
            rows += [self._rows.get((token, mode)) or self._row(token, mode) for token in tokens]
            starts.append(len(rows))
            marks = self.gazetteer.marks(tokens, mode)
            last = len(tokens) - 1
            for index, token in enumerate(tokens):
                attributes = _sentence_attributes(token, mode, marks, index, seen_lower,
                                                  seen_capitalised)
                if index == 0:
                    attributes += _BEFORE_FIRST
                if index == last:
                    attributes += _AFTER_LAST
                extras.append(attributes)
        return rows, starts, extras


def _sentence_attributes(token: str, mode: int, marks: list[list[str]] | None, index: int,
                         seen_lower: set[str], seen_capitalised: set[str]) -> list[str]:
    """A token's attributes from its sentence and document: the casing mode, the gazetteer
    marks and how the document writes the word elsewhere."""
    attributes = list(_MODE_ATTRIBUTES[mode])
    if marks is not None:
        attributes += marks[index]
    if mode != NORMAL or token[0].isupper():
        low = token.lower()
        if low in seen_lower:
            attributes.append("dl" if mode == NORMAL else "mdl")
        if low in seen_capitalised:
            attributes.append("dc" if mode == NORMAL else "mdc")
    return attributes


def document_casing(sentences: list[list[str]], modes: list[int]) -> tuple[set[str], set[str]]:
    """Lower-cased words the document writes in lower case, and capitalised in the middle of a
    sentence (not after an opener), in its normal-case sentences: "Nice" at the start of a
    sentence is a word when the document also writes "nice"."""
    seen_lower: set[str] = set()
    seen_capitalised: set[str] = set()
    for tokens, mode in zip(sentences, modes):
        if mode != NORMAL:
            continue
        previous = ""
        for index, token in enumerate(tokens):
            first = token[0]
            if first.islower():
                seen_lower.add(token.lower())
            elif first.isupper() and index > 0 and previous not in OPENERS:
                seen_capitalised.add(token.lower())
            previous = token
    return seen_lower, seen_capitalised


def label_history(sentences: list[list[str]], labels: list[list[str]]) -> list[list[list[str]]]:
    """The second pass's extra attributes: for a capitalised word (any word in a capitals or
    title-case sentence counts too), the types the first pass gave to its other occurrences in
    the document ("hPER", "hO", ...) and the most frequent of them ("hmPER")."""
    counts: dict[str, dict[str, int]] = {}
    for tokens, sentence_labels in zip(sentences, labels):
        for token, label in zip(tokens, sentence_labels):
            if token[0].isalpha() and not token[0].islower():
                kinds = counts.setdefault(token.lower(), {})
                kind = label[2:] if label != "O" else "O"
                kinds[kind] = kinds.get(kind, 0) + 1
    out = []
    for tokens, sentence_labels in zip(sentences, labels):
        sentence = []
        for token, label in zip(tokens, sentence_labels):
            kinds = counts.get(token.lower()) \
                if token[0].isalpha() and not token[0].islower() else None
            attributes = []
            if kinds:
                own = label[2:] if label != "O" else "O"
                best, best_count = "", 0
                for kind in sorted(kinds):
                    others = kinds[kind] - (kind == own)
                    if others > 0:
                        attributes.append("h" + kind)
                        if others > best_count:
                            best, best_count = kind, others
                if best:
                    attributes.append("hm" + best)
            sentence.append(attributes)
        out.append(sentence)
    return out


# --- The tagger ---------------------------------------------------------------------------------

Span = tuple[int, int, str]  # first token, last token, kind


class EnglishTagger:
    """Both CRFs, the word table and the gazetteer of one models folder."""

    def __init__(self, folder: Path = MODELS):
        first_pass = CrfWeights(folder / FIRST_PASS_MODEL)
        second_pass = CrfWeights(folder / SECOND_PASS_MODEL)
        self.features = EnglishFeatures(load_word_table(folder / WORD_TABLE),
                                        Gazetteer.load(folder / GAZETTEER),
                                        first_pass.attributes | second_pass.attributes,
                                        (first_pass, second_pass))
        # the per-word caches and scores are shared by the threads of a worker
        self._lock = threading.Lock()

    def tag(self, sentences: list[list[str]]) -> list[list[Span]]:
        """Per sentence (a list of token texts; the sentences of one document together), its
        entities in order: (first token, last token, kind), kind PERSON, ORGANIZATION or
        LOCATION."""
        if not isinstance(sentences, (list, tuple)) or not all(
                isinstance(sentence, (list, tuple))
                and all(type(token) is str and token for token in sentence)
                for sentence in sentences):
            raise TypeError("EnglishTagger.tag takes a list of sentences, each a list of "
                            "non-empty token strings")
        return [[(first, last, KINDS[label]) for first, last, label in bio_spans(labels)
                 if label in KINDS]
                for labels in self.labels(sentences)]

    def labels(self, sentences: list[list[str]]) -> list[list[str]]:
        """BIO labels (with MISC) of the tokens of one document, after both passes."""
        first_pass, second_pass = self.features.scores
        with self._lock:
            rows, starts, extras = self.features.document_rows(sentences)
            first = decode(first_pass, rows, starts, _FORM_OFFSETS, extras)
            history = [attributes for sentence in label_history(sentences, first)
                       for attributes in sentence]
            return decode(second_pass, rows, starts, _FORM_OFFSETS,
                          [own + more for own, more in zip(extras, history)])


@loaded_once
def english_tagger() -> EnglishTagger:
    """The tagger of the shipped models, loaded on the first call, once per process."""
    return EnglishTagger()
