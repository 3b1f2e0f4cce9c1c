"""Follow mode: poll cycles against a real loopback server, asserting on the Avro written."""
import functools
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from pipelines.live import Follower
from pipelines.live_state import DUPLICATE, NEW, REVISED, LiveState
from tests.avro_files import read_records
from tests.http_server import FeedServer, conditional, endless_body, gzipped, never_answers
from transforms.fetch import FeedPollState, poll_feed

T0 = 1_800_000_000.0


def rss(*items):
    body = "".join(f"<item><title>{title}</title><guid>{guid}</guid><description>{text}"
                   f"</description><pubDate>Mon, 06 Sep 2021 16:45:00 +0000</pubDate></item>"
                   for guid, title, text in items)
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


class ChangingFeed:
    """A feed with an ETag that answers 304 while unchanged; `.body` can be swapped."""

    def __init__(self, body):
        self.body = body

    def __call__(self, handler):
        conditional(self.body, etag=f'"{hash(self.body)}"')(handler)


def read_items(output):
    return read_records(os.path.join(output, "items"))


def read_dead(output):
    return read_records(os.path.join(output, "dead_letter"))


V1 = rss(("a", "Alpha", "First story."), ("b", "Beta", "Second story."))
V2 = rss(("a", "Alpha", "First story."), ("b", "Beta", "Second story, corrected."),
         ("c", "Gamma", "Third story."))


@pytest.fixture
def feed():
    changing = ChangingFeed(V1)
    with FeedServer({"/feed.xml": changing, "/broken.xml": (500, {}, b"down")}) as server:
        changing.url = server.url("/feed.xml")
        changing.broken = server.url("/broken.xml")
        yield changing


def follower(tmp_path, feeds, **kwargs):
    return Follower(feeds=feeds, output=str(tmp_path / "out"), state_dir=str(tmp_path / "state"),
                    interval=60, concurrency=4, **kwargs)


# --- state ------------------------------------------------------------------------------------

def test_state_classifies_new_revised_and_duplicate(tmp_path):
    state = LiveState(str(tmp_path / "s.sqlite"))
    items = [{"id": "a", "fingerprint": "1"}, {"id": "b", "fingerprint": "1"}]
    assert [s.kind for s in state.classify(items)] == [NEW, NEW]
    state.commit(batch_id="x", items=[{**i, "revision": 1} for i in items], seen_ids=[],
                 feeds={}, body_hashes={}, now=T0)
    again = state.classify([{"id": "a", "fingerprint": "1"}, {"id": "b", "fingerprint": "2"}])
    assert [(s.kind, s.revision) for s in again] == [(DUPLICATE, 1), (REVISED, 2)]
    assert state.is_committed("x")


def test_state_repeats_within_one_batch_count_once(tmp_path):
    state = LiveState(str(tmp_path / "s.sqlite"))
    kinds = [s.kind for s in state.classify([{"id": "a", "fingerprint": "1"}] * 2)]
    assert kinds == [NEW, DUPLICATE]


def test_state_expires_items_not_seen_within_the_ttl(tmp_path):
    state = LiveState(str(tmp_path / "s.sqlite"))
    state.commit(batch_id=None, items=[{"id": "old", "fingerprint": "1", "revision": 1},
                                       {"id": "kept", "fingerprint": "1", "revision": 1}],
                 seen_ids=[], feeds={}, body_hashes={}, now=T0)
    state.commit(batch_id=None, items=[], seen_ids=["kept"], feeds={}, body_hashes={},
                 now=T0 + 10 * 86400)
    assert state.expire(14 * 86400, now=T0 + 15 * 86400) == 1
    assert [s.kind for s in state.classify([{"id": "old", "fingerprint": "1"}])] == [NEW]
    assert [s.kind for s in state.classify([{"id": "kept", "fingerprint": "1"}])] == [DUPLICATE]


def test_feed_state_round_trips(tmp_path):
    state = LiveState(str(tmp_path / "s.sqlite"))
    polled = FeedPollState(feed="f", etag='"x"', next_due=T0 + 60)
    state.commit(batch_id=None, items=[], seen_ids=[], feeds={"f": polled}, body_hashes={"f": "h"})
    assert state.feed_states(["f", "g"]) == {"f": polled, "g": FeedPollState(feed="g")}


# --- cycles -----------------------------------------------------------------------------------

def test_new_items_once_then_304_then_changes_as_new_and_revised(tmp_path, feed):
    f = follower(tmp_path, [feed.url])
    first = f.run_cycle(now=T0)
    assert (first.new, first.records_written) == (2, 2)
    assert f.run_cycle(now=T0 + 1).polled == 0  # not due yet
    unchanged = f.run_cycle(now=T0 + 61)
    assert (unchanged.polled, unchanged.changed, unchanged.new) == (1, 0, 0)
    feed.body = V2
    changed = f.run_cycle(now=T0 + 122)
    assert (changed.new, changed.revised, changed.duplicates) == (1, 1, 1)
    f.close()
    records = read_items(str(tmp_path / "out"))
    assert sorted((r["guid"], r["revision"]) for r in records) == [
        ("a", 1), ("b", 1), ("b", 2), ("c", 1)]
    assert [r["body"] for r in records if r["revision"] == 2] == ["Second story, corrected."]


def test_restart_writes_nothing_again(tmp_path, feed):
    f = follower(tmp_path, [feed.url])
    f.run_cycle(now=T0)
    f.close()
    feed.body = V1 + b" "  # same items, new bytes and ETag: parsed again, all duplicates
    again = follower(tmp_path, [feed.url])
    cycle = again.run_cycle(now=T0 + 61)
    again.close()
    assert (cycle.changed, cycle.new, cycle.duplicates) == (1, 0, 2)
    assert len(read_items(str(tmp_path / "out"))) == 2


def test_a_crash_before_commit_is_replayed_once(tmp_path, feed):
    f = follower(tmp_path, [feed.url])
    original_commit = f.state.commit

    def crash(**kwargs):
        raise RuntimeError("power cut")

    f.state.commit = crash
    with pytest.raises(RuntimeError):
        f.run_cycle(now=T0)
    f.state.commit = original_commit
    f.close()
    assert len(read_items(str(tmp_path / "out"))) == 2  # written, but not committed

    restarted = follower(tmp_path, [feed.url])
    assert len(restarted.replay_inbox()) == 1
    cycle = restarted.run_cycle(now=T0 + 61)
    restarted.close()
    assert (cycle.new, cycle.duplicates) == (0, 2)
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b"]


def test_a_failing_feed_is_one_dead_letter_and_does_not_stop_the_others(tmp_path, feed):
    f = follower(tmp_path, [feed.url, feed.broken])
    first = f.run_cycle(now=T0)
    later = f.run_cycle(now=T0 + 10_000)  # past any backoff: polled and failing again
    f.close()
    assert (first.new, first.failed, later.failed) == (2, 1, 1)
    [letter] = read_dead(str(tmp_path / "out"))
    assert letter["stage"] == "read" and "HTTP 500" in letter["error"]


def test_feeds_are_written_in_groups_each_committed_on_its_own(tmp_path):
    paths = []
    for name, guid in (("one.xml", "x"), ("two.xml", "y"), ("three.xml", "z")):
        paths.append(tmp_path / name)
        paths[-1].write_bytes(rss((guid, guid.upper(), f"Story {guid}.")))
    f = follower(tmp_path, [str(p) for p in paths], feeds_per_batch=2)
    cycle = f.run_cycle(now=T0)
    f.close()
    assert (cycle.polled, cycle.new, len(cycle.batches)) == (3, 3, 2)
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["x", "y", "z"]


def test_an_unparseable_feed_body_is_a_dead_letter(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(b"not a feed")
    f = follower(tmp_path, [str(path)])
    cycle = f.run_cycle(now=T0)
    f.close()
    assert cycle.dead_letters == 1
    assert read_dead(str(tmp_path / "out"))[0]["raw"] == b"not a feed"


def test_misbehaving_servers_never_stall_a_cycle_and_every_new_item_lands_once(tmp_path):
    good = ChangingFeed(V1)
    routes = {
        "/good.xml": good,
        "/moved.xml": (301, {"Location": "/new-home.xml"}, b""),
        "/new-home.xml": conditional(rss(("m", "Moved", "A story from a feed that moved.")),
                                     etag='"m1"'),
        "/hop.xml": (302, {"Location": "/gzip.xml"}, b""),
        "/gzip.xml": gzipped(rss(("g", "Zipped", "A story served compressed."))),
        "/throttled.xml": (429, {"Retry-After": "120"}, b""),
        "/error.xml": (500, {}, b"oops"),
        "/silent.xml": functools.partial(never_answers, seconds=3),
        "/endless.xml": functools.partial(endless_body, seconds=3),
    }
    with FeedServer(routes) as server:
        f = Follower(feeds=[server.url(path) for path in routes if path != "/new-home.xml"
                            and path != "/gzip.xml"],
                     output=str(tmp_path / "out"), state_dir=str(tmp_path / "state"),
                     interval=60, concurrency=8,
                     poll_fn=functools.partial(poll_feed, connect_timeout=0.5,
                                               total_timeout=1.0))
        started = time.monotonic()
        first = f.run_cycle(now=T0)
        assert time.monotonic() - started < 10  # the stuck servers cost their timeouts, once
        good.body = V2
        server.requests.clear()
        second = f.run_cycle(now=T0 + 61)
        f.close()
        polled_again = set(server.paths())
    assert (first.new, first.failed) == (4, 4)
    assert (second.new, second.revised) == (1, 1)
    # The permanent redirect is remembered; failing and throttled feeds wait out their backoff.
    assert "/new-home.xml" in polled_again and "/moved.xml" not in polled_again
    assert not polled_again & {"/throttled.xml", "/error.xml", "/silent.xml", "/endless.xml"}
    records = read_items(str(tmp_path / "out"))
    assert sorted((r["guid"], r["revision"]) for r in records) == [
        ("a", 1), ("b", 1), ("b", 2), ("c", 1), ("g", 1), ("m", 1)]
    errors = sorted(d["error"] for d in read_dead(str(tmp_path / "out")))
    assert len(errors) == 4
    assert any("429" in e for e in errors) and any("500" in e for e in errors)


def test_a_failed_cycle_is_retried_and_its_batch_written_once(tmp_path, feed):
    f = follower(tmp_path, [feed.url])
    f.interval = 0.1
    write_batch, attempts, lines = f._write_batch, [], []

    def flaky_write(batch_id):
        attempts.append(batch_id)
        if len(attempts) == 1:
            raise OSError("disk full")
        return write_batch(batch_id)

    f._write_batch = flaky_write
    stop = threading.Event()

    def report(line):
        lines.append(line)
        if line.startswith("polled") or line.startswith("wrote batch"):
            stop.set()

    f.run(stop, report=report, warn=lines.append)
    f.close()
    assert lines[0].startswith("newsbeam: cycle failed, retrying in 0.1 s: OSError('disk full')")
    assert lines[1].startswith("wrote batch")
    assert attempts[0] == attempts[1]  # the same batch, under the same id
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b"]


# --- the command ------------------------------------------------------------------------------

def _follow(tmp_path, feed_path):
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.news_pipeline", "--follow", "--interval", "1",
         "--feeds", str(feed_path), "--output", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_records(output, count, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(read_items(output)) >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} records after {timeout} s")


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_follow_command_stops_cleanly_and_resumes_without_repeats(tmp_path, stop_signal):
    feed_path = tmp_path / "feed.xml"
    feed_path.write_bytes(V1)
    process = _follow(tmp_path, feed_path)
    _wait_for_records(str(tmp_path / "out"), 2)
    feed_path.write_bytes(V2)
    _wait_for_records(str(tmp_path / "out"), 4)
    process.send_signal(stop_signal)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "finishing the current cycle" in err

    restarted = _follow(tmp_path, feed_path)
    time.sleep(3)
    restarted.send_signal(stop_signal)
    restarted.communicate(timeout=30)
    assert restarted.returncode == 0
    records = read_items(str(tmp_path / "out"))
    assert sorted((r["guid"], r["revision"]) for r in records) == [
        ("a", 1), ("b", 1), ("b", 2), ("c", 1)]
