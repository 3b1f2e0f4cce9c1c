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


# --- titles and teasers of real feed items ------------------------------------------------------

from newsbeam.training.entities.evaluation import (  # noqa: E402
    _same_name,
    evaluate_feed_items,
    feed_items_report,
)
from newsbeam.training.entities.feed_items import (  # noqa: E402
    KEYS_FILE,
    FeedItem,
    GoldEntity,
    cut_words,
    load,
)

from tests.support.paths import DEV_DATA  # noqa: E402


def test_the_dev_set_file_holds_no_item_text():
    import json

    rows = [json.loads(line) for line in KEYS_FILE.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 201
    assert all(set(row) == {"source", "key", "language", "entities", "dateline"} for row in rows)


def test_a_teaser_is_cut_at_the_last_space_before_400_characters():
    text = "word " * 100
    assert cut_words(text.strip()) == ("word " * 80).strip()


def test_a_name_found_with_its_article_matches_the_gold_without_it():
    text = "رسالة للولايات المتحدة"
    gold = (text.index("ولايات"), len(text))
    assert _same_name(text, gold, (text.index("للولايات") + 1, len(text)))


def test_a_name_cut_short_is_no_name_match():
    text = "Secretary Antony Blinken"
    assert not _same_name(text, (10, 24), (17, 24))


def _item(title, teaser, entities):
    return FeedItem("feeds/real/x.xml", "k", "en", title, teaser, None, tuple(entities))


def test_a_title_entity_is_scored_in_the_title_field():
    item = _item("Putin visits Paris", "He met Macron.", [
        GoldEntity("title", 0, 5, "Putin", "PERSON", "Vladimir Putin"),
        GoldEntity("teaser", 7, 13, "Macron", "PERSON", "Emmanuel Macron")])
    found = [("title", 0, 5, "PERSON", "Vladimir Putin"),
             ("teaser", 7, 13, "PERSON", "~MKRN")]
    result = evaluate_feed_items([item], lambda _: found)
    title = result.matching["exact"][("en", "title")]
    assert (sum(title.tp.values()), sum(title.fp.values())) == (1, 0)
    assert (result.names[("en", "right")], result.names[("en", "wrong")]) == (1, 1)
    assert result.linked[("en", "key")] == 1


def test_an_entity_in_the_wrong_field_is_spurious_and_missed():
    item = _item("Putin visits Paris", "Putin met Macron.", [
        GoldEntity("title", 0, 5, "Putin", "PERSON", "Vladimir Putin")])
    result = evaluate_feed_items([item], lambda _: [("teaser", 0, 5, "PERSON", "Vladimir Putin")])
    exact = result.matching["exact"]
    assert sum(exact[("en", "title")].fn.values()) == 1
    assert sum(exact[("en", "teaser")].fp.values()) == 1


def test_the_report_names_fields_and_languages():
    item = _item("Putin visits Paris", "", [
        GoldEntity("title", 0, 5, "Putin", "PERSON", "Vladimir Putin")])
    report = feed_items_report(evaluate_feed_items([item], lambda _: []))
    assert "en   title   0.000 0.000 0.000   0/0/1" in report


@pytest.mark.skipif(not (DEV_DATA / "feeds" / "real").is_dir(), reason="no development data")
def test_the_dev_set_rebuilds_from_the_captures():
    items = load(DEV_DATA)
    assert len(items) == 201 and sum(len(item.entities) for item in items) == 1090
