"""Beam: each item's article page fetched in a step keyed by host, so that a host's
--per_host_concurrency holds across the workers of a job (the rules are articles.fetch).

A runner processes one key on one worker at a time (keyed state is what guarantees it), so:
- bounded runs key items by host and batch them (GroupIntoBatches): a batch's pages are
  fetched together through the worker's FetchPool, at most --per_host_concurrency at once,
  and a host's next batch comes after;
- the unbounded job fetches each item as it comes, keyed by (host, one of
  --per_host_concurrency shards): at most that many requests to a host at once across the
  job. Nothing is buffered, so items keep their timestamps and the watermark stays with them
  (GroupIntoBatches would emit a buffered item at its timer's time, late for its window).
  The time of each key's last request is kept in keyed state, so --per_host_delay holds
  across workers too (one shard per host when a delay is set).
"""
from __future__ import annotations

import time
import zlib

import apache_beam as beam
from apache_beam.coders import FloatCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from newsbeam.transforms.articles.fetch import (Page, PageFetcher, has_page,
                                                shared_page_fetcher, with_article)
from newsbeam.transforms.beam.progress import ProgressCounter
from newsbeam.transforms.feeds.http import HttpSettings, host_of, shared_client, shared_pool

# Items of one host fetched together in a bounded run: its per-host cap's worth of requests
# at a time, a few times over.
PAGES_PER_BATCH = 16


class _PageCounts:
    def __init__(self):
        self.fetched = ProgressCounter("pages_fetched")
        self.failed = Metrics.counter("newsbeam", "pages_failed")

    def count(self, page: Page) -> Page:
        (self.failed if page.error else self.fetched).inc()
        return page


class _FetchBatchFn(beam.DoFn):
    """(host, items) -> the items with their articles, the pages fetched by the worker's
    FetchPool (its per-host cap, the address guard)."""

    def __init__(self, settings: HttpSettings, per_host_delay: float):
        self._settings = settings
        self._delay = per_host_delay
        self._counts = _PageCounts()

    def setup(self):
        self._pool = shared_pool(self._settings)
        self._fetcher = shared_page_fetcher(self._settings, self._delay)

    def process(self, element):
        _, items = element
        items = list(items)
        futures = [self._pool.submit(item["link"], self._fetcher.fetch, item["link"])
                   for item in items]
        for item, future in zip(items, futures):
            yield with_article(item, self._counts.count(future.result()))


class _FetchAsItComesFn(beam.DoFn):
    """((host, shard), item) -> the item with its article, fetched now, the key's requests
    `per_host_delay` seconds apart."""
    LAST_REQUEST = ReadModifyWriteStateSpec("last_request", FloatCoder())

    def __init__(self, settings: HttpSettings, per_host_delay: float):
        self._settings = settings
        self._delay = per_host_delay
        self._counts = _PageCounts()

    def setup(self):
        # Pacing is the keyed state's job here, not the process's.
        self._fetcher = PageFetcher(shared_client(self._settings))

    def process(self, element, last_request=beam.DoFn.StateParam(LAST_REQUEST)):
        _, item = element
        if not has_page(item):
            yield item
            return
        if self._delay:
            previous = last_request.read()
            if previous is not None and previous + self._delay > time.time():
                time.sleep(previous + self._delay - time.time())
            last_request.write(time.time())
        yield with_article(item, self._counts.count(self._fetcher.fetch(item["link"])))


class FetchArticles(beam.PTransform):
    """Items -> the same items, each with a web link carrying what its article page gave
    (`streaming`: as each item comes; otherwise in batches per host)."""

    def __init__(self, settings: HttpSettings, per_host_delay: float = 0.0,
                 streaming: bool = False):
        super().__init__()
        self._settings = settings
        self._delay = per_host_delay
        self._streaming = streaming

    def expand(self, items):
        if self._streaming:
            # Every item goes through the keyed step (those without a page pass straight
            # through): Partition and Flatten around a keyed step upset the local runner's
            # watermark upstream, which then forgets the revisions state between polls.
            return (items
                    | "ByHostShard" >> beam.Map(self._host_shard)
                    .with_output_types(tuple[tuple[str, int], dict])
                    | "Fetch" >> beam.ParDo(_FetchAsItComesFn(self._settings, self._delay)))
        with_pages, without = items | "HasPage" >> beam.Partition(
            lambda item, _: 0 if has_page(item) else 1, 2)
        fetched = (with_pages
                   | "ByHost" >> beam.Map(lambda item: (host_of(item["link"]), item))
                   .with_output_types(tuple[str, dict])
                   | "Batch" >> beam.GroupIntoBatches(PAGES_PER_BATCH)
                   | "Fetch" >> beam.ParDo(_FetchBatchFn(self._settings, self._delay)))
        return (fetched, without) | "AllItems" >> beam.Flatten()

    def _host_shard(self, item: dict) -> tuple[tuple[str, int], dict]:
        """A key per host and shard: at most --per_host_concurrency shards of a host are
        fetched at once (one when there is a delay between requests); items without a page
        are spread over shards of their own."""
        shard = zlib.crc32(item["id"].encode())
        if not has_page(item):
            return ("", shard % PAGES_PER_BATCH), item
        return (host_of(item["link"]), shard % (1 if self._delay else self._settings.per_host)), item
