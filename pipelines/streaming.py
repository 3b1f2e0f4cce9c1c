"""The unbounded job for Flink and Dataflow: poll feeds forever, write each item once per edit.

    clock ticks -> PollFeeds (feed state in Beam) -> ParseFeeds -> NumberRevisions (dedup
    state in Beam) -> EnrichItems -> AssignStoriesInStream (story keys in Beam)
    -> WindowByPublished -> WriteNewsItems
                  dead letters of every step -> WindowByArrival -> WriteDeadLetters

Everything the job remembers (feed validators and schedules, what each item said last, which
story each key belongs to) is Beam keyed state, so the runner checkpoints it and a restarted
job neither re-polls blindly, nor writes items again, nor forgets a story. The rules are the
feed-cycle core's (transforms.cycle, transforms.stories), the stages the batch job's.
"""
from __future__ import annotations

import sys
import time
from typing import Callable

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions, TestOptions
from apache_beam.runners.runner import PipelineResult
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP, Timestamp

from pipelines.news_pipeline import new_run_id
from pipelines.options import NewsPipelineOptions, http_settings, pipeline_options
from transforms.dedup import NumberRevisions
from transforms.enrich import EnrichItems
from transforms.feeds import ParseFeeds
from transforms.http import HttpSettings
from transforms.polling import PollFeeds, PollFn
from transforms.sinks import WriteDeadLetters, WriteNewsItems
from transforms.sources import resolve_feeds
from transforms.stories import AssignStoriesInStream
from transforms.windowing import WindowByArrival, WindowByPublished

DAY_SECONDS = 86400.0
# Ticks come at least this often whatever --interval is. A feed is due `interval` after its
# last poll *ran*, a little after its tick, so with ticks exactly `interval` apart it would
# often miss the next tick and be polled every other one; and a schedule set by the feed
# (Retry-After, backoff, <ttl>) falls between ticks anyway. Either waits at most this long.
MAX_TICK_SECONDS = 60.0


def build_streaming_pipeline(pipeline: beam.Pipeline, feeds: list[str], output: str, *,
                             interval: float, window_seconds: float = 3600.0,
                             allowed_lateness_seconds: float = DAY_SECONDS,
                             dedup_ttl_seconds: float = 14 * DAY_SECONDS, shards: int = 1,
                             poll_fn: PollFn | None = None, run_id: str | None = None,
                             stop_after_seconds: float | None = None,
                             clock: Callable[[], float] = time.time,
                             http: HttpSettings = HttpSettings(),
                             first_poll_spread: float | None = None) -> None:
    """Adds the unbounded job to `pipeline` (which must have streaming=True).

    `stop_after_seconds` ends the clock (and so the job) that long after it starts; None runs
    until the job is cancelled or drained. The feeds' first polls are spread over
    `first_poll_spread` seconds (default: one interval). `poll_fn` and `clock` are for tests.
    """
    run_id = run_id or new_run_id()
    start = Timestamp.of(clock())
    stop = MAX_TIMESTAMP if stop_after_seconds is None else start + stop_after_seconds
    ticks = pipeline | "Clock" >> PeriodicImpulse(
        start_timestamp=start, stop_timestamp=stop,
        fire_interval=min(interval, MAX_TICK_SECONDS))
    spread = interval if first_poll_spread is None else first_poll_spread
    bodies, poll_dead = ticks | "PollFeeds" >> PollFeeds(feeds, interval, poll_fn, clock, http,
                                                         spread)
    items, parse_dead = bodies | "ParseFeeds" >> ParseFeeds()
    revisions = items | "NumberRevisions" >> NumberRevisions(dedup_ttl_seconds)
    records, item_dead = revisions | "Enrich" >> EnrichItems()
    (records
     | "AssignStories" >> AssignStoriesInStream(dedup_ttl_seconds)
     | "WindowByPublished" >> WindowByPublished(window_seconds, allowed_lateness_seconds)
     | "WriteItems" >> WriteNewsItems(output, run_id, shards))
    ((poll_dead, parse_dead, item_dead)
     | "AllDeadLetters" >> beam.Flatten()
     | "WindowByArrival" >> WindowByArrival(window_seconds)
     | "WriteDeadLetters" >> WriteDeadLetters(output, run_id, shards))


def run_streaming(argv: list[str] | None = None, *, wait: bool = True) -> PipelineResult | None:
    """Starts the unbounded job from command-line options; waits for it unless `wait` is False
    or Beam's --no_wait_until_finish is given (a Flex Template launch or a Kubernetes Job that
    submits to Flink must hand the job over and return).

    Returns None for a dry run (--dry_run=True: the runner builds the job without running it).

    Local runners hold every window until the clock stops, so locally pass --run_for; on
    Flink or Dataflow leave it out and the job runs until cancelled or drained.
    """
    options = pipeline_options(argv)
    options.view_as(StandardOptions).streaming = True
    news = options.view_as(NewsPipelineOptions)
    feeds, _ = resolve_feeds(news.feeds)  # NothingToRead when no feed is left
    pipeline = beam.Pipeline(options=options)
    build_streaming_pipeline(
        pipeline, feeds, news.output, interval=news.interval,
        window_seconds=news.window_seconds, allowed_lateness_seconds=news.allowed_lateness,
        dedup_ttl_seconds=news.state_ttl_days * DAY_SECONDS, shards=max(1, news.shards),
        stop_after_seconds=news.run_for, http=http_settings(options))
    result = pipeline.run()
    if options.view_as(TestOptions).dry_run:
        return None
    if wait and not options.view_as(StandardOptions).no_wait_until_finish:
        result.wait_until_finish()
    return result


if __name__ == "__main__":
    from pipelines.cli import main

    sys.exit(main(["run", "--streaming", *sys.argv[1:]]))
