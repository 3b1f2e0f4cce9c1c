"""Avro records and sinks: schema checks, partitions, complete files, dead letters."""
import os

import apache_beam as beam
import pytest
from newsbeam.schemas import DEAD_LETTER, NEWS_ITEM, load_schema
from newsbeam.transforms.beam.sinks import (
    SummarizeRun,
    WriteDeadLetters,
    WriteNewsItems,
)
from newsbeam.transforms.output.avro import (
    DEAD_LETTERS,
    NEWS_ITEMS,
    NULL_PARTITION,
    date_partition,
    write_avro_files,
)
from newsbeam.transforms.output.dead_letters import RAW_CAP_BYTES, dead_letter
from newsbeam.transforms.output.records import to_news_item
from newsbeam.transforms.output.summary import read_json, summarize

from tests.support.avro_files import read_records

DAY_MS = 1_600_000_000_000  # 2020-09-13 UTC


def minimal(**fields):
    return {"id": "i", "feed_url": "f", "fetched": DAY_MS, **fields}


def test_schemas_load_and_name_the_contract_fields():
    names = {f["name"] for f in load_schema(NEWS_ITEM)["fields"]}
    assert {"id", "feed_url", "guid", "link", "title", "body", "language", "published",
            "fetched", "authors", "feed_categories", "boilerplate", "topic",
            "entities"} <= names
    assert {f["name"] for f in load_schema(DEAD_LETTER)["fields"]} >= {
        "feed_url", "stage", "error", "raw", "at"}


def test_every_optional_field_has_a_default():
    required = {f["name"] for f in load_schema(NEWS_ITEM)["fields"] if "default" not in f}
    assert required == {"id", "feed_url", "fetched"}


def test_to_news_item_fills_defaults_and_drops_working_fields():
    item = to_news_item(minimal(content="raw html", topic={"label": "sport", "confidence": 0.9,
                                                           "cues": ["goal"]}))
    assert "content" not in item
    assert item["language"] == "und"
    assert item["topic"]["cues"] == ["goal"]


def test_to_news_item_names_the_bad_field():
    with pytest.raises(ValueError, match="fetched"):
        to_news_item(minimal(fetched="yesterday"))


def test_unknown_topic_label_is_rejected():
    with pytest.raises(ValueError):
        to_news_item(minimal(topic={"label": "weather", "confidence": 1.0, "cues": []}))


def test_dead_letter_caps_raw_and_records_the_cap():
    letter = dead_letter("f", "parse", "boom", b"x" * (RAW_CAP_BYTES + 10), at_millis=5)
    assert len(letter["raw"]) == RAW_CAP_BYTES
    assert letter["raw_size"] == RAW_CAP_BYTES + 10
    assert letter["raw_cap"] == RAW_CAP_BYTES


def test_date_partition_is_hive_style_and_null_safe():
    assert date_partition("published_date", DAY_MS) == "published_date=2020-09-13"
    assert date_partition("published_date", None) == f"published_date={NULL_PARTITION}"








def test_write_news_items_partitions_by_published_date(pipeline, tmp_path):
    records = [to_news_item(minimal(id="a", published=DAY_MS)),
               to_news_item(minimal(id="b", published=DAY_MS + 86_400_000)),
               to_news_item(minimal(id="c"))]
    _ = pipeline | beam.Create(records) | WriteNewsItems(str(tmp_path), "run1")
    pipeline.run()
    folders = sorted(os.listdir(tmp_path / "items"))
    assert [f for f in folders if not f.startswith(".")] == [
        "published_date=2020-09-13", "published_date=2020-09-14",
        f"published_date={NULL_PARTITION}"]
    by_folder = {f: [r["id"] for r in read_records(tmp_path / "items" / f)]
                 for f in folders if not f.startswith(".")}
    assert by_folder["published_date=2020-09-13"] == ["a"]
    assert by_folder[f"published_date={NULL_PARTITION}"] == ["c"]
    assert all(name.startswith("part-run1-") for name in
               os.listdir(tmp_path / "items" / "published_date=2020-09-13"))


def test_write_dead_letters_round_trip(pipeline, tmp_path):
    letter = dead_letter("f", "read", "f: no such file", b"", at_millis=DAY_MS)
    _ = pipeline | beam.Create([letter]) | WriteDeadLetters(str(tmp_path), "run1")
    pipeline.run()
    [read] = read_records(tmp_path / "dead_letter")
    assert read["stage"] == "read" and read["error"] == "f: no such file"


def _avro_names(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, _, names in os.walk(folder) for name in names)


def test_write_avro_files_writes_what_the_transform_writes(pipeline, tmp_path):
    records = [to_news_item(minimal(id="a", published=DAY_MS)),
               to_news_item(minimal(id="b", published=DAY_MS + 86_400_000)),
               to_news_item(minimal(id="c"))]
    _ = pipeline | beam.Create(records) | WriteNewsItems(str(tmp_path / "beam"), "run1")
    pipeline.run()
    write_avro_files(records, str(tmp_path / "plain"), NEWS_ITEMS, "run1")
    assert _avro_names(tmp_path / "plain") == _avro_names(tmp_path / "beam")
    assert (sorted(r["id"] for r in read_records(tmp_path / "plain"))
            == sorted(r["id"] for r in read_records(tmp_path / "beam")))


def test_write_avro_files_again_replaces_the_runs_files(tmp_path):
    letter = dead_letter("f", "read", "f: no such file", b"", at_millis=DAY_MS)
    write_avro_files([letter], str(tmp_path), DEAD_LETTERS, "run1")
    write_avro_files([letter], str(tmp_path), DEAD_LETTERS, "run1")
    assert _avro_names(tmp_path) == ["dead_letter/failed_date=2020-09-13/part-run1-00000-of-00001.avro"]
    assert [r["stage"] for r in read_records(tmp_path)] == ["read"]


def test_write_avro_files_spreads_records_over_the_shards(tmp_path):
    records = [to_news_item(minimal(id=str(n), published=DAY_MS)) for n in range(5)]
    paths = write_avro_files(records, str(tmp_path), NEWS_ITEMS, "run1", shards=2)
    assert [os.path.basename(p) for p in paths] == ["part-run1-00000-of-00002.avro",
                                                    "part-run1-00001-of-00002.avro"]
    assert sorted(r["id"] for r in read_records(tmp_path)) == ["0", "1", "2", "3", "4"]


def test_summarize_gives_what_summarize_run_gives(pipeline, tmp_path):
    records = [to_news_item(minimal(id="a", language="en")),
               to_news_item(minimal(id="b", language="ar"))]
    letters = [dead_letter("f", "read", "f: gone", b"", at_millis=DAY_MS)]
    _ = ((pipeline | "Records" >> beam.Create(records),
          pipeline | "Dead" >> beam.Create(letters))
         | SummarizeRun(str(tmp_path / "beam.json"), 3))
    pipeline.run()
    plain = summarize(records, letters, 3, str(tmp_path / "plain.json"))
    assert plain == read_json(str(tmp_path / "beam.json")) == read_json(str(tmp_path / "plain.json"))
    assert plain["records_written"] == 2 and plain["feeds_unreadable"] == 1
