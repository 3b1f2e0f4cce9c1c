"""How long `newsbeam report` takes on a large output, and the memory it holds.

    python benchmarks/report_speed.py [--items 25000 100000] [--format avro|parquet|jsonl]
                                      [--folder DIR]

The output is made once per size and format and reused (DIR/<items>-<format>, default under the system's temporary
folder): the records of a batch run on the development captures (../shared/data/feeds/real,
else the bundled samples) are copied with new ids into what a follower writes over 30 days:
batches of 1,000 records, each its own run with a file per day and a summary, 400 feeds,
one record in five joining an earlier story, a dead letter per 100 records, and a follow
state of the 400 feeds, 20 of them failing.

Each size is reported twice, as `newsbeam report OUTPUT` (the text) and with `--html`, each in
a process of its own, start-up included: wall time and the peak resident memory of the
process (Linux: ru_maxrss).
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time

from newsbeam.pipelines.cli import main as newsbeam
from newsbeam.pipelines.follow.state import FollowState, state_file
from newsbeam.transforms.feeds.poll import FeedPollState
from newsbeam.transforms.output.files import DEAD_LETTERS, NEWS_ITEMS, read_table, write_files

REPO = pathlib.Path(__file__).resolve().parents[1]
REAL_FEEDS = REPO / ".." / "shared" / "data" / "feeds" / "real"
BATCH = 1000
FEEDS = 400
FAILING_FEEDS = 20
DAYS = 30
START_MS = 1_780_000_000_000  # 2026-05-28
MARKER = "_benchmark.json"  # beside an output this script made: how many records it holds


def template_records(folder: pathlib.Path) -> list[dict]:
    """The records of a batch run on the captures (or the samples), as the report reads them."""
    sources = [str(REAL_FEEDS)] if REAL_FEEDS.is_dir() else []
    output = folder / "templates"
    with contextlib.redirect_stdout(io.StringIO()):
        status = newsbeam(["run", *(["--feeds", *sources] if sources else []),
                           "--output", str(output)])
    if status != 0:
        sys.exit(f"the template run failed (exit status {status})")
    return list(read_table(str(output), NEWS_ITEMS))


def make_output(output: pathlib.Path, items: int, templates: list[dict],
                file_format: str) -> None:
    """A follower's 30 days of `items` records (see the module's docstring)."""
    chance = random.Random(items)
    feeds = [f"https://news{n % 40}.example/feeds/{n}.xml" for n in range(FEEDS)]
    written: list[str] = []
    for batch_start in range(0, items, BATCH):
        records, letters = [], []
        for number in range(batch_start, min(items, batch_start + BATCH)):
            record = copy.deepcopy(templates[number % len(templates)])
            record["id"] = f"{number:032x}"
            record["feed_url"] = feeds[chance.randrange(FEEDS)]
            record["published"] = START_MS + number * DAYS * 86_400_000 // items
            record["fetched"] = record["published"] + 60_000
            joins = written and chance.random() < 0.2
            record["story_id"] = chance.choice(written[-2000:]) if joins else record["id"]
            written.append(record["id"])
            records.append(record)
            if number % 100 == 0:
                letters.append({"feed_url": record["feed_url"], "stage": "read",
                                "error": f"{record['feed_url']}: HTTP 503 Service Unavailable",
                                "raw": b"", "raw_size": 0, "raw_cap": 65536,
                                "at": record["fetched"], "raw_sha256": None})
        run_id = f"20260101T{batch_start // BATCH:06d}Z-bench0"
        write_files(records, str(output), NEWS_ITEMS, run_id, file_format)
        write_files(letters, str(output), DEAD_LETTERS, run_id, file_format)
        summary = output / "_runs" / run_id / "summary.json"
        summary.parent.mkdir(parents=True)
        summary.write_text(json.dumps({"feeds": FEEDS, "records_written": len(records),
                                       "dead_letters": len(letters), "complete": True}))
    (output / "_state").mkdir(exist_ok=True)
    state = FollowState(state_file(str(output / "_state")))
    now = time.time()
    state.commit(batch_id=None, items=[], seen_ids=[], body_hashes={}, feeds={
        feed: (FeedPollState(feed, failures=3, last_status=503, next_due=now + 3600,
                             last_error=f"{feed}: HTTP 503 Service Unavailable")
               if n < FAILING_FEEDS else
               FeedPollState(feed, last_status=200, last_success=now - 60, next_due=now + 240))
        for n, feed in enumerate(feeds)})
    state.close()
    (output / MARKER).write_text(json.dumps({"records": items}))


def timed_report(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak resident MB) of `newsbeam report ARGV` in a process of its own."""
    with tempfile.TemporaryFile("w+") as printed:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "newsbeam.pipelines.cli", "report",
                                    *argv], stdout=subprocess.DEVNULL, stderr=printed)
        # wait4, not wait: the child's own resource usage, ru_maxrss among it.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            printed.seek(0)
            sys.exit(f"newsbeam report failed: {printed.read().strip()}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[25_000, 100_000])
    parser.add_argument("--format", choices=("avro", "parquet", "jsonl"), default="avro",
                        help="the output's file format (default: avro)")
    parser.add_argument("--folder", type=pathlib.Path,
                        default=pathlib.Path(tempfile.gettempdir()) / "newsbeam_report_speed")
    parser.add_argument("--make_only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_only:
        templates = template_records(args.folder)
        for items in args.items:
            output = args.folder / f"{items}-{args.format}"
            print(f"making {output} ({items:,} records)...", flush=True)
            made = time.perf_counter()
            make_output(output, items, templates, args.format)
            print(f"  made in {time.perf_counter() - made:.0f} s", flush=True)
        return
    missing = [str(items) for items in args.items
               if not (args.folder / f"{items}-{args.format}" / MARKER).is_file()]
    if missing:
        # Made in a process of its own: a child's peak memory (ru_maxrss) counts its parent's
        # before exec, so the timing process stays small.
        subprocess.run([sys.executable, __file__, "--make_only", "--items", *missing,
                        "--format", args.format, "--folder", str(args.folder)], check=True)
    for items in args.items:
        output = args.folder / f"{items}-{args.format}"
        files = sum(1 for _ in output.rglob(f"*.{args.format}"))
        text_seconds, text_peak = timed_report([str(output)])
        html_seconds, html_peak = timed_report([str(output), "--html",
                                                str(output.with_suffix(".html"))])
        size = output.with_suffix(".html").stat().st_size
        print(f"{items:,} records in {files:,} {args.format} files: text {text_seconds:.1f} s "
              f"({text_peak:.0f} MB peak), HTML {html_seconds:.1f} s ({html_peak:.0f} MB peak, "
              f"page {size / 1024:.0f} KiB: {output.with_suffix('.html')})", flush=True)


if __name__ == "__main__":
    main()
