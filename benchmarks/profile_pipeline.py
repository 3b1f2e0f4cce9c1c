"""Where the time of a batch run goes: our stages next to Beam's harness, on real feeds.

    python benchmarks/profile_pipeline.py [--items 5000] [--top 25]

Runs the whole job once with one in-process worker (the local FnApiRunner) under cProfile,
over the real captures copied to about `items` items (benchmarks/throughput.py builds the
corpus), then reports the CPU time spent in the code of each part (own time of its
functions, and of the C functions it calls, so nothing is counted twice):
- newsbeam's modules, one line each (newsbeam.transforms.enrich.entities, newsbeam.transforms.enrich.topic, ...);
- apache_beam (the runner, coders, the harness around each element);
- the libraries under our stages (feedparser, lxml, fastavro, py3langid, crfsuite, regex...);
and the `top` functions by own time. Profiling slows Python code about twofold; the shares,
not the seconds, are the figures to read.
"""
from __future__ import annotations

import argparse
import cProfile
import logging
import pathlib
import pstats
import tempfile
import time
from collections import Counter

from newsbeam.pipelines.batch import run
from newsbeam.pipelines.config import RunConfig
from throughput import build_corpus

ROOT = str(pathlib.Path(__file__).resolve().parents[1])


def part_of(filename: str) -> str:
    """The part of the code a profiled function belongs to."""
    if filename.startswith(ROOT) and "/.venv/" not in filename:
        relative = filename[len(ROOT) + 1:].removesuffix(".py").split("/")
        return ".".join(relative[:3]) if relative[0] == "transforms" else relative[0]
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    if filename.startswith("<") or filename == "~":
        return "interpreter (imports, generated code)"
    return "python standard library"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = pathlib.Path(tmp) / "feeds"
        corpus.mkdir()
        total = build_corpus(args.items, corpus)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        summary = run(RunConfig.from_argv(["--feeds", str(corpus),
                                           "--output", str(pathlib.Path(tmp) / "out")]))
        profile.disable()
        seconds = time.perf_counter() - started
    stats = pstats.Stats(profile)
    by_part: Counter = Counter()
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, callers) in \
            stats.stats.items():
        if filename == "~" and callers:
            # A C function (dict.get, a regex match, a CRF call) counts for whoever called it.
            for (caller_file, _, _), caller_stats in callers.items():
                by_part[part_of(caller_file)] += caller_stats[2]
        else:
            by_part[part_of(filename)] += own
    profiled = sum(by_part.values())
    print(f"{summary['records_written']} records of {total} items in {seconds:.1f} s under the "
          f"profiler ({profiled:.1f} s of profiled CPU)")
    for part, own in by_part.most_common():
        print(f"  {own / profiled:6.1%}  {own:7.2f} s  {part}")
    print(f"\ntop {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
