"""Crash safety: `newsbeam run --follow` killed with SIGKILL at random moments, restarted each
time, then stopped cleanly; every item the simulated feeds published must be written once.

    python benchmarks/crash_restarts.py [--feeds 300] [--kills 8] [--interval 5] [--hostile 1]

Kills land anywhere: during fetches, during a Beam run, between the inbox file and the SQLite
commit. Publishing stops before the last, clean run, which then catches up.
"""
from __future__ import annotations

import argparse
import collections
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

from feed_simulator import (
    feed_urls,
    hostile_urls,
    start_hostile_in_background,
    start_in_background,
)
from soak import written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--hostile", type=int, default=1)
    parser.add_argument("--port", type=int, default=8820)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "published.log")
        feeds_list = os.path.join(tmp, "feeds.txt")
        urls = feed_urls(args.feeds, args.port)
        hostile = start_hostile_in_background(args.port + 1) if args.hostile else None
        if hostile is not None:
            urls += hostile_urls(args.port + 1, args.hostile)
        pathlib.Path(feeds_list).write_text("\n".join(urls) + "\n")
        publish_for = args.kills * 12.0
        simulator = start_in_background(args.feeds, args.port, publish_every=1.0,
                                        publish_share=0.02, log_path=log,
                                        publish_for=publish_for)
        output = os.path.join(tmp, "out")
        command = [sys.executable, "-m", "newsbeam.pipelines.batch", "--follow", "--interval",
                   str(args.interval), "--feeds", feeds_list, "--output", output]
        started = time.monotonic()
        try:
            for kill in range(args.kills):
                follower = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
                time.sleep(rng.uniform(4.0, 14.0))
                follower.send_signal(signal.SIGKILL)
                follower.wait()
                print(f"kill {kill + 1} at {time.monotonic() - started:.0f} s: "
                      f"{len(written(output))} records so far", flush=True)
            time.sleep(max(0.0, publish_for - (time.monotonic() - started)))
            follower = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            time.sleep(4 * args.interval + 20)
            follower.send_signal(signal.SIGTERM)
            follower.wait(timeout=120)
        finally:
            simulator.terminate()
            simulator.join()
            if hostile is not None:
                hostile.terminate()
                hostile.join()
        published = {line.split("\t")[0] for line in pathlib.Path(log).read_text().splitlines()}
        counts = collections.Counter(guid for guid, _ in written(output))
        missing = published - set(counts)
        repeats = {guid: n for guid, n in counts.items() if n > 1}
        print(f"{args.kills} kills; items published {len(published)}, written {len(counts)}, "
              f"missing {len(missing)}, written twice {len(repeats)}, "
              f"last exit status {follower.returncode}")


if __name__ == "__main__":
    main()
