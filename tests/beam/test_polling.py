"""PollFeeds: each feed's poll state in Beam keyed state, polled when due, failures reported once."""
import time
from dataclasses import replace

import apache_beam as beam
from apache_beam.testing.util import assert_that, equal_to
from newsbeam.transforms.beam.polling import PollFeeds
from newsbeam.transforms.feeds.http import HttpSettings
from newsbeam.transforms.feeds.poll import PollResult, first_poll_offset

from tests.support.feeds import rss
from tests.support.http_server import FeedServer
from tests.support.streams import stream_pipeline, ticks


def counting_poll(state, *, interval, now):
    """A server whose ETag counts polls; the body says which validator the poll sent."""
    sent = state.etag
    etag = str(int(sent or 0) + 1)
    body = f"{state.feed} poll {etag} at {now:g} sent {sent}".encode()
    return PollResult(replace(state, etag=etag, next_due=now + interval, last_status=200),
                      body, 200, None, int(now * 1000))


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


def test_the_poller_fetches_through_one_session_per_worker(monkeypatch):
    import newsbeam.transforms.feeds.http as http

    made = []
    real = http.make_session
    monkeypatch.setattr(http, "make_session", lambda *a, **k: made.append(1) or real(*a, **k))
    # a client of its own, allowed to reach this machine's server
    settings = HttpSettings(user_agent=f"newsbeam-test/{time.time()}",
                            allow_private_addresses=True)
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
