"""Reading feeds: sources, encodings, formats, and the ReadFeeds transform."""
import threading
import time

import apache_beam as beam
import pytest
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.transforms.beam.read import ReadFeeds
from newsbeam.transforms.feeds.http import HttpSettings
from newsbeam.transforms.feeds.identity import item_id
from newsbeam.transforms.feeds.parse import FeedParseError, decode_feed, parse_feed
from newsbeam.transforms.feeds.sources import (
    expand_sources,
    list_feed_sources,
    opml_feed_urls,
)

from tests.support.http_server import FeedServer, respond
from tests.support.paths import FIXTURES

FEEDS = FIXTURES / "feeds"


def parse(name):
    path = str(FEEDS / name)
    return parse_feed(path, (FEEDS / name).read_bytes(), 1_000)


def test_rss20_item_fields():
    [item] = parse("rss20_minimal.xml")
    assert item["title"] == "First & foremost"
    assert item["guid"] == "urn:1"
    assert item["link"] == "https://example.org/1"
    assert item["published"] == 1630946700000
    assert item["fetched"] == 1_000
    assert item["authors"] == ["Sam Editor"]  # feedparser takes the name out of "mail (name)"
    assert item["feed_categories"] == ["World"]
    assert item["content"] == "<p>One paragraph.</p><p>Two paragraphs.</p>"
    assert item["content_source"] == "description"


def test_rss091_item_without_guid_or_date():
    [item] = parse("rss091.xml")
    assert item["guid"] is None and item["published"] is None
    assert item["content"] == "Text of an RSS 0.91 item."


def test_rss10_rdf_item():
    [item] = parse("rss10.rdf")
    assert item["title"] == "RDF item"
    assert item["published"] == 1630922400000


def test_atom_prefers_full_content_over_summary():
    [item] = parse("atom10.atom")
    assert "full content" in item["content"]
    assert item["content_source"] == "content"
    assert item["authors"] == ["Ann Author"]


def test_arabic_cp1256_declared_as_utf8_is_not_mojibake():
    [item] = parse("cp1256_declared_utf8.xml")
    assert item["title"] == "عنوان الخبر"
    assert item["content"].startswith("أعلنت الحكومة")


def test_latin1_without_declaration_decodes_as_latin1():
    [item] = parse("latin1_undeclared.xml")
    assert item["title"] == "Eleição: candidatos debatem na televisão"


def test_declared_non_utf8_encoding_is_left_to_feedparser():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><rss/>'.encode("latin-1")
    assert decode_feed(data) is data


def test_truncated_feed_still_gives_its_items():
    # feedparser recovers what it can from an ill-formed document; that is better than nothing
    items = parse("truncated.xml")
    assert [i["title"] for i in items] == ["x"]


def test_text_that_is_not_a_feed_raises():
    with pytest.raises(FeedParseError):
        parse("not_a_feed.xml")


def test_empty_channel_gives_no_items_and_no_error():
    assert parse("empty_channel.xml") == []


def test_item_id_is_stable_and_depends_on_feed():
    assert item_id("f", "g", None, "", None) == item_id("f", "g", "other", "t", 5)
    assert item_id("f", "g", None, "", None) != item_id("f2", "g", None, "", None)
    assert len(item_id("f", None, None, "title", None)) == 32


def test_opml_gives_nested_xml_urls():
    urls = opml_feed_urls((FIXTURES / "list.opml").read_text())
    assert urls == ["https://example.org/one.xml", "https://example.org/two.xml"]


def test_list_file_skips_comments_and_blanks():
    assert list_feed_sources("# c\n\nhttps://a/x.xml\nfeeds/b.xml  # mine\n") == [
        "https://a/x.xml", "feeds/b.xml"]


def test_expand_folder_list_and_opml():
    feeds, problems = expand_sources([str(FEEDS), str(FIXTURES / "list.txt"),
                                      str(FIXTURES / "list.opml")])
    assert str(FEEDS / "rss20_minimal.xml") in feeds
    assert feeds.count(str(FEEDS / "rss20_minimal.xml")) == 1  # named twice, read once
    assert "https://example.org/feed.xml" in feeds
    assert "https://example.org/two.xml" in feeds
    assert problems == []


def test_relative_and_absolute_names_of_one_file_are_one_feed(monkeypatch):
    monkeypatch.chdir(FIXTURES)
    feeds, _ = expand_sources(["feeds/rss091.xml", "./feeds/rss091.xml", str(FEEDS / "rss091.xml")])
    assert feeds == [str(FEEDS / "rss091.xml")]


def test_expand_reports_missing_source():
    feeds, problems = expand_sources(["/no/such/feed.xml"])
    assert feeds == []
    assert problems[0].source == "/no/such/feed.xml"
    assert "no such file" in problems[0].error


def test_read_feeds_transform_items_and_dead_letters(pipeline):
    sources = [str(FEEDS / "rss20_minimal.xml"), str(FEEDS / "not_a_feed.xml"), "/no/such.xml"]
    items, dead = pipeline | beam.Create(sources) | ReadFeeds()
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
        items, dead = (pipeline | beam.Create([server.url(path) for path in routes])
                       | ReadFeeds(HttpSettings(per_host=per_host)))
        assert_that(items | beam.combiners.Count.Globally(), equal_to([8]), label="items")
        assert_that(dead, equal_to([]), label="dead")
        pipeline.run()
    assert most[0] == expected  # as many at once as the host allows, not one after another
