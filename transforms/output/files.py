"""Output files in any format (formats.py): which partition folder a record goes to, what its file
is called, putting a batch run's staged files in place, writing a list of records without a
pipeline (follow mode's cycles), merging files, and reading a table back.

Every mode writes the same layout,
`<output>/<table>/<key>=YYYY-MM-DD/part-<run>[-<window>]-<shard>-of-<n>.<avro|parquet|jsonl>`;
the Beam sinks (beam.sinks) name their files with the same function.
"""
from __future__ import annotations

import datetime
import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Iterator

from newsbeam.schemas import DEAD_LETTER, NEWS_ITEM
from newsbeam.transforms.filesystems import filesystems, matching_files
from newsbeam.transforms.output.formats import AVRO, extension, format_of, implementation
from newsbeam.transforms.output.schema_types import with_defaults

ITEMS_DIR = "items"
DEAD_LETTER_DIR = "dead_letter"
# Hive's own name for a partition whose key is null; Spark, Trino and Athena read it as null.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# A batch run's staged files are Avro whatever --format says: each is written record by record
# with a small buffer (a bundle may hold a thousand of them open), and merged into the output
# format when its partition is finalized.
STAGED_FORMAT = AVRO


@dataclass(frozen=True)
class Table:
    """One output table: its folder under the output, schema and date partition."""
    folder: str
    schema_name: str
    partition_field: str  # the record's timestamp (millis) that picks the partition
    partition_key: str  # the partition folder's name: `<key>=YYYY-MM-DD`


NEWS_ITEMS = Table(ITEMS_DIR, NEWS_ITEM, "published", "published_date")
DEAD_LETTERS = Table(DEAD_LETTER_DIR, DEAD_LETTER, "at", "failed_date")
TABLES = (NEWS_ITEMS, DEAD_LETTERS)


def date_partition(key: str, millis: int | None) -> str:
    """Hive-style partition folder for a timestamp: `key=YYYY-MM-DD` (UTC)."""
    if millis is None:
        return f"{key}={NULL_PARTITION}"
    day = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc).date()
    return f"{key}={day.isoformat()}"


def file_name(destination: str, run_id: str, shard_index: int | None,
              total_shards: int | None, file_format: str, window: str | None = None) -> str:
    """`<partition>/part-<run>[-<window>]-<shard>-of-<n>.<ext>`, relative to the table folder.

    The run id keeps a second run into the same folder from overwriting the first; `window`
    names the window (and pane) of an unbounded job's file.
    """
    parts = ["part", run_id, *([window] if window else []),
             f"{shard_index or 0:05d}-of-{total_shards or 1:05d}"]
    return f"{destination}/{'-'.join(parts)}{extension(file_format)}"


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


class _FileWriter:
    """A new file at `path` in `file_format`, records written as they come."""

    def __init__(self, path: str, file_format: str, schema_name: str):
        self._handle = filesystems().create(path)
        self._writer = implementation(file_format).open_writer(self._handle, schema_name)

    def write(self, record: dict) -> None:
        self._writer.write(record)

    def close(self) -> None:
        self._writer.finish()
        self._handle.close()


def read_file(path: str, schema_name: str) -> Iterator[dict]:
    """The records of one output file (its format from its extension), as the pipeline holds
    them, with the fields the file lacks (written before they were added) at their
    defaults."""
    reader = implementation(_format_of_file(path)).read_records
    fill = with_defaults(schema_name)  # fields added to the schema since the file was written
    with filesystems().open(path) as handle:
        for record in reader(handle, schema_name):
            yield fill(record)


def record_count(path: str) -> int:
    """The records of an output file, counted from its blocks or footer; 0 when unreadable."""
    try:
        counter = implementation(_format_of_file(path)).count_records
        with filesystems().open(path) as handle:
            return counter(handle)
    except Exception:  # noqa: BLE001 (a half-written or foreign file holds no record we know of)
        return 0


def _format_of_file(path: str) -> str:
    file_format = format_of(path)
    if file_format is None:
        raise ValueError(f"{path}: not an output file (.avro, .parquet or .jsonl)")
    return file_format


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


def finalize_partition(output: str, table: Table, run_id: str, destination: str,
                       staged_names: list[str], shards: int, file_format: str,
                       story_of: dict[str, str] | None = None) -> Commit:
    """Puts a batch run's staged files of one partition in place: their records, with their
    `story_id` set from `story_of` when given (a record not in it is its own story), go into
    at most `shards` files of `file_format`, written hidden and moved into the partition one by
    one, each checked. Reports what could not be moved, the records that holds, and the files
    left behind. Finalizing a partition again (a retried step) finds its files in place."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    staging = staging_folder(base, run_id)
    inputs = [path for path in (fs.join(staging, name) for name in sorted(staged_names))
              if fs.exists(path)]
    count = sum(record_count(path) for path in inputs)
    commit = Commit()
    if not count:  # finalized before (its files are in place, or were reported then)
        fs.delete(inputs)
        return commit
    files = min(shards, count) or 1
    merged = [fs.join(staging, destination, f".merged-{shard}{extension(file_format)}")
              for shard in range(files)]
    merge_files(inputs, merged, table.schema_name, file_format, story_of)
    fs.delete(inputs)
    for shard, path in enumerate(merged):
        final = fs.join(base, file_name(destination, run_id, shard, files, file_format))
        try:
            make_partition_folder(base, destination)
            fs.rename([path], [final])
        except Exception as error:  # noqa: BLE001 (each file's failure is reported, not raised)
            # Beam's rename wraps each file's own error in one for the batch of renames.
            cause = next(iter(getattr(error, "exception_details", {}).values()), error)
            commit.failures.append(f"{path}: {' '.join(str(cause).split())[:300]}")
            commit.records_lost += record_count(path)
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


def merge_files(inputs: list[str], outputs: list[str], schema_name: str, file_format: str,
                story_of: dict[str, str] | None = None) -> int:
    """The records of `inputs` (any format), round robin into new files `outputs` of
    `file_format`, their story ids set from `story_of` when given; one record at a time, so
    memory does not grow with the files. Returns the records merged."""
    writers = [_FileWriter(path, file_format, schema_name) for path in outputs]
    position = 0
    for path in inputs:
        for record in read_file(path, schema_name):
            if story_of is not None:
                record["story_id"] = story_of.get(record["id"], record["id"])
            writers[position % len(writers)].write(record)
            position += 1
    for writer in writers:
        writer.close()
    return position


# Follow mode's compactions (compaction.py) work in hidden folders `<table>/.compact-<id>/`,
# each decided once its intent (the inputs, the new file) is written there.
COMPACTION_FOLDER_PREFIX = ".compact-"
INTENT = "intent.json"


def compaction_folders(base: str) -> list[str]:
    """The hidden compaction folders of a table folder, empty ones included where the
    filesystem has folders."""
    if "://" not in base:  # a local disk: a glob lists files only, and misses an empty folder
        if not os.path.isdir(base):
            return []
        return sorted(os.path.join(base, name) for name in os.listdir(base)
                      if name.startswith(COMPACTION_FOLDER_PREFIX)
                      and os.path.isdir(os.path.join(base, name)))
    paths = matching_files(filesystems().join(base, COMPACTION_FOLDER_PREFIX + "**"))
    # Object stores have no folders, only the files under them.
    folders = {base.rstrip("/") + "/" + path[len(base):].strip("/").split("/", 1)[0]
               for path in paths}
    return sorted(folders)


def superseded_files(base: str) -> set[str]:
    """The inputs of the decided compactions of a table folder whose new file is in place:
    files a crash or the moment before their deletion left visible beside their merge."""
    fs = filesystems()
    superseded = set()
    for folder in compaction_folders(base):
        try:
            with fs.open(fs.join(folder, INTENT)) as file:
                intent = json.loads(file.read())
        except Exception:  # noqa: BLE001 (no intent yet: undecided, the inputs stand)
            continue
        if fs.exists(fs.join(base, intent["output"])):
            superseded.update(fs.join(base, name) for name in intent["inputs"])
    return superseded


def table_files(output: str, table: Table) -> list[str]:
    """The committed files of a table under a local or Beam-filesystem output folder, in name
    order: output files in partition folders; hidden folders (staging, temporary,
    compaction) are skipped, as Hive-style readers skip them, and so are the inputs of a
    compaction whose merged file is already in place."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    superseded = superseded_files(base)
    return [path for path in _files_below(base)
            if format_of(path) and "/." not in path[len(base):] and path not in superseded]


def table_named(name: str) -> Table:
    """The table whose folder is `name`: `items` or `dead_letter`."""
    for table in TABLES:
        if table.folder == name:
            return table
    raise ValueError(f"no output table {name!r}; one of "
                     f"{', '.join(table.folder for table in TABLES)}")


def read_table(output: str, table: Table | str) -> Iterator[dict]:
    """Every record of a table (a Table, or its folder name: `items`, `dead_letter`) in an
    output folder, whatever the files' format (Avro, Parquet, JSON Lines, even mixed), with
    timestamps as epoch millis, as the pipeline holds them. Only committed files are read:
    hidden folders (staging, temporary, compaction) are skipped. The one reader of output
    folders: follow mode's state rebuild, the tests and `newsbeam report` use it."""
    if isinstance(table, str):
        table = table_named(table)
    for path in table_files(output, table):
        yield from read_file(path, table.schema_name)


def _files_below(folder: str) -> list[str]:
    fs = filesystems()
    found = []
    for pattern in (fs.join(folder, "*"), fs.join(folder, "*", "*")):
        found += [path for path in matching_files(pattern)
                  if "://" in path or os.path.isfile(path)]
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


def write_files(records: list[dict], output: str, table: Table, run_id: str, file_format: str,
                shards: int = 1) -> list[str]:
    """Writes `records` without a pipeline: the same partitions and file names as the Beam
    sink in the global window, `shards` files at most per partition. Each file is written
    under the run's temporary folder and renamed into place, so a reader never sees one
    half-written, and writing a run again replaces its files, whatever format and number of
    shards they were written in. Returns the files' paths."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    by_partition: dict[str, list[dict]] = {}
    for record in records:
        destination = date_partition(table.partition_key, record.get(table.partition_field))
        by_partition.setdefault(destination, []).append(record)
    temp = temp_folder(base, run_id)
    written = []
    for destination, partition in sorted(by_partition.items()):
        make_partition_folder(base, destination)
        # The run's files from an earlier writing (a follower restarted, perhaps with another
        # --format or --shards, writes the batch left in its inbox again): replaced below.
        earlier = matching_files(fs.join(base, destination, f"part-{run_id}-?????-of-?????.*"))
        shard_count = min(shards, len(partition))
        for shard in range(shard_count):
            staged = fs.join(temp, uuid.uuid4().hex)
            writer = _FileWriter(staged, file_format, table.schema_name)
            for record in partition[shard::shard_count]:
                writer.write(record)
            writer.close()
            final = fs.join(base, file_name(destination, run_id, shard, shards, file_format))
            fs.rename([staged], [final])
            written.append(final)
        replaced = [path for path in earlier if path not in written]
        if replaced:
            fs.delete(replaced)
    if written and os.path.isdir(temp) and not os.listdir(temp):
        os.rmdir(temp)  # local disks keep empty folders; object stores have none to remove
    return written
