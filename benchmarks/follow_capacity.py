"""How many feeds one machine follows at a 5-minute interval: follow-mode cycles against
thousands of simulated feeds on loopback (most polls 304, a few feeds with a new item).

    python benchmarks/follow_capacity.py --feeds 1000 10000 [--cycles 3] [--hosts 100]

Each cycle polls every feed once (the clock jumps one interval between cycles, and the first
polls are not spread, so a cycle is the worst case of all feeds due at once) and writes what
is new, in groups of 2,000 feeds, as polls finish. The first cycle reads every feed in full;
later cycles are the steady state. The feeds are spread over `--hosts` loopback addresses,
each with the default per-host cap of 2 requests at once. A cycle is timed on the wall clock
and on the follower's CPU clock (all its threads, enriching and writing included; the
simulator runs in another process). Following N feeds every 300 s keeps up while a cycle takes
under 300 s; the CPU share is cycle CPU / (300 s x cores).

Before each steady cycle the benchmark waits a little over the simulator's publishing period,
so that even 10 feeds have a new item to write. "writing" is the part of the cycle spent
enriching and writing its batches (the rest is polling, triage, state and stories): the cycle
latency a new item sees beyond its poll.
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

from feed_simulator import feed_urls, start_in_background
from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.follow.follower import Follower

INTERVAL = 300.0
PUBLISH_EVERY = 2.0


def time_writing(follower: Follower) -> list[float]:
    """Wraps the follower's batch writer so that its wall time adds up in the returned list."""
    spent = [0.0]
    write_batch = follower.write_batch

    def timed(batch_id):
        started = time.monotonic()
        try:
            return write_batch(batch_id)
        finally:
            spent[0] += time.monotonic() - started
    follower.write_batch = timed
    return spent


def measure(feeds: int, cycles: int, port: int, concurrency: int, hosts: int,
            per_host: int) -> None:
    simulator = start_in_background(feeds, port, publish_every=PUBLISH_EVERY, publish_share=0.01,
                                    hosts=hosts)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = RunConfig.from_argv([
                "--follow", "--output", os.path.join(tmp, "out"),
                "--state", os.path.join(tmp, "state"), "--interval", str(INTERVAL),
                "--fetch_concurrency", str(concurrency), "--per_host_concurrency", str(per_host)])
            follower = Follower(feed_urls(feeds, port, hosts), config, spread_first_polls=False)
            writing = time_writing(follower)
            start = time.time()
            for cycle in range(cycles + 1):
                if cycle:
                    time.sleep(PUBLISH_EVERY + 0.5)
                writing[0] = 0.0
                wall, cpu = time.monotonic(), time.process_time()
                report = follower.run_cycle(now=start + cycle * INTERVAL)
                wall, cpu = time.monotonic() - wall, time.process_time() - cpu
                rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                kind = "first (all feeds new)" if cycle == 0 else "steady"
                print(f"{feeds:>6} feeds, cycle {cycle} {kind}: {wall:6.2f} s wall "
                      f"({writing[0]:.2f} s writing), {cpu:6.2f} s CPU, "
                      f"{report.changed} changed, {report.new} new items, "
                      f"{report.failed} failed; peak RSS {rss_mb:.0f} MB", flush=True)
                if cycle:
                    share = cpu / (INTERVAL * os.cpu_count())
                    print(f"        at a {INTERVAL:.0f} s interval: cycle uses "
                          f"{wall / INTERVAL:5.1%} of the interval, {share:5.1%} of "
                          f"{os.cpu_count()} cores", flush=True)
            follower.close()
    finally:
        simulator.terminate()
        simulator.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--port", type=int, default=8809)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--per_host", type=int, default=2)
    args = parser.parse_args()
    for count in args.feeds:
        measure(count, args.cycles, args.port, args.concurrency, args.hosts, args.per_host)


if __name__ == "__main__":
    main()
