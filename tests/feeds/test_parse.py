"""Reading feeds: sources, encodings, formats, and the ReadFeeds transform."""
import pytest
from newsbeam.transforms.feeds.parse import (
    MAX_CONTENT_CHARS,
    FeedParseError,
    decode_feed,
    parse_feed,
)

from tests.support.paths import FEEDS, REPO

SAMPLES = REPO / "samples" / "feeds"


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


def test_a_declared_encoding_is_converted_as_feedparser_converts_it():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><t>é</t></rss>'.encode("latin-1")
    assert decode_feed(data) == ("<?xml version='1.0' encoding='utf-8'?><rss><t>é</t></rss>"
                                 .encode(), 0)


def test_windows_1252_punctuation_read_as_iso_8859_1_is_punctuation():
    data = ('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>t'
            '</title><item><title>\x93Quoted\x94 \x96 dash</title></item></channel></rss>'
            ).encode("latin-1")
    [item] = parse_feed("f", data, 0)
    assert item["title"] == "\u201cQuoted\u201d \u2013 dash"


def test_truncated_feed_still_gives_its_items():
    # feedparser recovers what it can from an ill-formed document; that is better than nothing
    items = parse("truncated.xml")
    assert [i["title"] for i in items] == ["x"]


def test_text_that_is_not_a_feed_raises():
    with pytest.raises(FeedParseError):
        parse("not_a_feed.xml")


def test_a_web_page_served_in_a_feeds_place_raises():
    # feedparser reads the page's text as the feed's summary, and finds no feed version
    with pytest.raises(FeedParseError, match="no RSS or Atom root element"):
        parse_feed("https://example.org/rss", b"<html><body>Moved: see our app</body></html>",
                   1_000)


def test_empty_channel_gives_no_items_and_no_error():
    assert parse("empty_channel.xml") == []


















# --- encodings, like a browser ------------------------------------------------------------------

ARABIC = (SAMPLES / "arabic_news.xml").read_bytes()


def test_a_stray_byte_in_utf8_is_one_replacement_and_the_rest_keeps_its_encoding():
    damaged = ARABIC.replace("الكرملين".encode(), "الكرملين".encode() + b"\xff", 1)
    items = parse_feed("f", damaged, 0)
    assert items.stats["bytes_replaced"] == 1
    assert items[0]["title"].startswith("الكرملين\ufffd: لا تزال")
    assert [i["title"] for i in items[1:]] == [i["title"] for i in parse_feed("f", ARABIC, 0)[1:]]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_byte_order_mark_decides_the_encoding(encoding):
    text = ARABIC.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{encoding}"')
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    titles = [item["title"] for item in parse_feed("f", data, 0)]
    assert titles == [item["title"] for item in parse_feed("f", ARABIC, 0)]


def test_nul_and_control_characters_never_reach_a_field():
    data = (b"<rss version='2.0'><channel><title>t</title><item><title>Bad\x00 title\x07</title>"
            b"<guid>id\x00-1</guid><description>Text\x1b here.</description></item>"
            b"</channel></rss>")
    [item] = parse_feed("f", data, 0)
    assert (item["title"], item["guid"], item["content"]) == ("Bad title", "id-1", "Text here.")


@pytest.mark.parametrize("reference", [b"&#0;", b"&#xD800;", b"&#x110000;", b"&#99999999999;"])
def test_a_bad_character_reference_costs_only_that_character(reference):
    data = (b"<rss version='2.0'><channel><title>t</title><item><title>A " + reference
            + b" B</title><guid>1</guid></item><item><title>Fine</title><guid>2</guid></item>"
            b"</channel></rss>")
    assert [item["title"] for item in parse_feed("f", data, 0)] == ["A \ufffd B", "Fine"]


# --- one record per item identity ---------------------------------------------------------------

def test_items_sharing_an_id_in_one_document_are_one_record_and_repeats_are_counted():
    data = (b"<rss version='2.0'><channel><title>t</title>"
            b"<item><title>First</title><guid>same</guid></item>"
            b"<item><title>Second, edited</title><guid>same</guid></item>"
            b"<item><title>Other</title><guid>other</guid></item></channel></rss>")
    items = parse_feed("f", data, 0)
    assert [item["title"] for item in items] == ["First", "Other"]
    assert items.stats["item_repeats"] == 1


def test_an_item_with_no_title_link_or_text_is_a_dead_letter_not_a_record():
    data = (b"<rss version='2.0'><channel><title>t</title>" + b"<item/>" * 1000
            + b"<item><title>Real</title></item></channel></rss>")
    items = parse_feed("f", data, 7)
    assert [item["title"] for item in items] == ["Real"]
    [letter] = items.dead_letters  # the empty ones share one id: one letter, the rest repeats
    assert (letter["stage"], letter["error"], letter["at"]) == (
        "item", "empty item: no title, link or text", 7)
    assert items.stats["item_repeats"] == 999


# --- dates --------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["2024-13-45T99:99:99Z", "10000-01-01", "2023-02-30",
                                 "Mon, 31 Feb 2021 10:00:00 GMT", "Mon, 06 Sep 2021 25:00:00 GMT"])
def test_an_impossible_date_is_null_and_the_feeds_string_is_kept(raw):
    data = (f"<rss version='2.0'><channel><title>t</title><item><title>A</title>"
            f"<pubDate>{raw}</pubDate></item></channel></rss>").encode()
    [item] = parse_feed("f", data, 0)
    assert (item["published"], item["published_raw"]) == (None, raw)


def test_a_valid_date_has_no_raw_string():
    data = (b"<rss version='2.0'><channel><title>t</title><item><title>A</title>"
            b"<pubDate>Mon, 06 Sep 2021 16:45:00 GMT</pubDate></item></channel></rss>")
    [item] = parse_feed("f", data, 0)
    assert (item["published"], item["published_raw"]) == (1630946700000, None)


def test_a_huge_item_text_is_read_up_to_its_cap():
    data = (b"<rss version='2.0'><channel><title>t</title><item><title>Big</title><description>"
            + b"word " * 400_000 + b"</description></item></channel></rss>")
    [item] = parse_feed("f", data, 0)
    assert len(item["content"]) == MAX_CONTENT_CHARS
