"""Follow mode on one machine: feeds fetched continuously, new items written in cycles, once.

Beam's local runners cannot run an unbounded graph live (the FnApiRunner runs a PeriodicImpulse
pipeline to its end before emitting anything), and building and starting a bounded pipeline
every cycle would cost more than the few items a cycle carries. So the local loop runs the
job's plain functions itself:

1. the scheduler hands each feed to the fetch pool as soon as it is due (scheduler.py);
2. a cycle takes the polls that have finished by its deadline (a poll still in flight is
   written by a later cycle) and makes a batch of them (cycle.py);
3. the batch goes to the inbox (inbox.py), then its files are written and it is added to its
   hour's summary;
4. the batch, the items' fingerprints, their story keys and the feeds' states are committed in
   one SQLite transaction (state.py); then the batch leaves the inbox.

A crash between 3 and 4 leaves the batch in the inbox: the next start writes it again under the
same batch id (its files are replaced, not duplicated) and commits it before polling resumes.
Polls in flight at a crash were never committed: their feeds are simply due again.

At start and at each new UTC hour, with the inbox empty, the cycles' small files are compacted
(output.compaction) and the summaries of past hours closed; a compaction a crash interrupted is
finished when the follower starts, before anything reads the output.
"""
from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
import time
from typing import Callable

from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.follow.cycle import (CycleReport, SortedPolls, make_batch, sort_polls,
                                             story_claims, write_batch_files)
from newsbeam.pipelines.follow.inbox import Inbox
from newsbeam.pipelines.follow.log import IDLE_LINE_SECONDS, FollowLog
from newsbeam.pipelines.follow.pages import AwaitingPages
from newsbeam.pipelines.follow.scheduler import SCHEDULE_TICK_SECONDS, Finished, Scheduler
from newsbeam.pipelines.follow.state import (FolderLock, FollowState, StateError, damaged,
                                             rebuild, state_file)
from newsbeam.pipelines.options import LOCAL_RUNNER
from newsbeam.transforms.articles.fetch import Page, PageFetcher
from newsbeam.transforms.feeds.http import FetchPool, HttpClient
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.poll import PollResult, poll_feed
from newsbeam.transforms.feeds.sources import resolve_feeds
from newsbeam.transforms.output.compaction import (CompactionReport, compact_output,
                                                   finish_interrupted)
from newsbeam.transforms.output.files import NEWS_ITEMS, read_table
from newsbeam.transforms.output.summary import close_follow_summaries, new_run_id

# The runners that mean "here": follow mode accepts them and runs without one.
LOCAL_RUNNERS = (LOCAL_RUNNER, "DirectRunner")
# A cycle started by a finished poll waits this long for more before writing: enough to batch
# polls that finish together, little next to the interval.
GATHER_SECONDS = 1.0
# Cycles start at least a tenth of the interval apart, between 1 and 5 s: each cycle writes files
# of its own (one per date partition), so thousands of feeds finishing one after another are
# written a few seconds' worth at a time rather than as thousands of tiny files, and a new item
# still waits at most 5 s + one write.
MIN_CYCLE_SPACING_SECONDS, MAX_CYCLE_SPACING_SECONDS = 1.0, 5.0
# While groups wait for their article pages, a cycle looks this often whether one is ready.
PAGE_CHECK_SECONDS = 0.1


class Follower:
    """Polls `feeds` and writes what is new under `config.output`; state lives in
    `config.state_dir`. `poll_fn` and `parser` are for tests and benchmarks."""

    def __init__(self, feeds: list[str], config: RunConfig, *,
                 poll_fn: Callable[..., PollResult] = poll_feed,
                 parser: Callable[[str, bytes, int], list] = parse_feed,
                 feeds_per_batch: int = 2000, spread_first_polls: bool = True,
                 gather_seconds: float = GATHER_SECONDS):
        self.feeds = feeds
        self.config = config
        self.parser = parser
        self.feeds_per_batch = feeds_per_batch
        self.gather_seconds = gather_seconds
        self._locks = [FolderLock(config.state_dir, "the state folder")]
        try:
            if "://" not in config.output:
                self._locks.append(FolderLock(config.output, "the output folder"))
            # Before anything reads the output: a record is then in exactly one visible file.
            finish_interrupted(config.output)
            self.state = _open_state(config)
        except BaseException:
            for lock in self._locks:
                lock.release()
            raise
        self.inbox = Inbox(os.path.join(config.state_dir, "inbox"))
        self.client = HttpClient(config.http)
        self._pool = FetchPool(self.client, config.http.concurrency)
        # Pages go through the feeds' pool: one per-host cap for both.
        self._pages = (PageFetcher(self.client, config.per_host_delay)
                       if config.fetch_articles else None)
        # Groups sorted and waiting for their pages, written when ready by this or a later
        # cycle; not committed, so a stop leaves their feeds due again.
        self._awaiting: list[AwaitingPages] = []
        self._compacted_hour: int | None = None  # the UTC hour of the last compaction
        # Feeds never polled are first due at points spread over one interval, not all at once.
        states = self.state.feed_states(
            feeds, started=time.time(), spread=config.interval if spread_first_polls else 0.0)
        self.scheduler = Scheduler(states, self.client, self._pool, poll_fn, config.interval,
                                   max_outstanding=max(2 * feeds_per_batch,
                                                       config.http.concurrency))

    def close(self) -> None:
        self._pool.close()
        self.client.close()
        self.state.close()
        for lock in self._locks:
            lock.release()

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
            self.scheduler.submit_due(now, polled)
        while True:
            group = self.scheduler.take_finished(self.feeds_per_batch, self._take_until(deadline))
            if group:
                self._start_group(group, now, report)
            self._write_ready_groups(now, report)
            if submit:
                self.scheduler.submit_due(now, polled)
            more, report.in_flight = self.scheduler.pending(deadline)
            if deadline is None and not more:
                self._write_ready_groups(now, report, wait=True)
                break
            if deadline is not None and (time.monotonic() >= deadline
                                         or not (more or self._awaiting)):
                break
        self.state.expire(self.config.state_ttl_seconds, now=now)
        report.seconds = time.monotonic() - started
        return report

    def _take_until(self, deadline: float | None) -> float | None:
        """How long to wait for finished polls: while groups wait for pages, briefly."""
        if not self._awaiting:
            return deadline
        soon = time.monotonic() + PAGE_CHECK_SECONDS
        return soon if deadline is None else min(deadline, soon)

    def _start_group(self, group: list[Finished], now: float, report: CycleReport) -> None:
        """Sorts the group's polls; writes them, or (with --fetch_articles) fetches the new
        items' pages first."""
        try:
            self.state.check_in_place()
            polls = sort_polls(group, self.state, self.parser, report)
        except BaseException:  # not committed: the feeds are due again, polled again
            self.scheduler.given_back([before.feed for before, _ in group])
            raise
        if self._pages is None:
            self._write_group(polls, {}, now, report)
        else:
            self._awaiting.append(AwaitingPages(polls, self._pool, self._pages,
                                                self.config.article_wait))

    def _write_ready_groups(self, now: float, report: CycleReport, wait: bool = False) -> None:
        """Writes the groups whose pages are in or whose wait is over (with `wait`, all of
        them, waiting for their pages up to their deadlines)."""
        for awaiting in [a for a in self._awaiting if wait or a.ready()]:
            self._awaiting.remove(awaiting)
            self._write_group(awaiting.polls, awaiting.pages(), now, report)

    def _write_group(self, polls: SortedPolls, pages: dict[str, Page], now: float,
                     report: CycleReport) -> None:
        group = polls.group
        try:
            batch = make_batch(polls, self.state, pages)
            batch_id = None
            if batch.entries or batch.dead_letters:
                batch_id = new_run_id()
                report.batches.append(batch_id)
                self.inbox.write(batch_id, batch.entries, batch.dead_letters, batch.parsing)
                summary = self.write_batch(batch_id)
                report.records_written += summary["records_written"]
                report.dead_letters += summary["dead_letters"]
            self.state.commit(batch_id=batch_id, items=batch.entries, seen_ids=batch.seen_ids,
                              feeds={r.state.feed: r.state for _, r in group},
                              body_hashes=batch.body_hashes,
                              story_keys=story_claims(batch.entries), now=now)
        except BaseException:  # not committed: the feeds are due again, polled again
            self.scheduler.given_back([before.feed for before, _ in group])
            raise
        if batch_id:
            self.inbox.remove(batch_id)
        self.scheduler.committed([result for _, result in group])

    def write_batch(self, batch_id: str) -> dict:
        """Writes the files of an inbox batch and adds it to its hour's summary; returns the
        batch's summary."""
        entries, dead_letters, parsing = self.inbox.read(batch_id)
        return write_batch_files(batch_id, entries, dead_letters, parsing, self.config.output,
                                 self.config.output_format, self.config.shards,
                                 len(self.feeds))

    def compact(self, now: float | None = None) -> CompactionReport:
        """Compacts the output's small files (output.compaction: the cycles' files of each
        partition into one, and every file of a partition dated before today) and closes the
        summaries of the hours before `now`'s. The batches waiting in the inbox, which may be
        written again under their own file names, are left out."""
        now = time.time() if now is None else now
        report = compact_output(self.config.output, self.config.output_format, now,
                                keep_runs=self.inbox.batches())
        if not self.inbox.batches():  # else a past hour may still get a batch
            close_follow_summaries(self.config.output, now)
        self._compacted_hour = int(now // 3600)
        return report

    def compact_if_due(self, now: float | None = None) -> CompactionReport | None:
        """compact() at the first call and then once each UTC hour."""
        now = time.time() if now is None else now
        if self._compacted_hour == int(now // 3600):
            return None
        return self.compact(now)

    def replay_inbox(self) -> list[str]:
        """Writes the batches a crash left behind (once each); returns their ids."""
        replayed = []
        for batch_id in self.inbox.batches():
            if not self.state.is_committed(batch_id):
                entries, _, _ = self.inbox.read(batch_id)
                self.write_batch(batch_id)
                self.state.commit(batch_id=batch_id, items=entries, seen_ids=[], feeds={},
                                  body_hashes={}, story_keys=story_claims(entries))
                replayed.append(batch_id)
            self.inbox.remove(batch_id)
        return replayed

    def run(self, stop: threading.Event, log: FollowLog) -> None:
        """Follows until `stop` is set; a cycle under way is finished and committed first.

        Fetches run continuously; a cycle starts as soon as a poll finishes and writes what has
        finished within `gather_seconds`, and at least a tenth of the interval (1 to 5 s) after
        the cycle before it started. A cycle that fails (output unwritable, disk full) is
        logged and retried after an interval, its batch first: following goes on rather than
        ending on the first outage. Every cycle logs a line; so does a quiet minute.
        """
        scheduler = None
        interval = self.config.interval
        spacing = min(MAX_CYCLE_SPACING_SECONDS, max(MIN_CYCLE_SPACING_SECONDS, interval / 10))
        last_cycle = -spacing
        while not stop.is_set():
            try:
                for batch_id in self.replay_inbox():
                    log.replayed(batch_id)
                compaction = self.compact_if_due()
                if compaction is not None:
                    log.compacted(compaction)
                if scheduler is None:
                    scheduler = threading.Thread(target=self.scheduler.run, args=(stop,),
                                                 name="newsbeam-schedule", daemon=True)
                    scheduler.start()
                if not (self._awaiting
                        or self.scheduler.wait_for_polls(timeout=SCHEDULE_TICK_SECONDS)):
                    if time.monotonic() - log.last_line >= IDLE_LINE_SECONDS:
                        log.idle(len(self.feeds), self.scheduler.pending(None)[1],
                                 self.scheduler.next_due() - time.time())
                    continue
                started = time.monotonic()
                cycle = self.run_cycle(deadline=max(started + self.gather_seconds,
                                                    last_cycle + spacing),
                                       submit=False)
                last_cycle = started
            except StateError:
                raise  # retrying would write nothing, or write items twice
            except sqlite3.DatabaseError as error:
                raise StateError(damaged(self.state.path, error)) from None
            except Exception as error:  # any outage: the batch waits in the inbox meanwhile
                log.cycle_failed(error, interval)
                stop.wait(interval)
                continue
            log.cycle(cycle)
        if scheduler is not None:
            scheduler.join()


def _open_state(config: RunConfig) -> FollowState:
    """The state, rebuilt from the output when asked; StateError when it is missing while the
    output holds records (following would write them again)."""
    path = state_file(config.state_dir)
    fresh = not os.path.exists(path)
    if config.rebuild_state and not fresh:
        raise StateError(f"--rebuild_state builds a new state, and {path} exists: move it "
                         f"aside first")
    state = FollowState(path)
    if config.rebuild_state:
        count = rebuild(state, read_table(config.output, NEWS_ITEMS))
        print(f"newsbeam: rebuilt the state from {count} records in {config.output}",
              file=sys.stderr)
    elif fresh and next(iter(read_table(config.output, NEWS_ITEMS)), None) is not None:
        state.close()
        os.remove(path)
        raise StateError(f"{config.output} already holds records but the state {path} is "
                         f"missing: following now would write them again. Restart with "
                         f"--rebuild_state to rebuild the state from the output, or give "
                         f"another --output")
    return state


def follow(config: RunConfig) -> int:
    """`newsbeam run --follow`: runs until SIGINT or SIGTERM (or --run_for), then exits 0.

    Raises NothingToRead (exit status 1 from the command) when no --feeds source gives a feed;
    returns 2 when the state would have to live on a remote filesystem, or a runner other than
    the local one is named, and 130 when a second signal stops it at once.
    """
    runner = config.named_runner
    if runner is not None and runner not in LOCAL_RUNNERS:
        # Follow mode runs the job's functions itself, on this machine: a runner named for it
        # would be ignored, not used.
        print(f"newsbeam: --follow runs on this machine and takes no --runner ({runner}); "
              f"for a live job on {runner}, use --streaming", file=sys.stderr)
        return 2
    if "://" in config.state_dir:
        # The state is SQLite and an inbox of files: it needs a local disk, which gs:// or
        # s3:// is not (os.makedirs would make a local folder named "gs:").
        print(f"newsbeam: --follow keeps its state on a local disk; with --output "
              f"{config.output}, give --state DIR", file=sys.stderr)
        return 2
    feeds, _ = resolve_feeds(config.sources, config.allow_local_paths)
    log = FollowLog(config.log_format)
    stop = threading.Event()
    stop_signalled = threading.Event()

    def on_signal(signum, _frame):
        if stop.is_set():
            # A second signal: leave now; the inbox is replayed on the next start.
            raise KeyboardInterrupt
        print(f"newsbeam: {signal.Signals(signum).name}: finishing the current cycle",
              file=sys.stderr)
        stop_signalled.set()
        stop.set()

    # Before anything slow: a signal that comes while the state opens still stops cleanly.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    follower, timer = None, None
    if config.run_for is not None:  # as a SIGTERM would, once the time is up
        timer = threading.Timer(config.run_for, stop.set)
        timer.daemon = True
        timer.start()
    try:
        follower = Follower(feeds, config)
        log.started(len(feeds), config.interval, config.output, config.state_dir)
        follower.run(stop, log)
        log.stopped()
    except KeyboardInterrupt:  # the second signal
        print("newsbeam: stopped at once; what the cycle under way did not commit is written "
              "on the next start", file=sys.stderr)
        return 130  # 128 + SIGINT, as shells report an interrupted command
    except StateError as error:
        print(f"newsbeam: {error}", file=sys.stderr)
        return 1
    finally:
        for sig, handler in previous.items():
            # Stopped by a signal, the process is on its way out: a second signal from then on
            # changes nothing, and Python would give it the default action (death by signal,
            # or a traceback) while it exits. An ignored signal stays ignored to the end.
            signal.signal(sig, signal.SIG_IGN if stop_signalled.is_set() else handler)
        if timer is not None:
            timer.cancel()
        if follower is not None:
            follower.close()
    return 0
