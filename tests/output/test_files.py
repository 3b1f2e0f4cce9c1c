"""Output files in every format: partitions, names, writing without a pipeline, a batch run's
staged files put in place, reading a table back."""
import os

import fastavro
import pytest
from newsbeam.schemas import NEWS_ITEM, load_schema
from newsbeam.transforms.output.dead_letters import dead_letter
from newsbeam.transforms.output.files import (
    DEAD_LETTERS,
    NEWS_ITEMS,
    NULL_PARTITION,
    STAGED_FORMAT,
    date_partition,
    file_name,
    finalize_partition,
    read_table,
    write_files,
)
from newsbeam.transforms.output.formats import FILE_FORMATS, format_of
from newsbeam.transforms.output.records import to_news_item

from tests.support.output_files import file_names, read_records, records_by_file
from tests.support.records import DAY_MS, minimal


def test_date_partition_is_hive_style_and_null_safe():
    assert date_partition("published_date", DAY_MS) == "published_date=2020-09-13"
    assert date_partition("published_date", None) == f"published_date={NULL_PARTITION}"


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_file_names_carry_the_formats_extension(file_format):
    name = file_name("published_date=2020-09-13", "run1", 0, 1, file_format, window="w")
    assert name == f"published_date=2020-09-13/part-run1-w-00000-of-00001.{file_format}"
    assert format_of(name) == file_format and format_of("part-run1.avro.tmp") is None


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_write_files_again_replaces_the_runs_files(tmp_path, file_format):
    letter = dead_letter("f", "read", "f: no such file", b"", at_millis=DAY_MS)
    write_files([letter], str(tmp_path), DEAD_LETTERS, "run1", file_format)
    write_files([letter], str(tmp_path), DEAD_LETTERS, "run1", file_format)
    assert file_names(tmp_path) == [
        f"dead_letter/failed_date=2020-09-13/part-run1-00000-of-00001.{file_format}"]
    assert [r["stage"] for r in read_records(tmp_path)] == ["read"]


def test_a_run_written_again_in_another_format_leaves_no_file_in_the_first(tmp_path):
    # a follower restarted with another --format writes the batch left in its inbox again
    record = to_news_item(minimal(id="a", published=DAY_MS))
    write_files([record], str(tmp_path), NEWS_ITEMS, "run1", "avro")
    write_files([record], str(tmp_path), NEWS_ITEMS, "run1", "parquet")
    assert file_names(tmp_path) == [
        "items/published_date=2020-09-13/part-run1-00000-of-00001.parquet"]


def test_a_run_written_again_in_fewer_shards_leaves_no_file_of_the_first(tmp_path):
    # a follower restarted with another --shards writes the batch left in its inbox again
    records = [to_news_item(minimal(id=str(n), published=DAY_MS)) for n in range(4)]
    write_files(records, str(tmp_path), NEWS_ITEMS, "run1", "avro", shards=3)
    write_files(records, str(tmp_path), NEWS_ITEMS, "run1", "avro", shards=2)
    assert file_names(tmp_path) == [
        "items/published_date=2020-09-13/part-run1-00000-of-00002.avro",
        "items/published_date=2020-09-13/part-run1-00001-of-00002.avro"]
    assert sorted(r["id"] for r in read_records(tmp_path)) == ["0", "1", "2", "3"]


def test_writing_a_run_again_leaves_the_other_runs_files(tmp_path):
    record = to_news_item(minimal(id="a", published=DAY_MS))
    write_files([record], str(tmp_path), NEWS_ITEMS, "run1", "avro")
    write_files([record], str(tmp_path), NEWS_ITEMS, "run12", "avro")
    write_files([record], str(tmp_path), NEWS_ITEMS, "run1", "avro")
    assert len(file_names(tmp_path)) == 2


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_write_files_spreads_records_over_the_shards(tmp_path, file_format):
    records = [to_news_item(minimal(id=str(n), published=DAY_MS)) for n in range(5)]
    paths = write_files(records, str(tmp_path), NEWS_ITEMS, "run1", file_format, shards=2)
    assert [os.path.basename(p) for p in paths] == [f"part-run1-00000-of-00002.{file_format}",
                                                    f"part-run1-00001-of-00002.{file_format}"]
    assert sorted(r["id"] for r in read_records(tmp_path)) == ["0", "1", "2", "3", "4"]


def test_read_table_reads_every_format_by_its_extension(tmp_path):
    for n, file_format in enumerate(FILE_FORMATS):
        record = to_news_item(minimal(id=file_format, published=DAY_MS + n * 86_400_000))
        write_files([record], str(tmp_path), NEWS_ITEMS, f"run{n}", file_format)
    (tmp_path / "items" / "published_date=2020-09-13" / "notes.txt").write_text("not ours")
    assert sorted(r["id"] for r in read_table(str(tmp_path), NEWS_ITEMS)) == list(
        sorted(FILE_FORMATS))
    assert {r["published"] for r in read_table(str(tmp_path), NEWS_ITEMS)} == {
        DAY_MS, DAY_MS + 86_400_000, DAY_MS + 2 * 86_400_000}


def staged_run(tmp_path, run_id="r1"):
    """A run whose two partitions wait in the staging folder, two Avro files each, as bundles
    write them: {partition: staged file names}."""
    base = tmp_path / "items" / f".staging-{run_id}"
    staged = {}
    for day, count in ((DAY_MS, 3), (DAY_MS + 86_400_000, 2)):
        destination = date_partition(NEWS_ITEMS.partition_key, day)
        (base / destination).mkdir(parents=True, exist_ok=True)
        for bundle in range(2):
            records = [to_news_item(minimal(id=f"{day}-{bundle}-{n}", published=day))
                       for n in range(count)]
            name = file_name(destination, run_id, bundle, 2, STAGED_FORMAT)
            with open(base / name, "wb") as handle:
                fastavro.writer(handle, load_schema(NEWS_ITEM), records)
            staged.setdefault(destination, []).append(name)
    return staged


def finalize_all(tmp_path, staged, shards=1, story_of=None, file_format="avro"):
    return [finalize_partition(str(tmp_path), NEWS_ITEMS, "r1", destination, names, shards,
                               file_format, story_of)
            for destination, names in staged.items()]


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_finalizing_merges_a_partitions_staged_files_into_its_shards(tmp_path, file_format):
    staged = staged_run(tmp_path)
    commits = finalize_all(tmp_path, staged, story_of={f"{DAY_MS}-0-1": "elsewhere"},
                           file_format=file_format)
    assert [(c.files, c.failures, c.records_lost) for c in commits] == [(1, [], 0)] * 2
    first, second = (date_partition(NEWS_ITEMS.partition_key, day)
                     for day in (DAY_MS, DAY_MS + 86_400_000))
    assert file_names(tmp_path / "items") == [f"{first}/part-r1-00000-of-00001.{file_format}",
                                              f"{second}/part-r1-00000-of-00001.{file_format}"]
    records = read_records(tmp_path / "items" / first)
    assert len(records) == 6
    assert {r["id"]: r["story_id"] for r in records}[f"{DAY_MS}-0-1"] == "elsewhere"
    assert all(r["story_id"] == r["id"] for r in records if r["id"] != f"{DAY_MS}-0-1")
    # finalizing again (a retried step) finds nothing left to do and loses nothing
    assert [c.failures for c in finalize_all(tmp_path, staged, file_format=file_format)] == [
        [], []]
    assert len(read_records(tmp_path / "items")) == 10


def test_finalizing_spreads_a_partitions_records_over_its_shards(tmp_path):
    finalize_all(tmp_path, staged_run(tmp_path), shards=4)
    by_file = records_by_file(tmp_path / "items")
    assert sorted(len(records) for records in by_file.values()) == [1, 1, 1, 1, 1, 1, 2, 2]
    assert any(name.endswith("00003-of-00004.avro") for name in by_file)


@pytest.mark.parametrize("file_format", FILE_FORMATS)
def test_a_file_that_cannot_be_put_in_place_is_reported_with_its_records(tmp_path, file_format):
    staged = staged_run(tmp_path)
    first = next(iter(staged))
    (tmp_path / "items" / first).write_text("a file where a folder goes")
    blocked, fine = finalize_all(tmp_path, staged, file_format=file_format)
    assert (fine.files, fine.failures) == (1, [])
    assert (blocked.files, blocked.records_lost) == (0, 6)
    [failure] = blocked.failures
    [orphan] = blocked.orphans
    assert failure.startswith(orphan) and "/.staging-r1/" in orphan and os.path.exists(orphan)
    assert orphan.endswith(f".{file_format}")


def test_read_table_takes_a_table_or_its_folder_name(tmp_path):
    output = str(tmp_path)
    record = to_news_item(minimal(id="n1", published=1_695_247_800_000))
    write_files([record], output, NEWS_ITEMS, "run1", "parquet")
    assert [r["id"] for r in read_table(output, "items")] == ["n1"]
    assert list(read_table(output, "dead_letter")) == []
    with pytest.raises(ValueError, match="items, dead_letter"):
        list(read_table(output, "stories"))
