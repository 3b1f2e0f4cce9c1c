"""Beam: output files (Avro, Parquet or JSON Lines) on any Beam filesystem, Hive-partitioned and
windowed, and the run summary.

Built on `fileio.WriteToFiles` with a sink that writes the format's files (output.formats):
files are written under a temporary folder and moved into place when complete, so a reader
listing the output only ever sees finished files. (avroio.WriteToAvro lost the last window's
records on unbounded input.) Partitions and file names are output.files', the summary
output.summary's.
"""
from __future__ import annotations

import uuid
from typing import Callable

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.value_provider import StaticValueProvider
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.windowed_value import PaneInfoTiming

from newsbeam.transforms.output.files import (DEAD_LETTERS, NEWS_ITEMS, STAGED_FORMAT, Commit,
                                              Table, date_partition, file_name,
                                              finalize_partition, make_partition_folder,
                                              staging_folder, temp_folder)
from newsbeam.transforms.output.formats import DEFAULT_FORMAT, implementation
from newsbeam.transforms.output.summary import RunTally, finish_summary


# Files open at once in a bundle of a staged write: one per date partition the bundle meets.
STAGED_WRITERS_PER_BUNDLE = 1000


class RecordSink(fileio.FileSink):
    """Writes records to one file of an output format (output.formats)."""

    def __init__(self, schema_name: str, file_format: str):
        self._schema_name = schema_name
        self._format = file_format
        self._writer = None

    def open(self, fh):
        self._writer = implementation(self._format).open_writer(fh, self._schema_name)

    def write(self, record):
        self._writer.write(record)

    def flush(self):
        self._writer.finish()


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


def _partition_file_naming(base: str, run_id: str, file_format: str) -> Callable:
    """WriteToFiles' file naming: output.files.file_name, after making the partition folder
    (WriteToFiles moves files with a plain rename, which on a local disk would otherwise fail
    silently)."""
    def naming(window, pane, shard_index, total_shards, compression, destination):
        make_partition_folder(base, destination)
        return file_name(destination, run_id, shard_index, total_shards, file_format,
                         window_label(window, pane))
    return naming


class WritePartitioned(beam.PTransform):
    """Records -> files of `file_format` under `<output>/<folder>/<key>=<date>/`; returns the
    file results (names relative to the table folder).

    `staged`: the files stay in the run's hidden staging folder until FinalizePartitions puts
    them in place, in the output format (the batch job); they are written as the records come,
    in each bundle, so that no step holds the run's records, and in Avro whatever the output
    format (output.files.STAGED_FORMAT). Otherwise each goes into place when written, in
    `shards` files per partition and window (the unbounded job, whose windows close one after
    another).
    """

    def __init__(self, output: str, table: Table, run_id: str, shards: int = 1,
                 staged: bool = False, file_format: str = DEFAULT_FORMAT):
        super().__init__()
        self._base = FileSystems.join(output, table.folder)
        self._table = table
        self._run_id = run_id
        self._shards = shards
        self._staged = staged
        self._format = STAGED_FORMAT if staged else file_format

    def expand(self, records):
        field, key = self._table.partition_field, self._table.partition_key
        schema_name, file_format = self._table.schema_name, self._format
        path = staging_folder(self._base, self._run_id) if self._staged else self._base
        return records | fileio.WriteToFiles(
            path=path,
            destination=lambda record: date_partition(key, record.get(field)),
            file_naming=_partition_file_naming(path, self._run_id, file_format),
            sink=lambda destination: RecordSink(schema_name, file_format),
            shards=self._shards,
            # Staged: a file per partition and bundle, no shuffle of the records (FinalizePartitions
            # then makes `shards` of them). Otherwise 0 writers per bundle sends every record
            # through the sharded path: exactly `shards` files per partition and window.
            max_writers_per_bundle=STAGED_WRITERS_PER_BUNDLE if self._staged else 0,
            temp_directory=StaticValueProvider(str, temp_folder(self._base, self._run_id)))


class WriteNewsItems(WritePartitioned):
    """NewsItem records -> `<output>/items/published_date=YYYY-MM-DD/*.<format>`."""

    def __init__(self, output: str, run_id: str, shards: int = 1, staged: bool = False,
                 file_format: str = DEFAULT_FORMAT):
        super().__init__(output, NEWS_ITEMS, run_id, shards, staged, file_format)


class WriteDeadLetters(WritePartitioned):
    """DeadLetter records -> `<output>/dead_letter/failed_date=YYYY-MM-DD/*.<format>`."""

    def __init__(self, output: str, run_id: str, shards: int = 1, staged: bool = False,
                 file_format: str = DEFAULT_FORMAT):
        super().__init__(output, DEAD_LETTERS, run_id, shards, staged, file_format)


class FinalizePartitions(beam.PTransform):
    """File results of a staged write -> one output.files.Commit per partition: its staged files
    merged into at most `shards` files of `file_format` and moved into place
    (output.files.finalize_partition), with the story ids of `stories` (a PCollection of one
    {record id: story id} dict) set."""

    def __init__(self, output: str, table: Table, run_id: str, shards: int, file_format: str,
                 stories=None):
        super().__init__()
        self._output, self._table, self._run_id = output, table, run_id
        self._shards, self._format, self._stories = shards, file_format, stories

    def expand(self, file_results):
        output, table, run_id, shards = self._output, self._table, self._run_id, self._shards
        file_format = self._format
        by_partition = (file_results
                        | "ByPartition" >> beam.Map(
                            lambda result: (result.destination, result.file_name))
                        | "Partitions" >> beam.GroupByKey())
        stories = ({} if self._stories is None
                   else {"story_of": beam.pvalue.AsSingleton(self._stories)})
        return by_partition | "Finalize" >> beam.MapTuple(
            lambda destination, names, story_of=None: finalize_partition(
                output, table, run_id, destination, list(names), shards, file_format,
                story_of),
            **stories)


class TallyFn(beam.CombineFn):
    """Combines records, dead letters or parsing counts (`add`: the RunTally method for them)
    into a RunTally."""

    def __init__(self, add: str):
        self._add = add

    def create_accumulator(self):
        return RunTally()

    def add_input(self, tally, element):
        getattr(tally, self._add)(element)
        return tally

    def merge_accumulators(self, tallies):
        merged = RunTally()
        for tally in tallies:
            merged.merge(tally)
        return merged

    def extract_output(self, tally):
        return tally


class SummarizeRun(beam.PTransform):
    """(records, dead letters, parsing counts) -> one summary dict, also written as JSON to
    `path`, last.

    Each is tallied on its own, where it is made (combiner lifting): neither records nor dead
    letters are gathered anywhere. With `commits` = (the items' Commits, the dead letters'
    Commits: FinalizePartitions' outputs), the summary is written once every partition is
    final, and says what could not be put in place: the records and files a run claims are
    the ones a reader sees.
    """

    def __init__(self, path: str, feeds: int, commits: tuple | None = None):
        super().__init__()
        self._path = path
        self._feeds = feeds
        self._commits = commits

    def expand(self, pcolls):
        records, dead_letters, parsing = pcolls
        path, feeds = self._path, self._feeds
        tallies = [pcoll | f"Tally{name}" >> beam.CombineGlobally(TallyFn(add))
                   for pcoll, name, add in ((records, "Records", "add_record"),
                                            (dead_letters, "DeadLetters", "add_dead_letter"),
                                            (parsing, "Parsing", "add_parsing_counts"))]
        summary = tallies[0] | "Summary" >> beam.Map(
            lambda tally, *others: sum(others, tally).summary(),
            *(beam.pvalue.AsSingleton(other) for other in tallies[1:]))
        if self._commits is None:
            return summary | "Write" >> beam.Map(finish_summary, feeds, path)
        items, dead_letters = self._commits
        return summary | "WriteWhenFinal" >> beam.Map(
            lambda summary, items, dead_letters: finish_summary(
                summary, feeds, path, sum(items, Commit()), sum(dead_letters, Commit())),
            items=beam.pvalue.AsList(items), dead_letters=beam.pvalue.AsList(dead_letters))
