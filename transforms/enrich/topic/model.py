"""The trained part of the topic decision: a linear model over word and character n-grams.

Features of one word key (key_features): the word itself, its Arabic proclitic readings
(والمنتخب -> منتخب) and its character 3-5-grams. Words of the cue lexicons have no features:
the lexicon's hand weights stand, and the model speaks only about the words the lexicon does
not know (names, rarer sports, context). Without this the model re-weighted the cues to the
development sets' label conventions (AG News taught it "election" -2.2: business stories
mention elections).

A document's feature vector is the sum of the feature vectors of its distinct words, title
words counted twice, times 1/sqrt(that count + 1) (scoring.distinct_words). The model being
linear, its part of a score is a sum of one complex number per distinct word, computed when
the word is first met and kept on the word (lexicon.Word.vector): scoring never builds a
feature vector. The weights are trained by training/topic/train.py and shipped in
models/topic_weights.json.gz; they are read on first use, once per process.
"""
from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

from newsbeam.transforms.enrich.arabic import proclitic_splits, strip_article
from newsbeam.transforms.loading import loaded_once
from newsbeam.transforms.enrich.topic.lexicon import Word, lexicon, lexicon_fingerprint

MODEL_PATH = Path(__file__).parent / "models" / "topic_weights.json.gz"
# Languages with training data (AG News, ANT); French and "und" in Latin script are read by the
# lexicon alone (French) or as English.
MODEL_LANGUAGES = ("ar", "en")
CHAR_NGRAMS = (3, 4, 5)


def key_features(key: str, language: str) -> list[str]:
    """Model feature names of one word key (an n-gram that occurs twice is listed twice).
    Words of the cue lexicon have none (see the module docstring)."""
    if key in lexicon(language).vocabulary:
        return []
    features = ["w" + key]
    if language == "ar":
        # Proclitic readings of words the lexicon did not split (والمنتخب -> منتخب): every
        # reading with a stem of 3+ letters. Wrong splits of names are rare features that the
        # regulariser keeps near zero.
        for _, stem in proclitic_splits(key)[1:]:
            stem = strip_article(stem)
            if len(stem) >= 3:
                features.append("s" + stem)
    padded = "<" + key + ">"
    for n in CHAR_NGRAMS:
        features.extend("c" + padded[i:i + n] for i in range(len(padded) - n + 1))
    return features


class LanguageModel:
    """The shipped weights of one language and how they combine with the lexicon:
    logits = (lexicon_gain * lexicon evidence + model score) / temperature."""

    def __init__(self, language: str, spec: dict):
        self.language = language
        unit = spec["unit"]
        self.weights = {name: complex(p * unit, s * unit)
                        for name, (p, s) in spec["features"].items()}
        self.lexicon_gain = spec["lexicon_gain"]
        self.temperature = spec["temperature"]
        # A word whose vector is at least this large is a cue candidate; weaker words are never
        # among the strongest cues, and leaving them out keeps the cue ranking to a few words.
        self.salient_norm = spec["salient_norm"]

    def vector(self, key: str) -> complex:
        """The model's evidence for one word: the sum of its features' weights."""
        return sum(map(self.weights.get, key_features(key, self.language), repeat(0j)), 0j)

    def fill(self, word: Word) -> None:
        """Sets the model's part of `word` (Word.vector and Word.salient)."""
        word.vector = self.vector(word.key)
        word.salient = abs(word.vector) >= self.salient_norm


@dataclass(frozen=True)
class Models:
    languages: dict[str, LanguageModel]
    # Temperature of the English lexicon alone, fitted on AG News: French cues are written on
    # the English weight scale and have no data of their own to be calibrated on.
    lexicon_only_temperature: float


def read_models(path: Path) -> Models:
    """The models in `path` (written by training.train), checked against the cue lexicons."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            spec = json.load(handle)
    except FileNotFoundError:
        raise FileNotFoundError(f"no topic model at {path}: run `newsbeam train topic`") from None
    languages = tuple(spec["languages"])
    if spec["lexicon_fingerprint"] != lexicon_fingerprint(languages):
        raise ValueError(f"{path.name} was trained with other cue lexicons: run "
                         "`newsbeam train topic` after changing lexicons/topic_*.tsv")
    return Models({language: LanguageModel(language, spec[language])
                   for language in languages}, spec["lexicon_only_temperature"])


@loaded_once
def shipped_models() -> Models:
    """The models inside the package, read on first use and kept for the process."""
    models = read_models(MODEL_PATH)
    # Each word carries its vector, set once when it is first met: scoring reads an attribute
    # instead of looking the word up in a table (see Word).
    for language, model in models.languages.items():
        lexicon(language).attach(model.fill)
    return models
