"""Follow mode's log: one line per event, for a person (text) or for a machine (JSON lines).

Every line carries its time (UTC, ISO 8601). Events: `started`; `cycle`, one per cycle even
when nothing changed (the heartbeat); `idle`, at least once a minute while no poll is due, so
a quiet feed set never looks frozen; `feed_failing` and `feed_recovered`, once when a feed
starts or stops failing; `cycle_failed`; `replayed`; `compacted` (the hourly compaction of the
cycles' files, when it merged any) and `not_compacted` (a partition it had to skip); `stopped`,
with the totals since start.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, fields
from typing import TextIO

from newsbeam.pipelines.follow.cycle import CycleCounts, CycleReport
from newsbeam.pipelines.log_time import utc_timestamp
from newsbeam.transforms.output.compaction import CompactionReport

TEXT, JSON = "text", "json"
LOG_FORMATS = (TEXT, JSON)
# While no cycle runs, an `idle` line at least this often.
IDLE_LINE_SECONDS = 60.0
# The failing feeds a cycle line names, worst (most consecutive failures) first.
WORST_FEEDS_NAMED = 3


@dataclass
class Totals(CycleCounts):
    """What following did since it started."""
    cycles: int = 0

    def add(self, report: CycleReport) -> None:
        self.cycles += 1
        for name in (f.name for f in fields(CycleCounts)):
            setattr(self, name, getattr(self, name) + getattr(report, name))


class FollowLog:
    """Writes follow mode's events to `out` in `log_format` (text or json)."""

    def __init__(self, log_format: str = TEXT, out: TextIO | None = None):
        if log_format not in LOG_FORMATS:
            raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}")
        self._json = log_format == JSON
        self._out = out or sys.stdout
        self.totals = Totals()
        self._started = time.monotonic()
        self.last_line = time.monotonic()

    def _emit(self, event: str, text: str, **values) -> None:
        stamp = utc_timestamp()
        if self._json:
            line = json.dumps({"time": stamp, "event": event, **values}, ensure_ascii=False)
        else:
            line = f"{stamp} {text}"
        print(line, file=self._out, flush=True)
        self.last_line = time.monotonic()

    def started(self, feeds: int, interval: float, output: str, state: str) -> None:
        self._emit("started", f"following {feeds} feeds every {interval:g} s into {output} "
                              f"(state {state}); Ctrl-C to stop",
                   feeds=feeds, interval=interval, output=output, state=state)

    def cycle(self, report: CycleReport) -> None:
        self.totals.add(report)
        for feed, error in report.started_failing:
            self._emit("feed_failing", f"feed failing: {feed}: {_without(feed, error)}",
                       feed=feed, error=error)
        for feed, failures in report.recovered:
            self._emit("feed_recovered", f"feed recovered: {feed} (after {failures} failed "
                                         f"polls)", feed=feed, failures=failures)
        worst = sorted(report.failing, key=lambda f: (-f[1], f[0]))[:WORST_FEEDS_NAMED]
        unchanged = report.polled - report.changed - report.failed
        text = (f"cycle: polled {_count(report.polled, 'feed')} ({unchanged} unchanged, "
                f"{report.changed} changed, {report.failed} failed, {report.in_flight} in "
                f"flight): {report.new} new, {report.revised} revised, "
                f"{report.duplicates} already written; "
                f"{_count(report.records_written, 'record')}, "
                f"{_count(report.dead_letters, 'dead letter')} in {report.seconds:.1f} s")
        if worst:
            text += "; failing: " + ", ".join(f"{feed} ({failures}x: {_without(feed, error)})"
                                              for feed, failures, error in worst)
        values = {**asdict(report), "unchanged": unchanged,
                  "failing": [{"feed": feed, "failures": failures, "error": error}
                              for feed, failures, error in worst]}
        for name in ("started_failing", "recovered"):  # lines of their own, above
            del values[name]
        self._emit("cycle", text, **values)

    def idle(self, feeds: int, in_flight: int, next_poll_in: float) -> None:
        self._emit("idle", f"idle: {_count(feeds, 'feed')}, {in_flight} in flight, next poll "
                           f"due in {max(0.0, next_poll_in):.0f} s",
                   feeds=feeds, in_flight=in_flight, next_poll_in=round(max(0.0, next_poll_in)))

    def replayed(self, batch_id: str) -> None:
        self._emit("replayed", f"wrote batch {batch_id} left by an earlier cycle",
                   batch=batch_id)

    def compacted(self, report: CompactionReport) -> None:
        for error in report.errors:
            self._emit("not_compacted", f"not compacted: {error}", error=error)
        if report.files_merged:
            self._emit("compacted", report.line(), partitions=report.partitions,
                       files_merged=report.files_merged, records=report.records,
                       seconds=round(report.seconds, 1))

    def cycle_failed(self, error: BaseException, retry_in: float) -> None:
        self._emit("cycle_failed", f"cycle failed, retrying in {retry_in:g} s: {error!r}",
                   error=repr(error), retry_in=retry_in)

    def stopped(self) -> None:
        totals, seconds = self.totals, time.monotonic() - self._started
        self._emit("stopped",
                   f"stopped after {_duration(seconds)}: {_count(totals.cycles, 'cycle')}, "
                   f"{_count(totals.polled, 'poll')} ({totals.changed} changed, "
                   f"{totals.failed} failed), {totals.new} new, {totals.revised} revised, "
                   f"{_count(totals.records_written, 'record')}, "
                   f"{_count(totals.dead_letters, 'dead letter')}",
                   seconds=round(seconds, 1), **asdict(totals))


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" + ("" if number == 1 else "s")


def _without(feed: str, error: str) -> str:
    """A poll's error without the feed's name in front (the line names the feed already)."""
    return error.removeprefix(f"{feed}: ")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
