"""Follow mode on one machine: feeds fetched continuously, new items written in cycles, once.

Beam's local runners cannot run an unbounded graph live (the FnApiRunner runs a PeriodicImpulse
pipeline to its end before emitting anything; the BundleBasedDirectRunner rejects it), and
building and starting a bounded pipeline every cycle would cost more than the few items a
cycle carries. So the local loop runs the job's plain functions itself, in cycles:

1. a scheduler thread hands each feed to the fetch pool as soon as it is due (threads, one
   HTTP session, per-host caps): fetches run continuously, and a feed that hangs, trickles
   bytes or redirects in a loop holds one thread until its deadline, nothing else;
2. a cycle takes the polls that have finished by its deadline (a poll still in flight is
   written by a later cycle) and applies the feed-cycle core (transforms.cycle) to each: a
   dead letter, nothing, or items to parse; each item new, revised or already written; then
   its story (transforms.stories);
3. the new and revised items, and the dead letters, go to an inbox batch file;
4. the batch is enriched and written by the functions the batch job's graph wraps: the same
   stages (transforms.enrich), Avro file names (transforms.sinks) and run summary;
5. the batch, the items' fingerprints, their story keys and the feeds' states are committed in
   one SQLite transaction.

A crash between 3 and 5 leaves the inbox file: the next start runs it again under the same
batch id, so its Avro files are rewritten under the same names, not duplicated. Only then does
polling resume, and items seen again are recognised as already written. Polls in flight at a
crash were never committed: their feeds are simply due again.
"""
from __future__ import annotations

import base64
import functools
import json
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from apache_beam.options.pipeline_options import StandardOptions

from pipelines.live_state import DUPLICATE, LiveState, StoryIndexView
from pipelines.news_pipeline import RunPlan, new_run_id
from pipelines.options import (LOCAL_RUNNER, NewsPipelineOptions, http_settings,
                               pipeline_options)
from transforms.cycle import PARSE, parse_body, safe_poll, triage
from transforms.enrich import enrich_or_dead_letter
from transforms.feeds import parse_feed
from transforms.http import (FETCH_CONCURRENCY, PER_HOST_CONCURRENCY, USER_AGENT, FetchPool,
                             HttpClient, HttpSettings)
from transforms.schedule import FeedPollState, PollResult, poll_feed
from transforms.sinks import DEAD_LETTERS, NEWS_ITEMS, write_avro_files
from transforms.sources import resolve_feeds
from transforms.stories import Entry, assign, record_story_keys, story_created
from transforms.summary import summarize

INBOX = "inbox"
# The runners that mean "here": follow mode accepts them and runs without one.
LOCAL_RUNNERS = (LOCAL_RUNNER, "DirectRunner")
DAY = 86400.0
# A cycle started by a finished poll waits this long for more before writing: enough to batch
# polls that finish together, little next to the interval.
GATHER_SECONDS = 1.0
# Cycles start at least a tenth of the interval apart, between 1 and 5 s: each cycle writes files
# of its own (one per date partition), so thousands of feeds finishing one after another are
# written a few seconds' worth at a time rather than as thousands of tiny files, and a new item
# still waits at most 5 s + one write.
MIN_CYCLE_SPACING_SECONDS, MAX_CYCLE_SPACING_SECONDS = 1.0, 5.0
# The scheduler looks for due feeds at least this often.
SCHEDULE_TICK_SECONDS = 1.0


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
    in_flight: int = 0  # polls still running when the cycle ended: a later cycle writes them
    batches: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"polled {self.polled} feeds ({self.changed} changed, {self.failed} failed, "
                f"{self.in_flight} in flight): {self.new} new, {self.revised} revised, "
                f"{self.duplicates} already written; {self.records_written} records, "
                f"{self.dead_letters} dead letters in {self.seconds:.1f} s")


@dataclass
class Follower:
    """Polls `feeds` and writes what is new under `output`; state lives under `state_dir`."""
    feeds: list[str]
    output: str
    state_dir: str
    interval: float = 300.0
    ttl_seconds: float = 14 * DAY
    concurrency: int = FETCH_CONCURRENCY
    per_host: int = PER_HOST_CONCURRENCY
    user_agent: str = USER_AGENT
    shards: int = 1
    poll_fn: Callable[..., PollResult] = poll_feed
    parser: Callable[[str, bytes, int], list] = parse_feed
    feeds_per_batch: int = 2000
    # Feeds never polled are first due at points spread over one interval, not all at once.
    spread_first_polls: bool = True
    gather_seconds: float = GATHER_SECONDS

    def __post_init__(self):
        os.makedirs(os.path.join(self.state_dir, INBOX), exist_ok=True)
        self.state = LiveState(os.path.join(self.state_dir, "follow.sqlite"))
        self.client = HttpClient(HttpSettings(user_agent=self.user_agent, per_host=self.per_host,
                                              concurrency=self.concurrency))
        self._pool = FetchPool(self.client, self.concurrency)
        # Guards the schedule below; the fetch threads report to it, the scheduler thread and
        # the cycle read it. SQLite is only ever used by the cycle's thread.
        self._cond = threading.Condition(threading.RLock())
        self._states: dict[str, FeedPollState] = self.state.feed_states(
            self.feeds, started=time.time(),
            spread=self.interval if self.spread_first_polls else 0.0)
        self._in_flight: set[str] = set()  # submitted and not committed yet
        self._unfinished = 0  # submitted and not finished
        self._finished: deque[tuple[FeedPollState, PollResult]] = deque()
        # Polls finished but not written are kept in memory: bounded, so a cold start over
        # many feeds does not hold every body at once.
        self._max_outstanding = max(2 * self.feeds_per_batch, self.concurrency)

    def close(self) -> None:
        self._pool.close()
        self.client.close()
        self.state.close()

    # --- polling ----------------------------------------------------------------------------

    def _poll(self, state: FeedPollState, now: float) -> PollResult:
        return safe_poll(self.poll_fn, state, interval=self.interval, now=now, client=self.client)

    def submit_due(self, now: float, skip: set[str] | None = None) -> int:
        """Hands every feed due at `now`, not in flight and not in `skip` to the fetch pool
        (adding it to `skip`); returns how many."""
        submitted = 0
        with self._cond:
            for feed, state in self._states.items():
                if len(self._in_flight) >= self._max_outstanding:
                    break
                if state.next_due > now or feed in self._in_flight or (skip and feed in skip):
                    continue
                if skip is not None:
                    skip.add(feed)
                self._in_flight.add(feed)
                self._unfinished += 1
                future = self._pool.submit(state.source, self._poll, state, now)
                future.add_done_callback(functools.partial(self._poll_finished, state))
                submitted += 1
        return submitted

    def _poll_finished(self, before: FeedPollState, future) -> None:
        with self._cond:
            self._unfinished -= 1
            if future.cancelled() or future.exception() is not None:
                self._in_flight.discard(before.feed)  # due again; polled again later
            else:
                self._finished.append((before, future.result()))
            self._cond.notify_all()

    def next_due(self) -> float:
        """When the next feed not in flight falls due (epoch seconds)."""
        with self._cond:
            return min((s.next_due for f, s in self._states.items() if f not in self._in_flight),
                       default=time.time() + self.interval)

    def _take_finished(self, limit: int, deadline: float | None) -> list:
        """Up to `limit` finished polls: waits until there are `limit`, or until `deadline`
        (monotonic seconds) passes; without a deadline, until no poll is unfinished."""
        with self._cond:
            while len(self._finished) < limit:
                if deadline is None:
                    if not self._unfinished:
                        break
                    self._cond.wait()
                else:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                    self._cond.wait(timeout)
            return [self._finished.popleft() for _ in range(min(limit, len(self._finished)))]

    # --- one cycle --------------------------------------------------------------------------

    def run_cycle(self, now: float | None = None, deadline: float | None = None,
                  submit: bool = True) -> CycleReport:
        """Writes the polls that finish by `deadline` (monotonic seconds), in groups of
        `feeds_per_batch` feeds, each group written and committed on its own.

        With `submit`, every feed due at `now` is handed to the fetch pool first (and more as
        room frees up). Without a deadline, the cycle waits for every poll it started: each
        due feed is then polled and written once (tests, benchmarks). With one, polls still in
        flight at the deadline are written by a later cycle. Memory stays bounded by a group
        and the polls in flight, whatever the number of feeds.
        """
        started = time.monotonic()
        now = time.time() if now is None else now
        report = CycleReport()
        polled: set[str] = set()  # each feed at most once a cycle, whatever its schedule says
        if submit:
            self.submit_due(now, polled)
        while True:
            group = self._take_finished(self.feeds_per_batch, deadline)
            if group:
                self._write_group(group, now, report)
            if submit:
                self.submit_due(now, polled)
            with self._cond:
                more = bool(self._finished) or (deadline is None and self._unfinished > 0)
                report.in_flight = self._unfinished
            if not more or (deadline is not None and time.monotonic() >= deadline):
                break
        self.state.expire(self.ttl_seconds, now=now)
        report.seconds = time.monotonic() - started
        return report

    def _write_group(self, group: list[tuple[FeedPollState, PollResult]], now: float,
                     report: CycleReport) -> None:
        feeds = [before.feed for before, _ in group]
        try:
            items, dead, body_hashes, seen_ids = self._apply_core(group, report)
            story_keys = self._assign_stories(items)
            batch_id = None
            if items or dead:
                batch_id = new_run_id()
                report.batches.append(batch_id)
                self._write_inbox(batch_id, items, dead)
                summary = self._write_batch(batch_id)
                report.records_written += summary["records_written"]
                report.dead_letters += summary["dead_letters"]
            self.state.commit(batch_id=batch_id, items=items, seen_ids=seen_ids,
                              feeds={r.state.feed: r.state for _, r in group},
                              body_hashes=body_hashes, story_keys=story_keys, now=now)
        except BaseException:
            with self._cond:  # not committed: the feeds are due again, polled again
                self._in_flight.difference_update(feeds)
            raise
        if batch_id:
            self._remove_inbox(batch_id)
        with self._cond:
            for _, result in group:
                self._states[result.state.feed] = result.state
            self._in_flight.difference_update(feeds)

    def _apply_core(self, group, report: CycleReport):
        """The feed-cycle core over finished polls: (items to write, dead letters, body hashes
        to remember, ids of every item seen)."""
        known_hashes = self.state.body_hashes([before.feed for before, _ in group])
        parsed_items, dead, body_hashes, seen_ids = [], [], {}, []
        for before, result in group:
            feed = before.feed
            report.polled += 1
            outcome = triage(before, result, known_hashes.get(feed))
            report.failed += outcome.failed
            if outcome.dead_letter is not None:
                dead.append(outcome.dead_letter)
            if outcome.kind != PARSE:
                continue
            report.changed += 1
            body_hashes[feed] = outcome.body_hash
            parsed, letter = parse_body(feed, outcome.body, result.fetched_millis, self.parser)
            if letter is not None:
                dead.append(letter)
                continue
            parsed_items.extend(parsed)
        seen_ids = [item["id"] for item in parsed_items]
        items = []
        for item, sighting in zip(parsed_items, self.state.classify(parsed_items)):
            if sighting.kind == DUPLICATE:
                report.duplicates += 1
                continue
            setattr(report, sighting.kind, getattr(report, sighting.kind) + 1)
            items.append({**item, "revision": sighting.revision})
        return items, dead, body_hashes, seen_ids

    def _assign_stories(self, items: list[dict]) -> list[tuple[str, Entry]]:
        """Sets each item's `story_id` against the stored story keys (and the items before it);
        returns the (key, story) pairs to commit with the batch."""
        index = StoryIndexView(self.state)
        all_keys = [record_story_keys(item) for item in items]
        index.prefetch(key for keys in all_keys for key in keys.all)
        pairs = []
        for item, keys in zip(items, all_keys):
            story = assign(item["id"], story_created(item), keys, index)
            item["story_id"] = story.story
            # Kept in the inbox, so that a replayed batch commits the same story keys.
            item["_story"] = {"created": story.created, "keys": keys.all}
            pairs.extend((key, story) for key in keys.all)
        return pairs

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
        """Enriches and writes one inbox batch in this process; returns its summary.

        The same stages, file names and summary as the batch job's graph, without building
        and starting a Beam pipeline for a few items every cycle."""
        items_path, dead_path = self._inbox_paths(batch_id)
        plan = RunPlan(feeds=self.feeds, problems=[], output=self.output, run_id=batch_id,
                       shards=self.shards)
        records, dead = [], [_dead_letter_from_json(line) for line in _read_lines(dead_path)]
        for line in _read_lines(items_path):
            record, letter = enrich_or_dead_letter(json.loads(line))
            if letter is None:
                records.append(record)
            else:
                dead.append(letter)
        write_avro_files(records, plan.output, NEWS_ITEMS, batch_id, plan.shards)
        write_avro_files(dead, plan.output, DEAD_LETTERS, batch_id, plan.shards)
        return summarize(records, dead, len(plan.feeds), plan.summary_path)

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
                items = [json.loads(line) for line in _read_lines(items_path)]
                self._write_batch(batch_id)
                story_keys = [(key, Entry(item["_story"]["created"], item["story_id"]))
                              for item in items if "_story" in item
                              for key in item["_story"]["keys"]]
                self.state.commit(batch_id=batch_id, items=items, seen_ids=[], feeds={},
                                  body_hashes={}, story_keys=story_keys)
                replayed.append(batch_id)
            self._remove_inbox(batch_id)
        return replayed

    # --- the loop ---------------------------------------------------------------------------

    def _schedule(self, stop: threading.Event) -> None:
        """The scheduler thread: hands feeds to the fetch pool as they fall due."""
        while not stop.is_set():
            try:
                self.submit_due(time.time())
            except RuntimeError:  # the pool was closed: following is over
                return
            stop.wait(min(SCHEDULE_TICK_SECONDS, max(0.05, self.next_due() - time.time())))

    def _wait_for_polls(self, timeout: float) -> bool:
        with self._cond:
            if not self._finished:
                self._cond.wait(timeout)
            return bool(self._finished)

    def run(self, stop: threading.Event, report=print, warn=print) -> None:
        """Follows until `stop` is set; a cycle under way is finished and committed first.

        Fetches run continuously; a cycle starts as soon as a poll finishes and writes what has
        finished within `gather_seconds`, and at least a tenth of the interval (1 to 5 s) after
        the cycle before it started. A cycle that fails (output unwritable, disk full) is
        reported and retried after an interval, its batch first: following goes on rather than
        ending on the first outage.
        """
        scheduler = None
        spacing = min(MAX_CYCLE_SPACING_SECONDS, max(MIN_CYCLE_SPACING_SECONDS,
                                                     self.interval / 10))
        last_cycle = -spacing
        while not stop.is_set():
            try:
                for batch_id in self.replay_inbox():
                    report(f"wrote batch {batch_id} left by an earlier cycle")
                if scheduler is None:
                    scheduler = threading.Thread(target=self._schedule, args=(stop,),
                                                 name="newsbeam-schedule", daemon=True)
                    scheduler.start()
                if not self._wait_for_polls(timeout=SCHEDULE_TICK_SECONDS):
                    continue
                started = time.monotonic()
                cycle = self.run_cycle(deadline=max(started + self.gather_seconds,
                                                    last_cycle + spacing),
                                       submit=False)
                last_cycle = started
            except Exception as error:  # any outage: the batch waits in the inbox meanwhile
                warn(f"newsbeam: cycle failed, retrying in {self.interval:g} s: {error!r}")
                stop.wait(self.interval)
                continue
            if cycle.records_written or cycle.dead_letters or cycle.revised or cycle.new:
                report(cycle.line())
        if scheduler is not None:
            scheduler.join()


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


def _read_lines(path: str) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return [line for line in handle if line.strip()]


def _dead_letter_from_json(line: str) -> dict:
    letter = json.loads(line)
    letter["raw"] = base64.b64decode(letter["raw"])
    return letter


def follow(argv: list[str]) -> int:
    """`newsbeam run --follow`: runs until SIGINT or SIGTERM, then exits 0.

    Raises NothingToRead (exit status 1 from the command) when no --feeds source gives a feed;
    returns 2 when the state would have to live on a remote filesystem, or a runner other than
    the local one is named, and 130 when a second signal stops it at once.
    """
    options = pipeline_options(argv)
    news = options.view_as(NewsPipelineOptions)
    runner = options.view_as(StandardOptions).runner
    if runner not in LOCAL_RUNNERS:
        # Follow mode runs the job's functions itself, on this machine: a runner named for it
        # would be ignored, not used.
        print(f"newsbeam: --follow runs on this machine and takes no --runner ({runner}); "
              f"for a live job on {runner}, use --streaming", file=sys.stderr)
        return 2
    if news.state is None and "://" in news.output:
        # The state is SQLite and an inbox of files: it needs a local disk, which gs:// or
        # s3:// is not (os.makedirs would make a local folder named "gs:").
        print(f"newsbeam: --follow keeps its state on a local disk; with --output "
              f"{news.output}, give --state DIR", file=sys.stderr)
        return 2
    feeds, _ = resolve_feeds(news.feeds)
    http = http_settings(options)
    follower = Follower(
        feeds=feeds, output=news.output,
        state_dir=news.state or os.path.join(news.output, "_state"),
        interval=news.interval, ttl_seconds=news.state_ttl_days * DAY,
        concurrency=http.concurrency, per_host=http.per_host, user_agent=http.user_agent,
        shards=max(1, news.shards))
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
    except KeyboardInterrupt:  # the second signal
        print("newsbeam: stopped at once; what the cycle under way did not commit is written "
              "on the next start", file=sys.stderr)
        return 130  # 128 + SIGINT, as shells report an interrupted command
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        follower.close()
    return 0
