"""Reading feeds: sources, encodings, formats, and the ReadFeeds transform."""
import pytest
from newsbeam.transforms.feeds.parse import FeedParseError, decode_feed, parse_feed

from tests.support.paths import FEEDS


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
















