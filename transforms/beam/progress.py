"""Beam: counters that a local run also shows while it runs, for its progress lines.

The local runner (the FnApiRunner, alone or behind the embedded job server) hands Beam's
Metrics over only when the job ends. So a `ProgressCounter` also adds to a tally of its own
process, which a daemon thread writes each second to `<pid>.json` in the folder that the
environment variable NEWSBEAM_PROGRESS names; the launcher (pipelines/progress.py) sets it for
a run whose workers it starts itself, and sums the files every 10 s. Workers on Flink or
Dataflow never have it set: there the counter is Beam's alone, and the runner's UI shows it.
"""
from __future__ import annotations

import collections
import json
import os
import threading
import time

from apache_beam.metrics import Metrics

PROGRESS_FOLDER_VARIABLE = "NEWSBEAM_PROGRESS"
WRITE_EVERY_SECONDS = 1.0

_lock = threading.Lock()
_tallies: dict[str, collections.Counter] = {}  # progress folder -> this process's counts
_unwritten: set[str] = set()
_writer: threading.Thread | None = None


class ProgressCounter:
    """A newsbeam Metrics counter whose counts a local run also reports as it goes."""

    def __init__(self, name: str):
        self.name = name
        self._metric = Metrics.counter("newsbeam", name)

    def inc(self, n: int = 1) -> None:
        self._metric.inc(n)
        folder = os.environ.get(PROGRESS_FOLDER_VARIABLE)
        if folder:
            _tally(folder, self.name, n)


def _tally(folder: str, name: str, n: int) -> None:
    global _writer
    with _lock:
        _tallies.setdefault(folder, collections.Counter())[name] += n
        _unwritten.add(folder)
        if _writer is None:
            _writer = threading.Thread(target=_write_forever, name="newsbeam-progress",
                                       daemon=True)
            _writer.start()


def _write_forever() -> None:
    while True:
        time.sleep(WRITE_EVERY_SECONDS)
        write_tallies()


def write_tallies() -> None:
    """Writes this process's counts of each folder with news since the last write."""
    with _lock:
        due = {folder: dict(_tallies[folder]) for folder in _unwritten}
        _unwritten.clear()
    for folder, counts in due.items():
        path = os.path.join(folder, f"{os.getpid()}.json")
        try:
            with open(path + ".tmp", "w") as out:
                json.dump(counts, out)
            os.replace(path + ".tmp", path)  # the launcher never reads half a file
        except OSError:
            pass  # the run has ended and its folder is gone: progress is best effort


def read_progress(folder: str) -> collections.Counter:
    """The counts of every process of a run, summed."""
    total = collections.Counter()
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return total
    for name in names:
        if name.endswith(".json"):
            try:
                with open(os.path.join(folder, name)) as file:
                    total.update(json.load(file))
            except (OSError, ValueError):
                continue  # a process's file being replaced: the next read has it
    return total
