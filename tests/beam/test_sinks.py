"""The Beam sinks: partitioned files in each format, the same as the plain writer's, and the run
summary."""
import os

import apache_beam as beam
import pytest
from newsbeam.transforms.beam.sinks import (
    SummarizeRun,
    WriteDeadLetters,
    WriteNewsItems,
)
from newsbeam.transforms.output.dead_letters import dead_letter
from newsbeam.transforms.output.files import NEWS_ITEMS, NULL_PARTITION, write_files
from newsbeam.transforms.output.formats import FILE_FORMATS
from newsbeam.transforms.output.records import to_news_item
from newsbeam.transforms.output.summary import finish_summary, read_json, tally_of

from tests.support.output_files import file_names, read_records
from tests.support.records import DAY_MS, minimal


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


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_write_files_writes_what_the_transform_writes(pipeline, tmp_path, file_format):
    records = [to_news_item(minimal(id="a", published=DAY_MS)),
               to_news_item(minimal(id="b", published=DAY_MS + 86_400_000)),
               to_news_item(minimal(id="c"))]
    _ = pipeline | beam.Create(records) | WriteNewsItems(str(tmp_path / "beam"), "run1",
                                                         file_format=file_format)
    pipeline.run()
    write_files(records, str(tmp_path / "plain"), NEWS_ITEMS, "run1", file_format)
    assert file_names(tmp_path / "plain") == file_names(tmp_path / "beam")
    assert all(name.endswith(f".{file_format}") for name in file_names(tmp_path / "beam"))
    assert (sorted(read_records(tmp_path / "plain"), key=lambda r: r["id"])
            == sorted(read_records(tmp_path / "beam"), key=lambda r: r["id"]) == records)


def test_summarize_gives_what_summarize_run_gives(pipeline, tmp_path):
    records = [to_news_item(minimal(id="a", language="en")),
               to_news_item(minimal(id="b", language="ar"))]
    letters = [dead_letter("f", "read", "f: gone", b"", at_millis=DAY_MS)]
    counts = [{"bytes_replaced": 2, "item_repeats": 0}, {"bytes_replaced": 0, "item_repeats": 5}]
    _ = ((pipeline | "Records" >> beam.Create(records),
          pipeline | "Dead" >> beam.Create(letters),
          pipeline | "Counts" >> beam.Create(counts))
         | SummarizeRun(str(tmp_path / "beam.json"), 3))
    pipeline.run()
    plain = finish_summary(tally_of(records, letters, {"bytes_replaced": 2, "item_repeats": 5})
                           .summary(), 3, str(tmp_path / "plain.json"))
    assert plain == read_json(str(tmp_path / "beam.json")) == read_json(str(tmp_path / "plain.json"))
    assert plain["records_written"] == 2 and plain["feeds_unreadable"] == 1
    assert (plain["bytes_replaced"], plain["item_repeats"]) == (2, 5)
