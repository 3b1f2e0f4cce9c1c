"""An output folder into a Report: its tables' files (Avro, Parquet or JSON Lines, told apart by
extension) streamed through the tallies, its run summaries read one by one.

Files are found and read by the output package's one reader (output/files.py: committed files
only, any format, timestamps as epoch millis, fields added since a file was written at their
defaults). Whatever cannot be read becomes one UnreadableOutput message naming what and why.
"""
from __future__ import annotations

import os

from newsbeam.transforms.filesystems import filesystems, matching_files
from newsbeam.transforms.output.files import (DEAD_LETTERS, NEWS_ITEMS, Table, read_file,
                                              table_files)
from newsbeam.transforms.output.summary import RUNS_DIR, read_json, summary_path
from newsbeam.transforms.report.aggregate import (DeadLetterTally, FollowStateView, RecordTally,
                                                  Report, Run, StoryItems, finish_report,
                                                  one_line, run_from_summary)

ITEMS_FOLDER, DEAD_LETTERS_FOLDER = NEWS_ITEMS.folder, DEAD_LETTERS.folder


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
    for record in _table(output, NEWS_ITEMS):
        records.add(record)
    for letter in _table(output, DEAD_LETTERS):
        letters.add(letter)
    story_items = StoryItems(records.largest_stories())
    if story_items.sizes:  # a second pass, for the items of the largest stories only
        for record in _table(output, NEWS_ITEMS):
            story_items.add(record)
    return finish_report(output, now, records, story_items, letters, read_runs(output),
                         follow_state)


# --- files ---------------------------------------------------------------------------------------

def _table(output: str, table: Table):
    """The records of `table` (read by the output package's one reader, in any format), with a
    failure to read them as UnreadableOutput (a damaged or foreign file below the table's
    folder, named). What the caller does with a record raises in the caller, not here."""
    for path in table_files(output, table):
        try:
            yield from read_file(path, table.schema_name)
        except Exception as error:  # noqa: BLE001 (every format's reader fails its own way)
            detail = one_line(str(error), 300) or type(error).__name__
            raise UnreadableOutput(f"cannot read {path}: {detail} (a damaged or foreign "
                                   f"file)") from None


# --- runs ---------------------------------------------------------------------------------------

def read_runs(output: str) -> list[Run]:
    """Every run with a summary (`_runs/<run>/summary.json`; a run writes it last): what it
    says, or why it cannot be read. A summary that cannot be read is reported, not fatal:
    follow mode writes one per batch, and may be writing one as the report reads it."""
    fs = filesystems()
    runs = []
    for path in matching_files(summary_path(output, "*")):
        run_id = fs.split(fs.split(path)[0])[1]
        try:
            runs.append(run_from_summary(run_id, read_json(path)))
        except (OSError, ValueError, AttributeError) as error:  # AttributeError: not an object
            detail = one_line(str(error), 200)
            runs.append(Run(run_id, None, None, None, None,
                            f"summary unreadable ({type(error).__name__}: {detail})"))
    return runs
