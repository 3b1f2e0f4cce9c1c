"""DecideStoriesInRun and AssignStoriesInStream: the story rule over a batch run and in keyed
state."""
import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_stream import TestStream as Stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue
from newsbeam.transforms.beam.stories import (
    AssignStoriesInStream,
    DecideStoriesInRun,
    _DecideFn,
)

from tests.support.stories import OTHER, WIRE


def record(record_id, link, body, published=None, fetched=0, revision=1):
    return {"id": record_id, "link": link, "body": body, "published": published,
            "fetched": fetched, "revision": revision, "title": record_id}


RECORDS = [
    record("a", "https://news.example.com/r?utm_source=rss", WIRE, published=1000),
    record("b", "http://news.example.com/r/", "A teaser only.", published=2000),
    record("c", "https://other.example.net/9", WIRE + " Source: Example Wire.", published=3000),
    record("d", "https://news.example.com/floods", OTHER, published=1500),
    record("e", None, "Untitled.", fetched=5000),
]


EXPECTED = [("a", "a"), ("b", "a"), ("c", "a"), ("d", "d"), ("e", "e")]


def test_batch_decides_stories_over_the_run(pipeline):
    records = pipeline | beam.Create(RECORDS)
    stories = records | DecideStoriesInRun()
    out = records | beam.Map(lambda r, joined: (r["id"], joined.get(r["id"], r["id"])),
                             joined=beam.pvalue.AsSingleton(stories))
    assert_that(out, equal_to(EXPECTED))
    pipeline.run()


def test_streaming_keeps_story_keys_in_keyed_state_across_polls():
    stream = (Stream()
              .advance_watermark_to(10)
              # two copies in one poll still meet: lookups of one key are serial
              .add_elements([TimestampedValue(RECORDS[0], 10), TimestampedValue(RECORDS[3], 10),
                             TimestampedValue(RECORDS[4], 10)])
              .advance_watermark_to(20)
              .add_elements([TimestampedValue(RECORDS[1], 20)])
              .advance_watermark_to(30)
              .add_elements([TimestampedValue(RECORDS[2], 30)])
              .advance_watermark_to_infinity())
    pipeline = beam.Pipeline(runner="BundleBasedDirectRunner",
                             options=PipelineOptions([], streaming=True))
    out = (pipeline | stream | AssignStoriesInStream(ttl_seconds=3600)
           | beam.Map(lambda r: (r["id"], r["story_id"])))
    assert_that(out, equal_to(EXPECTED))
    pipeline.run().wait_until_finish()


def test_streaming_forgets_story_keys_after_the_ttl():
    late = record("f", "https://news.example.com/r", WIRE, published=9000)
    stream = (Stream()
              .advance_watermark_to(10)
              .add_elements([TimestampedValue(RECORDS[0], 10)])
              .advance_watermark_to(500)  # past the TTL of every key of "a"
              .add_elements([TimestampedValue(late, 500)])
              .advance_watermark_to_infinity())
    pipeline = beam.Pipeline(runner="BundleBasedDirectRunner",
                             options=PipelineOptions([], streaming=True))
    out = (pipeline | stream | AssignStoriesInStream(ttl_seconds=100)
           | beam.Map(lambda r: (r["id"], r["story_id"])))
    assert_that(out, equal_to([("a", "a"), ("f", "f")]))
    pipeline.run().wait_until_finish()


class State:
    """A state cell for calling a stateful DoFn's process directly."""

    def __init__(self):
        self.value, self.items = None, []

    def read(self):
        return self.value if self.value is not None else list(self.items)

    def write(self, value):
        self.value = value

    def add(self, item):
        self.items.append(item)

    def clear(self):
        self.value, self.items = None, []


def decide(fn, states, row, at_seconds=5000.0):
    from apache_beam.utils.timestamp import Timestamp

    joined, decided, waiting = states
    return list(fn.process(("stories", row), now=Timestamp.of(at_seconds), joined_state=joined,
                           decided_state=decided, waiting_state=waiting))


def row(record, created, link, entries, record_key=None):
    """A row as Gather sends it: only a link key, whose entries are (created, record)."""
    return {"id": record, "created": created, "link": link, "bands": [],
            "record_key": record_key or f"{record}/1",
            "entries": {link: [[c, r, 4990.0] for c, r in entries]}}


def test_a_record_waits_for_the_decision_of_a_record_it_saw_then_joins_its_story():
    fn, states = _DecideFn(ttl_seconds=3600), (State(), State(), State())
    # y saw x under a key, but x's row comes second
    assert decide(fn, states, row("y", 20, "l:1", [(10, "x")])) == []
    # x joins an older story through another key: s, decided more than an hour ago
    decisions = decide(fn, states, {**row("x", 10, "l:2", []),
                                    "entries": {"l:2": [[5, "s", 100.0]]}})
    assert decisions == [("x/1", [5, "s"]), ("y/1", [5, "s"])]


def test_records_that_saw_each_other_are_decided_oldest_first():
    fn, states = _DecideFn(ttl_seconds=3600), (State(), State(), State())
    assert decide(fn, states, row("b", 20, "l:1", [(10, "a")])) == []
    assert decide(fn, states, row("a", 10, "l:2", [(20, "b")])) == [
        ("a/1", [10, "a"]), ("b/1", [10, "a"])]
