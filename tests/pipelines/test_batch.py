"""The batch job end to end on feed files."""
import json
import os

from newsbeam.pipelines.cli import main

from tests.support.output_files import read_records
from tests.support.http_server import FeedServer
from tests.support.pages import HTML, article, page_html
from tests.support.stories import OTHER, WIRE


def feed(*items):
    entries = "".join(f"<item><guid>{guid}</guid><title>{title}</title><link>{link}</link>"
                      f"<pubDate>{date}</pubDate><description>{text}</description></item>"
                      for guid, title, link, date, text in items)
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>"


def test_two_feeds_carrying_one_article_give_two_records_and_one_story(tmp_path):
    (tmp_path / "wire.xml").write_text(feed(
        ("wire-1", "Bank raises rates", "https://wire.example.com/rates?utm_source=rss",
         "Thu, 06 Jun 2024 09:00:00 +0000", WIRE),
        ("wire-2", "Floods in the north", "https://wire.example.com/floods",
         "Thu, 06 Jun 2024 10:00:00 +0000", OTHER)))
    (tmp_path / "paper.xml").write_text(feed(
        ("paper-77", "Central bank raises rates again",
         "https://www.paper.example.org/economy/rates?utm_medium=feed&amp;fbclid=1",
         "Thu, 06 Jun 2024 09:30:00 +0000",
         WIRE + "&lt;p&gt;Source: Example Wire&lt;/p&gt;")))
    assert main(["run", "--feeds", str(tmp_path / "wire.xml"), str(tmp_path / "paper.xml"),
                 "--output", str(tmp_path / "out")]) == 0
    records = {r["guid"]: r for r in read_records(str(tmp_path / "out" / "items"))}
    assert len(records) == 3
    wire_story = records["wire-1"]["story_id"]
    assert records["paper-77"]["story_id"] == wire_story == records["wire-1"]["id"]
    assert records["wire-2"]["story_id"] == records["wire-2"]["id"]


def test_a_run_marks_its_success_only_after_every_file_is_in_place(tmp_path, capsys):
    assert main(["run", "--output", str(tmp_path / "ok")]) == 0
    [run] = (tmp_path / "ok" / "_runs").iterdir()
    assert (run / "_SUCCESS").exists() and (run / "summary.json").exists()
    assert not list((tmp_path / "ok" / "items").glob(".*"))  # no staging folder left


def test_a_file_that_cannot_be_put_in_place_fails_the_run_and_names_what_was_lost(tmp_path,
                                                                                  capsys):
    items = tmp_path / "items"
    items.mkdir()
    (items / "published_date=2023-09-20").write_text("a file where a partition folder goes")
    assert main(["run", "--output", str(tmp_path)]) == 3
    out, err = capsys.readouterr()
    assert "records written: 9" in out
    assert "1 records and 0 dead letters could not be put in place" in err
    [run] = (tmp_path / "_runs").iterdir()
    assert not (run / "_SUCCESS").exists()
    summary = json.loads((run / "summary.json").read_text())
    assert not summary["complete"] and summary["records_not_committed"] == 1
    [orphan] = summary["files_left_behind"]
    assert ".staging-" in orphan and os.path.exists(orphan)


def test_with_fetch_articles_records_carry_their_pages_text_and_a_missing_page_costs_nothing(
        tmp_path, capsys):
    routes = {"/robots.txt": (200, {}, b"User-agent: *\nDisallow: /private/\n"),
              "/rates": (200, HTML, page_html(article(
                  "The central bank raised its main rate by a quarter point on Thursday")))}
    with FeedServer(routes) as site:
        (tmp_path / "feed.xml").write_text(feed(
            ("rates", "Bank raises rates", site.url("/rates"),
             "Thu, 06 Jun 2024 09:00:00 +0000", "Rates teaser."),
            ("gone", "Floods in the north", site.url("/gone"),
             "Thu, 06 Jun 2024 10:00:00 +0000", "Floods teaser."),
            ("private", "Members only", site.url("/private/1"),
             "Thu, 06 Jun 2024 11:00:00 +0000", "Private teaser.")))
        assert main(["run", "--feeds", str(tmp_path / "feed.xml"), "--output",
                     str(tmp_path / "out"), "--fetch_articles",
                     "--allow_private_addresses"]) == 0
    records = {r["guid"]: r for r in read_records(str(tmp_path / "out" / "items"))}
    assert "quarter point on Thursday" in records["rates"]["body"]
    assert (records["rates"]["content_source"], records["rates"]["summary"]) == (
        "article", "Rates teaser.")
    assert records["gone"]["body"] == "Floods teaser."
    assert records["gone"]["article"]["status"] == 404
    assert records["private"]["article"]["error"].startswith("robots: ")
    [summary_file] = (tmp_path / "out" / "_runs").glob("*/summary.json")
    summary = json.loads(summary_file.read_text())
    assert (summary["pages_fetched"], summary["pages_skipped_by_robots"],
            summary["pages_failed"]) == (1, 1, {"http": 1})
    assert ("article pages: 1 fetched, 1 skipped by robots.txt, failed: http 1"
            in capsys.readouterr().out)
