"""Sorted polls waiting for their items' article pages, up to a deadline.

Pages are fetched by the follower's pool (the feeds' per-host cap) while the cycle goes on
taking and writing other polls: a hanging page server delays its own items by --article_wait
at most, and nobody else's.
"""
from __future__ import annotations

import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from newsbeam.pipelines.follow.cycle import SortedPolls
from newsbeam.transforms.articles.fetch import Page, PageFetcher, has_page
from newsbeam.transforms.feeds.http import FetchPool


class AwaitingPages:
    """`polls`, whose new and revised items with a web link have their pages being fetched
    until `wait` seconds from now."""

    def __init__(self, polls: SortedPolls, pool: FetchPool, pages: PageFetcher, wait: float):
        self.polls = polls
        self.wait = wait
        self.deadline = time.monotonic() + wait
        self._futures: dict[str, tuple[str, Future]] = {
            item["id"]: (item["link"], pool.submit(item["link"], pages.fetch, item["link"]))
            for item in polls.items if has_page(item)}

    def ready(self) -> bool:
        """Whether every page is in, or the deadline has passed."""
        return (time.monotonic() >= self.deadline
                or all(future.done() for _, future in self._futures.values()))

    def pages(self) -> dict[str, Page]:
        """{item id: its page}, waiting until the deadline at most; a page not in by then is
        a Page saying so (its item is written with the feed's text)."""
        pages = {}
        for item_id, (link, future) in self._futures.items():
            try:
                pages[item_id] = future.result(timeout=max(0.0, self.deadline - time.monotonic()))
            except FutureTimeout:
                pages[item_id] = Page(link, error=f"not_ready: no page within {self.wait:g} s")
        return pages
