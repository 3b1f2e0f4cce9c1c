"""The unbounded job for Flink and Dataflow: poll feeds forever, write each item once per edit.

    clock ticks -> PollFeeds (feed state in Beam) -> ParseFeeds -> NumberRevisions (dedup
    state in Beam) -> EnrichItems -> AssignStoriesInStream (story keys in Beam)
    -> WindowByPublished -> WriteNewsItems
                  dead letters of every step -> WindowByArrival -> WriteDeadLetters

Everything the job remembers (feed validators and schedules, what each item said last, which
story each key belongs to) is Beam keyed state, so the runner checkpoints it and a restarted
job neither re-polls blindly, nor writes items again, nor forgets a story. The rules are the
ones follow mode applies (feeds.triage, feeds.identity, stories.assign), the stages the batch
job's.
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

from newsbeam.pipelines.config import RunConfig
from newsbeam.transforms.beam.articles import FetchArticles
from newsbeam.transforms.beam.enrich import EnrichItems
from newsbeam.transforms.beam.polling import PollFeeds, PollFn
from newsbeam.transforms.beam.read import ParseFeeds
from newsbeam.transforms.beam.revisions import NumberRevisions
from newsbeam.transforms.beam.sinks import WriteDeadLetters, WriteNewsItems
from newsbeam.transforms.beam.stories import AssignStoriesInStream
from newsbeam.transforms.beam.windowing import WindowByArrival, WindowByPublished
from newsbeam.transforms.feeds.sources import resolve_feeds
from newsbeam.transforms.output.summary import new_run_id

# Ticks come at least this often whatever --interval is. A feed is due `interval` after its
# last poll *ran*, a little after its tick, so with ticks exactly `interval` apart it would
# often miss the next tick and be polled every other one; and a schedule set by the feed
# (Retry-After, backoff, <ttl>) falls between ticks anyway. Either waits at most this long.
MAX_TICK_SECONDS = 60.0


def build_streaming_pipeline(pipeline: beam.Pipeline, feeds: list[str], config: RunConfig, *,
                             run_id: str | None = None, poll_fn: PollFn | None = None,
                             clock: Callable[[], float] = time.time,
                             first_poll_spread: float | None = None) -> None:
    """Adds the unbounded job over `feeds` to `pipeline` (which must have streaming=True).

    The clock (and so the job) ends `config.run_for` seconds after it starts; without it the
    job runs until cancelled or drained. The feeds' first polls are spread over
    `first_poll_spread` seconds (default: one interval). `poll_fn` and `clock` are for tests.
    """
    run_id = run_id or new_run_id()
    interval, output, shards = config.interval, config.output, config.shards
    start = Timestamp.of(clock())
    stop = MAX_TIMESTAMP if config.run_for is None else start + config.run_for
    ticks = pipeline | "Clock" >> PeriodicImpulse(
        start_timestamp=start, stop_timestamp=stop,
        fire_interval=min(interval, MAX_TICK_SECONDS))
    spread = interval if first_poll_spread is None else first_poll_spread
    bodies, poll_dead = ticks | "PollFeeds" >> PollFeeds(feeds, interval, poll_fn, clock,
                                                         config.http, spread)
    items, parse_dead, _ = bodies | "ParseFeeds" >> ParseFeeds()
    revisions = items | "NumberRevisions" >> NumberRevisions(config.state_ttl_seconds)
    if config.fetch_articles:  # new and revised items only: an unchanged item is not fetched
        revisions = revisions | "FetchArticles" >> FetchArticles(
            config.http, config.per_host_delay, streaming=True)
    records, item_dead = revisions | "Enrich" >> EnrichItems()
    (records
     | "AssignStories" >> AssignStoriesInStream(config.state_ttl_seconds)
     | "WindowByPublished" >> WindowByPublished(config.window_seconds,
                                                config.allowed_lateness_seconds)
     | "WriteItems" >> WriteNewsItems(output, run_id, shards, file_format=config.output_format))
    ((poll_dead, parse_dead, item_dead)
     | "AllDeadLetters" >> beam.Flatten()
     | "WindowByArrival" >> WindowByArrival(config.window_seconds)
     | "WriteDeadLetters" >> WriteDeadLetters(output, run_id, shards,
                                              file_format=config.output_format))


def run_streaming(config: RunConfig, *, wait: bool = True) -> PipelineResult | None:
    """Starts the unbounded job; waits for it unless `wait` is False or Beam's
    --no_wait_until_finish is given (a Flex Template launch or a Kubernetes Job that submits
    to Flink must hand the job over and return).

    Returns None for a dry run (--dry_run=True: the runner builds the job without running it).

    Local runners hold every window until the clock stops, so locally pass --run_for; on
    Flink or Dataflow leave it out and the job runs until cancelled or drained.
    """
    options = config.pipeline_options()
    options.view_as(StandardOptions).streaming = True
    feeds, _ = resolve_feeds(config.sources, config.allow_local_paths)  # NothingToRead when no feed is left
    pipeline = beam.Pipeline(options=options)
    build_streaming_pipeline(pipeline, feeds, config)
    result = pipeline.run()
    if options.view_as(TestOptions).dry_run:
        return None
    if wait and not options.view_as(StandardOptions).no_wait_until_finish:
        result.wait_until_finish()
    return result


if __name__ == "__main__":
    from newsbeam.pipelines.cli import main

    sys.exit(main(["run", "--streaming", *sys.argv[1:]]))
