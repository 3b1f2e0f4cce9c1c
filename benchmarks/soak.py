"""Soak: `newsbeam run --follow` against 1,000 simulated feeds for an hour.

    python benchmarks/soak.py [--feeds 1000] [--seconds 3600] [--interval 60] [--hostile 1]

Reports the follower's resident memory over time (it should stay flat), items published by the
simulator against items written to Avro (equal), duplicates (zero), and the time from an
item's publication to the moment its file appeared (median, max). With `--hostile N`, N feeds
that never answer, N that trickle a byte a second and N that redirect in a loop are followed
too: they must not delay the others. Publishing stops `--interval` x 2 seconds before the end
so that the last items can be picked up.
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import fastavro
from feed_simulator import (
    feed_urls,
    hostile_urls,
    start_hostile_in_background,
    start_in_background,
)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def written(output: str) -> list[tuple[str, float]]:
    """(guid, when its file appeared) for every record written."""
    found = []
    for path in glob.glob(os.path.join(output, "items", "**", "*.avro"), recursive=True):
        appeared = os.stat(path).st_mtime
        with open(path, "rb") as handle:
            found.extend((record["guid"], appeared) for record in fastavro.reader(handle))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3600)
    parser.add_argument("--interval", type=float, default=60)
    parser.add_argument("--port", type=int, default=8810)
    parser.add_argument("--hostile", type=int, default=0)
    parser.add_argument("--publish_every", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "published.log")
        feeds_list = os.path.join(tmp, "feeds.txt")
        urls = feed_urls(args.feeds, args.port)
        hostile = None
        if args.hostile:
            hostile = start_hostile_in_background(args.port + 1)
            urls += hostile_urls(args.port + 1, args.hostile)
        pathlib.Path(feeds_list).write_text("\n".join(urls) + "\n")
        simulator = start_in_background(
            args.feeds, args.port, publish_every=args.publish_every, publish_share=0.005,
            log_path=log, publish_for=args.seconds - 2 * args.interval)
        output = os.path.join(tmp, "out")
        follower = subprocess.Popen(
            [sys.executable, "-m", "newsbeam.pipelines.batch", "--follow",
             "--interval", str(args.interval), "--feeds", feeds_list, "--output", output],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started, start_time = time.monotonic(), time.time()
        samples = []
        try:
            while time.monotonic() - started < args.seconds:
                time.sleep(min(60.0, args.seconds / 20))
                samples.append((time.monotonic() - started, rss_mb(follower.pid)))
                print(f"{samples[-1][0]:7.0f} s  RSS {samples[-1][1]:6.1f} MB", flush=True)
        finally:
            follower.send_signal(signal.SIGTERM)
            follower.wait(timeout=120)
            simulator.terminate()
            simulator.join()
            if hostile is not None:
                hostile.terminate()
                hostile.join()
        published = dict(line.split("\t") for line in pathlib.Path(log).read_text().splitlines())
        records = written(output)
        appeared = dict(records)
        repeats = sum(n - 1 for n in collections.Counter(g for g, _ in records).values() if n > 1)
        # The initial items exist before the follower starts: only later ones measure latency.
        delays = sorted(appeared[guid] - float(at) for guid, at in published.items()
                        if guid in appeared and float(at) > start_time + 5)
        print(f"feeds {args.feeds} (+ {3 * args.hostile} hostile), {args.seconds:.0f} s, "
              f"interval {args.interval:.0f} s")
        print(f"RSS after the first minute {samples[0][1]:.1f} MB, at the end {samples[-1][1]:.1f} MB")
        print(f"items published {len(published)}, written {len(appeared)}, "
              f"missing {len(set(published) - set(appeared))}, duplicates {repeats}, "
              f"exit status {follower.returncode}")
        if delays:
            print(f"publication to file: median {delays[len(delays) // 2]:.1f} s, "
                  f"max {delays[-1]:.1f} s (interval {args.interval:.0f} s)")


if __name__ == "__main__":
    main()
