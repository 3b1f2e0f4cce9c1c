"""Language of a news item: an ISO 639-1 code, or "und" when the text does not say.

Arabic script is decided by the script itself (the model adds nothing there and costs time),
except that Persian and Urdu share the script and are handed to py3langid when their own letters
appear. Everything else goes to py3langid, whose probabilities are thresholded so that a
two-word title or keyboard noise gives "und" instead of a confident guess.
"""
from __future__ import annotations

import regex
from py3langid.langid import MODEL_FILE, LanguageIdentifier


UNDETERMINED = "und"

# A long body says everything there is to say in its first paragraphs; the model's cost grows
# with the text, so the rest is not read (half as much as 2,000 characters changed no decision
# on the development texts).
BODY_HEAD_CHARS = 1000

# Fewer letters than this is not a text (a ticker, "ok", a date): no guess.
MIN_LETTERS = 10
# When Arabic letters are at least this share of all letters, the item is in Arabic script
# (Latin brand names and numbers inside Arabic news are common, so not 100%).
ARABIC_SCRIPT_SHARE = 0.5
# Persian/Urdu are only reported when the model is this sure: Arabic feeds quote Persian names.
ARABIC_SCRIPT_OTHER_MIN = 0.8
# The model over all its ~140 languages: a top probability at this level is a real decision.
# (py3langid divides scores by sqrt(length) before the softmax, so short texts get flat
# distributions: this threshold is mostly reached by texts of a sentence or more.)
FULL_MODEL_MIN = 0.5
# Short texts (titles) spread their probability over look-alike minor languages (Nigerian
# Pidgin for English, Galician for Portuguese). Renormalised over the languages news feeds are
# actually written in, the same evidence gives a usable answer at this level.
NEWS_LANGUAGES_MIN = 0.3

NEWS_LANGUAGES = frozenset({
    "ar", "en", "fr", "de", "pt", "es", "it", "nl", "tr", "fa", "ur", "ru", "uk", "pl", "sv",
    "da", "no", "fi", "ro", "ca", "el", "he", "id", "ms", "hi", "bn", "zh", "ja", "ko", "sw",
    "cs", "hu",
})

# Model labels that are ISO 639-3 varieties of a language with an ISO 639-1 code: the record
# field is ISO 639-1, and a Moroccan or Egyptian article is an Arabic article.
_TO_ISO639_1 = {"ary": "ar", "arz": "ar", "uzs": "uz", "gug": "gn", "wuu": "zh", "yue": "zh"}

# Runs rather than single letters: counting by run length is several times faster.
_LETTERS = regex.compile(r"\p{L}+")
_ARABIC_LETTERS = regex.compile(r"[\p{Script=Arabic}&&\p{L}]+", regex.V1)
# Letters of Persian and Urdu that Arabic does not use (Arabic writes ي ك ه where these
# languages write ی ک ہ).
_PERSIAN_URDU_LETTER = regex.compile(r"[پچژگکیۀےہٹڈڑں]")

# Loaded on first use, once per process (~0.5 s): Beam workers that never see a Latin item
# do not pay for it, and every later call reuses it.
_identifier: LanguageIdentifier | None = None


def _model() -> LanguageIdentifier:
    global _identifier
    if _identifier is None:
        _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def _iso639_1(label: str) -> str | None:
    label = _TO_ISO639_1.get(label, label)
    return label if len(label) == 2 else None


def _model_language(text: str) -> str:
    ranked = _model().rank(text)
    best, probability = ranked[0]
    code = _iso639_1(best)
    if code is not None and probability >= FULL_MODEL_MIN:
        return code
    news = [(label, p) for label, p in ranked if label in NEWS_LANGUAGES]
    total = sum(p for _, p in news)
    if total > 0 and news[0][1] / total >= NEWS_LANGUAGES_MIN:
        return news[0][0]
    return UNDETERMINED


def _arabic_script_language(text: str) -> str:
    if not _PERSIAN_URDU_LETTER.search(text):
        return "ar"
    best, probability = _model().rank(text)[0]
    if best in ("fa", "ur") and probability >= ARABIC_SCRIPT_OTHER_MIN:
        return best
    return "ar"


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text` ("ar", "en", "de", ...), "und" when unknown or too little text."""
    letters = sum(map(len, _LETTERS.findall(text)))
    if letters < MIN_LETTERS:
        return UNDETERMINED
    if sum(map(len, _ARABIC_LETTERS.findall(text))) >= ARABIC_SCRIPT_SHARE * letters:
        return _arabic_script_language(text)
    return _model_language(text)


def text_field(record: dict, name: str) -> str:
    """record[name] as text: "" when missing or None, TypeError when it is not text."""
    # A missing or null title/body is normal (title-only items, body-only items); anything
    # else that is not text is a broken record and must fail loudly (-> dead letter).
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"item {name} must be text, got {type(value).__name__}")
    return value


def add_language(record: dict) -> dict:
    """Copy of `record` with `language` detected from its title and the head of its body."""
    title = text_field(record, "title")
    body = text_field(record, "body")
    out = dict(record)
    out["language"] = detect_language(f"{title}\n{body[:BODY_HEAD_CHARS]}")
    return out
