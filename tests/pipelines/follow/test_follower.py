"""Follow mode: poll cycles against a real loopback server, asserting on the Avro written."""
import functools
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from newsbeam.pipelines.cli import main
from newsbeam.pipelines.config import RunConfig
from newsbeam.pipelines.follow.follower import Follower
from newsbeam.pipelines.follow.log import FollowLog
from newsbeam.pipelines.follow.state import StateError
from newsbeam.transforms.feeds.parse import parse_feed
from newsbeam.transforms.feeds.poll import poll_feed

from tests.support.output_files import read_records
from tests.support.feeds import rss, rss_links
from tests.support.http_server import (
    FeedServer,
    conditional,
    endless_body,
    gzipped,
    never_answers,
    slow,
    trickle,
)
from tests.support.pages import HTML, article, page_html
from tests.support.stories import OTHER, WIRE

T0 = 1_800_000_000.0


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


def follow_config(tmp_path, *args) -> RunConfig:
    """Follow mode's settings for a test: output and state under `tmp_path`, `args` on top."""
    return RunConfig.from_argv(["--follow", "--output", str(tmp_path / "out"),
                                "--state", str(tmp_path / "state"), "--allow_private_addresses",
                                *args])


def follower(tmp_path, feeds, *args, concurrency=4, per_host=2, interval=60, **kwargs):
    """A Follower of `feeds` with output and state under `tmp_path`; `args` are more options."""
    config = follow_config(tmp_path, "--interval", str(interval), "--fetch_concurrency",
                           str(concurrency), "--per_host_concurrency", str(per_host), *args)
    return Follower(feeds, config, spread_first_polls=False, **kwargs)


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
        f = follower(tmp_path, [server.url(path) for path in routes
                                if path not in ("/new-home.xml", "/gzip.xml")],
                     concurrency=8, per_host=8,
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


class Lines(io.StringIO):
    """A log's output, kept line by line; sets `stop` once a line starts with `until`."""

    def __init__(self, stop: threading.Event, until: tuple[str, ...]):
        super().__init__()
        self.stop, self.until, self.lines, self._partial = stop, until, [], ""

    def write(self, text):
        *complete, self._partial = (self._partial + text).split("\n")
        for line in complete:
            self.lines.append(line)
            if line.split(" ", 1)[-1].startswith(self.until):
                self.stop.set()
        return len(text)


def test_a_failed_cycle_is_retried_and_its_batch_written_once(tmp_path, feed):
    f = follower(tmp_path, [feed.url], interval=0.1)
    write_batch, attempts = f.write_batch, []

    def flaky_write(batch_id):
        attempts.append(batch_id)
        if len(attempts) == 1:
            raise OSError("disk full")
        return write_batch(batch_id)

    f.write_batch = flaky_write
    stop = threading.Event()
    out = Lines(stop, until=("cycle:", "wrote batch"))
    f.run(stop, FollowLog(out=out))
    f.close()
    events = [line.split(" ", 1)[1] for line in out.lines]
    assert events[0].startswith("cycle failed, retrying in 0.1 s: OSError('disk full')")
    assert events[1].startswith("wrote batch")
    assert attempts[0] == attempts[1]  # the same batch, under the same id
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b"]


# --- the command ------------------------------------------------------------------------------

def _follow(tmp_path, feed_path):
    return subprocess.Popen(
        [sys.executable, "-m", "newsbeam.pipelines.batch", "--follow", "--interval", "1",
         "--allow_private_addresses",
         "--feeds", str(feed_path), "--output", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_until_following(process):
    """Returns once the follower says it follows: its signal handlers are in place then."""
    for line in process.stdout:
        if "following" in line:
            return
    raise AssertionError("the follower ended before following")


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
    _wait_until_following(restarted)
    time.sleep(2)  # a cycle or two: nothing new to write
    restarted.send_signal(stop_signal)
    restarted.communicate(timeout=30)
    assert restarted.returncode == 0
    records = read_items(str(tmp_path / "out"))
    assert sorted((r["guid"], r["revision"]) for r in records) == [
        ("a", 1), ("b", 1), ("b", 2), ("c", 1)]


def test_run_for_stops_the_follower_as_a_signal_would(tmp_path):
    feed_path = tmp_path / "feed.xml"
    feed_path.write_bytes(V1)
    result = subprocess.run(
        [sys.executable, "-m", "newsbeam.pipelines.batch", "--follow", "--interval", "1",
         "--run_for", "3", "--feeds", str(feed_path), "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert " stopped after " in result.stdout.splitlines()[-1]
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b"]


@pytest.mark.parametrize("second_signal_when", ["while the cycle finishes",
                                                "after the stop line, while the process exits"])
def test_a_second_signal_stops_at_once_without_a_traceback(tmp_path, second_signal_when):
    feed_path = tmp_path / "feed.xml"
    feed_path.write_bytes(V1)
    process = _follow(tmp_path, feed_path)
    _wait_for_records(str(tmp_path / "out"), 2)
    process.send_signal(signal.SIGINT)
    if second_signal_when == "while the cycle finishes":
        time.sleep(0.05)
    else:
        for line in process.stdout:
            if " stopped after " in line:
                break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    # Either the second signal stops the follower at once (130), or following had ended and
    # it changes nothing (0); never Python's default action on the way out (death by SIGINT).
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err
    if process.returncode == 130:
        assert "stopped at once" in err


# --- no cycle waits for the slowest feed --------------------------------------------------------

def test_a_cycle_writes_what_has_arrived_by_its_deadline_and_a_later_cycle_the_rest(tmp_path):
    late_body = rss(("z", "Zeta", "A story from a slow server."))
    routes = {"/good.xml": ChangingFeed(V1), "/late.xml": slow((200, {}, late_body), 6.0)}
    with FeedServer(routes) as server:
        f = follower(tmp_path, [server.url("/good.xml"), server.url("/late.xml")])
        first = f.run_cycle(now=T0, deadline=time.monotonic() + 1.0)
        written_first = sorted(r["guid"] for r in read_items(str(tmp_path / "out")))
        second = f.run_cycle(now=T0 + 1)  # no deadline: waits for the poll still in flight
        f.close()
    assert (first.polled, first.new) == (1, 2) and written_first == ["a", "b"]
    assert (second.polled, second.new) == (1, 1)  # the slow feed, not the good one again
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b", "z"]


def test_feeds_on_one_host_never_see_more_requests_at_once_than_the_cap(tmp_path):
    body = rss(("x", "X", "One story."))
    many = {f"/f{n}.xml": slow((200, {}, body), 0.2) for n in range(12)}
    few = {f"/g{n}.xml": slow((200, {}, body), 0.2) for n in range(4)}
    with FeedServer(many) as one_host, FeedServer(few, host="127.0.0.2") as other_host:
        f = follower(tmp_path, [one_host.url(p) for p in many] + [other_host.url(p) for p in few],
                     concurrency=16, per_host=2)
        cycle = f.run_cycle(now=T0)
        f.close()
    assert (cycle.polled, cycle.new) == (16, 16)
    # counted by the servers: two at a time per host, even with 16 fetch threads
    assert (one_host.most_at_once, other_host.most_at_once) == (2, 2)


def test_first_polls_are_spread_over_the_interval(tmp_path):
    paths = []
    for n in range(20):
        paths.append(tmp_path / f"feed{n}.xml")
        paths[-1].write_bytes(rss((f"g{n}", f"T{n}", f"Story {n}.")))
    f = Follower([str(p) for p in paths], follow_config(tmp_path, "--interval", "1000"))
    now = time.time()
    at_start = f.run_cycle(now=now)
    within_interval = f.run_cycle(now=now + 1000)
    f.close()
    assert at_start.polled < 5 and at_start.polled + within_interval.polled == 20


def test_an_unexpected_parser_error_is_one_dead_letter_for_that_feed_alone(tmp_path):
    bad, good = tmp_path / "bad.xml", tmp_path / "good.xml"
    bad.write_bytes(rss(("p", "Poison", "Breaks the parser.")))
    good.write_bytes(V1)

    def parser(feed, data, fetched):
        if feed.endswith("bad.xml"):
            raise RecursionError("maximum recursion depth exceeded")
        return parse_feed(feed, data, fetched)

    f = follower(tmp_path, [str(bad), str(good)], parser=parser)
    first = f.run_cycle(now=T0)
    again = f.run_cycle(now=T0 + 61)  # the same bytes again: not parsed, not reported again
    f.close()
    assert (first.new, first.dead_letters, again.dead_letters) == (2, 1, 0)
    [letter] = read_dead(str(tmp_path / "out"))
    assert (letter["feed_url"], letter["stage"]) == (str(bad), "parse")
    assert letter["error"].startswith("RecursionError: maximum recursion")
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b"]


# --- one story across feeds ---------------------------------------------------------------------


def test_one_story_across_feeds_and_restarts(tmp_path):
    feeds = {
        "a.xml": ("wire-1", "Bank raises rates",
                  "https://www.news.example.com/economy/rates?utm_source=rss&amp;utm_medium=feed",
                  WIRE),
        "b.xml": ("b-77", "Central bank raises rates again",
                  "http://news.example.com/economy/rates/?utm_campaign=daily", WIRE),
        # the same wire text under another guid and link, one word changed, a credit line added
        "c.xml": ("c-9", "Rates up again", "https://other.example.net/world/123",
                  WIRE.replace("Thursday", "Thursday morning")
                  + "&lt;p&gt;Source: Example Wire&lt;/p&gt;"),
        "d.xml": ("d-1", "Floods in the north", "https://news.example.com/floods", OTHER),
    }
    for name, item in feeds.items():
        (tmp_path / name).write_bytes(rss_links(item))
    f = follower(tmp_path, [str(tmp_path / name) for name in feeds])
    f.run_cycle(now=T0)
    f.close()
    (tmp_path / "e.xml").write_bytes(rss_links(("e-5", "Rates", "https://third.example.org/r",
                                                WIRE)))
    restarted = follower(tmp_path, [str(tmp_path / name) for name in [*feeds, "e.xml"]])
    restarted.run_cycle(now=T0 + 61)
    restarted.close()
    records = {r["guid"]: r for r in read_items(str(tmp_path / "out"))}
    assert len(records) == 5  # every copy is kept: the feed it came from is data
    story = records["wire-1"]["story_id"]
    assert {records[g]["story_id"] for g in ("wire-1", "b-77", "c-9", "e-5")} == {story}
    # a story is named after its first record (here one of the first cycle's three copies)
    assert story in {records[g]["id"] for g in ("wire-1", "b-77", "c-9")}
    assert records["d-1"]["story_id"] == records["d-1"]["id"] != story


# --- article pages -----------------------------------------------------------------------------

WATER_LAW = article("Parliament passed the water law on Monday after a long night of debate")
CONTRACT = article("The striker signed a new contract with the club until the end of 2030")
CONTRACT_V2 = article("The striker signed a new contract and will captain the club next season")


def test_with_articles_an_item_is_its_page_fetched_once_and_again_when_it_is_revised(tmp_path):
    routes = {"/a": (200, HTML, page_html(WATER_LAW)), "/b": (200, HTML, page_html(CONTRACT))}
    with FeedServer(routes) as site:
        feed = tmp_path / "feed.xml"
        feed.write_bytes(rss_links(("a", "Water law", site.url("/a"), "Teaser a."),
                                   ("b", "Contract", site.url("/b"), "Teaser b.")))
        f = follower(tmp_path, [str(feed)], "--fetch_articles")
        f.run_cycle(now=T0)
        routes["/b"] = (200, HTML, page_html(CONTRACT_V2))
        feed.write_bytes(rss_links(("a", "Water law", site.url("/a"), "Teaser a."),
                                   ("b", "Contract", site.url("/b"), "Teaser b, updated.")))
        f.run_cycle(now=T0 + 61)
        f.close()
        assert [path for path in site.paths() if path != "/robots.txt"] == ["/a", "/b", "/b"]
    records = {(r["guid"], r["revision"]): r for r in read_items(str(tmp_path / "out"))}
    assert sorted(records) == [("a", 1), ("b", 1), ("b", 2)]
    assert "water law on Monday" in records["a", 1]["body"]
    assert records["a", 1]["summary"] == "Teaser a."
    assert records["a", 1]["content_source"] == "article"
    assert records["a", 1]["article"]["status"] == 200
    assert "end of 2030" in records["b", 1]["body"]
    assert "captain the club" in records["b", 2]["body"]
    assert records["b", 2]["summary"] == "Teaser b, updated."


def test_with_articles_a_restart_fetches_no_page_again(tmp_path):
    with FeedServer({"/a": (200, HTML, page_html(WATER_LAW))}) as site:
        feed = tmp_path / "feed.xml"
        feed.write_bytes(rss_links(("a", "Water law", site.url("/a"), "Teaser a.")))
        f = follower(tmp_path, [str(feed)], "--fetch_articles")
        f.run_cycle(now=T0)
        f.close()
        feed.write_bytes(rss_links(("a", "Water law", site.url("/a"), "Teaser a.")) + b" ")
        again = follower(tmp_path, [str(feed)], "--fetch_articles")
        cycle = again.run_cycle(now=T0 + 61)
        again.close()
        assert (cycle.changed, cycle.duplicates) == (1, 1)
        assert [path for path in site.paths() if path != "/robots.txt"] == ["/a"]
    assert len(read_items(str(tmp_path / "out"))) == 1


def test_with_articles_a_missing_page_leaves_the_record_with_the_feeds_text(tmp_path):
    with FeedServer({}) as site:
        feed = tmp_path / "feed.xml"
        feed.write_bytes(rss_links(("a", "Water law", site.url("/gone"), "Teaser a.")))
        f = follower(tmp_path, [str(feed)], "--fetch_articles")
        f.run_cycle(now=T0)
        f.close()
    [record] = read_items(str(tmp_path / "out"))
    assert record["body"] == "Teaser a." and record["content_source"] == "description"
    assert record["article"]["error"].startswith("http: HTTP 404")
    [summary] = [json.loads(path.read_text())
                 for path in (tmp_path / "out" / "_runs").glob("*/summary.json")]
    assert (summary["pages_fetched"], summary["pages_failed"]) == (0, {"http": 1})


# --- latency with misbehaving feeds, end to end -------------------------------------------------

class GrowingFeed:
    """A feed with one item, then (once started) a new item every `every` seconds, up to
    `count`; remembers when each item was published. Answers 304 to its current ETag."""

    def __init__(self, every: float, count: int, links: str | None = None):
        self.every, self.count, self.links = every, count, links
        self.started = None
        self.published = {"g0": time.time()}

    def start(self):
        self.started = time.time()
        for n in range(1, self.count + 1):
            self.published[f"g{n}"] = self.started + (n - 1) * self.every

    def visible(self):
        now = time.time()
        return [guid for guid, at in self.published.items() if at <= now]

    def __call__(self, handler):
        guids = self.visible()
        if self.links:  # each item links to its page under `links`
            body = rss_links(*[(guid, f"Story {guid}", f"{self.links}/{guid}",
                                f"Text of story {guid}.") for guid in guids])
        else:
            body = rss(*[(guid, f"Story {guid}", f"Text of story {guid}.") for guid in guids])
        conditional(body, etag=f'"{len(guids)}"')(handler)


def _readable_since(output, seen: dict):
    """Adds to `seen` each guid found in a finished Avro file, with the time it was found."""
    now = time.time()
    for record in read_items(output):
        seen.setdefault(record["guid"], now)


def follow_latencies(tmp_path, growing: GrowingFeed, interval: float, stuck_feeds: list[str],
                     *options: str) -> list[float]:
    """Seconds from each new item's publication to its record in a finished file, following
    the growing feed beside `stuck_feeds` with the command; each item written exactly once."""
    output = str(tmp_path / "out")
    with FeedServer({"/growing.xml": growing}) as home:
        feeds = tmp_path / "feeds.txt"
        feeds.write_text("\n".join([home.url("/growing.xml"), *stuck_feeds]))
        process = subprocess.Popen(
            [sys.executable, "-m", "newsbeam.pipelines.batch", "--follow", "--interval",
             str(interval), "--feeds", str(feeds), "--output", output,
             "--allow_private_addresses", *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        readable: dict[str, float] = {}
        try:
            deadline = time.monotonic() + 90  # start-up: Beam's import, the first cycle
            while "g0" not in readable and time.monotonic() < deadline:
                _readable_since(output, readable)
                time.sleep(0.2)
            assert "g0" in readable, "the follower wrote nothing within 90 s"
            growing.start()
            last = max(growing.published.values())
            while len(readable) < len(growing.published) and time.time() < last + 40:
                _readable_since(output, readable)
                time.sleep(0.2)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    latencies = sorted(readable[guid] - at for guid, at in growing.published.items()
                       if guid != "g0" and guid in readable)
    print(f"publication to readable file: median {latencies[len(latencies) // 2]:.1f} s, "
          f"max {latencies[-1]:.1f} s")
    assert len(latencies) == growing.count
    guids = [r["guid"] for r in read_items(output)]
    assert sorted(guids) == sorted(growing.published)  # each item written exactly once
    return latencies


def test_new_items_are_readable_within_interval_plus_10_s_beside_hung_trickling_and_looping_feeds(
        tmp_path):
    interval = 2.0
    loop = {"/loop-a.xml": (302, {"Location": "/loop-b.xml"}, b""),
            "/loop-b.xml": (302, {"Location": "/loop-a.xml"}, b"")}
    with FeedServer({"/hang.xml": functools.partial(never_answers, seconds=120)},
                    host="127.0.0.2") as hanging, \
            FeedServer({"/trickle.xml": functools.partial(trickle, seconds=120)},
                       host="127.0.0.3") as trickling, \
            FeedServer(loop, host="127.0.0.4") as looping:
        latencies = follow_latencies(
            tmp_path, GrowingFeed(every=2.0, count=8), interval,
            [hanging.url("/hang.xml"), trickling.url("/trickle.xml"), looping.url("/loop-a.xml")])
        assert hanging.requests and trickling.requests and looping.requests
    assert latencies[-1] <= interval + 10


class HangingPages:
    """Pages that never answer, on their own host: any path but /robots.txt (there is none)."""

    def get(self, path, default=None):
        if path == "/robots.txt":
            return 404, {}, b""
        return functools.partial(never_answers, seconds=120)


def test_with_articles_new_items_are_readable_within_interval_plus_20_s_beside_a_hung_feed_and_page_server(
        tmp_path):
    # A feed is polled again once its items are written, so its items wait for their pages
    # (--article_wait, 10 s) once a poll: the interval here is no shorter than that wait.
    interval = 10.0
    with FeedServer({"/hang.xml": functools.partial(never_answers, seconds=120)},
                    host="127.0.0.2") as hanging_feed, \
            FeedServer(HangingPages(), host="127.0.0.3") as hanging_pages:
        growing = GrowingFeed(every=4.0, count=5, links=hanging_pages.url("/story"))
        latencies = follow_latencies(tmp_path, growing, interval,
                                     [hanging_feed.url("/hang.xml")], "--fetch_articles")
        assert any(path.startswith("/story/") for path in hanging_pages.paths())
    assert latencies[-1] <= interval + 20
    errors = {r["article"]["error"].split(":")[0] for r in read_items(str(tmp_path / "out"))}
    assert errors == {"not_ready"}


def test_items_a_feed_lists_twice_under_one_id_are_written_once_however_often_it_changes(
        tmp_path):
    path = tmp_path / "feed.xml"
    f = follower(tmp_path, [str(path)])
    for poll in range(5):
        path.write_bytes(rss(("dup", "Twice", "First copy."), ("dup", "Twice", "Second copy."),
                             ("live", "Live", f"Update number {poll}.")))
        f.run_cycle(now=T0 + 61 * poll)
    f.close()
    records = read_items(str(tmp_path / "out"))
    assert [r["revision"] for r in records if r["guid"] == "dup"] == [1]
    assert sorted(r["revision"] for r in records if r["guid"] == "live") == [1, 2, 3, 4, 5]


# --- one follower per state ---------------------------------------------------------------------

def write_feed(tmp_path, *items):
    path = tmp_path / "feed.xml"
    path.write_bytes(rss(*items))
    return str(path)


def test_a_second_follower_on_the_same_state_refuses_and_names_the_first(tmp_path):
    first = follower(tmp_path, [write_feed(tmp_path, ("a", "A", "Text."))])
    with pytest.raises(StateError, match=rf"in use by another follower \(pid {os.getpid()} on "):
        follower(tmp_path, [])
    first.close()
    follower(tmp_path, []).close()  # free again once the first has stopped


def test_a_second_follower_on_the_same_output_refuses_even_with_its_own_state(tmp_path):
    first = follower(tmp_path, [])
    config = RunConfig.from_argv(["--follow", "--output", str(tmp_path / "out"),
                                  "--state", str(tmp_path / "other-state")])
    with pytest.raises(StateError, match="output folder .* is in use by another follower"):
        Follower([], config)
    first.close()


def test_a_damaged_state_is_a_clear_error_not_a_silent_loop(tmp_path, capsys):
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "follow.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    status = main(["run", "--follow", "--feeds", write_feed(tmp_path, ("a", "A", "Text.")),
                   "--output", str(tmp_path / "out"), "--state", str(tmp_path / "state")])
    assert status == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "--rebuild_state" in err


def test_a_lost_state_is_refused_then_rebuilt_from_the_output_without_writing_twice(tmp_path):
    feed = write_feed(tmp_path, ("a", "A", "First story."), ("b", "B", "Second story."))
    first = follower(tmp_path, [feed])
    first.run_cycle(now=T0)
    first.close()
    (tmp_path / "state" / "follow.sqlite").unlink()
    with pytest.raises(StateError, match="already holds records but the state .* is missing"):
        follower(tmp_path, [feed])
    config = follow_config(tmp_path, "--interval", "60", "--rebuild_state")
    rebuilt = Follower([feed], config, spread_first_polls=False)
    cycle = rebuilt.run_cycle(now=T0 + 61)
    rebuilt.close()
    assert (cycle.new, cycle.duplicates) == (0, 2)
    assert sorted(r["guid"] for r in read_items(str(tmp_path / "out"))) == ["a", "b"]


def test_a_state_deleted_while_following_stops_the_follower(tmp_path):
    feed = write_feed(tmp_path, ("a", "A", "Text."))
    f = follower(tmp_path, [feed])
    (tmp_path / "state" / "follow.sqlite").unlink()
    with pytest.raises(StateError, match="was deleted or replaced while following"):
        f.run_cycle(now=T0)
    f.close()


# --- output formats, compaction, hourly summaries -------------------------------------------------

def test_parquet_cycles_are_compacted_and_summed_up_by_the_hour(tmp_path, feed):
    f = follower(tmp_path, [feed.url, feed.broken], "--format", "parquet")
    f.run_cycle(now=T0)
    feed.body = V2
    f.run_cycle(now=T0 + 61)
    out = tmp_path / "out"
    names = [p.name for table in ("items", "dead_letter") for p in (out / table).glob("*/*")]
    assert names and all(name.endswith(".parquet") for name in names)
    before = sorted((r["guid"], r["revision"]) for r in read_items(str(out)))
    assert before == [("a", 1), ("b", 1), ("b", 2), ("c", 1)]
    assert len(read_dead(str(out))) == 1  # the broken feed (then backing off), in Parquet too

    # one summary for the hour, holding both batches, not one folder per cycle
    # (two, should the clock pass the hour between the cycles)
    hours = list((out / "_runs").iterdir())
    assert all(hour.name.startswith("follow-") for hour in hours) and len(hours) <= 2
    summaries = [json.loads((hour / "summary.json").read_text()) for hour in hours]
    assert [sum(s[key] for s in summaries) for key in (
        "batches", "records_written", "dead_letters")] == [2, 4, 1]

    item_files = list((out / "items").glob("*/*.parquet"))
    assert len(item_files) >= 2
    report = f.compact(now=time.time())
    assert report.errors == [] and report.files_merged >= 2
    after = list((out / "items").glob("*/*.parquet"))
    assert len(after) == len({p.parent for p in item_files})  # one file per partition
    assert sorted((r["guid"], r["revision"]) for r in read_items(str(out))) == before
    assert not [p for p in out.rglob("*") if p.name.startswith(".compact-")]
    # the hour is closed once a later hour's compaction runs
    f.compact(now=time.time() + 3600)
    assert all((hour / "_SUCCESS").exists() for hour in hours)
    f.close()
    # a restart reads the compacted files back: nothing is written again
    again = follower(tmp_path, [feed.url], "--format", "parquet")
    cycle = again.run_cycle(now=T0 + 200)
    again.close()
    assert cycle.new == 0
    assert len(read_items(str(out))) == 4
