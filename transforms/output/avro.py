"""Avro output files: which partition folder a record goes to, what its file is called, and
writing a list of records atomically without a pipeline (follow mode's cycles).

The Beam sinks (beam.sinks) name their files with the same function, so every mode writes the
same layout: `<output>/<table>/<key>=YYYY-MM-DD/part-<run>[-<window>]-<shard>-of-<n>.avro`.
"""
from __future__ import annotations

import datetime
import os
import uuid
from dataclasses import dataclass, field

import fastavro

from newsbeam.schemas import DEAD_LETTER, NEWS_ITEM, load_schema
from newsbeam.transforms.filesystems import filesystems

ITEMS_DIR = "items"
DEAD_LETTER_DIR = "dead_letter"
# Hive's own name for a partition whose key is null; Spark, Trino and Athena read it as null.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Deflate blocks: every Avro reader has them, and news text shrinks about fourfold.
AVRO_CODEC = "deflate"


@dataclass(frozen=True)
class AvroTable:
    """One output table: its folder under the output, schema and date partition."""
    folder: str
    schema_name: str
    partition_field: str  # the record's timestamp (millis) that picks the partition
    partition_key: str  # the partition folder's name: `<key>=YYYY-MM-DD`


NEWS_ITEMS = AvroTable(ITEMS_DIR, NEWS_ITEM, "published", "published_date")
DEAD_LETTERS = AvroTable(DEAD_LETTER_DIR, DEAD_LETTER, "at", "failed_date")


def date_partition(key: str, millis: int | None) -> str:
    """Hive-style partition folder for a timestamp: `key=YYYY-MM-DD` (UTC)."""
    if millis is None:
        return f"{key}={NULL_PARTITION}"
    day = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc).date()
    return f"{key}={day.isoformat()}"


def file_name(destination: str, run_id: str, shard_index: int | None,
              total_shards: int | None, window: str | None = None) -> str:
    """`<partition>/part-<run>[-<window>]-<shard>-of-<n>.avro`, relative to the table folder.

    The run id keeps a second run into the same folder from overwriting the first; `window`
    names the window (and pane) of an unbounded job's file.
    """
    parts = ["part", run_id, *([window] if window else []),
             f"{shard_index or 0:05d}-of-{total_shards or 1:05d}"]
    return f"{destination}/{'-'.join(parts)}.avro"


def make_partition_folder(base: str, destination: str) -> None:
    """Creates `<base>/<destination>` where it does not exist yet: a local rename into a
    missing folder fails."""
    fs = filesystems()
    folder = fs.join(base, destination)
    if not fs.exists(folder):
        try:
            fs.mkdirs(folder)
        except IOError:
            pass  # made meanwhile by another worker; object stores need no folders


def temp_folder(base: str, run_id: str) -> str:
    """Where a writer keeps the files it is writing; hidden from Hive-style readers, which skip
    dot names."""
    return filesystems().join(base, f".temp-{run_id}")


def staging_folder(base: str, run_id: str) -> str:
    """Where a batch run's finished files wait, hidden, until the run commits them all."""
    return filesystems().join(base, f".staging-{run_id}")


@dataclass
class Commit:
    """What moving a run's staged files into place gave."""
    files: int = 0  # files now in place
    failures: list[str] = field(default_factory=list)  # "<staged file>: <why>"
    records_lost: int = 0  # records in the files that could not be moved
    orphans: list[str] = field(default_factory=list)  # files left behind, hidden

    def __add__(self, other: Commit) -> Commit:
        return Commit(self.files + other.files, self.failures + other.failures,
                      self.records_lost + other.records_lost, self.orphans + other.orphans)


def finalize_partition(output: str, table: AvroTable, run_id: str, destination: str,
                       staged_names: list[str], shards: int,
                       story_of: dict[str, str] | None = None) -> Commit:
    """Puts a batch run's staged files of one partition in place: their records, with their
    `story_id` set from `story_of` when given (a record not in it is its own story), go into
    at most `shards` files, written hidden and moved into the partition one by one, each
    checked. Reports what could not be moved, the records that holds, and the files left
    behind. Finalizing a partition again (a retried step) finds its files in place."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    staging = staging_folder(base, run_id)
    inputs = [path for path in (fs.join(staging, name) for name in sorted(staged_names))
              if fs.exists(path)]
    count = sum(avro_record_count(path) for path in inputs)
    commit = Commit()
    if not count:  # finalized before (its files are in place, or were reported then)
        fs.delete(inputs)
        return commit
    files = min(shards, count) or 1
    merged = [fs.join(staging, destination, f".merged-{shard}.avro") for shard in range(files)]
    _merge(inputs, merged, load_schema(table.schema_name), story_of)
    fs.delete(inputs)
    for shard, path in enumerate(merged):
        final = fs.join(base, file_name(destination, run_id, shard, files))
        try:
            make_partition_folder(base, destination)
            fs.rename([path], [final])
        except Exception as error:  # noqa: BLE001 (each file's failure is reported, not raised)
            # Beam's rename wraps each file's own error in one for the batch of renames.
            cause = next(iter(getattr(error, "exception_details", {}).values()), error)
            commit.failures.append(f"{path}: {' '.join(str(cause).split())[:300]}")
            commit.records_lost += avro_record_count(path)
            commit.orphans.append(path)
            continue
        if fs.exists(final) and not fs.exists(path):
            commit.files += 1
        else:
            commit.failures.append(f"{path}: not in place after the move")
    _remove_empty_folders(fs.join(staging, destination))
    _remove_empty_folders(staging)
    _remove_empty_folders(temp_folder(base, run_id))
    return commit


def _merge(inputs: list[str], outputs: list[str], schema: dict,
           story_of: dict[str, str] | None) -> None:
    """The records of `inputs`, round robin into `outputs`, their story ids set."""
    fs = filesystems()
    handles = [fs.create(path) for path in outputs]
    writers = [fastavro.write.Writer(handle, schema, codec=AVRO_CODEC) for handle in handles]
    position = 0
    for path in inputs:
        with fs.open(path) as source:
            for record in fastavro.reader(source):
                if story_of is not None:
                    record["story_id"] = story_of.get(record["id"], record["id"])
                writers[position % len(writers)].write(record)
                position += 1
    for writer, handle in zip(writers, handles):
        writer.flush()
        handle.close()


def read_table(output: str, table: AvroTable):
    """Every record of a table under a local or Beam-filesystem output folder (committed files
    only: hidden folders are skipped), with timestamps as epoch millis, as the pipeline holds
    them."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    for path in _files_below(base):
        if not path.endswith(".avro") or "/." in path[len(base):]:
            continue
        with fs.open(path) as handle:
            for record in fastavro.reader(handle):
                yield {name: _millis(value) for name, value in record.items()}


def _millis(value):
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1000)
    return value


def avro_record_count(path: str) -> int:
    """The records of an Avro file, counted from its blocks' headers; 0 when unreadable."""
    try:
        with filesystems().open(path) as handle:
            return sum(block.num_records for block in fastavro.block_reader(handle))
    except Exception:  # noqa: BLE001 (a half-written or foreign file holds no record we know of)
        return 0


def _files_below(folder: str) -> list[str]:
    fs = filesystems()
    found = []
    for pattern in (fs.join(folder, "*"), fs.join(folder, "*", "*")):
        try:
            [result] = fs.match([pattern])
        except Exception:  # noqa: BLE001 (Beam reports "nothing matched" as an error)
            continue
        found += [meta.path for meta in result.metadata_list
                  if "://" in meta.path or os.path.isfile(meta.path)]
    return sorted(set(found))


def _remove_empty_folders(folder: str) -> None:
    """Removes `folder` and the folders below it that are empty. Workers finalizing other
    partitions work in the same tree at the same time: what they remove, or still fill,
    is left to them."""
    # Local disks keep empty folders; object stores have none to remove.
    if "://" in folder or not os.path.isdir(folder):
        return
    for root, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        try:
            os.rmdir(root)
        except OSError:
            pass  # not empty, or removed meanwhile


def write_avro_files(records: list[dict], output: str, table: AvroTable, run_id: str,
                     shards: int = 1) -> list[str]:
    """Writes `records` without a pipeline: the same partitions and file names as the Beam
    sink in the global window, `shards` files at most per partition. Each file is written
    under the run's temporary folder and renamed into place, so a reader never sees one
    half-written, and writing a run again replaces its files. Returns the files' paths."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    by_partition: dict[str, list[dict]] = {}
    for record in records:
        destination = date_partition(table.partition_key, record.get(table.partition_field))
        by_partition.setdefault(destination, []).append(record)
    schema = load_schema(table.schema_name)
    temp = temp_folder(base, run_id)
    written = []
    for destination, partition in sorted(by_partition.items()):
        make_partition_folder(base, destination)
        shard_count = min(shards, len(partition))
        for shard in range(shard_count):
            staged = fs.join(temp, uuid.uuid4().hex)
            with fs.create(staged) as handle:
                fastavro.writer(handle, schema, partition[shard::shard_count], codec=AVRO_CODEC)
            final = fs.join(base, file_name(destination, run_id, shard, shards))
            fs.rename([staged], [final])
            written.append(final)
    if written and os.path.isdir(temp) and not os.listdir(temp):
        os.rmdir(temp)  # local disks keep empty folders; object stores have none to remove
    return written
