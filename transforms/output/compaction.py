"""Follow mode's compaction: the small files its cycles write, merged into one file per partition,
so that every record stays in exactly one visible file whenever the process is killed.

Which files, in each partition of the output's tables, of the output's format:
- at each pass (follow mode runs one each UTC hour), the files the cycles wrote, when there are
  two or more, into one;
- in a closed partition (its date is before today, UTC: its files have stopped changing but
  for late items), every file, when there are two or more, into one.

How, for one partition (`compact_partition`):
1. its files are merged (files.merge_files, as a batch run's partitions are) into a new file in
   a hidden folder, `<table>/.compact-<id>/<partition>/part-compacted-<id>-00000-of-00001.<ext>`,
   and its records are counted against the inputs';
2. the intent (the inputs, the new file) is written beside it, aside and renamed to
   `<table>/.compact-<id>/intent.json`: from here on the compaction is decided;
3. the new file is renamed into the partition;
4. the inputs are deleted;
5. the hidden folder is removed.

A crash before 2 leaves a hidden folder without an intent: `finish_interrupted` removes it and
the inputs are untouched (rolled back). A crash after 2 leaves the intent: `finish_interrupted`
does what is left of 3 to 5 (rolled forward); it deletes inputs only once the new file is in
place. Readers skip the hidden folders (names starting with a dot). Between 3 and 4 a reader
listing the partition sees its records twice, for the moment the deletes take.
"""
from __future__ import annotations

import datetime
import os
import time
from dataclasses import dataclass, field

from newsbeam.transforms.filesystems import filesystems
from newsbeam.transforms.output.files import (NULL_PARTITION, TABLES, Table, file_name,
                                              make_partition_folder, merge_files, record_count,
                                              table_files)
from newsbeam.transforms.output.formats import format_of
from newsbeam.transforms.output.summary import new_run_id, read_json, replace_json

COMPACTION_FOLDER_PREFIX = ".compact-"
INTENT = "intent.json"
# Compacted files are named as a run's files are, with this run id prefix: `part-compacted-...`.
COMPACTED_RUN_PREFIX = "compacted-"


class CompactionError(Exception):
    """A merged file does not hold its inputs' records: the compaction is abandoned, the inputs
    are left as they are."""


@dataclass
class CompactionReport:
    partitions: int = 0  # partitions compacted
    files_merged: int = 0  # files merged away
    records: int = 0
    errors: list[str] = field(default_factory=list)  # "<partition>: <why>", partitions skipped
    finished: list[str] = field(default_factory=list)  # interrupted compactions finished
    seconds: float = 0.0

    def line(self) -> str:
        return (f"compacted {self.files_merged} files into {self.partitions} ({self.records} "
                f"records) in {self.seconds:.1f} s")


def is_compacted(path: str) -> bool:
    return path.rsplit("/", 1)[-1].startswith(f"part-{COMPACTED_RUN_PREFIX}")


def partition_closed(destination: str, today: datetime.date) -> bool:
    """Whether a date partition (`key=YYYY-MM-DD`) is for a day before `today`; the partition
    of records without a date never closes."""
    value = destination.split("=", 1)[-1]
    if value == NULL_PARTITION:
        return False
    try:
        return datetime.date.fromisoformat(value) < today
    except ValueError:
        return False  # not one of ours: left alone


def files_to_compact(files: list[str], closed: bool) -> list[str]:
    """Of a partition's files, those to merge into one: the cycles' files, or every file once
    the partition has closed; none when that is fewer than two."""
    chosen = files if closed else [path for path in files if not is_compacted(path)]
    return chosen if len(chosen) >= 2 else []


def compact_output(output: str, file_format: str, now: float,
                   keep_runs: list[str] = ()) -> CompactionReport:
    """One compaction pass over the output's tables, after finishing any compaction a crash
    interrupted. Only files of `file_format` are merged; files of the runs in `keep_runs`
    (batches that may still be written again under their own names) are left alone. A
    partition that cannot be compacted is reported and skipped: the others go on."""
    started = time.monotonic()
    report = CompactionReport(finished=finish_interrupted(output))
    today = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc).date()
    kept = tuple(f"part-{run}-" for run in keep_runs)
    fs = filesystems()
    for table in TABLES:
        base = fs.join(output, table.folder)
        by_partition: dict[str, list[str]] = {}
        for path in table_files(output, table):
            name = path.rsplit("/", 1)[-1]
            if format_of(path) == file_format and not name.startswith(kept):
                destination = path[len(base):].strip("/").split("/", 1)[0]
                by_partition.setdefault(destination, []).append(path)
        for destination, files in sorted(by_partition.items()):
            inputs = files_to_compact(files, partition_closed(destination, today))
            if not inputs:
                continue
            try:
                report.records += compact_partition(output, table, destination, inputs,
                                                    file_format)
            except Exception as error:  # noqa: BLE001 (one partition's trouble stops no other)
                report.errors.append(f"{table.folder}/{destination}: {error!r}")
                continue
            report.partitions += 1
            report.files_merged += len(inputs)
    report.seconds = time.monotonic() - started
    return report


def compact_partition(output: str, table: Table, destination: str, inputs: list[str],
                      file_format: str) -> int:
    """Merges `inputs` (files of one partition) into one new file of `file_format` in the
    partition, in the five steps above; returns the records merged."""
    fs = filesystems()
    base = fs.join(output, table.folder)
    compaction_id = new_run_id()
    folder = fs.join(base, COMPACTION_FOLDER_PREFIX + compaction_id)
    name = file_name(destination, COMPACTED_RUN_PREFIX + compaction_id, 0, 1, file_format)
    merged = fs.join(folder, name)
    expected = sum(record_count(path) for path in inputs)
    try:
        written = merge_files(inputs, [merged], table.schema_name, file_format)
        if not written == expected == record_count(merged):
            raise CompactionError(f"merged {written} records into {merged}, which holds "
                                  f"{record_count(merged)}, from files holding {expected}")
    except Exception:
        _delete_folder(folder)  # undecided: the inputs stay as they are
        raise
    replace_json(fs.join(folder, INTENT), {
        "inputs": [path[len(base):].lstrip("/") for path in inputs],
        "output": name, "records": written})
    _finish(base, folder)
    return written


def finish_interrupted(output: str) -> list[str]:
    """Finishes the compactions a crash interrupted, in every table of `output`: rolled
    forward where the intent was written, else rolled back. Returns the hidden folders
    found."""
    fs = filesystems()
    found = []
    for table in TABLES:
        base = fs.join(output, table.folder)
        for folder in _compaction_folders(base):
            found.append(folder)
            if fs.exists(fs.join(folder, INTENT)):
                _finish(base, folder)
            else:
                _delete_folder(folder)
    return found


def _finish(base: str, folder: str) -> None:
    """Steps 3 to 5 of a decided compaction, whichever of them are left."""
    fs = filesystems()
    intent = read_json(fs.join(folder, INTENT))
    merged, final = fs.join(folder, intent["output"]), fs.join(base, intent["output"])
    if fs.exists(merged):
        if fs.exists(final):  # an object store's rename is a copy, then a delete
            fs.delete([merged])
        else:
            make_partition_folder(base, intent["output"].rsplit("/", 1)[0])
            fs.rename([merged], [final])
    if fs.exists(final):
        inputs = [fs.join(base, name) for name in intent["inputs"]]
        existing = [path for path in inputs if fs.exists(path)]
        if existing:
            fs.delete(existing)
    # Without the new file in place (removed by hand since), the inputs are all there is.
    _delete_folder(folder)


def _compaction_folders(base: str) -> list[str]:
    """The hidden compaction folders of a table folder, empty ones included where the
    filesystem has folders."""
    if "://" not in base:  # a local disk: a glob lists files only, and misses an empty folder
        if not os.path.isdir(base):
            return []
        return sorted(os.path.join(base, name) for name in os.listdir(base)
                      if name.startswith(COMPACTION_FOLDER_PREFIX)
                      and os.path.isdir(os.path.join(base, name)))
    fs = filesystems()
    try:
        [result] = fs.match([fs.join(base, COMPACTION_FOLDER_PREFIX + "**")])
    except Exception:  # noqa: BLE001 (Beam reports "nothing matched" as an error)
        return []
    # Object stores have no folders, only the files under them.
    folders = {base.rstrip("/") + "/" + meta.path[len(base):].strip("/").split("/", 1)[0]
               for meta in result.metadata_list}
    return sorted(folders)


def _delete_folder(folder: str) -> None:
    fs = filesystems()
    if "://" in folder:  # object stores have no folders, only the files under one
        try:
            fs.delete([folder.rstrip("/") + "/"])
        except Exception:  # noqa: BLE001 (nothing under it)
            pass
    elif os.path.isdir(folder):
        fs.delete([folder])
