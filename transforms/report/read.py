"""An output folder into a Report: its tables' files (Avro, Parquet or JSON Lines, told apart by
extension) streamed through the tallies, its run summaries read one by one.

The file reader here is the report's own and reads only the fields the report shows: fastavro
for Avro, pyarrow for Parquet (the columns wanted, a batch at a time), json for JSON Lines
(timestamps as ISO 8601 strings or epoch millis, bytes as base64). Whatever cannot be read
becomes one UnreadableOutput message naming what and why.
"""
from __future__ import annotations

import base64
import datetime
import json
import os

import fastavro

from newsbeam.transforms.filesystems import filesystems
from newsbeam.transforms.output.summary import RUNS_DIR, read_json
from newsbeam.transforms.report.aggregate import (DeadLetterTally, FollowStateView, RecordTally,
                                                  Report, Run, StoryItems, finish_report,
                                                  run_from_summary)

SUMMARY_FILE = "summary.json"
# The tables' folders under an output (the output package's ITEMS_DIR and DEAD_LETTER_DIR),
# and the fields of each that the report reads.
ITEMS_FOLDER, DEAD_LETTERS_FOLDER = "items", "dead_letter"
ITEM_FIELDS = ("id", "feed_url", "title", "link", "language", "published", "topic", "entities",
               "revision", "story_id")
LETTER_FIELDS = ("feed_url", "stage", "error", "raw", "raw_size", "at")
_TIMESTAMPS = {"published", "at"}
_BYTES = {"raw"}
FORMATS = ("avro", "parquet", "jsonl")
PARQUET_BATCH = 4096
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_MILLISECOND = datetime.timedelta(milliseconds=1)


class UnreadableOutput(Exception):
    """The output folder cannot be reported on; the message says which and why, in one line."""


def output_problem(output: str, state_file: str | None) -> str | None:
    """Why `output` is not a folder of newsbeam output, or None when it is: it holds a table,
    a run summary or the follow state (`state_file`, None when it is elsewhere or remote)."""
    fs = filesystems()
    if "://" not in output and not os.path.isdir(output):
        return (f"{output} is not a folder" if os.path.exists(output)
                else f"{output}: no such folder")
    if "://" in output and not fs.exists(output):
        return f"{output}: no such folder"
    written = [fs.join(output, name) for name in (ITEMS_FOLDER, DEAD_LETTERS_FOLDER, RUNS_DIR)]
    if any(fs.exists(path) for path in written) or (state_file and os.path.isfile(state_file)):
        return None
    return (f"{output} holds no newsbeam output (no {ITEMS_FOLDER}/, "
            f"{DEAD_LETTERS_FOLDER}/ or {RUNS_DIR}/ folder, no follow state)")


def build_report(output: str, follow_state: FollowStateView, now: float) -> Report:
    """The report of everything under `output`. Raises UnreadableOutput."""
    records, letters = RecordTally(), DeadLetterTally()
    for record in _table(output, ITEMS_FOLDER, ITEM_FIELDS):
        records.add(record)
    for letter in _table(output, DEAD_LETTERS_FOLDER, LETTER_FIELDS):
        letters.add(letter)
    largest = [story for story, _ in records.largest_stories()]
    story_items = StoryItems(largest)
    if largest:  # a second pass, for the items of the largest stories only
        for record in _table(output, ITEMS_FOLDER, ITEM_FIELDS):
            story_items.add(record)
    return finish_report(output, now, records, story_items, letters, read_runs(output),
                         follow_state)


# --- files --------------------------------------------------------------------------------------

def file_format(path: str) -> str | None:
    """`avro`, `parquet` or `jsonl` from a file's extension; None for any other file."""
    name = path.rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return suffix if suffix in FORMATS else None


def table_files(output: str, folder: str) -> list[str]:
    """The committed files of the table in `output`/`folder`, in name order: files of a known
    format in the folder or its partition folders; hidden ones (staging, temporary) skipped."""
    fs = filesystems()
    base = fs.join(output, folder)
    found = set()
    for pattern in (fs.join(base, "*"), fs.join(base, "*", "*")):
        try:
            [result] = fs.match([pattern])
        except Exception:  # noqa: BLE001 (Beam reports "nothing matched" as an error)
            continue
        found.update(meta.path for meta in result.metadata_list
                     if "://" in meta.path or os.path.isfile(meta.path))
    return sorted(path for path in found
                  if file_format(path) and "/." not in path[len(base):].replace(os.sep, "/"))


def read_file(path: str, fields: tuple[str, ...]):
    """The records of one output file, each a dict of `fields` as the pipeline holds them
    (timestamps as epoch millis, bytes as bytes)."""
    kind = file_format(path)
    with filesystems().open(path) as handle:
        if kind == "avro":
            for record in fastavro.reader(handle):
                yield {name: _millis(record.get(name)) if name in _TIMESTAMPS
                       else record.get(name) for name in fields}
        elif kind == "parquet":
            yield from _parquet_records(handle, fields)
        else:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    yield {name: _json_value(name, record.get(name)) for name in fields}


def _parquet_records(handle, fields):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError("Parquet files need pyarrow (pip install pyarrow)") from None
    parquet = pq.ParquetFile(handle)
    columns = [name for name in fields if name in parquet.schema_arrow.names]
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH, columns=columns):
        for row in batch.to_pylist():
            yield {name: _millis(row.get(name)) if name in _TIMESTAMPS else row.get(name)
                   for name in fields}


def _millis(value):
    """A timestamp as epoch millis (readers give datetimes; a naive one is UTC)."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return (value - _EPOCH) // _MILLISECOND
    return value


def _json_value(name: str, value):
    if value is None:
        return None
    if name in _TIMESTAMPS and isinstance(value, str):
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return _millis(moment)
    if name in _BYTES and isinstance(value, str):
        return base64.b64decode(value)
    return value


def _table(output: str, folder: str, fields: tuple[str, ...]):
    """The records of the table in `folder`, with a failure to read them as UnreadableOutput
    (a damaged or foreign file below the table's folder, named)."""
    for path in table_files(output, folder):
        records = read_file(path, fields)
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except Exception as error:  # noqa: BLE001 (every format's reader fails its own way)
                detail = " ".join(str(error).split())[:300] or type(error).__name__
                raise UnreadableOutput(f"cannot read {path}: {detail} (a damaged or foreign "
                                       f"file)") from None
            yield record


# --- runs ---------------------------------------------------------------------------------------

def read_runs(output: str) -> list[Run]:
    """Every run with a summary (`_runs/<run>/summary.json`; a run writes it last): what it
    says, or why it cannot be read. A summary that cannot be read is reported, not fatal:
    follow mode writes one per batch, and may be writing one as the report reads it."""
    fs = filesystems()
    pattern = fs.join(output, RUNS_DIR, "*", SUMMARY_FILE)
    try:
        [found] = fs.match([pattern])
        paths = sorted(meta.path for meta in found.metadata_list)
    except Exception:  # noqa: BLE001 (Beam reports "nothing matched" as an error)
        paths = []
    runs = []
    for path in paths:
        run_id = fs.split(fs.split(path)[0])[1]
        try:
            runs.append(run_from_summary(run_id, read_json(path)))
        except (OSError, ValueError, AttributeError) as error:  # AttributeError: not an object
            detail = " ".join(str(error).split())[:200]
            runs.append(Run(run_id, None, None, None, None,
                            f"summary unreadable ({type(error).__name__}: {detail})"))
    return runs
