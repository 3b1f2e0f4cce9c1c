"""Article pages fetched politely and safely on loopback servers, and what an item keeps of
them: the article as its text, or the feed's text and the reason."""
import functools
import time

from newsbeam.transforms.articles.fetch import (MIN_ARTICLE_CHARS, Page, PageFetcher,
                                                with_article)
from newsbeam.transforms.feeds import guard
from newsbeam.transforms.feeds.http import FetchPool, HttpClient
from tests.support.http_server import FeedServer, loopback_client, never_answers, respond
from tests.support.pages import HTML, page_html

ITEM = {"id": "1", "link": "x", "title": "Budget approved", "content": "Teaser text.",
        "content_source": "description"}


def fetcher(**settings) -> PageFetcher:
    return PageFetcher(loopback_client(**settings))


def test_an_article_page_becomes_the_items_text_and_its_metadata_is_kept():
    with FeedServer({"/a": (200, HTML, page_html())}) as server:
        page = fetcher().fetch(server.url("/a"))
    item = with_article(ITEM, page)
    assert item["content_source"] == "article" and "council approved" in item["content"]
    assert item["feed_content"] == "Teaser text."
    assert item["article"]["status"] == 200 and item["article"]["error"] is None
    assert item["article"]["canonical_url"] == "https://news.example/budget"
    assert item["article"]["language"] == "en"


def test_robots_txt_that_disallows_the_page_is_honoured():
    routes = {"/robots.txt": (200, {}, b"User-agent: *\nDisallow: /private/\n"),
              "/private/a": (200, HTML, page_html())}
    with FeedServer(routes) as server:
        page = fetcher().fetch(server.url("/private/a"))
        assert server.paths() == ["/robots.txt"]
    assert page.error.startswith("robots: ") and page.body is None
    assert with_article(ITEM, page)["content"] == "Teaser text."


def test_robots_txt_is_read_once_per_host_and_a_missing_one_allows():
    routes = {"/a": (200, HTML, page_html()), "/b": (200, HTML, page_html())}
    with FeedServer(routes) as server:
        pages = fetcher()
        assert pages.fetch(server.url("/a")).error is None
        assert pages.fetch(server.url("/b")).error is None
        assert server.paths() == ["/robots.txt", "/a", "/b"]


def test_a_page_on_a_private_address_is_refused_without_the_flag():
    with FeedServer({"/a": (200, HTML, page_html())}) as server:
        page = PageFetcher(HttpClient()).fetch(server.url("/a"))
        assert server.requests == []
    assert page.error.startswith("refused: ")


def test_a_redirect_to_a_private_address_is_refused(monkeypatch):
    # 127.0.0.1 plays a public server here; 127.0.0.2 a private one it redirects to.
    monkeypatch.setattr(guard, "is_public", lambda address: address == "127.0.0.1")
    with FeedServer({"/a": (200, HTML, page_html())}, host="127.0.0.2") as private, \
            FeedServer({"/a": (302, {"Location": private.url("/a")}, b"")}) as public:
        page = PageFetcher(HttpClient()).fetch(public.url("/a"))
        assert private.requests == []
    assert page.error.startswith("refused: ") and "127.0.0.2" in page.error


def test_a_link_that_is_not_a_web_address_is_refused():
    assert fetcher().fetch("file:///etc/passwd").error.startswith("refused: ")


def test_a_slow_page_is_given_up_at_the_deadline():
    with FeedServer({"/slow": functools.partial(never_answers, seconds=3)}) as server:
        page = fetcher(connect_timeout=0.5, total_timeout=0.5).fetch(server.url("/slow"))
    assert page.error.startswith("timeout: ")


def test_a_huge_page_is_refused_at_the_size_cap():
    with FeedServer({"/big": (200, HTML, page_html("<p>x</p>" * 200_000))}) as server:
        page = PageFetcher(loopback_client(), max_bytes=100_000).fetch(server.url("/big"))
    assert page.error.startswith("too_large: ")


def test_a_link_to_something_else_than_html_is_not_read():
    with FeedServer({"/doc.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.7")}) \
            as server:
        page = fetcher().fetch(server.url("/doc.pdf"))
    assert page.error == "not_html: application/pdf" and page.body is None


def test_a_charset_declared_wrong_does_not_garble_the_article():
    arabic = ("<p>" + "أعلن المتحدث باسم الرئاسة الروسية أن روسيا لا تزال ترى فرصة للتسوية. " * 5
              + "</p>")
    body = page_html(arabic).replace(b'<meta charset="utf-8">', b'<meta charset="iso-8859-1">')
    with FeedServer({"/a": (200, {"Content-Type": "text/html; charset=iso-8859-1"},
                            body)}) as server:
        page = fetcher().fetch(server.url("/a"))
    assert "الرئاسة الروسية" in with_article(ITEM, page)["content"]


def test_a_404_page_leaves_the_item_with_the_feeds_text():
    with FeedServer({}) as server:
        page = fetcher().fetch(server.url("/gone"))
    item = with_article(ITEM, page)
    assert page.status == 404 and page.error.startswith("http: HTTP 404")
    assert item["content"] == "Teaser text." and item["content_source"] == "description"
    assert item["article"]["error"] == page.error


def test_a_page_whose_text_is_shorter_than_the_feeds_is_no_article():
    stub = page_html("<p>Subscribe to read.</p>")
    item = with_article({**ITEM, "content": "A teaser longer than the page's stub. " * 3},
                        Page("u", "u", 200, stub))
    assert item["article"]["error"].startswith("nothing_extracted: ")
    assert item["content_source"] == "description"
    assert MIN_ARTICLE_CHARS > len("Subscribe to read.")


def test_requests_to_one_host_are_paced_by_the_delay(monkeypatch):
    waited = []
    monkeypatch.setattr("time.sleep", waited.append)
    routes = {"/a": (200, HTML, page_html()), "/b": (200, HTML, page_html())}
    with FeedServer(routes) as server:
        pages = PageFetcher(loopback_client(), per_host_delay=30)
        pages.fetch(server.url("/a"))
        pages.fetch(server.url("/b"))
    assert len(waited) == 1 and 29 < waited[0] <= 30


def test_feeds_and_pages_of_one_host_share_its_per_host_cap():
    def slow_page(handler):
        time.sleep(0.3)
        respond(handler, 200, HTML, page_html())
    routes = {"/feed.xml": slow_page, **{f"/p{n}": slow_page for n in range(4)}}
    with FeedServer(routes) as server:
        client = loopback_client(per_host=2)
        pool, pages = FetchPool(client, 8), PageFetcher(client)
        futures = [pool.submit(server.url("/feed.xml"), client.get, server.url("/feed.xml"))
                   for _ in range(2)]
        futures += [pool.submit(server.url(f"/p{n}"), pages.fetch, server.url(f"/p{n}"))
                    for n in range(4)]
        assert all(future.result(timeout=10) for future in futures)
        assert len(server.requests) == 7 and server.most_at_once == 2  # robots.txt included
