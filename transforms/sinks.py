"""Avro files on any Beam filesystem, Hive-partitioned, windowed, never seen half-written.

Built on `fileio.WriteToFiles` with a fastavro sink: files are written under a temporary
folder and moved into place when complete, so a reader listing the output only ever sees
finished files. (avroio.WriteToAvro lost the last window's records on unbounded input here.)
"""
from __future__ import annotations

import datetime
import os
import uuid
from dataclasses import dataclass
from typing import Callable

import apache_beam as beam
import fastavro
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import PaneInfoTiming

from schemas import DEAD_LETTER, NEWS_ITEM, load_schema

ITEMS_DIR = "items"
DEAD_LETTER_DIR = "dead_letter"
# Hive's own name for a partition whose key is null; Spark, Trino and Athena read it as null.
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# Deflate blocks: every Avro reader has them, and news text shrinks about fourfold.
AVRO_CODEC = "deflate"


class AvroSink(fileio.FileSink):
    """Writes records to one Avro container file (deflate blocks, readable everywhere)."""

    def __init__(self, schema_name: str, codec: str = AVRO_CODEC):
        self._schema_name = schema_name
        self._codec = codec
        self._writer = None

    def open(self, fh):
        self._writer = fastavro.write.Writer(fh, load_schema(self._schema_name), codec=self._codec)

    def write(self, record):
        self._writer.write(record)

    def flush(self):
        self._writer.flush()


def date_partition(key: str, millis: int | None) -> str:
    """Hive-style partition folder for a timestamp: `key=YYYY-MM-DD` (UTC)."""
    if millis is None:
        return f"{key}={NULL_PARTITION}"
    day = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc).date()
    return f"{key}={day.isoformat()}"


def _partition_file_naming(base: str, run_id: str) -> Callable:
    """File names `<partition>/part-<run>[-<window>[-<pane>]]-<shard>-of-<n>.avro`.

    The run id keeps a second run into the same folder from overwriting the first. The
    partition folder is created here because WriteToFiles moves files with a plain rename,
    which on a local disk needs the folder to exist and would otherwise fail silently.

    A window fires more than once when late data arrives, and WriteToFiles names files by
    destination and window only, so a later firing would overwrite the first one's files.
    Early and late firings get `<timing><pane index>-<random>`: the index orders
    them for a reader, and the random part keeps them apart even where shards of one window
    fired a different number of times.
    """
    def naming(window, pane, shard_index, total_shards, compression, destination):
        folder = FileSystems.join(base, destination)
        if not FileSystems.exists(folder):
            try:
                FileSystems.mkdirs(folder)
            except IOError:
                pass  # made meanwhile by another worker; object stores need no folders
        parts = ["part", run_id]
        if window != GlobalWindow():
            start = window.start.to_utc_datetime().strftime("%Y%m%dT%H%M%S")
            end = window.end.to_utc_datetime().strftime("%Y%m%dT%H%M%S")
            parts.append(f"{start}-{end}")
            if pane is not None and pane.timing in (PaneInfoTiming.EARLY, PaneInfoTiming.LATE):
                timing = PaneInfoTiming.to_string(pane.timing).lower()
                parts.append(f"{timing}{pane.index}-{uuid.uuid4().hex[:8]}")
        parts.append(f"{shard_index or 0:05d}-of-{total_shards or 1:05d}")
        return f"{destination}/{'-'.join(parts)}.avro"
    return naming


@dataclass(frozen=True)
class AvroTable:
    """One output table: its folder under the output, schema and date partition."""
    folder: str
    schema_name: str
    partition_field: str  # the record's timestamp (millis) that picks the partition
    partition_key: str  # the partition folder's name: `<key>=YYYY-MM-DD`


NEWS_ITEMS = AvroTable(ITEMS_DIR, NEWS_ITEM, "published", "published_date")
DEAD_LETTERS = AvroTable(DEAD_LETTER_DIR, DEAD_LETTER, "at", "failed_date")


def _temp_folder(base: str, run_id: str) -> str:
    # Hidden from Hive-style readers, which skip names starting with a dot.
    return FileSystems.join(base, f".temp-{run_id}")


class WriteAvroPartitioned(beam.PTransform):
    """Avro records -> files under `<output>/<folder>/<key>=<date>/`; returns the file results."""

    def __init__(self, output: str, table: AvroTable, run_id: str, shards: int = 1):
        super().__init__()
        self._base = FileSystems.join(output, table.folder)
        self._table = table
        self._run_id = run_id
        self._shards = shards

    def expand(self, records):
        field, key = self._table.partition_field, self._table.partition_key
        schema_name = self._table.schema_name
        return records | fileio.WriteToFiles(
            path=self._base,
            destination=lambda record: date_partition(key, record.get(field)),
            file_naming=_partition_file_naming(self._base, self._run_id),
            sink=lambda destination: AvroSink(schema_name),
            shards=self._shards,
            # 0 writers per bundle sends every record through the sharded path: exactly
            # `shards` files per partition and window instead of one per bundle.
            max_writers_per_bundle=0,
            temp_directory=StaticValueProvider(str, _temp_folder(self._base, self._run_id)))


class WriteNewsItems(WriteAvroPartitioned):
    """NewsItem records -> `<output>/items/published_date=YYYY-MM-DD/*.avro`."""

    def __init__(self, output: str, run_id: str, shards: int = 1):
        super().__init__(output, NEWS_ITEMS, run_id, shards)


class WriteDeadLetters(WriteAvroPartitioned):
    """DeadLetter records -> `<output>/dead_letter/failed_date=YYYY-MM-DD/*.avro`."""

    def __init__(self, output: str, run_id: str, shards: int = 1):
        super().__init__(output, DEAD_LETTERS, run_id, shards)


def write_avro_files(records: list[dict], output: str, table: AvroTable, run_id: str,
                     shards: int = 1) -> list[str]:
    """Writes `records` without a pipeline (follow mode's cycles): the same partitions and
    file names as WriteAvroPartitioned in the global window, `shards` files at most per
    partition. Each file is written under the run's temporary folder and renamed into place,
    so a reader never sees one half-written, and writing a run again replaces its files.
    Returns the files' paths."""
    base = FileSystems.join(output, table.folder)
    by_partition: dict[str, list[dict]] = {}
    for record in records:
        destination = date_partition(table.partition_key, record.get(table.partition_field))
        by_partition.setdefault(destination, []).append(record)
    naming = _partition_file_naming(base, run_id)
    schema = load_schema(table.schema_name)
    temp = _temp_folder(base, run_id)
    written = []
    for destination, partition in sorted(by_partition.items()):
        shard_count = min(shards, len(partition))
        for shard in range(shard_count):
            staged = FileSystems.join(temp, uuid.uuid4().hex)
            with FileSystems.create(staged) as handle:
                fastavro.writer(handle, schema, partition[shard::shard_count], codec=AVRO_CODEC)
            final = FileSystems.join(base, naming(GlobalWindow(), None, shard, shards, None,
                                                  destination))
            FileSystems.rename([staged], [final])
            written.append(final)
    if written and os.path.isdir(temp) and not os.listdir(temp):
        os.rmdir(temp)  # local disks keep empty folders; object stores have none to remove
    return written
