"""Avro records and sinks: schema checks, partitions, complete files, dead letters."""
import os

import fastavro
from newsbeam.schemas import NEWS_ITEM, load_schema
from newsbeam.transforms.output.avro import (
    DEAD_LETTERS,
    NEWS_ITEMS,
    NULL_PARTITION,
    date_partition,
    file_name,
    finalize_partition,
    write_avro_files,
)
from newsbeam.transforms.output.dead_letters import dead_letter
from newsbeam.transforms.output.records import to_news_item

from tests.support.avro_files import avro_names, read_records, records_by_file
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




def staged_run(tmp_path, run_id="r1"):
    """A run whose two partitions wait in the staging folder, two files each, as bundles
    write them: {partition: staged file names}."""
    base = tmp_path / "items" / f".staging-{run_id}"
    staged = {}
    for day, count in ((DAY_MS, 3), (DAY_MS + 86_400_000, 2)):
        destination = date_partition(NEWS_ITEMS.partition_key, day)
        (base / destination).mkdir(parents=True, exist_ok=True)
        for bundle in range(2):
            records = [to_news_item(minimal(id=f"{day}-{bundle}-{n}", published=day))
                       for n in range(count)]
            name = file_name(destination, run_id, bundle, 2)
            with open(base / name, "wb") as handle:
                fastavro.writer(handle, load_schema(NEWS_ITEM), records)
            staged.setdefault(destination, []).append(name)
    return staged


def finalize_all(tmp_path, staged, shards=1, story_of=None):
    return [finalize_partition(str(tmp_path), NEWS_ITEMS, "r1", destination, names, shards,
                               story_of) for destination, names in staged.items()]


def test_finalizing_merges_a_partitions_staged_files_into_its_shards(tmp_path):
    staged = staged_run(tmp_path)
    commits = finalize_all(tmp_path, staged, story_of={f"{DAY_MS}-0-1": "elsewhere"})
    assert [(c.files, c.failures, c.records_lost) for c in commits] == [(1, [], 0)] * 2
    first, second = (date_partition(NEWS_ITEMS.partition_key, day)
                     for day in (DAY_MS, DAY_MS + 86_400_000))
    assert avro_names(tmp_path / "items") == [f"{first}/part-r1-00000-of-00001.avro",
                                              f"{second}/part-r1-00000-of-00001.avro"]
    records = read_records(tmp_path / "items" / first)
    assert len(records) == 6
    assert {r["id"]: r["story_id"] for r in records}[f"{DAY_MS}-0-1"] == "elsewhere"
    assert all(r["story_id"] == r["id"] for r in records if r["id"] != f"{DAY_MS}-0-1")
    # finalizing again (a retried step) finds nothing left to do and loses nothing
    assert [c.failures for c in finalize_all(tmp_path, staged)] == [[], []]
    assert len(read_records(tmp_path / "items")) == 10


def test_finalizing_spreads_a_partitions_records_over_its_shards(tmp_path):
    finalize_all(tmp_path, staged_run(tmp_path), shards=4)
    by_file = records_by_file(tmp_path / "items")
    assert sorted(len(records) for records in by_file.values()) == [1, 1, 1, 1, 1, 1, 2, 2]
    assert any(name.endswith("00003-of-00004.avro") for name in by_file)


def test_a_file_that_cannot_be_put_in_place_is_reported_with_its_records(tmp_path):
    staged = staged_run(tmp_path)
    first = next(iter(staged))
    (tmp_path / "items" / first).write_text("a file where a folder goes")
    blocked, fine = finalize_all(tmp_path, staged)
    assert (fine.files, fine.failures) == (1, [])
    assert (blocked.files, blocked.records_lost) == (0, 6)
    [failure] = blocked.failures
    [orphan] = blocked.orphans
    assert failure.startswith(orphan) and "/.staging-r1/" in orphan and os.path.exists(orphan)
