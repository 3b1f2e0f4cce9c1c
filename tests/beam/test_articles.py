"""FetchArticles: every item comes out, with its page's article when it has one."""
import time

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.transforms.beam.articles import FetchArticles
from newsbeam.transforms.feeds.http import HttpSettings

from tests.support.http_server import FeedServer, respond
from tests.support.pages import HTML, article, page_html

LOOPBACK_TWO_PER_HOST = HttpSettings(allow_private_addresses=True, per_host=2)


def item(guid, link):
    return {"id": guid, "guid": guid, "link": link, "title": f"Story {guid}",
            "content": f"Teaser {guid}.", "content_source": "description"}


def test_each_item_comes_out_once_with_its_article_or_the_reason_it_has_none(pipeline):
    routes = {"/a": (200, HTML, page_html(article("The harbour reopened after the storm")))}
    with FeedServer(routes) as site:
        items = [item("a", site.url("/a")), item("gone", site.url("/gone")),
                 item("mail", "mailto:desk@news.example"), item("none", None)]
        out = (pipeline | beam.Create(items) | FetchArticles(LOOPBACK_TWO_PER_HOST)
               | beam.Map(lambda i: (i["id"], i["content_source"],
                                     (i.get("article") or {}).get("error") or "")))
        assert_that(out, equal_to([("a", "article", ""),
                                   ("gone", "description", "http: HTTP 404 Not Found"),
                                   ("mail", "description", ""), ("none", "description", "")]))
        pipeline.run().wait_until_finish()
        assert sorted(site.paths()) == ["/a", "/gone", "/robots.txt"]


def test_a_hosts_pages_never_see_more_requests_at_once_than_its_cap(pipeline):
    def slow_page(handler):
        time.sleep(0.2)
        respond(handler, 200, HTML, page_html())
    routes = {f"/p{n}": slow_page for n in range(12)}
    with FeedServer(routes) as site:
        items = [item(str(n), site.url(f"/p{n}")) for n in range(12)]
        out = (pipeline | beam.Create(items) | FetchArticles(LOOPBACK_TWO_PER_HOST)
               | beam.Map(lambda i: i["content_source"]))
        assert_that(out, equal_to(["article"] * 12))
        pipeline.run().wait_until_finish()
        assert site.most_at_once == 2
