"""Avro records and sinks: schema checks, partitions, complete files, dead letters."""
import os

import fastavro
from newsbeam.schemas import NEWS_ITEM, load_schema
from newsbeam.transforms.output.avro import (
    DEAD_LETTERS,
    NEWS_ITEMS,
    NULL_PARTITION,
    commit_files,
    date_partition,
    file_name,
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




def staged_run(tmp_path, run_id="r1"):
    """A run whose two partitions' files wait in the staging folder."""
    base = tmp_path / "items" / f".staging-{run_id}"
    names = []
    for day, count in ((DAY_MS, 3), (DAY_MS + 86_400_000, 2)):
        records = [to_news_item(minimal(id=f"{day}-{n}", published=day)) for n in range(count)]
        destination = date_partition(NEWS_ITEMS.partition_key, day)
        name = file_name(destination, run_id, 0, 1)
        (base / destination).mkdir(parents=True, exist_ok=True)
        with open(base / name, "wb") as handle:
            fastavro.writer(handle, load_schema(NEWS_ITEM), records)
        names.append(name)
    return names


def test_commit_moves_every_staged_file_into_its_partition(tmp_path):
    names = staged_run(tmp_path)
    commit = commit_files(str(tmp_path), NEWS_ITEMS, "r1", names)
    assert (commit.files, commit.failures, commit.records_lost, commit.orphans) == (2, [], 0, [])
    assert avro_names(tmp_path / "items") == names  # the staging folder is gone
    # committing again (a retried step) finds the files in place
    assert commit_files(str(tmp_path), NEWS_ITEMS, "r1", names).files == 2


def test_a_file_that_cannot_be_moved_is_reported_with_its_records(tmp_path):
    names = staged_run(tmp_path)
    (tmp_path / "items" / names[0].split("/")[0]).write_text("a file where a folder goes")
    commit = commit_files(str(tmp_path), NEWS_ITEMS, "r1", names)
    assert commit.files == 1 and commit.records_lost == 3
    [failure] = commit.failures
    assert failure.startswith(str(tmp_path / "items" / ".staging-r1" / names[0]))
    assert commit.orphans == [str(tmp_path / "items" / ".staging-r1" / names[0])]
