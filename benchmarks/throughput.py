"""Items per second: the whole job end to end on the local runner, next to a plain loop over
the same functions and to feedparser alone parsing the same files (one core).

    python benchmarks/throughput.py [--items 5000] [--workers 1 2]

The job runs as `python -m newsbeam.pipelines.batch` (what `newsbeam run` runs) in a process of
its own, start-up included; each run also reports its peak resident memory over its
processes (the runner and Beam's workers), as the sum of their RSS and of their PSS, sampled
every half second (Linux /proc; elsewhere not reported).

Feeds come from ../shared/data/feeds/real when present (real-world sizes), else from the
bundled samples; they are copied under distinct names until there are enough items, so each
copy is a different feed with its own item ids. Figures go into docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import fastavro
import feedparser
from newsbeam.schemas import NEWS_ITEM, load_schema
from newsbeam.transforms.enrich.stages import STAGES
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.sources import expand_sources, sample_feeds
from newsbeam.transforms.output.avro import AVRO_CODEC
from newsbeam.transforms.stories.assign import stories_in_order
from newsbeam.transforms.stories.keys import story_row

REPO = pathlib.Path(__file__).resolve().parents[1]
REAL_FEEDS = REPO / ".." / "shared" / "data" / "feeds" / "real"


def build_corpus(target_items: int, folder: pathlib.Path) -> int:
    source = REAL_FEEDS if REAL_FEEDS.is_dir() else pathlib.Path(sample_feeds())
    feeds, _ = expand_sources([str(source)])
    per_copy = sum(len(parse_feed(f, pathlib.Path(f).read_bytes(), 0)) for f in feeds)
    copies = max(1, -(-target_items // per_copy))
    for copy in range(copies):
        for feed in feeds:
            path = pathlib.Path(feed)
            shutil.copyfile(path, folder / f"{copy:03d}_{path.name}")
    return per_copy * copies


def feedparser_alone(folder: pathlib.Path) -> tuple[int, float]:
    """(entries, seconds) of bare feedparser.parse over the corpus: the anchor users know."""
    count = 0
    start = time.perf_counter()
    for path in sorted(folder.iterdir()):
        count += len(feedparser.parse(path.read_bytes()).entries)
    return count, time.perf_counter() - start


def plain_loop(folder: pathlib.Path) -> tuple[int, float, dict]:
    """The job's work without Beam: parse, every stage, story keys and their assignment, and
    the Avro encoding of the records (into memory)."""
    feeds, _ = expand_sources([str(folder)])
    stages = {"parse": 0.0, **{stage.name: 0.0 for stage in STAGES}, "stories": 0.0,
              "avro": 0.0}
    schema = load_schema(NEWS_ITEM)
    records, rows = [], []
    count = 0
    start = time.perf_counter()
    for feed in feeds:
        t = time.perf_counter()
        items = parse_feed(feed, pathlib.Path(feed).read_bytes(), 0)
        stages["parse"] += time.perf_counter() - t
        for item in items:
            for stage in STAGES:
                t = time.perf_counter()
                item = stage.fn(item)
                stages[stage.name] += time.perf_counter() - t
            t = time.perf_counter()
            rows.append(story_row(item))
            stages["stories"] += time.perf_counter() - t
            records.append(item)
            count += 1
    t = time.perf_counter()
    stories = stories_in_order(rows)
    stages["stories"] += time.perf_counter() - t
    t = time.perf_counter()
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, ({**record, "story_id": stories.get(record["id"],
                                                                            record["id"])}
                                     for record in records), codec=AVRO_CODEC)
    stages["avro"] += time.perf_counter() - t
    return count, time.perf_counter() - start, stages


def _process_tree_memory(root: int) -> tuple[int, int, int]:
    """Bytes resident in `root` and every process below it: (the sum of their RSS, the sum of
    their PSS, the largest RSS of one); zeros without /proc. The RSS sum counts a page that
    several processes share (a library's code, mapped by each worker) once per process; PSS
    divides it among them, so its sum is the memory the run takes."""
    parents, rss = {}, {}
    for name in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        parents[int(name)] = int(fields[1])
        rss[int(name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    tree, grew = {root}, True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return (sum(rss.get(pid, 0) for pid in tree), sum(_pss(pid) for pid in tree if pid in rss),
            max((rss.get(pid, 0) for pid in tree), default=0))


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass  # ended meanwhile, or no smaps_rollup (Linux before 4.14)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pipeline_only", action="store_true",
                        help="skip feedparser alone and the plain loop (which holds every "
                             "record in memory): for large corpora")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)
    warnings.simplefilter("ignore")  # feedparser's deprecation warnings
    with tempfile.TemporaryDirectory() as tmp:
        corpus = pathlib.Path(tmp) / "feeds"
        corpus.mkdir()
        total = build_corpus(args.items, corpus)
        print(f"corpus: {total} items in {len(list(corpus.iterdir()))} feed files")

        if not args.pipeline_only:
            count, seconds = feedparser_alone(corpus)
            print(f"feedparser alone: {count} entries in {seconds:.1f} s = "
                  f"{count / seconds:,.0f} items/s")
            count, seconds, stages = plain_loop(corpus)
            print(f"plain loop: {count} items in {seconds:.1f} s = "
                  f"{count / seconds:,.0f} items/s")
            for stage, spent in stages.items():
                print(f"  {stage:<12} {spent / count * 1000:6.3f} ms/item  "
                      f"({spent / seconds:5.1%} of the loop)")

        for workers in args.workers:
            output = pathlib.Path(tmp) / f"out{workers}"
            argv = ["--feeds", str(corpus), "--output", str(output),
                    f"--direct_num_workers={workers}"]
            if workers > 1:
                argv.append("--direct_running_mode=multi_processing")
            start = time.perf_counter()
            summary, (peak_rss, peak_pss, peak_one) = newsbeam_run(argv)
            seconds = time.perf_counter() - start
            peak = (f", peak memory {peak_rss / 2**30:.2f} GiB RSS, {peak_pss / 2**30:.2f} GiB "
                    f"PSS (largest process {peak_one / 2**30:.2f} GiB RSS)" if peak_rss else "")
            print(f"newsbeam run, FnApiRunner, {workers} worker(s): {summary['records_written']} "
                  f"records + {summary['dead_letters']} dead letters in {seconds:.1f} s = "
                  f"{summary['items_read'] / seconds:,.0f} items/s (start-up included){peak}")


def newsbeam_run(argv: list[str]) -> tuple[dict, tuple[int, int, int]]:
    """`newsbeam run ARGV` in a process of its own, as a user runs it (Python and Beam start-up
    included, nothing loaded before); returns the run's summary and the peaks of its processes'
    resident memory in bytes (_process_tree_memory), sampled every half second."""
    process = subprocess.Popen([sys.executable, "-m", "newsbeam.pipelines.batch", *argv],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak_rss = peak_pss = peak_one = 0
    while process.poll() is None:
        rss, pss, one = _process_tree_memory(process.pid)
        peak_rss, peak_pss, peak_one = max(peak_rss, rss), max(peak_pss, pss), max(peak_one, one)
        time.sleep(0.5)
    if process.returncode:
        raise SystemExit(f"newsbeam run failed with exit status {process.returncode}")
    output = pathlib.Path(argv[argv.index("--output") + 1])
    [summary] = (output / "_runs").glob("*/summary.json")
    return json.loads(summary.read_text(encoding="utf-8")), (peak_rss, peak_pss, peak_one)


if __name__ == "__main__":
    main()
