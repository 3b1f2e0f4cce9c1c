"""ReadFeeds and ParseFeeds: feed addresses to items, and a dead letter per feed that fails."""
import threading
import time

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.transforms.beam.read import ParseFeeds, ReadFeeds
from newsbeam.transforms.feeds.http import HttpSettings
from newsbeam.transforms.feeds.parse import parse_feed

from tests.support.feeds import rss
from tests.support.http_server import FeedServer, respond
from tests.support.paths import FEEDS
from tests.support.streams import stream_pipeline


def test_an_unexpected_parser_error_is_one_dead_letter_for_that_feed_alone():
    good = rss(("a", "Alpha", "First text."))

    def parser(feed, data, fetched):
        if feed == "bad":
            raise RecursionError("maximum recursion depth exceeded")
        return parse_feed(feed, data, fetched)

    pipeline = stream_pipeline()
    bodies = pipeline | beam.Create([("bad", b"<rss/>", 1), ("good", good, 2)])
    items, dead, _ = bodies | ParseFeeds(parser)
    assert_that(items | beam.Map(lambda i: (i["feed_url"], i["guid"])),
                equal_to([("good", "a")]), label="items")
    assert_that(dead | beam.Map(lambda d: (d["feed_url"], d["stage"], d["error"].split(":")[0])),
                equal_to([("bad", "parse", "RecursionError")]), label="dead letters")
    pipeline.run().wait_until_finish()


def test_read_feeds_transform_items_and_dead_letters(pipeline):
    sources = [str(FEEDS / "rss20_minimal.xml"), str(FEEDS / "not_a_feed.xml"), "/no/such.xml"]
    items, dead, _ = pipeline | beam.Create(sources) | ReadFeeds()
    assert_that(items | beam.Map(lambda i: i["title"]), equal_to(["First & foremost"]),
                label="items")
    assert_that(dead | beam.Map(lambda d: (d["stage"], d["feed_url"])),
                equal_to([("parse", str(FEEDS / "not_a_feed.xml")), ("read", "/no/such.xml")]),
                label="dead")
    pipeline.run()


@pytest.mark.parametrize("per_host, expected", [(8, 8), (2, 2)])
def test_read_feeds_fetches_a_list_of_urls_concurrently_within_the_per_host_cap(
        pipeline, per_host, expected):
    in_flight, most = [0], [0]
    lock = threading.Lock()
    body = (FEEDS / "rss091.xml").read_bytes()

    def slow_feed(handler):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.3)
        with lock:
            in_flight[0] -= 1
        respond(handler, 200, {}, body)

    routes = {f"/{n}.xml": slow_feed for n in range(8)}
    with FeedServer(routes) as server:
        items, dead, _ = (pipeline | beam.Create([server.url(path) for path in routes])
                       | ReadFeeds(HttpSettings(per_host=per_host,
                                              allow_private_addresses=True)))
        assert_that(items | beam.combiners.Count.Globally(), equal_to([8]), label="items")
        assert_that(dead, equal_to([]), label="dead")
        pipeline.run()
    assert most[0] == expected  # as many at once as the host allows, not one after another
