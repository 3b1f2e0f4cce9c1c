"""One table of story cases, run through the batch job's steps, follow mode and the unbounded
job (TestStream): all three give every record the same story id.

Polls arrive in publication order, so the three modes see the records in the same order.
"""
from dataclasses import replace

import apache_beam as beam
import pytest
from apache_beam.testing.test_stream import TestStream as Stream
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.follow.follower import Follower
from newsbeam.transforms.beam.enrich import EnrichItems
from newsbeam.transforms.beam.revisions import NumberRevisions
from newsbeam.transforms.beam.stories import AssignStoriesInStream, DecideStoriesInRun
from newsbeam.transforms.feeds.identity import fingerprint
from newsbeam.transforms.feeds.poll import PollResult

from tests.support.output_files import read_records
from tests.support.stories import OTHER, WIRE
from tests.support.streams import at, stream_pipeline


def item(item_id, link, content, published):
    return {"id": item_id, "feed_url": f"https://{item_id[0]}.example/feed", "guid": item_id,
            "link": link, "title": item_id, "content": content,
            "content_source": "description", "published": published, "fetched": 0,
            "authors": [], "feed_categories": [],
            "fingerprint": fingerprint(item_id, str(content))}


# What each poll brings, in publication order; `expected` is each record's story.
POLLS = [
    [item("a1", "https://news.example.com/economy/rates?utm_source=rss", WIRE, 1000),
     item("d1", "https://news.example.com/floods", OTHER, 1500)],
    [  # the same article in another feed, under the same canonical link
     item("b1", "http://news.example.com/economy/rates/", "A teaser only.", 2000),
     # the same wire text under another link: a near-duplicate
     item("c1", "https://other.example.net/9", WIRE + " Source: Example Wire.", 3000),
     # an item that becomes a dead letter: it gets no story and leaves no key behind
     item("e1", "https://broken.example/x", 123, 3500)],
    [  # a revision of the first article
     item("a1", "https://news.example.com/economy/rates?utm_source=rss",
          WIRE.replace("Thursday", "Thursday morning"), 1000),
     # reaches the story only through the link of a record that joined it
     item("z1", "http://other.example.net/9?utm_campaign=x", "Rates: the reactions.", 4000),
     # the dead letter's link again: no story to join
     item("f1", "https://broken.example/x", "Broken no more.", 5000)],
]
EXPECTED = {"a1": "a1", "b1": "a1", "c1": "a1", "d1": "d1", "z1": "a1", "f1": "f1"}


def latest(polls):
    """Each item's last version: what a batch run reading the feeds now would see."""
    return list({i["id"]: i for poll in polls for i in poll}.values())


def test_batch(pipeline):
    records, _ = pipeline | beam.Create(latest(POLLS)) | EnrichItems()
    joined = beam.pvalue.AsSingleton(records | DecideStoriesInRun())
    stories = records | beam.Map(lambda r, joined: (r["id"], joined.get(r["id"], r["id"])),
                                 joined=joined)
    assert_that(stories, equal_to(list(EXPECTED.items())))
    pipeline.run()


def test_unbounded_job():
    stream = Stream()
    for n, poll in enumerate(POLLS):
        second = 100 * (n + 1)
        stream = stream.advance_watermark_to(second).add_elements([at(second, i) for i in poll])
    pipeline = stream_pipeline()
    records, _ = (pipeline | stream.advance_watermark_to_infinity()
                  | NumberRevisions(ttl_seconds=3600) | EnrichItems())
    stories = (records | AssignStoriesInStream(ttl_seconds=3600)
               | beam.Map(lambda r: (r["id"], r["revision"], r["story_id"])))
    assert_that(stories, equal_to(
        [(record, 1, story) for record, story in EXPECTED.items()] + [("a1", 2, "a1")]))
    pipeline.run().wait_until_finish()


@pytest.fixture
def follower(tmp_path):
    def poll(state, *, interval, now, **_):
        n = int(state.etag or 0)
        return PollResult(replace(state, etag=str(n + 1), next_due=now + interval),
                          f"poll {n}".encode(), 200, None, int(now * 1000))

    def parser(feed, body, fetched):
        return [dict(i) for i in POLLS[int(body.split()[1])]]

    config = RunConfig.from_argv(["--follow", "--output", str(tmp_path / "out"),
                                  "--state", str(tmp_path / "state"), "--interval", "60"])
    following = Follower(["scripted"], config, poll_fn=poll, parser=parser,
                         spread_first_polls=False)
    yield following
    following.close()


def test_follow_mode(follower, tmp_path):
    for n in range(len(POLLS)):
        follower.run_cycle(now=1_800_000_000 + 61 * n)
    records = read_records(tmp_path / "out" / "items")
    assert sorted((r["id"], r["revision"], r["story_id"]) for r in records) == sorted(
        [(record, 1, story) for record, story in EXPECTED.items()] + [("a1", 2, "a1")])
    [letter] = read_records(tmp_path / "out" / "dead_letter")
    assert letter["stage"] == "boilerplate"
