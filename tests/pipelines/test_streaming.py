"""The unbounded job: feed state and item state in Beam, event-time windows, late data.

TestStream drives the stateful and windowed pieces on the BundleBasedDirectRunner (the
FnApiRunner rejects TestStream); the whole job runs on the PortableRunner's embedded job
server, the same portable path a Flink job server takes. Counters are checked there only: the
BundleBasedDirectRunner in streaming mode reports the counters of a step's first bundle alone.
"""
import os
import re
import time
from dataclasses import replace

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_stream import TestStream as Stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.streaming import build_streaming_pipeline, run_streaming
from newsbeam.transforms.beam.polling import PollFeeds
from newsbeam.transforms.beam.read import ParseFeeds
from newsbeam.transforms.beam.revisions import NumberRevisions
from newsbeam.transforms.beam.sinks import WriteNewsItems
from newsbeam.transforms.beam.windowing import WindowByPublished
from newsbeam.transforms.feeds.http import HttpSettings
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.poll import PollResult, first_poll_offset, poll_feed
from newsbeam.transforms.output.avro import NULL_PARTITION
from newsbeam.transforms.output.records import to_news_item

from tests.support.avro_files import read_records, records_by_file
from tests.support.http_server import FeedServer
from tests.support.paths import FIXTURES

FEEDS = os.path.join(FIXTURES, "feeds")


def stream_pipeline():
    return beam.Pipeline(runner="BundleBasedDirectRunner",
                         options=PipelineOptions([], streaming=True))


def counter(result, name):
    [metric] = result.metrics().query(MetricsFilter().with_name(name))["counters"]
    return metric.committed


def at(seconds, value):
    return TimestampedValue(value, seconds)


# ---------------------------------------------------------------------------------------------
# De-duplication across polls

def item(item_id, fp):
    return {"id": item_id, "fingerprint": fp}


def test_repeats_are_dropped_edits_numbered_and_state_forgotten_after_the_ttl():
    ttl = 100
    stream = (Stream()
              .advance_watermark_to(10)
              .add_elements([at(10, item("a", "a1")), at(10, item("b", "b1")),
                             at(10, item("c", "c1"))])
              .advance_watermark_to(20)
              .add_elements([at(20, item("a", "a1")), at(20, item("b", "b2"))])
              # c seen again: its TTL now counts from 100, so at 150 it is still remembered
              .advance_watermark_to(100)
              .add_elements([at(100, item("c", "c1"))])
              .advance_watermark_to(150)
              .add_elements([at(150, item("c", "c1"))])
              # a and b were last seen at 20: forgotten once the watermark passes 120
              .advance_watermark_to(300)
              .add_elements([at(300, item("a", "a1")), at(300, item("b", "b2"))])
              .advance_watermark_to_infinity())
    pipeline = stream_pipeline()
    out = (pipeline | stream | NumberRevisions(ttl)
           | beam.Map(lambda i: (i["id"], i["fingerprint"], i["revision"])))
    assert_that(out, equal_to([("a", "a1", 1), ("b", "b1", 1), ("c", "c1", 1),
                               ("b", "b2", 2),
                               ("a", "a1", 1), ("b", "b2", 1)]))
    pipeline.run().wait_until_finish()


# ---------------------------------------------------------------------------------------------
# Polling: each feed's state in Beam keyed state

def counting_poll(state, *, interval, now):
    """A server whose ETag counts polls; the body says which validator the poll sent."""
    sent = state.etag
    etag = str(int(sent or 0) + 1)
    body = f"{state.feed} poll {etag} at {now:g} sent {sent}".encode()
    return PollResult(replace(state, etag=etag, next_due=now + interval, last_status=200),
                      body, 200, None, int(now * 1000))


def ticks(*seconds):
    stream = Stream()
    for second in seconds:
        stream = stream.advance_watermark_to(second).add_elements([at(second, second)])
    return stream.advance_watermark_to_infinity()


def test_feed_state_is_carried_between_polls_and_feeds_are_polled_only_when_due():
    pipeline = stream_pipeline()
    bodies, dead = (pipeline | ticks(100, 110, 140, 150)
                    | PollFeeds(["a", "b"], interval=30, poll_fn=counting_poll, clock=lambda: 0.0))
    assert_that(bodies | beam.Map(lambda b: (b[0], b[1].decode(), b[2])), equal_to([
        ("a", "a poll 1 at 100 sent None", 100_000), ("b", "b poll 1 at 100 sent None", 100_000),
        # 110 is before next_due (130); at 140 the ETag from the first poll goes out
        ("a", "a poll 2 at 140 sent 1", 140_000), ("b", "b poll 2 at 140 sent 1", 140_000)]),
        label="bodies")
    assert_that(dead, equal_to([]), label="no dead letters")
    pipeline.run().wait_until_finish()


def scripted_poll(state, *, interval, now):
    """Poll n answers SCRIPT[n]: an error message, or a body. Always due again."""
    script = ["E1", "E1", "E2", b"<rss/>", b"<rss/>", "E2"]
    n = int(state.etag or 0)
    answer = script[n]
    state = replace(state, etag=str(n + 1), next_due=now)
    if isinstance(answer, bytes):
        return PollResult(replace(state, failures=0, last_error=None), answer, 200, None, n)
    return PollResult(replace(state, failures=state.failures + 1, last_error=answer), None, 503,
                      answer, n)


def test_a_failing_feed_gives_a_dead_letter_when_it_starts_failing_or_its_error_changes():
    pipeline = stream_pipeline()
    bodies, dead = (pipeline | ticks(1, 2, 3, 4, 5, 6)
                    | PollFeeds(["f"], interval=1, poll_fn=scripted_poll, clock=lambda: 0.0))
    assert_that(dead | beam.Map(lambda d: (d["feed_url"], d["stage"], d["error"], d["at"])),
                equal_to([("f", "read", "E1", 0), ("f", "read", "E2", 2),
                          ("f", "read", "E2", 5)]),
                label="dead letters")
    # the same bytes twice (a server ignoring If-None-Match) are passed on once
    assert_that(bodies, equal_to([("f", b"<rss/>", 3)]), label="bodies")
    pipeline.run().wait_until_finish()


# ---------------------------------------------------------------------------------------------
# Event-time windows, late data, files

BASE = 1_599_999_960  # 2020-09-13T12:26:00Z, a multiple of the 60 s windows below


def record(item_id, published_s, fetched_s=BASE):
    return to_news_item({"id": item_id, "feed_url": "f", "title": item_id,
                         "published": None if published_s is None else published_s * 1000,
                         "fetched": fetched_s * 1000})


def read_items(folder):
    return {os.path.join("items", path): sorted(r["id"] for r in records)
            for path, records in records_by_file(os.path.join(folder, "items")).items()}


def test_items_land_in_their_published_window_and_late_ones_in_files_of_their_own(tmp_path):
    stream = (Stream()
              .advance_watermark_to(BASE)
              .add_elements([at(BASE + 30, record("on-time", BASE + 10)),
                             # dated after the poll that found it: capped at the poll
                             at(BASE + 30, record("future", BASE + 1000)),
                             at(BASE + 30, record("undated", None, fetched_s=BASE + 5))])
              .advance_watermark_to(BASE + 70)  # the window [BASE, BASE+60) fires on time
              .add_elements([at(BASE + 80, record("late", BASE + 20)),
                             # its window closed more than 120 s before this poll
                             at(BASE + 80, record("too-late", BASE - 1000))])
              .advance_watermark_to(BASE + 100)
              .add_elements([at(BASE + 110, record("later", BASE + 40))])
              .advance_watermark_to_infinity())
    pipeline = stream_pipeline()
    (pipeline | stream | WindowByPublished(60, allowed_lateness_seconds=120)
     | WriteNewsItems(str(tmp_path), "run", shards=1))
    pipeline.run().wait_until_finish()

    files = read_items(tmp_path)
    first_window = "20200913T122600-20200913T122700"
    second_window = "20200913T122700-20200913T122800"
    day = "items/published_date=2020-09-13/part-run"
    assert files.pop(f"{day}-{first_window}-00000-of-00001.avro") == ["future", "on-time"]
    # no date: the window and the partition for a missing date
    assert files.pop(f"items/published_date={NULL_PARTITION}/part-run-{first_window}"
                     "-00000-of-00001.avro") == ["undated"]
    late = {name: ids for name, ids in files.items()
            if name.startswith(f"{day}-{first_window}-late")}
    # two late firings, two files, nothing overwritten
    assert sorted(late.values()) == [["late"], ["later"]]
    assert sorted(re.search(r"-(late\d+)-[0-9a-f]{8}-", name).group(1) for name in late) == [
        "late1", "late2"]
    # the item found after its window's lateness is written with the items of its poll,
    # under the folder of the day it was published
    assert {name: ids for name, ids in files.items() if name not in late} == {
        f"{day}-{second_window}-00000-of-00001.avro": ["too-late"]}


# ---------------------------------------------------------------------------------------------
# The whole job on the portable runner

def rss(*items):
    entries = "".join(f"<item><guid>{guid}</guid><title>{title}</title>"
                      f"<description>{text}</description>"
                      "<pubDate>Mon, 06 Sep 2021 16:45:00 +0000</pubDate></item>"
                      for guid, title, text in items)
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>".encode()


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


def scripted_feeds(state, *, interval, now):
    """Scripted feeds by name; anything else is polled for real (here: fixture files)."""
    if state.feed not in SCRIPTS:
        return poll_feed(state, interval=interval, now=now)
    script = SCRIPTS[state.feed]
    n = int(state.etag or 0)
    answer = script[min(n, len(script) - 1)]
    state = replace(state, etag=str(n + 1), next_due=now)  # due at every tick
    if isinstance(answer, str):
        return PollResult(replace(state, failures=state.failures + 1, last_error=answer), None,
                          500, answer, int(now * 1000))
    return PollResult(replace(state, failures=0, last_error=None), answer,
                      200 if answer else 304, None, int(now * 1000))


def read_avro(folder, kind):
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
                             poll_fn=scripted_feeds, first_poll_spread=0)
    started = time.monotonic()
    result = pipeline.run()
    result.wait_until_finish()
    print(f"portable run: {time.monotonic() - started:.1f} s")

    items = read_avro(tmp_path, "items")
    # bodies cleaned by the batch job's stages; the edit written as revision 2
    assert sorted((i["title"], i["revision"], i["body"]) for i in items) == [
        ("Alpha", 1, "First text."), ("Beta", 1, "Second text."),
        ("Beta", 2, "Second text, edited."),
        ("First & foremost", 1, "One paragraph.\nTwo paragraphs."), ("Gamma", 1, "Third text.")]
    assert {i["feed_url"] for i in items} == {"scripted://news", fixture}
    dead = sorted((d["feed_url"], d["stage"]) for d in read_avro(tmp_path, "dead_letter"))
    assert dead == [("scripted://down", "read"), ("scripted://junk", "parse")]

    assert counter(result, "feed_poll_failures") == 3  # one per tick, one dead letter
    assert counter(result, "duplicates") == 1  # Alpha, unchanged in the third poll
    assert counter(result, "items_past_lateness") == len(items)  # all dated 2021


def test_run_streaming_reads_its_options(tmp_path):
    run_streaming(RunConfig.from_argv([
        "--streaming", "--runner=PortableRunner", "--job_endpoint=embed",
        "--environment_type=LOOPBACK", f"--feeds={FEEDS}/atom10.atom", f"--output={tmp_path}",
        "--interval=1", "--window_seconds=60", "--allowed_lateness=60", "--state_ttl_days=1",
        "--run_for=2"]))
    [item] = read_avro(tmp_path, "items")  # the feed's one entry, once in three polls
    assert item["feed_url"] == f"{FEEDS}/atom10.atom"


# ---------------------------------------------------------------------------------------------
# The shells over the feed-cycle core: parsing, one session, first-poll spread

def test_an_unexpected_parser_error_is_one_dead_letter_for_that_feed_alone():
    good = rss(("a", "Alpha", "First text."))

    def parser(feed, data, fetched):
        if feed == "bad":
            raise RecursionError("maximum recursion depth exceeded")
        return parse_feed(feed, data, fetched)

    pipeline = stream_pipeline()
    bodies = pipeline | beam.Create([("bad", b"<rss/>", 1), ("good", good, 2)])
    items, dead = bodies | ParseFeeds(parser)
    assert_that(items | beam.Map(lambda i: (i["feed_url"], i["guid"])),
                equal_to([("good", "a")]), label="items")
    assert_that(dead | beam.Map(lambda d: (d["feed_url"], d["stage"], d["error"].split(":")[0])),
                equal_to([("bad", "parse", "RecursionError")]), label="dead letters")
    pipeline.run().wait_until_finish()


def test_the_poller_fetches_through_one_session_per_worker(monkeypatch):
    import newsbeam.transforms.feeds.http as http

    made = []
    real = http.make_session
    monkeypatch.setattr(http, "make_session", lambda *a, **k: made.append(1) or real(*a, **k))
    settings = HttpSettings(user_agent=f"newsbeam-test/{time.time()}")  # a client of its own
    with FeedServer({"/a.xml": (200, {}, rss(("a", "A", "Text."))),
                     "/b.xml": (200, {}, rss(("b", "B", "Text.")))}) as server:
        pipeline = stream_pipeline()
        bodies, _ = (pipeline | ticks(100, 200, 300)
                     | PollFeeds([server.url("/a.xml"), server.url("/b.xml")], interval=50,
                                 clock=lambda: 0.0, settings=settings))
        # the bodies come once each: the second and third polls bring the same bytes again
        assert_that(bodies | beam.Map(lambda b: b[0].rsplit("/", 1)[1]),
                    equal_to(["a.xml", "b.xml"]))
        pipeline.run().wait_until_finish()
        polls = len(server.requests)
        agents = {headers["User-Agent"] for _, headers in server.requests}
    assert polls == 6 and len(made) == 1  # six polls, one session
    assert agents == {settings.user_agent}


def test_first_polls_are_spread_over_the_given_seconds():
    feeds = [f"f{n}" for n in range(6)]
    pipeline = stream_pipeline()
    bodies, _ = (pipeline | ticks(*range(100, 161, 10))
                 | PollFeeds(feeds, interval=1000, poll_fn=counting_poll, clock=lambda: 0.0,
                             first_poll_spread=60))
    first_polls = bodies | beam.Map(lambda b: (b[0], b[2] // 1000))
    expected = [(feed, 100 + -(-int(first_poll_offset(feed, 60)) // 10) * 10) for feed in feeds]
    assert_that(first_polls, equal_to(expected))
    pipeline.run().wait_until_finish()
