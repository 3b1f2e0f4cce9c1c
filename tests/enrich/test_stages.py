"""The stage list: every stage in order, and a dead letter naming the stage that failed."""
from newsbeam.transforms.enrich.stages import STAGES, enrich_or_dead_letter

ITEM = {"id": "1", "feed_url": "f", "guid": "g1", "link": "https://example.com/1",
        "title": "Talks in Baku", "content": "<p>Leaders met in Baku on Tuesday.</p>",
        "content_source": "content", "published": None, "fetched": 0, "authors": [],
        "feed_categories": [], "fingerprint": "x"}


def test_the_stages_run_in_order():
    assert [stage.name for stage in STAGES] == ["boilerplate", "language", "topic", "entities",
                                                "record"]


def test_an_item_becomes_a_record_with_every_stage_applied():
    record, letter = enrich_or_dead_letter(dict(ITEM))
    assert letter is None
    assert record["body"] == "Leaders met in Baku on Tuesday."
    assert record["language"] == "en"
    assert record["topic"]["label"] in ("politics", "sport", "other")
    assert [(e["field"], e["text"]) for e in record["entities"]] == [
        ("title", "Baku"), ("body", "Baku"), ("body", "Tuesday")]


def test_an_item_a_stage_raises_on_is_a_dead_letter_naming_its_stage():
    record, letter = enrich_or_dead_letter(dict(ITEM, content=123))
    assert record is None
    assert (letter["feed_url"], letter["stage"]) == ("f", "boilerplate")
    assert b'"content": 123' in letter["raw"]
