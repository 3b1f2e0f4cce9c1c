"""newsbeam report: the counts of a fixture output in every file format, the page's sections and
their counts, escaping, the text summary and the command's exits."""
import html.parser

import pytest

from newsbeam.pipelines.cli import main as newsbeam
from newsbeam.pipelines.config import default_state_dir
from newsbeam.pipelines.follow.state import read_feed_states, state_file
from newsbeam.transforms.report.aggregate import (FollowStateView, bucket_index, bucket_label,
                                                  bucket_start, dead_letter_reason, excerpt,
                                                  feed_health, time_unit, timeline)
from newsbeam.transforms.report.html import SECTIONS, render_html
from newsbeam.transforms.report.read import UnreadableOutput, build_report
from newsbeam.transforms.report.text import render_text
from tests.support import report_output
from tests.support.report_output import EXPECTED, HOSTILE

FORMATS = ("avro", "parquet", "jsonl")


def report_of(output, now=None):
    import time

    now = now or time.time()
    states = read_feed_states(state_file(default_state_dir(str(output))))
    view = FollowStateView(state_file(default_state_dir(str(output))),
                           None if states is None else feed_health(states, now))
    return build_report(str(output), view, now)


@pytest.fixture(scope="module", params=FORMATS)
def fixture_report(request, tmp_path_factory):
    output = report_output.write_output(tmp_path_factory.mktemp(request.param), request.param)
    return report_of(output)


def test_the_counts_of_the_fixture_in_every_format(fixture_report):
    report = fixture_report
    assert report.records == EXPECTED["records"]  # the staging folder's file is not counted
    assert report.feeds == EXPECTED["feeds"]
    assert report.undated == EXPECTED["undated"]
    assert dict(report.languages) == EXPECTED["languages"]
    assert dict(report.topics) == EXPECTED["topics"]
    assert sum(report.by_language.totals) == EXPECTED["charted"]
    assert sum(report.by_topic.totals) == EXPECTED["charted"]
    assert report.by_language.unit == "hour"  # 3 days: 72 hours, at most 120 bars
    assert {story.story_id: story.records for story in report.stories} == EXPECTED["stories"]
    [ar_story] = [story for story in report.stories if story.story_id == "s-ar"]
    assert ar_story.feeds == 2
    assert [item.published for item in ar_story.items] == sorted(
        item.published for item in ar_story.items)
    [russia] = [row for row in report.entities if row.canonical == "Russia"]
    assert russia.mentions == EXPECTED["russia_mentions"] and russia.items == 3
    assert russia.forms == {"ar": [("روسيا", 3)], "en": [("Russia", 1)]}
    assert report.dead_letters == EXPECTED["dead_letters"]
    assert {(g.stage, g.reason): g.count for g in report.dead_letter_groups} == \
        EXPECTED["dead_letter_groups"]
    [parse] = [g for g in report.dead_letter_groups if g.stage == "parse"]
    assert parse.examples[0].raw.startswith("<rss><script>") and parse.examples[0].raw_size > 0
    assert len(report.runs) == EXPECTED["runs"]
    assert sum(run.complete is not True for run in report.runs) == EXPECTED["incomplete_runs"]
    assert "summary unreadable" in report.runs[-1].problem
    state = report.follow_state
    assert len(state.feeds) == EXPECTED["follow_feeds"]
    assert state.count("failing") == EXPECTED["failing"]
    assert state.backing_off == EXPECTED["backing_off"]
    assert state.feeds[0].feed == report_output.FAILING_FEED  # the failing first


def test_every_format_gives_the_same_report(tmp_path):
    pages = set()
    for file_format in FORMATS:
        output = report_output.write_output(tmp_path / file_format, file_format)
        report = report_of(output, now=1_800_000_000)
        pages.add(render_text(report).replace(str(output), "OUTPUT"))
    assert len(pages) == 1, "\n\n".join(pages)


class _Page(html.parser.HTMLParser):
    """The elements of a page: (tag, attributes) in order."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def parse(page: str) -> list[tuple[str, dict]]:
    parser = _Page()
    parser.feed(page)
    return parser.elements


def section_counts(elements) -> dict[str, dict]:
    return {attrs["id"]: attrs for tag, attrs in elements if tag == "section"}


def expected_sections() -> dict[str, str]:
    """Each section's data-count on the fixture."""
    return {"overview": str(EXPECTED["records"]), "time": str(EXPECTED["charted"]),
            "confidence": str(len(EXPECTED["topics"])), "stories": str(len(EXPECTED["stories"])),
            "feeds": str(EXPECTED["follow_feeds"]), "dead-letters": str(EXPECTED["dead_letters"]),
            "runs": str(EXPECTED["runs"])}


def test_the_page_has_every_section_with_its_counts(fixture_report):
    elements = parse(render_html(fixture_report))
    sections = section_counts(elements)
    assert list(sections) == [key for key, _ in SECTIONS]
    for key, count in expected_sections().items():
        assert sections[key]["data-count"] == count, key
    assert sections["overview"]["data-dead-letters"] == str(EXPECTED["dead_letters"])
    assert sections["feeds"]["data-failing"] == "1"
    assert sections["feeds"]["data-backing-off"] == "1"
    assert sections["runs"]["data-incomplete"] == "2"
    rows = {attrs["data-key"]: attrs["data-count"] for tag, attrs in elements
            if tag == "tr" and "data-key" in attrs}
    assert rows["LOCATION:Russia"] == "4" and rows["en"] == "7" and rows["politics"] == "6"
    groups = {(attrs["data-stage"], attrs["data-reason"]): int(attrs["data-count"])
              for tag, attrs in elements if tag == "tr" and "data-stage" in attrs}
    assert groups == EXPECTED["dead_letter_groups"]


def test_the_page_escapes_what_feeds_wrote_and_needs_nothing_from_outside(fixture_report):
    page = render_html(fixture_report)
    elements = parse(page)
    assert not [tag for tag, _ in elements if tag in ("script", "img", "iframe", "object",
                                                      "embed", "link", "base", "b")]
    assert not [attrs for _, attrs in elements if any(name.startswith("on") for name in attrs)]
    hrefs = [attrs["href"] for tag, attrs in elements if tag == "a"]
    assert all(href.startswith(("#", "https://", "http://")) for href in hrefs)
    assert "javascript:" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Nothing is fetched: no address outside the page but the records' own links.
    assert not [attrs for _, attrs in elements if "src" in attrs or "srcset" in attrs]
    assert "url(" not in page and "@import" not in page
    assert "script-src" not in page and "default-src 'none'" in page


def test_text_from_records_reads_its_own_direction(fixture_report):
    page = render_html(fixture_report)
    assert '<h3 dir="auto">الكرملين: محادثات مع روسيا</h3>' in page
    assert "<bdi>روسيا</bdi>" in page


def test_an_empty_output_has_every_section(tmp_path):
    (tmp_path / "items").mkdir()
    report = report_of(tmp_path)
    sections = section_counts(parse(render_html(report)))
    assert list(sections) == [key for key, _ in SECTIONS]
    assert {key: attrs["data-count"] for key, attrs in sections.items()} == {
        "overview": "0", "time": "0", "confidence": "0", "entities": "0", "stories": "0",
        "feeds": "0", "dead-letters": "0", "runs": "0"}
    assert "records: 0 from 0 feeds" in render_text(report)


def test_the_text_summary(fixture_report):
    text = render_text(fixture_report)
    assert "records: 12 from 4 feeds, published 2026-05-28 to 2026-05-30 (1 without a date)" \
        in text
    assert "languages: en 7, ar 5" in text
    assert "feeds (follow state): 3, 2 ok, 1 failing (1 backing off)" in text
    assert "dead letters: 5 (read 4, parse 1)" in text
    assert "runs: 3 (1 complete)" in text


def test_the_command(tmp_path, capsys):
    output = report_output.write_output(tmp_path / "out")
    assert newsbeam(["report", str(output)]) == 0
    assert "records: 12 from 4 feeds" in capsys.readouterr().out
    page = tmp_path / "report.html"
    assert newsbeam(["report", str(output), "--html", str(page)]) == 0
    assert capsys.readouterr().out.strip() == f"report: {page}"
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert newsbeam(["report", str(tmp_path / "missing")]) == 1
    assert "no such folder" in capsys.readouterr().err
    assert newsbeam(["report", str(tmp_path)]) == 1  # a folder, but no output in it
    assert "holds no newsbeam output" in capsys.readouterr().err
    assert newsbeam(["report", str(output), "--state", str(tmp_path / "nostate")]) == 1
    assert "no follow state" in capsys.readouterr().err
    assert newsbeam(["report", str(output), "--html", str(tmp_path / "no" / "x.html")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_a_damaged_file_is_named(tmp_path):
    output = report_output.write_output(tmp_path / "out")
    damaged = tmp_path / "out" / "items" / "published_date=2026-05-28" / "part-zz.avro"
    damaged.write_bytes(b"Obj\x01 not avro")
    with pytest.raises(UnreadableOutput, match="part-zz.avro"):
        report_of(output)


@pytest.mark.parametrize("error, reason", [
    ("https://x.example/feed: HTTP 404 Not Found", "HTTP 404 Not Found"),
    ("https://x.example:8080/feed: timeout: read", "timeout"),
    ("/data/feeds/a.xml: XMLSyntaxError: line 1", "XMLSyntaxError"),
    ("XMLSyntaxError: line 1", "XMLSyntaxError"),
    ("", "(no error text)"),
])
def test_dead_letter_reasons(error, reason):
    assert dead_letter_reason({"error": error, "feed_url": "https://x.example/feed"}) == reason


def test_an_excerpt_is_one_line_of_text():
    assert excerpt(b"a\n\n b\x00\xff c") == "a b\ufffd\ufffd c"
    assert len(excerpt(b"x" * 1000, chars=10)) == 10


@pytest.mark.parametrize("unit", ["hour", "day", "week", "month", "year"])
def test_buckets_start_where_their_index_says(unit):
    for hour in (0, 470_000, 494_444, 500_001):
        index = bucket_index(hour, unit)
        assert bucket_start(index, unit) <= hour * 3_600_000 < bucket_start(index + 1, unit)


def test_the_time_unit_is_the_finest_with_at_most_120_bars():
    assert time_unit(0, 119) == "hour"
    assert time_unit(0, 120) == "day"
    assert time_unit(0, 24 * 200) == "week"
    assert time_unit(0, 24 * 365 * 5) == "month"
    assert time_unit(0, 24 * 365 * 30) == "year"
    assert bucket_label(bucket_start(bucket_index(100, "week"), "week"), "week") == \
        "week of 1970-01-05"


def test_a_timeline_keeps_empty_buckets_and_sums_the_smallest_series():
    from collections import Counter

    by_hour = Counter({(0, f"k{n}"): 10 - n for n in range(9)})
    by_hour[5, "k0"] += 1
    line = timeline(by_hour, "hour")
    assert len(line.starts) == 6 and line.totals[1:5] == [0, 0, 0, 0]
    assert list(line.series)[-1] == "(others)" and len(line.series) == 7
    assert sum(line.totals) == sum(by_hour.values())


def test_the_hostile_strings_are_in_the_fixture():
    assert HOSTILE in {record["title"] for record in report_output.records()}


def test_axis_labels_fit_their_margin():
    from newsbeam.transforms.report.charts import _number, histogram

    assert [_number(v) for v in (0, 2.5, 500, 2500, 10_000, 2_000_000)] == \
        ["0", "2.5", "500", "2.5k", "10k", "2M"]
    assert ">10k</text>" in histogram([10_000, 3], "#000000", "x")


def test_an_entity_is_its_canonical_name_whatever_its_type():
    from newsbeam.transforms.report.aggregate import RecordTally, _entity_rows

    tally = RecordTally()
    for number, kind in enumerate(["LOCATION", "LOCATION", "ORGANIZATION"]):
        record = report_output.records()[0]
        record["entities"] = [{"text": "Russie", "type": kind, "start": 0, "end": 6,
                               "canonical": "Russia"}]
        record["language"] = "fr"
        tally.add(record)
    [row] = _entity_rows(tally.entities)
    assert (row.canonical, row.type, row.mentions, row.items) == ("Russia", "LOCATION", 3, 3)
    assert row.forms == {"fr": [("Russie", 3)]}


@pytest.mark.parametrize("order", [["A", "B", "C"], ["C", "B", "A"]])
def test_the_entity_trim_keeps_ties_by_name_whatever_the_order(monkeypatch, order):
    from newsbeam.transforms.report import aggregate

    monkeypatch.setattr(aggregate, "ENTITY_TALLY_CAP", 2)  # past 2 entities, keep 1
    tally = aggregate.RecordTally()
    record = report_output.records()[0]
    record["entities"] = [{"text": name, "type": "PERSON", "start": 0, "end": 1,
                           "canonical": name} for name in order]
    tally.add(record)
    assert list(tally.entities) == ["A"]
