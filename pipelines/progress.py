"""A batch run's progress lines: every 10 s on stderr, where the runner allows it.

Workers that run in this process or in processes it starts (the local runner, or a portable
job whose environment is LOOPBACK) tally what they did into a temporary folder
(transforms/beam/progress.py); a thread here sums it every `interval` seconds. Any other
runner (Flink, Dataflow) shows its job's counters in its own UI: the run says so, once.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time

from apache_beam.options.pipeline_options import PipelineOptions, PortableOptions, StandardOptions

from newsbeam.pipelines.log_time import utc_timestamp
from newsbeam.transforms.beam.progress import PROGRESS_FOLDER_VARIABLE, read_progress

PROGRESS_EVERY_SECONDS = 10.0

LOCAL_RUNNERS = {"FnApiRunner", "DirectRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner"}

# What a progress line counts, in the order it says it (counter name, words).
PROGRESS_COUNTS = (("feeds_read", "feeds read"), ("items_read", "items parsed"),
                   ("pages_fetched", "article pages fetched"), ("items_enriched", "enriched"),
                   ("dead_letters", "dead letters"))


def workers_report_here(options: PipelineOptions) -> bool:
    """True when the job's workers run in this process or in processes it starts."""
    runner = options.view_as(StandardOptions).runner or ""
    runner = runner.rsplit(".", 1)[-1]
    if runner in LOCAL_RUNNERS:
        return True
    return (runner == "PortableRunner"
            and (options.view_as(PortableOptions).environment_type or "").upper() == "LOOPBACK")


def progress_line(counts, elapsed: float, now: float | None = None) -> str:
    said = [f"{counts.get(name, 0):,} {words}" for name, words in PROGRESS_COUNTS
            if counts.get(name) or name in ("feeds_read", "items_read")]
    return f"{utc_timestamp(now)} progress after {elapsed:.0f} s: {', '.join(said)}"


@contextlib.contextmanager
def progress_lines(options: PipelineOptions, *, interval: float | None = None, stream=None):
    """While the block runs, a progress line every `interval` s (10) on `stream` (stderr)."""
    stream, interval = stream or sys.stderr, interval or PROGRESS_EVERY_SECONDS
    if not workers_report_here(options):
        print("newsbeam: this runner shows the job's progress in its own UI (its newsbeam "
              "counters); the summary comes when the job ends", file=stream, flush=True)
        yield
        return
    folder = tempfile.mkdtemp(prefix="newsbeam-progress-")
    os.environ[PROGRESS_FOLDER_VARIABLE] = folder
    started, done = time.monotonic(), threading.Event()

    def report():
        while not done.wait(interval):
            counts = read_progress(folder)
            print(progress_line(counts, time.monotonic() - started), file=stream, flush=True)

    reporter = threading.Thread(target=report, name="newsbeam-progress-lines", daemon=True)
    reporter.start()
    try:
        yield
    finally:
        done.set()
        reporter.join()
        os.environ.pop(PROGRESS_FOLDER_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)
