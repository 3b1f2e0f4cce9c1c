"""End to end: `newsbeam run` on the bundled samples, Avro read back with fastavro."""
import contextlib
import glob
import io
import os
import re
import subprocess
import sys

import pytest
from newsbeam.pipelines.cli import main

from tests.support.output_files import read_records
from tests.support.feeds import rss
from tests.support.http_server import FeedServer
from tests.support.paths import FIXTURES

SEED_PEOPLE = {"دميتري بيسكوف", "إدموند ماروكيان", "فلاديمير بوتين", "إلهام علييف",
               "نيكول باشينيان"}
SEED_PLACES = {"روسيا", "باكو", "يريفان", "أرمينيا", "أذربيجان", "الولايات المتحدة"}
SEED_ORGS = {"الكرملين", "تاس", "وزارة الدفاع الأذرية"}
BOILERPLATE_ONLY = ("ترامب", "بيراميدز", "طلائع الجيش", "الشناوي", "أوكرانيا", "كييف")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    output = tmp_path_factory.mktemp("out")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["run", "--output", str(output)])
    return (status, output, read_records(output / "items"), read_records(output / "dead_letter"),
            printed.getvalue())


def by_guid(records, guid):
    [record] = [r for r in records if r["guid"] == guid]
    return record


def test_sample_run_succeeds_and_prints_a_summary(sample_run):
    status, _, records, dead, printed = sample_run
    assert status == 0
    assert len(records) == 10 and dead == []
    lines = printed.splitlines()
    assert "items read: 10" in lines and "records written: 10" in lines
    assert "dead letters: 0" in lines
    assert "languages: en 6, ar 4" in lines
    assert "topics: politics 4, other 3, sport 3" in lines
    [entities] = [line for line in lines if line.startswith("top entities: ")]
    assert "Russia (location, 8)" in entities  # canonical names, not surface forms


@pytest.mark.parametrize("guid", ["sample-ar-kremlin-html", "sample-ar-kremlin-text"])
def test_seed_article_record(sample_run, guid):
    record = by_guid(sample_run[2], guid)
    paragraphs = record["body"].split("\n")
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith("أعلن المتحدث باسم الرئاسة الروسية")
    assert paragraphs[-1].endswith("على بيان مشترك بشأن الوقف الكامل للأعمال العدائية.")
    assert record["boilerplate"]["source_credit"] == "البوابة نيوز"
    assert "الكرملين" in record["boilerplate"]["keywords"]
    assert record["boilerplate"]["related"]
    assert record["language"] == "ar"
    assert record["topic"]["label"] == "politics"
    assert 0.5 <= record["topic"]["confidence"] <= 1.0


@pytest.mark.parametrize("guid", ["sample-ar-kremlin-html", "sample-ar-kremlin-text"])
def test_seed_article_entities(sample_run, guid):
    record = by_guid(sample_run[2], guid)
    found = {(e["type"], e["text"]) for e in record["entities"]}
    assert {("PERSON", name) for name in SEED_PEOPLE} <= found
    assert {("LOCATION", name) for name in SEED_PLACES} <= found
    assert any(t == "LOCATION" and "قره باغ" in text for t, text in found)
    assert {("ORGANIZATION", name) for name in SEED_ORGS} <= found
    assert ("DATE", "9 نوفمبر 2020") in found
    for entity in record["entities"]:
        assert record[entity["field"]][entity["start"]:entity["end"]] == entity["text"]
        assert not entity["text"].startswith(("وأرمينيا", "لأرمينيا", "وروسيا", "وأذربيجان"))
        assert not any(word in entity["text"] for word in BOILERPLATE_ONLY)


def test_languages_and_topics_of_the_samples(sample_run):
    records = sample_run[2]
    assert by_guid(records, "sample-en-politics-1")["language"] == "en"
    assert by_guid(records, "sample-en-politics-1")["topic"]["label"] == "politics"
    assert by_guid(records, "sample-en-sport-1")["topic"]["label"] == "sport"
    assert by_guid(records, "sample-ar-sport-1")["topic"]["label"] == "sport"
    assert by_guid(records, "sample-ar-sport-1")["language"] == "ar"
    assert by_guid(records, "sample-en-tech-1")["topic"]["label"] == "other"


def test_records_are_partitioned_by_publication_date(sample_run):
    output = sample_run[1]
    folders = {name for name in os.listdir(output / "items") if not name.startswith(".")}
    assert "published_date=2023-09-19" in folders
    assert not glob.glob(str(output / "items" / ".temp*" / "*"))


def test_ids_are_stable_across_runs(sample_run, tmp_path):
    assert main(["run", "--output", str(tmp_path)]) == 0
    again = read_records(str(tmp_path / "items"))
    assert sorted(r["id"] for r in again) == sorted(r["id"] for r in sample_run[2])


def test_missing_source_is_one_line_and_others_still_run(tmp_path, capsys):
    feed = os.path.join(FIXTURES, "feeds", "rss20_minimal.xml")
    status = main(["run", "--feeds", "/no/such/feeds.xml", feed, "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 0
    assert "newsbeam: /no/such/feeds.xml: no such file or folder" in err.splitlines()
    assert len(read_records(str(tmp_path / "items"))) == 1


def test_nothing_readable_exits_non_zero(tmp_path, capsys):
    assert main(["run", "--feeds", "/no/such/feeds.xml", "--output", str(tmp_path)]) == 1
    assert "/no/such/feeds.xml" in capsys.readouterr().err


def test_unreachable_url_is_a_dead_letter_and_a_one_line_error(tmp_path, capsys):
    status = main(["run", "--feeds", "http://127.0.0.1:9/feed.xml", "--output", str(tmp_path),
                   "--allow_private_addresses"])
    err = capsys.readouterr().err
    assert status == 1
    assert any(line.startswith("newsbeam: http://127.0.0.1:9/feed.xml: cannot connect")
               for line in err.splitlines())
    [letter] = read_records(str(tmp_path / "dead_letter"))
    assert letter["stage"] == "read" and letter["feed_url"] == "http://127.0.0.1:9/feed.xml"


def test_malformed_feed_is_a_dead_letter_with_its_bytes(tmp_path):
    feed = os.path.join(FIXTURES, "feeds", "not_a_feed.xml")
    good = os.path.join(FIXTURES, "feeds", "rss091.xml")
    assert main(["run", "--feeds", feed, good, "--output", str(tmp_path)]) == 0
    [letter] = read_records(str(tmp_path / "dead_letter"))
    assert letter["stage"] == "parse"
    assert letter["raw"] == b"this is not a feed at all, just text\n"


def test_module_entry_point_prints_help():
    result = subprocess.run([sys.executable, "-m", "newsbeam.pipelines.batch", "--help"],
                            capture_output=True, text=True, check=True)
    assert "--feeds" in result.stdout and "--output" in result.stdout


def test_the_portable_path_flink_takes_runs_the_job(tmp_path):
    """PortableRunner with an embedded job server: the same portable path as a Flink job server."""
    status = main(["run", "--output", str(tmp_path), "--runner=PortableRunner",
                   "--job_endpoint=embed", "--environment_type=LOOPBACK"])
    assert status == 0
    assert len(read_records(str(tmp_path / "items"))) == 10


@pytest.mark.parametrize("mode", [[], ["--follow"], ["--streaming"]])
def test_every_mode_stops_the_same_way_when_no_feed_is_left(tmp_path, capsys, mode):
    status = main(["run", *mode, "--feeds", "/no/such/feeds.xml", "--output", str(tmp_path)])
    err = capsys.readouterr().err.splitlines()
    assert status == 1
    assert err == ["newsbeam: /no/such/feeds.xml: no such file or folder",
                   "newsbeam: no feed to read: every --feeds source failed"]


def test_help_groups_every_option_with_its_default_without_loading_beam():
    script = ("import contextlib, io, sys\n"
              "from newsbeam.pipelines.cli import main\n"
              "out = io.StringIO()\n"
              "with contextlib.redirect_stdout(out):\n"
              "    main(['run', '--help'])\n"
              "print('apache_beam' in sys.modules)\n"
              "print(out.getvalue())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    loaded, _, text = result.stdout.partition("\n")
    assert loaded == "False"
    groups = re.findall(r"^([a-z][^:\n]*):$", text, flags=re.MULTILINE)
    assert groups == ["sources", "output", "fetching (every mode)", "article pages (every mode)",
                      "follow mode (local, live)"]
    assert "unbounded job (--streaming" in text and "Beam options (passed through" in text
    # each option's own lines: from its name to the next option's
    options = re.split(r"\n  (?=--)", text.split("\nsources:", 1)[1])
    described = {" ".join(block.split()[:2]): " ".join(block.split()) for block in options}
    for option, default in [("--output DIR", "./output"), ("--fetch_concurrency N", "64"),
                            ("--per_host_concurrency N", "2"), ("--interval SECONDS", "300.0"),
                            ("--article_wait SECONDS", "10.0"), ("--state_ttl_days DAYS", "14.0")]:
        assert f"Default: {default}." in described[option], option
    for beam_option in ("--runner", "--direct_num_workers", "--flink_master", "--temp_location"):
        assert beam_option in text


def test_version_names_newsbeam_and_beam(capsys):
    assert main(["--version"]) == 0
    assert re.fullmatch(r"newsbeam \S+ \(apache-beam \S+, Python \S+\)\n",
                        capsys.readouterr().out)


def test_help_cut_short_by_its_reader_is_no_error():
    result = subprocess.run(f"{sys.executable} -m newsbeam.pipelines.batch --help | head -1",
                            shell=True, capture_output=True, text=True, check=True)
    assert result.stdout.startswith("usage: newsbeam run") and result.stderr == ""


def test_fetching_options_reach_the_http_settings():
    from newsbeam.pipelines.config import RunConfig
    from newsbeam.transforms.feeds.http import USER_AGENT

    default = RunConfig.from_argv([]).http
    assert (default.user_agent, default.per_host, default.concurrency) == (USER_AGENT, 2, 64)
    given = RunConfig.from_argv(["--user_agent", "mybot/1 (+mailto:me@x.org)",
                                 "--per_host_concurrency", "4", "--fetch_concurrency", "8"])
    assert (given.http.user_agent, given.http.per_host, given.http.concurrency) == (
        "mybot/1 (+mailto:me@x.org)", 4, 8)
    # Beam reads --user_agent as its own option too
    assert "--user_agent=mybot/1 (+mailto:me@x.org)" in given.beam_args


def test_follow_with_remote_output_and_no_state_folder_is_a_usage_error(capsys):
    assert main(["run", "--follow", "--output", "gs://bucket/news"]) == 2
    assert "--state" in capsys.readouterr().err


def test_follow_with_a_remote_runner_is_a_usage_error(capsys):
    assert main(["run", "--follow", "--runner=FlinkRunner", "--feeds", "x"]) == 2
    assert "--follow runs on this machine" in capsys.readouterr().err


def test_the_parse_counter_counts_every_item_the_summary_accounts_for(sample_run, pipeline):
    import apache_beam as beam
    from newsbeam.pipelines.batch import newsbeam_counter
    from newsbeam.transforms.beam.read import ITEMS_PARSED, ReadFeeds
    from newsbeam.transforms.feeds.sources import expand_sources, sample_feeds

    feeds, _ = expand_sources([sample_feeds()])
    _ = pipeline | beam.Create(feeds) | ReadFeeds()
    result = pipeline.run()
    result.wait_until_finish()
    assert newsbeam_counter(result, ITEMS_PARSED) == 10  # the sample run's "items read"


def test_items_lost_by_the_runner_make_the_run_fail_loudly(monkeypatch, capsys, sample_run):
    import newsbeam.pipelines.batch as news_pipeline

    _, output, _, _, _ = sample_run
    summary = {"feeds": 4, "feeds_unreadable": 0, "feeds_unparseable": 0, "feed_errors": [],
               "items_read": 7, "records_written": 7, "dead_letters": 0,
               "dead_letters_by_stage": {}, "by_language": {}, "by_topic": {},
               "top_entities": [], "items_lost": 3, "run_id": "r1", "output": str(output),
               "complete": True}
    monkeypatch.setattr(news_pipeline, "run", lambda config: summary)
    assert main(["run"]) == 3
    assert "the runner lost 3 of the items parsed" in capsys.readouterr().err


def test_a_feed_on_a_private_address_is_refused_without_the_flag(tmp_path, capsys):
    with FeedServer({"/feed.xml": (200, {}, rss(("a", "A", "Text.")))}) as server:
        status = main(["run", "--feeds", server.url("/feed.xml"), "--output", str(tmp_path)])
        assert server.requests == []
    assert status == 1
    assert "is a private or reserved address" in capsys.readouterr().err
    [letter] = read_records(str(tmp_path / "dead_letter"))
    assert letter["stage"] == "read" and "refused" in letter["error"]


def test_odd_sources_beside_good_ones_are_one_line_each_and_the_run_goes_on(tmp_path, capsys):
    good = str(FIXTURES / "feeds" / "rss20_minimal.xml")
    status = main(["run", "--feeds", "ftp://example.org/rss.xml", "gopher://x/y", good,
                   "--output", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 0
    assert "newsbeam: ftp://example.org/rss.xml: unsupported scheme ftp://" in err
    assert "newsbeam: gopher://x/y: unsupported scheme gopher://" in err
    assert len(read_records(str(tmp_path / "items"))) == 1


def test_the_summary_says_what_reading_repaired_and_folded(tmp_path, capsys):
    item = "<item><guid>same</guid><title>Twice listed</title><description>Text.</description></item>"
    feed = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>أخبار اليوم STRAY</title>{item}{item}</channel></rss>").encode("utf-8")
    (tmp_path / "feed.xml").write_bytes(feed.replace(b"STRAY", b"\xff"))  # UTF-8, one bad byte
    assert main(["run", "--feeds", str(tmp_path / "feed.xml"), "--output",
                 str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert ("items read: 1 (1 repeats of an item, written once; 1 invalid bytes replaced)"
            in lines)
