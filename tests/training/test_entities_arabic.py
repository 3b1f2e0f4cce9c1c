"""The Arabic entity trainer: its corpus readers, deterministic training, and what it needs."""
from __future__ import annotations

from pathlib import Path

import pytest
from newsbeam.training.entities import arabic as arabic_training
from newsbeam.transforms.enrich.entities import arabic
from newsbeam.transforms.enrich.entities.arabic import ArabicTagger
from newsbeam.transforms.enrich.entities.tokens import tokenise

from tests.support.paths import FIXTURES


def test_anercorp_reader_drops_empty_tokens_and_splits_glued_lines(tmp_path):
    path = tmp_path / "anercorp.conll"
    path.write_text("روسيا B-LOC\n O\n. Oوقال O\nبوتين B-PERS\n\nباكو B-LOC\n", encoding="utf-8")
    assert arabic_training.read_anercorp(path) == [
        [("روسيا", "B-LOC"), (".", "O"), ("وقال", "O"), ("بوتين", "B-PERS")],
        [("باكو", "B-LOC")]]


def test_anercorp_reader_names_an_unreadable_line(tmp_path):
    path = tmp_path / "anercorp.conll"
    path.write_text("روسيا B-LOC\nروسيا B-LOC extra column\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2: not a 'token TAG' line"):
        arabic_training.read_anercorp(path)


def test_wojood_reader_keeps_the_outer_tag_of_four_types():
    sentences_read = arabic_training.read_wojood(FIXTURES / "entities" / "ar_dates_sample.txt")
    assert sentences_read[2] == [("وصل", "O"), ("الوفد", "B-ORG"), ("إلى", "O"),
                                 ("باكو", "B-LOC"), ("أمس", "B-DATE"), (".", "O")]
    # a date continuing a time (a dropped type) starts its own entity
    assert sentences_read[4][4:6] == [("مساء", "O"), ("الأحد", "B-DATE")]


def test_numeric_dates_are_merged_as_the_tokeniser_cuts_them():
    sentence = [("يوم", "B-DATE"), ("15", "I-DATE"), ("/", "I-DATE"), ("1", "I-DATE"),
                ("/", "I-DATE"), ("1959", "I-DATE"), ("في", "O")]
    assert arabic_training.merge_numeric_dates(sentence) == [
        ("يوم", "B-DATE"), ("15/1/1959", "I-DATE"), ("في", "O")]
    assert [token.text for token in tokenise("يوم 15/1/1959 في", "ar")] == \
        ["يوم", "15/1/1959", "في"]


TINY_TABLES = {
    arabic.WORD_COUNTS: [["روسيا", "40"], ["الرئيس", "30"], ["في", "90"], ["باكو", "12"]],
    arabic.WORD_CLUSTERS: [["روسيا", "1", "10", "100"], ["باكو", "1", "11", "101"],
                           ["بوتين", "2", "20", "200"]],
    arabic.GAZETTEER: [["الرئيس", "TTL"], ["المتحدث", "TTL"], ["روسيا", "CTRY"],
                       ["باكو", "CITY"], ["وزاره", "ORG_B"], ["في", "STP"], ["ان", "STP"]],
    arabic.ENTITY_WORD_COUNTS: [["روسيا", "5"], ["بوتين", "3"], ["باكو", "2"]],
}


def train_tiny(folder: Path) -> Path:
    folder.mkdir()
    for name, rows in TINY_TABLES.items():
        arabic_training.write_table(folder / name, rows)
    names = arabic_training.read_anercorp(FIXTURES / "entities" / "ar_names_sample.conll")
    dates = arabic_training.read_wojood(FIXTURES / "entities" / "ar_dates_sample.txt")
    arabic_training.train_models(folder, names, dates, folder)
    return folder


def test_training_writes_the_same_bytes_twice(tmp_path):
    first, second = train_tiny(tmp_path / "first"), train_tiny(tmp_path / "second")
    for name in (*TINY_TABLES, arabic.NAMES_MODEL, arabic.DATES_MODEL):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_trained_models_tag_what_they_were_trained_on(tmp_path):
    tagger = ArabicTagger(train_tiny(tmp_path / "models"))
    tokens = "وقال الرئيس الروسي فلاديمير بوتين في موسكو إن الاتفاق صامد .".split()
    assert tagger.tag([tokens]) == [[(3, 4, "PERSON", 0), (6, 6, "LOCATION", 0)]]


def test_training_without_the_arabic_dictionary_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(arabic_training, "HUNSPELL_AR", tmp_path / "ar.dic")
    with pytest.raises(ImportError, match="apt-get install hunspell-ar"):
        arabic_training.train(tmp_path / "data", tmp_path / "models")
