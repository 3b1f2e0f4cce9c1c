"""--feeds to a list of feeds: OPML, lists, folders, missing sources, what is refused."""
import os

import pytest
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
                                      str(FIXTURES / "list.opml")], allow_local_paths=True)
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


def test_a_list_names_web_addresses_only_unless_local_paths_are_allowed():
    feeds, problems = expand_sources([str(FIXTURES / "list.txt")])
    assert feeds == ["https://example.org/feed.xml"]
    [problem] = problems
    assert problem.source == str(FIXTURES / "list.txt")
    assert "rss20_minimal.xml: refused: a list may name http(s) URLs only" in problem.error
    assert problem.error.endswith("(--allow_local_paths lets it name files)")


def test_a_listed_address_no_option_could_read_gets_no_hint(tmp_path):
    listed = tmp_path / "list.txt"
    listed.write_text("ftp://example.org/feed.xml\n")
    [problem] = expand_sources([str(listed)])[1]
    assert problem.error == ("ftp://example.org/feed.xml: refused: a list may name http(s) "
                             "URLs only")


def test_an_opml_naming_system_files_reads_none_of_them(tmp_path):
    opml = tmp_path / "subscriptions.opml"
    opml.write_text('<opml version="2.0"><body><outline xmlUrl="/etc/shadow"/>'
                    '<outline xmlUrl="/proc/self/environ"/><outline xmlUrl="file:///etc/passwd"/>'
                    '<outline xmlUrl="https://example.org/rss"/></body></opml>')
    feeds, problems = expand_sources([str(opml)])
    assert feeds == ["https://example.org/rss"]
    assert len(problems) == 3 and all("refused" in p.error for p in problems)


def test_a_glob_in_a_list_is_refused(tmp_path):
    listed = tmp_path / "feeds.txt"
    listed.write_text("/etc/*\n")
    feeds, [problem] = expand_sources([str(listed)])
    assert feeds == [] and "/etc/*: refused" in problem.error


@pytest.mark.parametrize("source", ["/proc/self/environ", "/dev/zero", "/sys/kernel/notes"])
def test_system_files_are_refused_even_on_the_command_line(source):
    feeds, [problem] = expand_sources([source])
    assert feeds == [] and "refused" in problem.error


def test_a_pipe_is_refused_without_being_opened(tmp_path):
    pipe = tmp_path / "feed.xml"
    os.mkfifo(pipe)
    feeds, [problem] = expand_sources([str(pipe)])  # opening it would wait for a writer
    assert feeds == [] and "not a regular file" in problem.error


@pytest.mark.parametrize("written, read", [
    ("feed://example.org/rss", "http://example.org/rss"),
    ("feed:https://example.org/rss", "https://example.org/rss"),
    ("HTTP://Example.org/rss", "http://Example.org/rss"),
])
def test_feed_urls_and_upper_case_schemes_are_web_addresses(written, read):
    assert expand_sources([written]) == ([read], [])


def test_a_file_url_is_its_path():
    path = FEEDS / "rss20_minimal.xml"
    assert expand_sources([path.as_uri()]) == ([str(path)], [])


def test_an_unsupported_scheme_is_one_problem_and_the_rest_goes_on():
    feeds, [problem] = expand_sources(["ftp://example.org/rss.xml", "https://example.org/rss"])
    assert feeds == ["https://example.org/rss"]
    assert problem.error.startswith("unsupported scheme ftp://")
