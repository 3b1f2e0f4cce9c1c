"""The unbounded job, whole, on the PortableRunner's embedded job server: the same portable
path a Flink job server takes. (Its steps are tested with TestStream in tests/beam/.)
"""
import functools
import os
import subprocess
import sys
import time
from dataclasses import replace

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.streaming import build_streaming_pipeline, run_streaming
from newsbeam.transforms.feeds.poll import PollResult, poll_feed

from tests.support.output_files import read_records, records_by_file
from tests.support.feeds import rss, rss_links
from tests.support.http_server import FeedServer, respond
from tests.support.pages import HTML, article, page_html
from tests.support.paths import FIXTURES
from tests.support.streams import counter

FEEDS = os.path.join(FIXTURES, "feeds")


# What each scripted feed answers to its first, second, third... poll (the last answer repeats):
# bytes are a feed document, None is "304 Not Modified", a str is an error.
SCRIPTS = {
    "scripted://news": [rss(("a", "Alpha", "First text."), ("b", "Beta", "Second text.")),
                        None,
                        rss(("a", "Alpha", "First text."), ("b", "Beta", "Second text, edited."),
                            ("c", "Gamma", "Third text."))],
    "scripted://down": ["scripted://down: HTTP 500 Internal Server Error"],
    "scripted://junk": [b"this is not a feed", None],
}


def scripted(scripts: dict):
    """A poll function answering `scripts`' feeds by name; anything else is polled for real
    (here: fixture files)."""
    return functools.partial(_poll_scripted, scripts)


def _poll_scripted(scripts, state, *, interval, now):
    if state.feed not in scripts:
        return poll_feed(state, interval=interval, now=now)
    script = scripts[state.feed]
    n = int(state.etag or 0)
    answer = script[min(n, len(script) - 1)]
    state = replace(state, etag=str(n + 1), next_due=now)  # due at every tick
    if isinstance(answer, str):
        return PollResult(replace(state, failures=state.failures + 1, last_error=answer), None,
                          500, answer, int(now * 1000))
    return PollResult(replace(state, failures=0, last_error=None), answer,
                      200 if answer else 304, None, int(now * 1000))


def read_output(folder, kind):
    return read_records(os.path.join(folder, kind))


def test_the_whole_job_on_the_portable_runner_writes_every_item_and_edit_once(tmp_path):
    fixture = os.path.join(FEEDS, "rss20_minimal.xml")
    options = PipelineOptions(["--runner=PortableRunner", "--job_endpoint=embed",
                               "--environment_type=LOOPBACK", "--streaming"])
    pipeline = beam.Pipeline(options=options)
    config = RunConfig.from_argv(["--streaming", "--output", str(tmp_path), "--interval=1",
                                  "--window_seconds=60", "--allowed_lateness=600",
                                  "--run_for=3"])
    build_streaming_pipeline(pipeline, [*SCRIPTS, fixture], config, run_id="e2e",
                             poll_fn=scripted(SCRIPTS), first_poll_spread=0)
    started = time.monotonic()
    result = pipeline.run()
    result.wait_until_finish()
    print(f"portable run: {time.monotonic() - started:.1f} s")

    items = read_output(tmp_path, "items")
    # bodies cleaned by the batch job's stages; the edit written as revision 2
    assert sorted((i["title"], i["revision"], i["body"]) for i in items) == [
        ("Alpha", 1, "First text."), ("Beta", 1, "Second text."),
        ("Beta", 2, "Second text, edited."),
        ("First & foremost", 1, "One paragraph.\nTwo paragraphs."), ("Gamma", 1, "Third text.")]
    assert {i["feed_url"] for i in items} == {"scripted://news", fixture}
    dead = sorted((d["feed_url"], d["stage"]) for d in read_output(tmp_path, "dead_letter"))
    assert dead == [("scripted://down", "read"), ("scripted://junk", "parse")]

    assert counter(result, "feed_poll_failures") == 3  # one per tick, one dead letter
    assert counter(result, "duplicates") == 1  # Alpha, unchanged in the third poll
    assert counter(result, "items_past_lateness") == len(items)  # all dated 2021


def test_with_fetch_articles_each_revision_is_enriched_from_its_page_fetched_once(tmp_path):
    # Through the job's own command line, in a process of its own, as a user runs it.
    versions = [page_html(article("The dam was finished on time and under its budget")),
                page_html(article("The minister opened the dam after a delay of a week"))]

    def dam_page(handler):  # the first request gets the first version, later ones the second
        respond(handler, 200, HTML, versions[min(site.paths().count("/dam"), 2) - 1])

    def dam_feed(handler):  # the first poll finds the item, later polls its edit
        teaser = "Dam teaser." if site.paths().count("/feed.xml") == 1 else "Dam teaser, edited."
        respond(handler, 200, {}, rss_links(("d", "Dam", site.url("/dam"), teaser)))

    with FeedServer({"/feed.xml": dam_feed, "/dam": dam_page}) as site:
        subprocess.run(
            [sys.executable, "-m", "newsbeam.pipelines.streaming", "--runner=PortableRunner",
             "--job_endpoint=embed", "--environment_type=LOOPBACK",
             f"--feeds={site.url('/feed.xml')}", f"--output={tmp_path}", "--interval=1",
             "--run_for=12", "--fetch_articles", "--allow_private_addresses"],
            check=True, capture_output=True, timeout=120)
        assert site.paths().count("/feed.xml") >= 3
        assert site.paths().count("/dam") == 2  # once per revision, never for a repeat
    items = sorted(read_output(tmp_path, "items"), key=lambda i: i["revision"])
    assert [(i["revision"], i["summary"], i["content_source"]) for i in items] == [
        (1, "Dam teaser.", "article"), (2, "Dam teaser, edited.", "article")]
    assert "on time" in items[0]["body"] and "delay of a week" in items[1]["body"]


def test_run_streaming_reads_its_options(tmp_path):
    run_streaming(RunConfig.from_argv([
        "--streaming", "--runner=PortableRunner", "--job_endpoint=embed",
        "--environment_type=LOOPBACK", f"--feeds={FEEDS}/atom10.atom", f"--output={tmp_path}",
        "--interval=1", "--window_seconds=60", "--allowed_lateness=60", "--state_ttl_days=1",
        "--run_for=2", "--format=jsonl"]))
    [(name, [item])] = records_by_file(tmp_path / "items").items()  # one entry, three polls
    assert name.endswith(".jsonl")
    assert item["feed_url"] == f"{FEEDS}/atom10.atom"
