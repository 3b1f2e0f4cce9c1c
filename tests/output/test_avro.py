"""Avro records and sinks: schema checks, partitions, complete files, dead letters."""
import os

from newsbeam.transforms.output.avro import (
    DEAD_LETTERS,
    NEWS_ITEMS,
    NULL_PARTITION,
    date_partition,
    write_avro_files,
)
from newsbeam.transforms.output.dead_letters import dead_letter
from newsbeam.transforms.output.records import to_news_item

from tests.support.avro_files import avro_names, read_records
from tests.support.records import DAY_MS, minimal


def test_date_partition_is_hive_style_and_null_safe():
    assert date_partition("published_date", DAY_MS) == "published_date=2020-09-13"
    assert date_partition("published_date", None) == f"published_date={NULL_PARTITION}"










def test_write_avro_files_again_replaces_the_runs_files(tmp_path):
    letter = dead_letter("f", "read", "f: no such file", b"", at_millis=DAY_MS)
    write_avro_files([letter], str(tmp_path), DEAD_LETTERS, "run1")
    write_avro_files([letter], str(tmp_path), DEAD_LETTERS, "run1")
    assert avro_names(tmp_path) == ["dead_letter/failed_date=2020-09-13/part-run1-00000-of-00001.avro"]
    assert [r["stage"] for r in read_records(tmp_path)] == ["read"]


def test_write_avro_files_spreads_records_over_the_shards(tmp_path):
    records = [to_news_item(minimal(id=str(n), published=DAY_MS)) for n in range(5)]
    paths = write_avro_files(records, str(tmp_path), NEWS_ITEMS, "run1", shards=2)
    assert [os.path.basename(p) for p in paths] == ["part-run1-00000-of-00002.avro",
                                                    "part-run1-00001-of-00002.avro"]
    assert sorted(r["id"] for r in read_records(tmp_path)) == ["0", "1", "2", "3", "4"]


