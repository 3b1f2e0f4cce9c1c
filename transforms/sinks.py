"""Avro files on any Beam filesystem, Hive-partitioned, windowed, never seen half-written.

Built on `fileio.WriteToFiles` with a fastavro sink: files are written under a temporary
folder and moved into place when complete, so a reader listing the output only ever sees
finished files. (avroio.WriteToAvro lost the last window's records on unbounded input here.)
"""
from __future__ import annotations

import datetime
import uuid
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


class WriteAvroPartitioned(beam.PTransform):
    """Avro records -> files under `<output>/<folder>/<key>=<date>/`; returns the file results."""

    def __init__(self, output: str, folder: str, schema_name: str, partition_field: str,
                 partition_key: str, run_id: str, shards: int = 1):
        super().__init__()
        self._base = FileSystems.join(output, folder)
        self._schema_name = schema_name
        self._partition_field = partition_field
        self._partition_key = partition_key
        self._run_id = run_id
        self._shards = shards

    def expand(self, records):
        field, key, schema_name = self._partition_field, self._partition_key, self._schema_name
        return records | fileio.WriteToFiles(
            path=self._base,
            destination=lambda record: date_partition(key, record.get(field)),
            file_naming=_partition_file_naming(self._base, self._run_id),
            sink=lambda destination: AvroSink(schema_name),
            shards=self._shards,
            # 0 writers per bundle sends every record through the sharded path: exactly
            # `shards` files per partition and window instead of one per bundle.
            max_writers_per_bundle=0,
            # Hidden from Hive-style readers, which skip names starting with a dot.
            temp_directory=StaticValueProvider(
                str, FileSystems.join(self._base, f".temp-{self._run_id}")))


class WriteNewsItems(WriteAvroPartitioned):
    """NewsItem records -> `<output>/items/published_date=YYYY-MM-DD/*.avro`."""

    def __init__(self, output: str, run_id: str, shards: int = 1):
        super().__init__(output, ITEMS_DIR, NEWS_ITEM, "published", "published_date", run_id,
                         shards)


class WriteDeadLetters(WriteAvroPartitioned):
    """DeadLetter records -> `<output>/dead_letter/failed_date=YYYY-MM-DD/*.avro`."""

    def __init__(self, output: str, run_id: str, shards: int = 1):
        super().__init__(output, DEAD_LETTER_DIR, DEAD_LETTER, "at", "failed_date", run_id, shards)
