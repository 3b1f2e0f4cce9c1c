"""Beam: feed addresses -> fetched bytes -> parsed items, and the dead letters of feeds that
could not be read or parsed (thin wrappers over feeds.http, feeds.triage.parse_body and
feeds.parse)."""
from __future__ import annotations

import time

import apache_beam as beam
from apache_beam.metrics import Metrics

from newsbeam.transforms.beam.progress import ProgressCounter
from newsbeam.transforms.feeds.http import FetchError, HttpSettings, shared_pool
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.triage import parse_body
from newsbeam.transforms.output.dead_letters import dead_letter

READ_FAILED = "read_failed"
PARSE_FAILED = "parse_failed"
STATS = "stats"  # counts of what parsing set right (bytes replaced, repeated items), per feed


# Feeds handed to one worker's fetch pool at a time: reading is waiting on servers, not
# computing, so one dead server must not hold up the rest of the list.
FETCH_BATCH = 32
# The Metrics counter of items parsed: the batch job checks its summary against it.
ITEMS_PARSED = "items_read"


class _ReadFeedsFn(beam.DoFn):
    """A batch of sources -> (source, bytes, fetched_millis) each, or a dead letter.

    The worker's one FetchPool (threads, session, per-host caps) fetches the batch; DoFn
    instances on other threads of the worker share it.
    """

    def __init__(self, settings: HttpSettings):
        self._settings = settings
        self.feeds_read = ProgressCounter("feeds_read")
        self.read_failures = Metrics.counter("newsbeam", "feeds_unreadable")
        self.dead_letters = ProgressCounter("dead_letters")

    def setup(self):
        self._pool = shared_pool(self._settings)

    def _read(self, source: str):
        try:
            return source, self._pool.client.read(source), int(time.time() * 1000)
        except FetchError as error:
            return source, error, int(time.time() * 1000)

    def process(self, sources: list[str]):
        futures = [self._pool.submit(source, self._read, source) for source in sources]
        for future in futures:
            source, result, fetched = future.result()
            if isinstance(result, FetchError):
                self.read_failures.inc()
                self.dead_letters.inc()
                yield beam.pvalue.TaggedOutput(
                    READ_FAILED, dead_letter(source, "read", str(result), b"", fetched))
            else:
                self.feeds_read.inc()
                yield source, result.body, fetched


class _ParseFeedFn(beam.DoFn):
    def __init__(self, parser=parse_feed):
        self._parser = parser
        self.items_read = ProgressCounter(ITEMS_PARSED)
        self.parse_failures = Metrics.counter("newsbeam", "feeds_unparseable")
        self.empty_feeds = Metrics.counter("newsbeam", "feeds_empty")
        self.dead_letters = ProgressCounter("dead_letters")

    def process(self, element):
        feed_url, data, fetched = element
        parsed = parse_body(feed_url, data, fetched, self._parser)
        if parsed.failed:  # a hostile document must not stop the run
            self.parse_failures.inc()
        elif not parsed.items:
            self.empty_feeds.inc()
        for letter in parsed.dead_letters:
            if letter["stage"] != "parse":  # an item set aside: read, not written
                self.items_read.inc()
            self.dead_letters.inc()
            yield beam.pvalue.TaggedOutput(PARSE_FAILED, letter)
        for name, count in parsed.stats.items():
            if count:
                Metrics.counter("newsbeam", name).inc(count)
        if any(parsed.stats.values()):
            yield beam.pvalue.TaggedOutput(STATS, parsed.stats)
        for item in parsed.items:
            self.items_read.inc()
            yield item


class ParseFeeds(beam.PTransform):
    """(feed, bytes, fetched_millis) -> partial item records, and dead letters for bad feeds.

    Returns (items, dead_letters, stats): stats are per-feed counts for the run summary.
    Parsing stays on the worker that read the feed: feeds are spread over workers before they
    are read (the batch job's Create, the unbounded job's keyed polls), and a shuffle of the
    bodies would hold every body of a run in the local runner's memory. Shared by the batch
    and unbounded jobs. Whatever `parser` raises on a document becomes that feed's parse dead
    letter.
    """

    def __init__(self, parser=parse_feed):
        super().__init__()
        self._parser = parser

    def expand(self, bodies):
        parsed = (bodies
                  | "Parse" >> beam.ParDo(_ParseFeedFn(self._parser))
                  .with_outputs(PARSE_FAILED, STATS, main="items"))
        return parsed.items, parsed[PARSE_FAILED], parsed[STATS]


class ReadFeeds(beam.PTransform):
    """Feed addresses -> partial item records, and dead letters for feeds that failed.

    Returns (items, dead_letters, stats) as ParseFeeds does. Fetching follows `settings`
    (User-Agent, threads and per-host cap of each worker's pool, time and size limits, the
    address guard).
    """

    def __init__(self, settings: HttpSettings = HttpSettings()):
        super().__init__()
        self._settings = settings

    def expand(self, sources):
        fetched = (sources
                   | "Batch" >> beam.BatchElements(min_batch_size=FETCH_BATCH,
                                                   max_batch_size=FETCH_BATCH)
                   | "Fetch" >> beam.ParDo(_ReadFeedsFn(self._settings))
                   .with_outputs(READ_FAILED, main="feeds"))
        items, parse_dead, stats = fetched.feeds | "ParseFeeds" >> ParseFeeds()
        dead = (fetched[READ_FAILED], parse_dead) | "FeedDeadLetters" >> beam.Flatten()
        return items, dead, stats
