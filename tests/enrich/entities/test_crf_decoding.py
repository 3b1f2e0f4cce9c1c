"""Decoding a CRFsuite model from per-word weight sums (transforms/enrich/entities/crf_decoding.py)
gives CRFsuite's own labels."""
import os
import subprocess
import sys
from pathlib import Path

import pycrfsuite
import pytest
from newsbeam.transforms.enrich.entities.arabic import (
    _DATE_CONTEXT,
    _NAME_CONTEXT,
    arabic_tagger,
)
from newsbeam.transforms.enrich.entities.crf_decoding import (
    CrfWeights,
    WordScores,
    decode,
)
from newsbeam.transforms.enrich.entities.english import english_tagger, label_history
from newsbeam.transforms.enrich.entities.tokens import sentences, tokenise

from tests.support.paths import REPO

ROOT = REPO

ENGLISH = ("Chancellor Olaf Scholz told Volkswagen workers in Wolfsburg on Tuesday that Germany "
           "would not let the carmaker close plants. PUTIN ARRIVES IN KYIV. "
           "The European Union said on Friday that Ursula von der Leyen would meet Joe Biden "
           "in Washington. Nice beat Paris St Germain 2-1.")
ARABIC = ("قال الرئيس الفرنسي إيمانويل ماكرون في باريس يوم 12 مارس 2024 إن وزارة الخارجية "
          "الفرنسية ستستقبل وفدا من الأمم المتحدة. وأعلنت الحكومة المصرية أمس (الثلاثاء) "
          "عن خطة جديدة.")


def token_texts(text: str, language: str) -> list[list[str]]:
    tokens = tokenise(text, language)
    return [[token.text for token in group] for group in sentences(text, tokens)]


def crfsuite_labels(path: Path, attributes: list[list[list[str]]]) -> list[list[str]]:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return [tagger.tag(sentence) if sentence else [] for sentence in attributes]


def test_english_passes_give_crfsuites_labels():
    from newsbeam.transforms.enrich.entities import english

    features = english_tagger().features
    first_scores, second_scores = features.scores
    words = token_texts(ENGLISH, "en")
    rows, starts, extras = features.document_rows(words)
    first = decode(first_scores, rows, starts, english._FORM_OFFSETS, extras)
    attributes = features.document(words)
    assert first == crfsuite_labels(english.MODELS / english.FIRST_PASS_MODEL, attributes)
    history = label_history(words, first)
    with_history = [[own + more for own, more in zip(sentence, extra)]
                    for sentence, extra in zip(attributes, history)]
    flat_history = [more for sentence in history for more in sentence]
    second = decode(second_scores, rows, starts, english._FORM_OFFSETS,
                    [own + more for own, more in zip(extras, flat_history)])
    assert second == crfsuite_labels(
        english.MODELS / english.SECOND_PASS_MODEL, with_history)
    assert any(label != "O" for sentence in second for label in sentence)


@pytest.mark.parametrize("model", ["names", "dates"])
def test_arabic_models_give_crfsuites_labels(model):
    from newsbeam.transforms.enrich.entities import arabic

    features = arabic_tagger().features
    for tokens in token_texts(ARABIC, "ar"):
        if model == "names":
            read, scores, offsets = features.name_rows(tokens), features.name_scores, \
                _NAME_CONTEXT
            attributes, path = features.name_features(tokens), arabic.MODELS / arabic.NAMES_MODEL
        else:
            read, scores, offsets = features.date_rows(tokens), features.date_scores, \
                _DATE_CONTEXT
            attributes, path = features.date_features(tokens), arabic.MODELS / arabic.DATES_MODEL
        assert (read is None) == (attributes is None)
        if read is not None:
            rows, extras = read
            labels = decode(scores, rows, [0, len(rows)], offsets, extras)
            assert labels == crfsuite_labels(path, [attributes])


def train_tiny_model(path: Path) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.append([["w=paris", "cap"], ["w=is"], ["w=big"]], ["B-LOC", "O", "O"])
    trainer.append([["w=anna", "cap"], ["w=smith", "cap"], ["w=spoke"]], ["B-PER", "I-PER", "O"])
    trainer.set_params({"c2": 0.01, "max_iterations": 50})
    trainer.train(str(path))


def test_unknown_attributes_weigh_nothing_and_word_rows_grow(tmp_path):
    path = tmp_path / "tiny.crfsuite"
    train_tiny_model(path)
    weights = CrfWeights(path)
    assert set(weights.labels) == {"B-LOC", "O", "B-PER", "I-PER"}
    scores = WordScores(weights, 1)
    for index in range(1500):  # past the first allocation of rows
        scores.add([("w=never-seen-%d" % index,)])
    scores.add([("w=anna", "cap")])
    scores.add([("w=smith", "cap")])
    labels = decode(scores, [1500, 1501], [0, 2], (), [["not-an-attribute"], []])
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    assert labels == [tagger.tag([["w=anna", "cap"], ["w=smith", "cap"]])] == [["B-PER", "I-PER"]]
    assert not scores.rows[:1500].any()


def test_missing_and_foreign_model_files_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="rebuild the models"):
        CrfWeights(tmp_path / "absent.crfsuite")
    other = tmp_path / "other.crfsuite"
    other.write_bytes(b"not a model at all, but long enough for a header" * 2)
    with pytest.raises(ValueError, match="not a CRFsuite"):
        CrfWeights(other)


def test_decoder_works_where_numba_finds_no_folder_to_cache_in():
    # numba refuses to cache a function when it can write nowhere (a read-only container
    # with no home); IPythonCacheLocator, the only locator left here, applies to notebooks only.
    script = ("from newsbeam.transforms.enrich.entities import find_entities; "
              "print([e.text for e in find_entities('Emmanuel Macron visited Paris.', 'en')])")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ,
                                         "NUMBA_CACHE_LOCATOR_CLASSES": "IPythonCacheLocator"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['Emmanuel Macron', 'Paris']"


@pytest.mark.parametrize("language", ["en", "ar"])
def test_tagging_is_the_same_after_the_word_caches_are_emptied(monkeypatch, language):
    from newsbeam.transforms.enrich.entities import arabic, english

    tagger_class, text = (english.EnglishTagger, ENGLISH) if language == "en" else \
        (arabic.ArabicTagger, ARABIC)
    documents = [token_texts(part + ".", language) for part in text.split(".") if part.strip()]
    expected = [tagger_class().tag(document) for document in documents]
    # a limit of 3 words empties the caches (and reuses the weights' rows) before most documents
    monkeypatch.setattr(english if language == "en" else arabic, "CACHE_LIMIT", 3)
    small = tagger_class()
    assert [small.tag(document) for document in documents + documents] == expected + expected
    assert any(expected)


def test_a_row_reused_after_clear_keeps_nothing_of_its_last_word(tmp_path):
    path = tmp_path / "tiny.crfsuite"
    train_tiny_model(path)
    scores = WordScores(CrfWeights(path), 2)
    scores.add([("w=anna", "cap"), ("w=smith",)])
    assert scores.rows[0].any()
    scores.clear()
    scores.add([("w=unknown",), ()])
    assert scores.count == 1 and not scores.rows[0].any()
