"""Follow mode on one machine: poll cycles, each new item written once, across restarts.

Beam's local runners cannot run an unbounded graph live (the FnApiRunner runs a PeriodicImpulse
pipeline to its end before emitting anything; the BundleBasedDirectRunner rejects it), so the
local loop is a driver around bounded Beam runs:

1. poll the feeds that are due, many at once (threads; one slow feed never holds up others);
2. parse what changed and compare each item with the persisted state: new, revised or seen;
3. write the new and revised items, and the poll failures, to an inbox batch file;
4. run the same enrich-and-write Beam graph as the batch job over that batch;
5. commit the batch, the items' fingerprints and the feeds' states in one SQLite transaction.

A crash between 3 and 5 leaves the inbox file: the next start runs it again under the same
batch id, so its Avro files are rewritten under the same names, not duplicated. Only then does
polling resume, and items seen again are recognised as already written.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from pipelines.live_state import DUPLICATE, LiveState
from pipelines.news_pipeline import (RunPlan, enrich_and_write, new_run_id, pipeline_options,
                                     sample_feeds)
from pipelines.options import NewsPipelineOptions
from transforms.dead_letters import dead_letter
from transforms.feeds import FeedParseError, expand_sources, parse_feed
from transforms.fetch import FeedPollState, PollResult, body_hash, make_session, poll_feed
from transforms.summary import read_json

INBOX = "inbox"
DAY = 86400.0


@dataclass
class CycleReport:
    polled: int = 0
    changed: int = 0
    failed: int = 0
    new: int = 0
    revised: int = 0
    duplicates: int = 0
    records_written: int = 0
    dead_letters: int = 0
    batches: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"polled {self.polled} feeds ({self.changed} changed, {self.failed} failed): "
                f"{self.new} new, {self.revised} revised, {self.duplicates} already written; "
                f"{self.records_written} records, {self.dead_letters} dead letters "
                f"in {self.seconds:.1f} s")


@dataclass
class Follower:
    """Polls `feeds` and writes what is new under `output`; state lives under `state_dir`."""
    feeds: list[str]
    output: str
    state_dir: str
    interval: float = 300.0
    ttl_seconds: float = 14 * DAY
    concurrency: int = 64
    shards: int = 1
    beam_argv: list[str] = field(default_factory=list)
    poll_fn: Callable[..., PollResult] = poll_feed
    feeds_per_batch: int = 2000

    def __post_init__(self):
        os.makedirs(os.path.join(self.state_dir, INBOX), exist_ok=True)
        self.state = LiveState(os.path.join(self.state_dir, "follow.sqlite"))
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency,
                                        thread_name_prefix="newsbeam-fetch")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.state.close()

    # --- polling ----------------------------------------------------------------------------

    def _session(self):
        # One session per fetch thread: each keeps its own connections alive between polls.
        if not hasattr(self._local, "session"):
            self._local.session = make_session(pool_size=4)
        return self._local.session

    def _poll_one(self, state: FeedPollState, now: float) -> PollResult:
        return self.poll_fn(state, interval=self.interval, now=now, session=self._session())

    def due_feeds(self, now: float) -> list[FeedPollState]:
        return [s for s in self.state.feed_states(self.feeds).values() if s.next_due <= now]

    def poll(self, due: list[FeedPollState], now: float) -> list[tuple[FeedPollState, PollResult]]:
        """(state before, result) for each feed in `due`, polled concurrently."""
        return list(zip(due, self._pool.map(lambda s: self._poll_one(s, now), due)))

    def next_due(self) -> float:
        states = self.state.feed_states(self.feeds)
        return min((s.next_due for s in states.values()), default=time.time() + self.interval)

    # --- one cycle --------------------------------------------------------------------------

    def run_cycle(self, now: float | None = None) -> CycleReport:
        """Polls every due feed, in groups of `feeds_per_batch`, each group written and
        committed on its own: memory stays bounded by a group, whatever the number of feeds
        (a cold start reads every item of every feed)."""
        started = time.monotonic()
        now = time.time() if now is None else now
        report = CycleReport()
        due = self.due_feeds(now)
        for first in range(0, len(due), self.feeds_per_batch):
            self._run_group(due[first:first + self.feeds_per_batch], now, report)
        self.state.expire(self.ttl_seconds, now=now)
        report.seconds = time.monotonic() - started
        return report

    def _run_group(self, due: list[FeedPollState], now: float, report: CycleReport) -> None:
        polls = self.poll(due, now)
        report.polled += len(polls)
        known_hashes = self.state.body_hashes()
        items, dead, body_hashes, seen_ids = [], [], {}, []
        for before, result in polls:
            feed = result.state.feed
            if result.error:
                report.failed += 1
                # A feed that keeps failing is reported when it starts failing or its error
                # changes, not on every poll of its backoff.
                if before.failures == 0 or result.error != before.last_error:
                    dead.append(dead_letter(feed, "read", result.error, b"",
                                            at_millis=result.fetched_millis))
                continue
            if result.body is None:
                continue
            digest = body_hash(result.body)
            if known_hashes.get(feed) == digest:
                continue  # a 200 with the same bytes as last time: nothing to parse
            report.changed += 1
            body_hashes[feed] = digest
            try:
                parsed = parse_feed(feed, result.body, result.fetched_millis)
            except FeedParseError as error:
                dead.append(dead_letter(feed, "parse", f"FeedParseError: {error}", result.body,
                                        at_millis=result.fetched_millis))
                continue
            seen_ids.extend(item["id"] for item in parsed)
            for item, sighting in zip(parsed, self.state.classify(parsed)):
                if sighting.kind == DUPLICATE:
                    report.duplicates += 1
                    continue
                setattr(report, sighting.kind, getattr(report, sighting.kind) + 1)
                items.append({**item, "revision": sighting.revision})

        batch_id = None
        if items or dead:
            batch_id = new_run_id()
            report.batches.append(batch_id)
            self._write_inbox(batch_id, items, dead)
            summary = self._write_batch(batch_id)
            report.records_written += summary["records_written"]
            report.dead_letters += summary["dead_letters"]
        self.state.commit(batch_id=batch_id, items=items, seen_ids=seen_ids,
                          feeds={r.state.feed: r.state for _, r in polls},
                          body_hashes=body_hashes, now=now)
        if batch_id:
            self._remove_inbox(batch_id)

    # --- batches ----------------------------------------------------------------------------

    def _inbox_paths(self, batch_id: str) -> tuple[str, str]:
        folder = os.path.join(self.state_dir, INBOX)
        return (os.path.join(folder, f"{batch_id}.items.jsonl"),
                os.path.join(folder, f"{batch_id}.dead.jsonl"))

    def _write_inbox(self, batch_id: str, items: list[dict], dead: list[dict]) -> None:
        items_path, dead_path = self._inbox_paths(batch_id)
        # Dead letters first: the items file appearing is what marks a batch as complete.
        _write_lines(dead_path, (json.dumps({**d, "raw": base64.b64encode(d["raw"]).decode()})
                                 for d in dead))
        _write_lines(items_path, (json.dumps(item, ensure_ascii=False) for item in items))

    def _remove_inbox(self, batch_id: str) -> None:
        for path in self._inbox_paths(batch_id):
            if os.path.exists(path):
                os.remove(path)

    def _write_batch(self, batch_id: str) -> dict:
        """Runs the enrich-and-write graph over one inbox batch; returns its summary."""
        items_path, dead_path = self._inbox_paths(batch_id)
        plan = RunPlan(feeds=self.feeds, problems=[], output=self.output, run_id=batch_id,
                       shards=self.shards)
        with beam.Pipeline(options=pipeline_options(self.beam_argv)) as pipeline:
            items = (pipeline | "ReadInboxItems" >> beam.io.ReadFromText(items_path)
                     | "ItemsFromJson" >> beam.Map(json.loads))
            dead = (pipeline | "ReadInboxDead" >> beam.io.ReadFromText(dead_path)
                    | "DeadFromJson" >> beam.Map(_dead_letter_from_json))
            enrich_and_write(items, dead, plan)
        return read_json(plan.summary_path)

    def replay_inbox(self) -> list[str]:
        """Writes the batches a crash left behind (once each); returns their ids."""
        folder = os.path.join(self.state_dir, INBOX)
        replayed = []
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".items.jsonl"):
                continue
            batch_id = name[:-len(".items.jsonl")]
            if not self.state.is_committed(batch_id):
                items_path, _ = self._inbox_paths(batch_id)
                with open(items_path, encoding="utf-8") as handle:
                    items = [json.loads(line) for line in handle if line.strip()]
                self._write_batch(batch_id)
                self.state.commit(batch_id=batch_id, items=items, seen_ids=[], feeds={},
                                  body_hashes={})
                replayed.append(batch_id)
            self._remove_inbox(batch_id)
        return replayed

    # --- the loop ---------------------------------------------------------------------------

    def run(self, stop: threading.Event, report=print, warn=print) -> None:
        """Cycles until `stop` is set; a cycle under way is finished and committed first.

        A cycle that fails (output unwritable, disk full) is reported and retried after an
        interval, its batch first: following goes on rather than ending on the first outage.
        """
        while not stop.is_set():
            try:
                for batch_id in self.replay_inbox():
                    report(f"wrote batch {batch_id} left by an earlier cycle")
                cycle = self.run_cycle()
            except Exception as error:  # any outage: the batch waits in the inbox meanwhile
                warn(f"newsbeam: cycle failed, retrying in {self.interval:g} s: {error!r}")
                stop.wait(self.interval)
                continue
            if cycle.polled:
                report(cycle.line())
            stop.wait(max(0.0, min(self.next_due() - time.time(), self.interval)))


def _write_lines(path: str, lines) -> None:
    # Written aside and renamed: a crash never leaves a half batch that looks whole.
    partial = path + ".partial"
    with open(partial, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line)
            handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def _dead_letter_from_json(line: str) -> dict:
    letter = json.loads(line)
    letter["raw"] = base64.b64decode(letter["raw"])
    return letter


def follow(argv: list[str]) -> int:
    """`newsbeam run --follow`: runs until SIGINT or SIGTERM, then exits 0."""
    options: PipelineOptions = pipeline_options(argv)
    news = options.view_as(NewsPipelineOptions)
    feeds, problems = expand_sources(news.feeds or [sample_feeds()])
    for problem in problems:
        print(f"newsbeam: {problem.source}: {problem.error}", file=sys.stderr)
    if not feeds:
        print("newsbeam: no feed to follow: every --feeds source failed", file=sys.stderr)
        return 1
    follower = Follower(
        feeds=feeds, output=news.output,
        state_dir=news.state or os.path.join(news.output, "_state"),
        interval=news.interval, ttl_seconds=news.state_ttl_days * DAY,
        concurrency=news.fetch_concurrency, shards=max(1, news.shards),
        beam_argv=argv)
    stop = threading.Event()

    def on_signal(signum, _frame):
        if stop.is_set():
            # A second signal: leave now; the inbox is replayed on the next start.
            raise KeyboardInterrupt
        print(f"newsbeam: {signal.Signals(signum).name}: finishing the current cycle",
              file=sys.stderr)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"newsbeam: following {len(feeds)} feeds every {news.interval:g} s; "
              f"Ctrl-C to stop", file=sys.stderr)
        follower.run(stop, report=lambda line: print(line, flush=True),
                     warn=lambda line: print(line, file=sys.stderr, flush=True))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        follower.close()
    return 0

