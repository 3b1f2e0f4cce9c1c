"""The entity evaluation: whole-word matching of gold mentions, and the cross-language check on
the project's own parallel items (tests/fixtures/entities/crosslang*.tsv)."""

import pytest
from newsbeam.training.entities.evaluation import (
    _free_occurrence,
    cross_language,
    evaluate_path,
)

from tests.support.paths import FIXTURES

ENTITY_FIXTURES = FIXTURES / "entities"


def test_a_mention_is_matched_as_whole_words():
    sentence = "Nigeria and Niger closed the border."
    assert _free_occurrence(sentence, "Niger", []) == (12, 17)


def test_an_arabic_mention_may_follow_its_proclitic():
    sentence = "زار الرئيس مصر وأرمينيا"
    start, end = _free_occurrence(sentence, "أرمينيا", [])
    assert sentence[start:end] == "أرمينيا" and sentence[start - 1] == "و"


def test_a_mention_already_held_is_matched_at_its_next_occurrence():
    sentence = "South Sudan accused Sudan of shelling."
    assert _free_occurrence(sentence, "Sudan", [(0, 11)]) == (20, 25)


def test_parallel_items_share_canonical_values_without_collisions():
    result = cross_language(ENTITY_FIXTURES / "crosslang.tsv", ENTITY_FIXTURES / "crosslang_dates.tsv")
    assert result.collisions == []
    assert result.shared / result.entities >= 0.90
    assert result.dates_right / result.dates >= 0.90


def test_the_crosslang_format_reports_a_folder(tmp_path):
    for name in ("crosslang.tsv", "crosslang_dates.tsv"):
        (tmp_path / name).write_text((ENTITY_FIXTURES / name).read_text(encoding="utf-8"), "utf-8")
    report = evaluate_path(tmp_path, data_format="crosslang")
    assert report.startswith("entities named in ar, en and fr: 131;")
    assert "absolute dates: 30;" in report


def test_an_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="crosslang"):
        evaluate_path(ENTITY_FIXTURES / "crosslang.tsv", data_format="json")
