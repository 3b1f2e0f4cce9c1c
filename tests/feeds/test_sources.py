"""--feeds to a list of feeds: OPML, lists, folders, missing sources."""
from newsbeam.transforms.feeds.sources import (
    expand_sources,
    list_feed_sources,
    opml_feed_urls,
)

from tests.support.paths import FEEDS, FIXTURES


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
