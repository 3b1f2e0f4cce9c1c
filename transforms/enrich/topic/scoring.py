"""The topic of one item: politics, sport or other, with a confidence and the cues behind it.

Arabic and English: the cue lexicon's evidence and the trained model's per-word evidence are
added on one logit scale, logits = (lexicon_gain * lexicon + model) / temperature, with the
gain and the temperature fitted on the development sets so that `confidence` is close to the
accuracy observed at that confidence. French: the cue lexicon alone, at the English lexicon's
temperature (there is no French training data). "und" (undetermined): Arabic when the text is
in Arabic script, else English. Any other language: "other" with confidence 0 and no cues, as
there is no evidence either way.

`cues` are the words and phrases that moved the decision most toward the label over the
runner-up, whichever part they came from, strongest first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter

from newsbeam.transforms.enrich.arabic import ARABIC_LETTER
from newsbeam.transforms.enrich.topic.lexicon import (
    BODY_HEAD_CHARS, DIRECTION, LABELS, LANGUAGES, LEXICON_DIR, OTHER, CueLexicon, Word,
    english_key, lexicon)
from newsbeam.transforms.enrich.topic.model import LanguageModel, shipped_models
from newsbeam.transforms.enrich.topic.sections import section_table

MAX_CUES = 8
# The least sport evidence a sport label needs (has_sport_evidence): the summed weights of the
# distinct sport cues met (one "match" or "coach", or two weak ones such as "final" + "game").
SPORT_MIN_CUES = 1.0
_VECTOR = attrgetter("vector")
_SALIENT = attrgetter("salient")


@dataclass(frozen=True)
class Topic:
    label: str  # "politics" | "sport" | "other"
    confidence: float  # 0..1: how sure (close to the observed accuracy at that confidence)
    cues: tuple[str, ...]  # the words/phrases that drove the decision, strongest first


def item_language(language: str, text: str) -> str | None:
    """The lexicon to read an item with: its own language, or for "und" the script's."""
    if language in LANGUAGES:
        return language
    if language == "und":
        # Undetermined is mostly a short title: the script still tells which lexicon applies.
        return "ar" if ARABIC_LETTER.search(text) else "en"
    return None


def document_words(title: str, body: str, language: str) -> tuple[list[Word], list[Word]]:
    """(title words, body words) that the decision reads: the head of the body only,
    and no body when it only repeats the title (title-only items)."""
    if body.strip() == title.strip():
        body = ""
    return lexicon(language).item_words(title, body[:BODY_HEAD_CHARS])


def distinct_words(title_words: list[Word], body_words: list[Word]
                   ) -> tuple[dict[Word, None], dict[Word, None], float]:
    """(distinct words, distinct title words, scale) of an item, for the model.

    A word counts once however often it occurs, and twice when it is in the title (a headline
    says what the article is about). scale = 1 / sqrt(sum of the counts + 1) keeps a long
    article's many words from outweighing the lexicon. Ordered (dicts) so that training is
    deterministic.
    """
    title = dict.fromkeys(title_words)
    words = dict.fromkeys(body_words)
    words.update(title)
    return words, title, 1.0 / math.sqrt(len(words) + len(title) + 1.0)


def probabilities(z: complex) -> tuple[float, float, float]:
    """Softmax of logits against "other" (real: politics, imaginary: sport)."""
    top = max(z.real, z.imag, 0.0)
    e = (math.exp(z.real - top), math.exp(z.imag - top), math.exp(-top))
    total = e[0] + e[1] + e[2]
    return e[0] / total, e[1] / total, e[2] / total


def score_topic(title: str, body: str, language: str, link: str | None = None,
                categories=()) -> Topic:
    """The topic of an item from its title and clean body (boilerplate and related-article
    lists removed); `language` is an ISO 639-1 code or "und"; `link` and `categories` (the
    record's link and feed_categories) add the evidence of the section it was filed in
    (sections.py). See the module docstring."""
    title = title or ""
    body = body or ""
    language = item_language(language, title or body)
    if language is None:
        return Topic(OTHER, 0.0, ())
    cue_lexicon = lexicon(language)
    models = shipped_models()
    title_words, body_words = document_words(title, body, language)
    evidence, cue_contributions = cue_lexicon.evidence(title_words, body_words)
    model = models.languages.get(language)
    if model is None:
        temperature = models.lexicon_only_temperature
        z = evidence / temperature
        lexicon_gain = 1.0 / temperature
        margin_scale = 1.0  # cue margins are on the final logit scale
    else:
        words, title_set, scale = distinct_words(title_words, body_words)
        model_z = (sum(map(_VECTOR, words)) + sum(map(_VECTOR, title_set))) * scale
        temperature = model.temperature
        z = (evidence * model.lexicon_gain + model_z) / temperature
        lexicon_gain = model.lexicon_gain
        margin_scale = temperature  # cue margins are before the temperature
    section_z, sections = section_table().evidence(link, categories)
    z += section_z
    p = probabilities(z)
    if not has_sport_evidence(cue_lexicon, cue_contributions, sections):
        # No sport without sport evidence: words that are merely common in sport news (least,
        # support, record, final) or a model leaning on many weak n-grams do not make a
        # story sport.
        p = (p[0] / (p[0] + p[2]), 0.0, p[2] / (p[0] + p[2]))
    label = max(range(3), key=p.__getitem__)
    runner_up = max((k for k in range(3) if k != label), key=p.__getitem__)
    ranked: dict[str, float] = {}
    lexicon_cues = cue_lexicon.cues
    _add_margins(ranked, ((lexicon_cues[index].text, value)
                          for index, value in cue_contributions.items()),
                 label, runner_up, lexicon_gain)
    if model is not None:
        _add_model_word_margins(ranked, model, words, title_set, scale, label, runner_up)
    _add_margins(ranked, ((shown, weight * DIRECTION[section_label])
                          for section_label, (shown, weight) in sections.items()),
                 label, runner_up, margin_scale)
    cues = sorted(ranked.items(), key=lambda item: (-item[1], item[0]))[:MAX_CUES]
    return Topic(LABELS[label], round(p[label], 4), tuple(name for name, _ in cues))


def has_sport_evidence(cue_lexicon: CueLexicon, contributions: dict[int, complex],
                       sections: dict) -> bool:
    """Whether anything points to sport: sport cues of the lexicon or the actors table
    weighing SPORT_MIN_CUES together (distinct cues, as listed), or a sport section or feed
    category. The model's words alone are not enough: the n-grams it weighs most for sport
    are those of sports desks' style (days of the week, "yesterday", "round"), not of sport."""
    return "sport" in sections or sport_cue_weight(cue_lexicon, contributions) >= SPORT_MIN_CUES


def sport_cue_weight(cue_lexicon: CueLexicon, contributions: dict[int, complex]) -> float:
    """The summed weights of the distinct sport cues of an item (as listed, wherever met)."""
    cues = cue_lexicon.cues
    return sum(cues[index].weight for index in contributions if cues[index].label == "sport")


# The margin of label a over label b as a projection of the logits: (a, b) -> (x, y) so that
# margin = x * z.real + y * z.imag (politics = real part, sport = imaginary, other = 0).
_MARGIN = {(a, b): ((a == 0) - (b == 0), (a == 1) - (b == 1)) for a in range(3) for b in range(3)}


def _add_margins(margins: dict[str, float], evidence, label: int, runner_up: int,
                 gain: float) -> None:
    """Adds to `margins`, for each (text as shown, logit evidence) of `evidence` (lexicon cues,
    sections), how much it moved the logits toward `label` over `runner_up` (> 0 only)."""
    x, y = _MARGIN[label, runner_up]
    for text, value in evidence:
        margin = (x * value.real + y * value.imag) * gain
        if margin > 0:
            margins[text] = margins.get(text, 0.0) + margin


def _add_model_word_margins(margins: dict[str, float], model: LanguageModel,
                            words: dict[Word, None], title_words: dict[Word, None],
                            scale: float, label: int, runner_up: int) -> None:
    """Adds the model's words to `margins`, on the same logit scale as the lexicon's cues.

    Only words whose vector is large enough to rank are looked at (Word.salient), and
    function words are never shown: they count in the score, but explain nothing. Words of the
    cue lexicon have no model weights, so a name here never repeats a lexicon cue.
    """
    x, y = _MARGIN[label, runner_up]
    stopwords = _stopwords(model.language)
    for word in filter(_SALIENT, words):
        if word.key in stopwords:
            continue
        v = word.vector
        margin = (x * v.real + y * v.imag) * (2 if word in title_words else 1) * scale
        if margin > 0:
            margins[word.shown] = margins.get(word.shown, 0.0) + margin


_STOPWORDS: dict[str, frozenset[str]] = {}


def _stopwords(language: str) -> frozenset[str]:
    """Function words (the entity step's stop-word lists) as word keys, read once."""
    if language not in _STOPWORDS:
        path = LEXICON_DIR / f"entities_{language}_stopwords.txt"
        words = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip() and not line.startswith("#")]
        if language == "ar":
            arabic_words = lexicon("ar").words
            _STOPWORDS[language] = frozenset(w.key for word in words for w in arabic_words(word))
        else:
            _STOPWORDS[language] = frozenset(map(english_key, words))
    return _STOPWORDS[language]
