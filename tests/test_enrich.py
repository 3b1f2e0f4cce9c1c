"""EnrichItems: every stage in one step, and a dead letter naming the stage that failed."""
import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to

from transforms.enrich import STAGES, EnrichItems, enrich, enrich_or_dead_letter

ITEM = {"id": "1", "feed_url": "f", "guid": "g1", "link": "https://example.com/1",
        "title": "Talks in Baku", "content": "<p>Leaders met in Baku on Tuesday.</p>",
        "content_source": "content", "published": None, "fetched": 0, "authors": [],
        "feed_categories": [], "fingerprint": "x"}


def test_the_stages_run_in_order():
    assert [stage.name for stage in STAGES] == ["boilerplate", "language", "topic", "entities",
                                                "record"]


def test_an_item_becomes_a_record_with_every_stage_applied():
    record = enrich(dict(ITEM))
    assert record["body"] == "Leaders met in Baku on Tuesday."
    assert record["language"] == "en"
    assert record["topic"]["label"] in ("politics", "sport", "other")
    assert [e["text"] for e in record["entities"]] == ["Baku", "Tuesday"]


def test_without_beam_an_item_is_a_record_or_a_dead_letter_naming_its_stage():
    record, letter = enrich_or_dead_letter(dict(ITEM))
    assert letter is None and record["body"] == "Leaders met in Baku on Tuesday."
    record, letter = enrich_or_dead_letter(dict(ITEM, content=123))
    assert record is None
    assert (letter["feed_url"], letter["stage"]) == ("f", "boilerplate")
    assert b'"content": 123' in letter["raw"]


def test_each_failure_is_a_dead_letter_of_its_own_stage(pipeline):
    broken_content = dict(ITEM, feed_url="content", content=123)
    broken_title = dict(ITEM, feed_url="title", title=["not", "text"])
    broken_record = dict(ITEM, feed_url="record")
    del broken_record["id"]
    with pipeline as p:
        records, dead = (p | beam.Create([dict(ITEM), broken_content, broken_title,
                                          broken_record]) | EnrichItems())
        assert_that(records | beam.Map(lambda r: r["feed_url"]), equal_to(["f"]),
                    label="records")
        assert_that(dead | beam.Map(lambda d: (d["feed_url"], d["stage"])),
                    equal_to([("content", "boilerplate"), ("title", "boilerplate"),
                              ("record", "record")]), label="dead")
