"""extract_article: the seed served as a web page, metadata, bad input, the size cap, charsets."""
import re

import pytest

from newsbeam.transforms.articles import extract as extract_module
from newsbeam.transforms.articles.extract import (
    NotHtmlError, decode_html, extract_article, parse_date)
from newsbeam.transforms.enrich.boilerplate import clean_item
from newsbeam.transforms.enrich.stages import enrich_or_dead_letter
from newsbeam.transforms.feeds.parse import parse_feed
from tests.support.paths import FIXTURES, REPO, SEED

SEED_PAGE = (FIXTURES / "articles" / "seed_page.html").read_bytes()
SEED_URL = "https://akhbar.example.com/politics/2023/09/19/kremlin-baku-yerevan-settlement"
SEED_TEXT = SEED
ARABIC_FEED = REPO / "samples" / "feeds" / "arabic_news.xml"
ARTICLE = ("<p>The council approved the new budget on Tuesday after a long debate about "
           "schools, roads and the harbour, which had divided the members for weeks.</p>"
           "<p>The mayor said the vote showed the city could still agree on what matters, "
           "and promised that work on the harbour would begin in the spring.</p>")


def page(head: str = "", body: str = ARTICLE, lang: str = "en") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>Council approves budget</title>{head}</head>"
            f"<body><article>{body}</article></body></html>")


# --- the seed, as a feed item and as a web page -----------------------------------------------

def seed_feed_item(guid: str) -> dict:
    items = parse_feed(ARABIC_FEED.as_uri(), ARABIC_FEED.read_bytes(), 0)
    [item] = [item for item in items if item["guid"] == guid]
    return item


@pytest.fixture(scope="module")
def seed_records():
    """The seed's records: from the sample feed's HTML item (keywords as links), from the seed
    text as a feed gives it, and from the seed page through extract_article."""
    feed_item = seed_feed_item("sample-ar-kremlin-html")
    article = extract_article(SEED_PAGE, SEED_URL)
    return {
        "feed": enrich(dict(feed_item)),
        "text": enrich(dict(feed_item, content=SEED_TEXT)),
        "page": enrich(dict(feed_item, title=article.title, content=article.content,
                            published=article.published, link=article.canonical_url)),
    }


def enrich(item: dict) -> dict:
    record, letter = enrich_or_dead_letter(item)
    assert letter is None, letter
    return record


def entities(record):
    return [(e["type"], e["text"], e["start"], e["end"]) for e in record["entities"]]


@pytest.mark.parametrize("form", ["feed", "text"])
def test_seed_page_body_is_the_feed_forms_body(seed_records, form):
    assert seed_records["page"]["body"] == seed_records[form]["body"]
    assert len(seed_records["page"]["body"].split("\n")) == 7


@pytest.mark.parametrize("form", ["feed", "text"])
def test_seed_page_source_credit_is_the_feed_forms(seed_records, form):
    assert (seed_records["page"]["boilerplate"]["source_credit"]
            == seed_records[form]["boilerplate"]["source_credit"] == "البوابة نيوز")


def test_seed_page_keywords_are_the_linked_feed_forms(seed_records):
    # The feed item whose keyword line is links, like the page's; plain text cannot tell where
    # one keyword ends ("دميتري" "بيسكوف").
    assert (seed_records["page"]["boilerplate"]["keywords"]
            == seed_records["feed"]["boilerplate"]["keywords"]
            == ["دميتري بيسكوف", "الكرملين", "روسيا"])


@pytest.mark.parametrize("form", ["feed", "text"])
def test_seed_page_topic_is_the_feed_forms(seed_records, form):
    assert seed_records["page"]["topic"]["label"] == seed_records[form]["topic"]["label"] \
        == "politics"


@pytest.mark.parametrize("form", ["feed", "text"])
def test_seed_page_entities_are_the_feed_forms(seed_records, form):
    assert entities(seed_records["page"]) == entities(seed_records[form])
    assert ("PERSON", "دميتري بيسكوف") in {e[:2] for e in entities(seed_records["page"])}


def test_without_source_and_keyword_lines_the_read_also_box_still_ends_the_body(seed_records):
    # The box's article made longer than the seed's own: the read-also heading comes in the
    # first half of the text.
    html = SEED_PAGE.decode("utf-8")
    html = re.sub(r'<p class="source">.*?</p>\s*<div class="tags">.*?</div>', "", html,
                  flags=re.S)
    box_start = html.index('<div class="read-also">')
    box_end = html.index("</div>", box_start)
    paragraphs = "".join(re.findall(r"<p>.*?</p>", html[box_start:box_end], flags=re.S))
    html = html[:box_end] + paragraphs * 2 + html[box_end:]
    article = extract_article(html)
    body = clean_item({"title": article.title, "content": article.content})["body"]
    assert body == seed_records["feed"]["body"]


def test_plain_trafilatura_keeps_the_seed_pages_trailer():
    # Why the boilerplate step runs after extraction: the source line, the read-also heading
    # and the second article are in the main text.
    text = extract_article(SEED_PAGE).text
    assert "المصدر: البوابة نيوز" in text and "إقرأ أيضاً" in text and "غيتيسبيرغ" in text


def test_seed_page_text_leaves_out_navigation_and_similar_articles():
    text = extract_article(SEED_PAGE).text
    assert "الرئيسية" not in text and "مقالات مشابهة" not in text and "بيراميدز" not in text


# --- metadata ---------------------------------------------------------------------------------

def test_canonical_url_from_link_rel_canonical():
    html = page('<link rel="canonical" href="https://news.example.org/budget">'
                '<meta property="og:url" content="https://news.example.org/budget?ref=og">')
    assert extract_article(html).canonical_url == "https://news.example.org/budget"


def test_canonical_url_falls_back_to_og_url():
    html = page('<meta property="og:url" content="https://news.example.org/budget">')
    assert extract_article(html).canonical_url == "https://news.example.org/budget"


def test_relative_canonical_url_is_resolved_against_the_page_url():
    html = page('<link rel="canonical" href="/city/budget">')
    article = extract_article(html, "https://news.example.org/city/budget?page=2")
    assert article.canonical_url == "https://news.example.org/city/budget"


def test_language_is_the_primary_subtag_of_html_lang():
    assert extract_article(page(lang="ar-EG")).language == "ar"


def test_site_name_from_og_site_name():
    assert extract_article(page('<meta property="og:site_name" content="City News">')).site_name \
        == "City News"


def test_image_from_og_image():
    html = page('<meta property="og:image" content="https://news.example.org/council.jpg">')
    assert extract_article(html).image == "https://news.example.org/council.jpg"


def test_title_from_og_title():
    html = page('<meta property="og:title" content="Council approves the budget">')
    assert extract_article(html).title == "Council approves the budget"


def test_authors_from_meta_author_split_into_names():
    html = page('<meta name="author" content="By Jane Doe and John Roe">')
    assert extract_article(html).authors == ["Jane Doe", "John Roe"]


def test_authors_from_json_ld_when_the_head_has_none():
    html = page('<script type="application/ld+json">{"@context": "https://schema.org", '
                '"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Jane Doe"}, '
                '{"@type": "Person", "name": "Ali Hassan"}]}</script>')
    assert extract_article(html).authors == ["Jane Doe", "Ali Hassan"]


def test_json_ld_nested_too_deep_for_python_is_passed_over():
    html = page('<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000
                + "</script>")
    assert extract_article(html).authors == []


def test_published_from_article_published_time_in_epoch_millis():
    html = page('<meta property="article:published_time" content="2023-09-19T14:05:00+03:00">')
    assert extract_article(html).published == 1695121500000


def test_published_from_json_ld_date_published():
    html = page('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
                '{"@type": "NewsArticle", "datePublished": "2023-09-19T11:05:00Z"}]}</script>')
    assert extract_article(html).published == 1695121500000


def test_published_from_the_page_when_head_and_json_ld_have_no_date():
    html = page(body='<p class="date"><time datetime="2023-09-19">19 September</time></p>'
                + ARTICLE)
    assert extract_article(html).published == 1695081600000


def test_published_without_a_zone_is_utc_and_rfc_2822_is_read():
    assert parse_date("2023-09-19") == 1695081600000
    assert parse_date("Tue, 19 Sep 2023 14:05:00 +0300") == 1695121500000
    assert parse_date("next Tuesday") is None


def test_seed_page_metadata():
    article = extract_article(SEED_PAGE)
    assert (article.title, article.language, article.site_name, article.authors) == (
        "الكرملين: لا تزال هناك فرصة لتسوية سلمية بين باكو ويريفان", "ar", "أخبار المرصد",
        ["أحمد سامي"])
    assert article.canonical_url == SEED_URL
    assert article.image == "https://akhbar.example.com/media/2023/09/peskov.jpg"


# --- text -------------------------------------------------------------------------------------

def test_text_is_one_paragraph_a_line():
    assert extract_article(page()).text.split("\n") == [
        "The council approved the new budget on Tuesday after a long debate about schools, "
        "roads and the harbour, which had divided the members for weeks.",
        "The mayor said the vote showed the city could still agree on what matters, and "
        "promised that work on the harbour would begin in the spring."]


def test_a_first_paragraph_repeating_the_title_is_left_out():
    html = page(body="<h1>Council approves budget</h1>" + ARTICLE)
    assert extract_article(html).text.startswith("The council approved")


def test_content_holds_the_article_link_lines_inside_an_aside():
    html = page(body=ARTICLE + '<div class="tags">Tags: <a href="/t/1">budget</a> '
                               '<a href="/t/2">harbour</a></div>')
    content = extract_article(html).content
    assert "<aside>" in content and ">budget</a>" in content.split("<aside>")[1]


def test_a_page_without_article_text_gives_empty_text():
    html = ("<!DOCTYPE html><html><head><title>Gallery</title></head>"
            "<body><img src='a.jpg'><img src='b.jpg'></body></html>")
    assert extract_article(html).text == ""


def test_an_empty_page_gives_an_empty_article():
    assert extract_article(b"") == extract_module.Article()


def test_binary_input_is_not_html():
    with pytest.raises(NotHtmlError):
        extract_article(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_text_without_a_tag_is_not_html():
    with pytest.raises(NotHtmlError):
        extract_article(b'{"status": "ok", "items": []}')


def test_input_that_is_not_bytes_or_text_is_a_type_error():
    with pytest.raises(TypeError):
        extract_article(42)


# --- the size cap -----------------------------------------------------------------------------

def test_only_the_first_max_html_bytes_of_a_20_mb_page_are_read():
    script = "<script>var x = '" + "x" * 100_000 + "';</script>"  # 100 KB
    late = "<p>This paragraph comes after five megabytes of scripts and is never read.</p>"
    html = page(body=ARTICLE + script * 50 + late + script * 150).encode("utf-8")
    assert len(html) > 20_000_000 and html.index(b"never read") > extract_module.MAX_HTML_BYTES
    text = extract_article(html).text
    assert "The council approved" in text and "never read" not in text


def test_a_utf8_character_cut_by_the_cap_is_not_a_wrong_encoding():
    # 1,000 Arabic letters (two bytes each), cut in the middle of one.
    data = ("<p>" + "ب" * 1000 + "</p>").encode("utf-8")[:1004]
    assert decode_html(data) == "<p>" + "ب" * 500


# --- charsets ---------------------------------------------------------------------------------

ARABIC = "أعلن المتحدث باسم الرئاسة الروسية أن روسيا لا زالت ترى فرصة للتسوية."


def arabic_page(meta_charset: str) -> str:
    return (f'<html lang="ar"><head><meta charset="{meta_charset}"><title>خبر</title></head>'
            f"<body><article><p>{ARABIC}</p><p>{ARABIC}</p></article></body></html>")


def test_windows_1256_bytes_with_their_meta_charset():
    data = arabic_page("windows-1256").encode("cp1256")
    assert ARABIC in extract_article(data).text


def test_utf8_bytes_with_a_wrong_meta_charset_are_utf8():
    data = arabic_page("windows-1256").encode("utf-8")
    assert ARABIC in extract_article(data).text


def test_the_http_header_charset_comes_before_the_meta():
    data = arabic_page("iso-8859-1").encode("cp1256")
    assert ARABIC in decode_html(data, charset="windows-1256")


def test_a_byte_order_mark_comes_before_the_http_header():
    # As browsers do: a BOM is in the bytes themselves, a header is often a server default.
    data = b"\xef\xbb\xbf" + arabic_page("utf-8").encode("utf-8")
    assert ARABIC in decode_html(data, charset="windows-1256")


def test_a_header_charset_the_bytes_do_not_fit_is_passed_over():
    data = arabic_page("windows-1256").encode("cp1256")
    assert ARABIC in decode_html(data, charset="utf-8")


def test_undeclared_windows_1256_is_detected():
    data = arabic_page("").replace('<meta charset="">', "").encode("cp1256")
    assert ARABIC in decode_html(data)


def test_utf8_with_a_stray_latin1_byte_stays_utf8():
    data = ("<p>" + "Grüße aus Köln! " * 20 + "</p>").encode("utf-8") + b"<p>caf\xe9</p>"
    assert "Grüße aus Köln" in decode_html(data)
