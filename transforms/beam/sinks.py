"""Beam: Avro files on any Beam filesystem, Hive-partitioned and windowed, and the run summary.

Built on `fileio.WriteToFiles` with a fastavro sink: files are written under a temporary folder
and moved into place when complete, so a reader listing the output only ever sees finished
files. (avroio.WriteToAvro lost the last window's records on unbounded input.) Partitions and
file names are output.avro's, the summary output.summary's.
"""
from __future__ import annotations

import uuid
from typing import Callable

import apache_beam as beam
import fastavro
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import PaneInfoTiming

from newsbeam.schemas import load_schema
from newsbeam.transforms.output.avro import (AVRO_CODEC, DEAD_LETTERS, NEWS_ITEMS, AvroTable,
                                             commit_files, date_partition, file_name,
                                             make_partition_folder, staging_folder,
                                             temp_folder)
from newsbeam.transforms.output.summary import RunTally, finish_summary


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


def window_label(window, pane) -> str | None:
    """The window part of a file name: None in the global window, else `<start>-<end>`, and for
    early and late firings `<timing><pane index>-<random>`.

    A window fires more than once when late data arrives, and WriteToFiles names files by
    destination and window only, so a later firing would overwrite the first one's files. The
    pane index orders the firings for a reader, and the random part keeps them apart even where
    shards of one window fired a different number of times.
    """
    if window == GlobalWindow():
        return None
    start = window.start.to_utc_datetime().strftime("%Y%m%dT%H%M%S")
    end = window.end.to_utc_datetime().strftime("%Y%m%dT%H%M%S")
    label = f"{start}-{end}"
    if pane is not None and pane.timing in (PaneInfoTiming.EARLY, PaneInfoTiming.LATE):
        timing = PaneInfoTiming.to_string(pane.timing).lower()
        label += f"-{timing}{pane.index}-{uuid.uuid4().hex[:8]}"
    return label


def _partition_file_naming(base: str, run_id: str) -> Callable:
    """WriteToFiles' file naming: output.avro.file_name, after making the partition folder
    (WriteToFiles moves files with a plain rename, which on a local disk would otherwise fail
    silently)."""
    def naming(window, pane, shard_index, total_shards, compression, destination):
        make_partition_folder(base, destination)
        return file_name(destination, run_id, shard_index, total_shards,
                         window_label(window, pane))
    return naming


class WriteAvroPartitioned(beam.PTransform):
    """Avro records -> files under `<output>/<folder>/<key>=<date>/`; returns the file results
    (names relative to the table folder).

    `staged`: the files stay in the run's hidden staging folder until the run commits them all
    (output.avro.commit_files; the batch job). Otherwise each goes into place when written
    (the unbounded job, whose windows close one after another).
    """

    def __init__(self, output: str, table: AvroTable, run_id: str, shards: int = 1,
                 staged: bool = False):
        super().__init__()
        self._base = FileSystems.join(output, table.folder)
        self._table = table
        self._run_id = run_id
        self._shards = shards
        self._staged = staged

    def expand(self, records):
        field, key = self._table.partition_field, self._table.partition_key
        schema_name = self._table.schema_name
        path = staging_folder(self._base, self._run_id) if self._staged else self._base
        return records | fileio.WriteToFiles(
            path=path,
            destination=lambda record: date_partition(key, record.get(field)),
            file_naming=_partition_file_naming(path, self._run_id),
            sink=lambda destination: AvroSink(schema_name),
            shards=self._shards,
            # 0 writers per bundle sends every record through the sharded path: exactly
            # `shards` files per partition and window instead of one per bundle.
            max_writers_per_bundle=0,
            temp_directory=StaticValueProvider(str, temp_folder(self._base, self._run_id)))


class WriteNewsItems(WriteAvroPartitioned):
    """NewsItem records -> `<output>/items/published_date=YYYY-MM-DD/*.avro`."""

    def __init__(self, output: str, run_id: str, shards: int = 1, staged: bool = False):
        super().__init__(output, NEWS_ITEMS, run_id, shards, staged)


class WriteDeadLetters(WriteAvroPartitioned):
    """DeadLetter records -> `<output>/dead_letter/failed_date=YYYY-MM-DD/*.avro`."""

    def __init__(self, output: str, run_id: str, shards: int = 1, staged: bool = False):
        super().__init__(output, DEAD_LETTERS, run_id, shards, staged)


class RunSummaryFn(beam.CombineFn):
    """Combines ("record", NewsItem), ("dead", DeadLetter) and ("parsing", counts) into one
    summary dict (output.summary.RunTally)."""

    def create_accumulator(self):
        return RunTally()

    def add_input(self, tally, element):
        kind, value = element
        if kind == "record":
            tally.add_record(value)
        elif kind == "dead":
            tally.add_dead_letter(value)
        else:
            tally.add_parsing_counts(value)
        return tally

    def merge_accumulators(self, tallies):
        merged = RunTally()
        for tally in tallies:
            merged.merge(tally)
        return merged

    def extract_output(self, tally):
        return tally.summary()


class SummarizeRun(beam.PTransform):
    """(records, dead letters, parsing counts) -> one summary dict, also written as JSON to
    `path`, last.

    With `committing` = (output, run id, item file results, dead-letter file results), the run's
    staged files are first moved into place (output.avro.commit_files), and the summary says
    what could not be: the records and files a run claims are the ones a reader sees.
    """

    def __init__(self, path: str, feeds: int, committing: tuple | None = None):
        super().__init__()
        self._path = path
        self._feeds = feeds
        self._committing = committing

    def expand(self, pcolls):
        records, dead_letters, parsing = pcolls
        path, feeds = self._path, self._feeds
        summary = ((records | "TagRecords" >> beam.Map(lambda r: ("record", r)),
                    dead_letters | "TagDeadLetters" >> beam.Map(lambda d: ("dead", d)),
                    parsing | "TagParsing" >> beam.Map(lambda c: ("parsing", c)))
                   | "Both" >> beam.Flatten()
                   | "Combine" >> beam.CombineGlobally(RunSummaryFn()))
        if self._committing is None:
            return summary | "Write" >> beam.Map(finish_summary, feeds, path)
        output, run_id, item_files, dead_files = self._committing
        return summary | "CommitAndWrite" >> beam.Map(
            _commit_and_finish, feeds, path, output, run_id,
            item_files=beam.pvalue.AsList(item_files),
            dead_files=beam.pvalue.AsList(dead_files))


def _commit_and_finish(summary: dict, feeds: int, path: str, output: str, run_id: str,
                       item_files, dead_files) -> dict:
    items = commit_files(output, NEWS_ITEMS, run_id, [result.file_name for result in item_files])
    dead = commit_files(output, DEAD_LETTERS, run_id, [result.file_name for result in dead_files])
    return finish_summary(summary, feeds, path, items, dead)
